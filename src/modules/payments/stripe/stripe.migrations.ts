import type { Kysely, Migration } from 'kysely';

/** The Stripe Customer of each of our customers who paid by card (saved cards are attached to it). */
export const stripeMigrations: Record<string, Migration> = {
  '2026_11_27_088_payments_stripe': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('stripe_customer')
        .addColumn('customer_id', 'text', (c) => c.primaryKey())
        .addColumn('stripe_customer_id', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};
