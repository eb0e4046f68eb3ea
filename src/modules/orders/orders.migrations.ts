import type { Kysely, Migration } from 'kysely';

export const ordersMigrations: Record<string, Migration> = {
  '2026_11_27_075_orders': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('customer_order')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('line_id', 'text')
        .addColumn('plan_code', 'text', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('list_price_minor', 'bigint', (c) => c.notNull())
        .addColumn('discount_minor', 'bigint', (c) => c.notNull())
        .addColumn('fees_minor', 'bigint', (c) => c.notNull())
        .addColumn('tax_minor', 'bigint', (c) => c.notNull())
        .addColumn('tax_rate_bp', 'integer', (c) => c.notNull())
        .addColumn('tax_country', 'text', (c) => c.notNull())
        .addColumn('total_minor', 'bigint', (c) => c.notNull())
        .addColumn('promotion_id', 'text')
        .addColumn('promotion_code', 'text')
        .addColumn('bonus_data_bytes', 'bigint', (c) => c.notNull())
        .addColumn('period_starts_at', 'bigint')
        .addColumn('period_ends_at', 'bigint')
        .addColumn('new_sim_type', 'text')
        .addColumn('shipping_address', 'text')
        .addColumn('contact_phone', 'text')
        .addColumn('contact_email', 'text')
        .addColumn('language', 'text', (c) => c.notNull())
        .addColumn('last_payment_failure', 'text')
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('paid_at', 'bigint')
        .addColumn('fulfilled_at', 'bigint')
        .addColumn('closed_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('customer_order_customer_idx').on('customer_order').columns(['customer_id', 'id']).execute();
      await db.schema.createTable('order_event')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('order_id', 'text', (c) => c.notNull().references('customer_order.id'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('order_event_order_idx').on('order_event').columns(['order_id', 'id']).execute();
    },
  },
  '2026_11_27_076_orders_origin': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Who placed the order: the customer, or auto-renew charging a saved method (its confirmation differs).
      await db.schema.alterTable('customer_order').addColumn('origin', 'text', (c) => c.notNull().defaultTo('customer')).execute();
    },
  },
};
