import type { Kysely, Migration } from 'kysely';
import { idempotencyMigrations } from '../idempotency.js';

/** The platform's own tables: the job queue and idempotency keys. */
export const platformMigrations: Record<string, Migration> = {
  ...idempotencyMigrations,
  '2026_11_27_000_platform_jobs': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('job')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('run_at', 'bigint', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('lease_until', 'bigint')
        .addColumn('locked_by', 'text')
        .addColumn('last_error', 'text')
        .addColumn('dedupe_key', 'text', (c) => c.unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('job_due_idx').on('job').columns(['status', 'run_at']).execute();
    },
  },
};
