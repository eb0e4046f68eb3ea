/**
 * The database schema as Kysely sees it. Each module declares its own tables by augmenting this
 * interface from its repository file (`declare module '.../platform/db/schema.js'`), so a module
 * owns its table types while every query shares one typed `Kysely<Tables>`.
 *
 * Conventions that hold on both SQLite and PostgreSQL: ids are prefixed text; instants are integer
 * milliseconds since the epoch (`*_at`, bigint); money and units are integers (bigint); booleans are
 * integers 0/1; structured values are JSON text.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Tables {}
