import type { Kysely, Migration } from 'kysely';

export const provisioningMigrations: Record<string, Migration> = {
  '2026_11_27_070_provisioning': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('sim')
        .addColumn('iccid', 'text', (c) => c.primaryKey())
        .addColumn('msisdn', 'text', (c) => c.notNull().unique())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('smdp_address', 'text')
        .addColumn('matching_id', 'text')
        // No foreign key: provisioning does not depend on lines, and an allocation names the line
        // before the line row exists (both in one transaction). Unique: one SIM per line.
        .addColumn('line_id', 'text', (c) => c.unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('assigned_at', 'bigint')
        .execute();
      await db.schema.createIndex('sim_available_idx').on('sim').columns(['type', 'status', 'iccid']).execute();
    },
  },
};
