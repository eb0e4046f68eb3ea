import type { Kysely, Migration } from 'kysely';

export const linesMigrations: Record<string, Migration> = {
  '2026_11_27_040_lines': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('line')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.notNull().references('customer.id'))
        // One line per SIM, ever: the database refuses a second line for a claimed or allocated SIM.
        .addColumn('iccid', 'text', (c) => c.notNull().unique())
        .addColumn('msisdn', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('line_customer_idx').on('line').columns(['customer_id', 'id']).execute();
      await db.schema.createIndex('line_msisdn_idx').on('line').column('msisdn').execute();
      await db.schema.createTable('line_period')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('line_id', 'text', (c) => c.notNull().references('line.id'))
        .addColumn('plan_code', 'text', (c) => c.notNull())
        .addColumn('starts_at', 'bigint', (c) => c.notNull())
        .addColumn('ends_at', 'bigint', (c) => c.notNull())
        .addColumn('order_id', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        // At most one renewal per line and period: two renewals computed from the same state start
        // at the same instant, and the second one is refused.
        .addUniqueConstraint('line_period_line_start_uq', ['line_id', 'starts_at'])
        .execute();
      await db.schema.createIndex('line_period_line_end_idx').on('line_period').columns(['line_id', 'ends_at']).execute();
    },
  },
  // Who holds a plan (the catalog tells them of a price change), page by page in line id order.
  '2026_11_27_136_lines_plan_holders': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createIndex('line_period_plan_line_idx').on('line_period').columns(['plan_code', 'line_id', 'ends_at']).execute();
    },
  },
};
