import type { Kysely, Migration } from 'kysely';

/**
 * The sandbox provider's own "remote" tables: what a real PSP keeps on its side. The platform's
 * payment code never reads them; only the sandbox provider does.
 */
export const sandboxMigrations: Record<string, Migration> = {
  '2026_11_27_081_payments_sandbox': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('sandbox_charge')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
        .addColumn('payment_ref', 'text', (c) => c.notNull())
        .addColumn('customer_ref', 'text', (c) => c.notNull())
        .addColumn('amount_minor', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('failure_code', 'text')
        .addColumn('return_url', 'text', (c) => c.notNull())
        .addColumn('language', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createTable('sandbox_refund')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('charge_id', 'text', (c) => c.notNull().references('sandbox_charge.id'))
        .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
        .addColumn('amount_minor', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};
