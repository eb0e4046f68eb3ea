import { sql, type Kysely, type Migration } from 'kysely';
import { OPEN_STATUSES } from './payments.js';
import { paymentSetupsMigrations } from './payments.setups.migrations.js';
import { sandboxMigrations } from './sandbox/sandbox.migrations.js';
import { stripeMigrations } from './stripe/stripe.migrations.js';

/**
 * The payments module's tables. They name orders and customers by id only (no foreign keys into
 * other modules' tables): payments reach orders through the `OrderGateway`.
 */
export const paymentsMigrations: Record<string, Migration> = {
  '2026_11_27_080_payments': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('payment')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('order_id', 'text', (c) => c.notNull())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('amount_minor', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
        .addColumn('provider_payment_id', 'text')
        .addColumn('action_url', 'text')
        .addColumn('failure_code', 'text')
        .addColumn('save_method', 'integer', (c) => c.notNull())
        .addColumn('off_session', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('payment_order_idx').on('payment').columns(['order_id', 'id']).execute();
      await db.schema.createIndex('payment_provider_ref_idx').on('payment').columns(['provider', 'provider_payment_id']).unique().execute();
      // Double clicks and concurrent requests cannot open two attempts, nor can two attempts succeed.
      await db.schema.createIndex('payment_one_open_per_order_idx').on('payment').column('order_id').unique()
        .where(sql.ref('status'), 'in', [...OPEN_STATUSES]).execute();
      await db.schema.createIndex('payment_one_success_per_order_idx').on('payment').column('order_id').unique()
        .where(sql.ref('status'), '=', 'succeeded').execute();

      await db.schema.createTable('payment_event')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('provider_payment_id', 'text', (c) => c.notNull())
        .addColumn('payment_ref', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('amount_minor', 'bigint')
        .addColumn('currency', 'text')
        .addColumn('failure_code', 'text')
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('applied_at', 'bigint')
        .addUniqueConstraint('payment_event_provider_event_uq', ['provider', 'event_id'])
        .execute();

      await db.schema.createTable('payment_refund')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('payment_id', 'text', (c) => c.notNull().references('payment.id'))
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('amount_minor', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
        .addColumn('provider_refund_id', 'text')
        .addColumn('failure_code', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('payment_refund_payment_idx').on('payment_refund').column('payment_id').execute();

      await db.schema.createTable('payment_method')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('provider_method_ref', 'text', (c) => c.notNull())
        .addColumn('brand', 'text', (c) => c.notNull())
        .addColumn('last4', 'text', (c) => c.notNull())
        .addColumn('exp_month', 'integer', (c) => c.notNull())
        .addColumn('exp_year', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('payment_method_customer_ref_uq', ['customer_id', 'provider', 'provider_method_ref'])
        .execute();
    },
  },
  ...sandboxMigrations,
  ...stripeMigrations,
  ...paymentSetupsMigrations,
};
