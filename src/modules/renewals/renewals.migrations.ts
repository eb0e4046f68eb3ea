import type { Kysely, Migration } from 'kysely';

export const renewalsMigrations: Record<string, Migration> = {
  '2026_11_27_090_renewals': {
    async up(db: Kysely<unknown>): Promise<void> {
      // One auto-renew policy per line: what to renew it with, and with which saved method.
      await db.schema.createTable('auto_renewal')
        .addColumn('line_id', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('plan_code', 'text', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('payment_method_id', 'text', (c) => c.notNull())
        .addColumn('confirmed_total_minor', 'bigint', (c) => c.notNull())
        .addColumn('confirmed_at', 'bigint', (c) => c.notNull())
        .addColumn('disabled_reason', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('auto_renewal_customer_idx').on('auto_renewal').columns(['customer_id', 'line_id']).execute();
      await db.schema.createTable('renewal_attempt')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('line_id', 'text', (c) => c.notNull())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('period_end_at', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('due_at', 'bigint')
        .addColumn('claimed_by', 'text')
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('errors', 'integer', (c) => c.notNull())
        .addColumn('order_id', 'text')
        .addColumn('last_failure_code', 'text')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('closed_at', 'bigint')
        // At most one renewal per line and period, whatever runs twice: the database refuses a second attempt.
        .addUniqueConstraint('renewal_attempt_line_period_uq', ['line_id', 'period_end_at'])
        .execute();
      // Claims take the longest-due first, ties in id order (so a backlog is worked through in line order).
      await db.schema.createIndex('renewal_attempt_due_idx').on('renewal_attempt').columns(['due_at', 'id']).execute();
      await db.schema.createIndex('renewal_attempt_order_idx').on('renewal_attempt').column('order_id').execute();
    },
  },
  '2026_11_27_140_auto_renewal_plan': {
    async up(db: Kysely<unknown>): Promise<void> {
      // The enabled policies naming a plan, in line order: who a price change of that plan reaches.
      await db.schema.createIndex('auto_renewal_plan_idx').on('auto_renewal').columns(['plan_code', 'enabled', 'line_id']).execute();
    },
  },
};
