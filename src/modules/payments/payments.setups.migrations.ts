import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Saving a payment method without paying, and what each saved method charges:
 * - `payment_setup`: one attempt to save a method at a provider (Stripe SetupIntent, Alipay
 *   agreement, sandbox card), recorded before the provider is called, like a payment;
 * - `payment_method.method`: the payment method a saved method charges (`card`, `paypal`,
 *   `alipay_agreement`, `sandbox`), so that whether it can renew off-session is the provider's
 *   answer for that method; rows saved before are filled in from their provider;
 * - `payment_event.kind`: `payment` or `setup`.
 */
export const paymentSetupsMigrations: Record<string, Migration> = {
  '2026_11_27_125_payments_setups': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('payment_method').addColumn('method', 'text').execute();
      await sql`update payment_method set method = case provider
        when 'stripe' then 'card' when 'alipay' then 'alipay_agreement' else provider end`.execute(db);
      await db.schema.alterTable('payment_event').addColumn('kind', 'text', (c) => c.notNull().defaultTo('payment')).execute();

      await db.schema.createTable('payment_setup')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
        .addColumn('provider_setup_id', 'text')
        .addColumn('action_url', 'text')
        .addColumn('failure_code', 'text')
        .addColumn('payment_method_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('payment_setup_customer_idx').on('payment_setup').columns(['customer_id', 'id']).execute();
      await db.schema.createIndex('payment_setup_provider_ref_idx').on('payment_setup').columns(['provider', 'provider_setup_id']).unique().execute();
    },
  },
};
