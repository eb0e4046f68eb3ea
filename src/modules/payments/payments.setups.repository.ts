import type { Executor } from '../../platform/db/database.js';
import { LIST_LIMIT } from './payments.js';

/** `created` (intent recorded) → `requires_action` (the customer is at the provider) → `succeeded | failed | cancelled`; `unknown` after a call whose answer was lost. */
export const SETUP_STATUSES = ['created', 'unknown', 'requires_action', 'succeeded', 'failed', 'cancelled'] as const;
export type SetupStatus = (typeof SETUP_STATUSES)[number];

export interface PaymentSetupTable {
  id: string;
  customer_id: string;
  provider: string;
  /** The method the saved method will charge (`card`, `alipay_agreement`, `sandbox`). */
  method: string;
  status: SetupStatus;
  idempotency_key: string;
  provider_setup_id: string | null;
  action_url: string | null;
  failure_code: string | null;
  /** The saved method once the setup succeeded. */
  payment_method_id: string | null;
  created_at: number;
  updated_at: number;
}

declare module '../../platform/db/schema.js' {
  interface Tables {
    payment_setup: PaymentSetupTable;
  }
}

export type PaymentSetupRow = PaymentSetupTable;

export async function insertSetup(db: Executor, row: PaymentSetupTable): Promise<void> {
  await db.insertInto('payment_setup').values(row).execute();
}

export async function findSetup(db: Executor, id: string): Promise<PaymentSetupRow | undefined> {
  return db.selectFrom('payment_setup').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findSetupByProviderRef(db: Executor, provider: string, providerSetupId: string): Promise<PaymentSetupRow | undefined> {
  return db.selectFrom('payment_setup').selectAll().where('provider', '=', provider).where('provider_setup_id', '=', providerSetupId).executeTakeFirst();
}

/** Moves an open setup (compare-and-set on its status); 0 when it had moved meanwhile. */
export async function updateSetup(
  db: Executor, id: string, from: SetupStatus,
  patch: Partial<Pick<PaymentSetupTable, 'status' | 'provider_setup_id' | 'action_url' | 'failure_code' | 'payment_method_id'>> & { updated_at: number },
): Promise<number> {
  const result = await db.updateTable('payment_setup').set(patch).where('id', '=', id).where('status', '=', from).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The customer's recent setups, newest first (bounded). */
export async function listSetups(db: Executor, customerId: string): Promise<PaymentSetupRow[]> {
  return db.selectFrom('payment_setup').selectAll().where('customer_id', '=', customerId).orderBy('id', 'desc').limit(LIST_LIMIT).execute();
}
