import { Migrator, type Migration, type MigrationResultSet } from 'kysely';
import type { Db } from './database.js';

export type Migrations = Readonly<Record<string, Migration>>;

/**
 * Applies every pending migration in name order. The same migrations run on SQLite and
 * PostgreSQL: they use only portable column types (text, integer, bigint).
 */
export async function migrateToLatest(db: Db, migrations: Migrations): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ ...migrations }) } });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${String(result.error)}`, { cause: result.error });
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
