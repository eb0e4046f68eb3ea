import type { Executor } from '../../../platform/db/database.js';

/** Our customer ↔ Stripe Customer: saved cards belong to a Stripe Customer and are charged with it. */
export interface StripeCustomerTable {
  customer_id: string;
  stripe_customer_id: string;
  created_at: number;
}

declare module '../../../platform/db/schema.js' {
  interface Tables {
    stripe_customer: StripeCustomerTable;
  }
}

export async function findStripeCustomer(db: Executor, customerId: string): Promise<string | undefined> {
  const row = await db.selectFrom('stripe_customer').select('stripe_customer_id').where('customer_id', '=', customerId).executeTakeFirst();
  return row?.stripe_customer_id;
}

/** Keeps the first mapping recorded for the customer (concurrent twins got the same Customer from Stripe's idempotency). */
export async function insertStripeCustomer(db: Executor, row: StripeCustomerTable): Promise<string> {
  await db.insertInto('stripe_customer').values(row).onConflict((oc) => oc.column('customer_id').doNothing()).execute();
  return (await findStripeCustomer(db, row.customer_id)) ?? row.stripe_customer_id;
}
