import { sql } from 'kysely';
import type { Dialect, Executor, Tx } from '../../platform/db/database.js';
import { insertRows } from '../../platform/db/bulk.js';
import type { Currency } from '../../platform/money.js';
import { LIST_LIMIT, OPEN_STATUSES, type PaymentStatus, type RefundReason, type RefundStatus } from './payments.js';
import type { PaymentEventKind, ProviderStatus } from './payments.provider.js';

export interface PaymentTable {
  id: string;
  order_id: string;
  customer_id: string;
  provider: string;
  method: string;
  amount_minor: number;
  currency: Currency;
  status: PaymentStatus;
  idempotency_key: string;
  provider_payment_id: string | null;
  action_url: string | null;
  failure_code: string | null;
  save_method: number;
  off_session: number;
  created_at: number;
  updated_at: number;
}

export interface PaymentEventTable {
  id: string;
  provider: string;
  event_id: string;
  provider_payment_id: string;
  payment_ref: string | null;
  status: ProviderStatus;
  amount_minor: number | null;
  currency: Currency | null;
  failure_code: string | null;
  payload: string;
  /**
   * `payment`; `setup` for an event about saving a method (`payment_ref` is then our setup id);
   * `method_detached` for a saved method removed at the provider (`provider_payment_id` is its reference).
   */
  kind: PaymentEventKind;
  received_at: number;
  applied_at: number | null;
}

export interface PaymentRefundTable {
  id: string;
  payment_id: string;
  provider: string;
  reason: RefundReason;
  amount_minor: number;
  currency: Currency;
  status: RefundStatus;
  idempotency_key: string;
  provider_refund_id: string | null;
  failure_code: string | null;
  created_at: number;
  updated_at: number;
}

export interface PaymentMethodTable {
  id: string;
  customer_id: string;
  provider: string;
  provider_method_ref: string;
  /**
   * The payment method it charges (`card`, `paypal`, `alipay_agreement`, `sandbox`). Absent or
   * null: its provider's one saved kind (rows written before it was recorded, bulk fixtures).
   */
  method?: string | null;
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  created_at: number;
}

declare module '../../platform/db/schema.js' {
  interface Tables {
    payment: PaymentTable;
    payment_event: PaymentEventTable;
    payment_refund: PaymentRefundTable;
    payment_method: PaymentMethodTable;
  }
}

export type PaymentRow = PaymentTable;
export type PaymentEventRow = PaymentEventTable;
export type PaymentRefundRow = PaymentRefundTable;
export type PaymentMethodRow = PaymentMethodTable;

// Payments

export async function insertPayment(db: Executor, row: PaymentTable): Promise<void> {
  await db.insertInto('payment').values(row).execute();
}

export async function findPayment(db: Executor, id: string): Promise<PaymentRow | undefined> {
  return db.selectFrom('payment').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Reads the payment with a row lock on PostgreSQL (SQLite transactions are already serialised). */
export async function lockPayment(tx: Tx, dialect: Dialect, id: string): Promise<PaymentRow | undefined> {
  return tx.selectFrom('payment').selectAll().where('id', '=', id)
    .$if(dialect === 'postgres', (qb) => qb.forUpdate()).executeTakeFirst();
}

export async function findPaymentByProviderRef(db: Executor, provider: string, providerPaymentId: string): Promise<PaymentRow | undefined> {
  return db.selectFrom('payment').selectAll()
    .where('provider', '=', provider).where('provider_payment_id', '=', providerPaymentId).executeTakeFirst();
}

export async function findOpenPayment(db: Executor, orderId: string): Promise<PaymentRow | undefined> {
  return db.selectFrom('payment').selectAll()
    .where('order_id', '=', orderId).where('status', 'in', [...OPEN_STATUSES]).executeTakeFirst();
}

/** The order's payments, newest first (an order has a handful of attempts at most). */
export async function listOrderPayments(db: Executor, orderId: string): Promise<PaymentRow[]> {
  return db.selectFrom('payment').selectAll().where('order_id', '=', orderId)
    .orderBy('id', 'desc').limit(LIST_LIMIT).execute();
}

/**
 * Moves the payment from `from` to `to` with the fields of the outcome; 0 when it was no longer in
 * `from` (a compare-and-set that holds on both stores).
 */
export async function updatePaymentStatus(
  db: Executor, id: string, from: PaymentStatus,
  patch: { status: PaymentStatus; provider_payment_id?: string | null; action_url?: string | null; failure_code?: string | null; updated_at: number },
): Promise<number> {
  const result = await db.updateTable('payment').set(patch).where('id', '=', id).where('status', '=', from).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function setProviderPaymentId(db: Executor, id: string, providerPaymentId: string, nowMs: number): Promise<void> {
  await db.updateTable('payment').set({ provider_payment_id: providerPaymentId, updated_at: nowMs })
    .where('id', '=', id).where('provider_payment_id', 'is', null).execute();
}

// Events

/** Stores a verified event; false when this provider's event id was stored before (a redelivery). */
export async function insertEvent(db: Executor, row: PaymentEventTable): Promise<boolean> {
  const result = await db.insertInto('payment_event').values(row)
    .onConflict((oc) => oc.columns(['provider', 'event_id']).doNothing()).executeTakeFirst();
  return result.numInsertedOrUpdatedRows === 1n;
}

export async function findEvent(db: Executor, id: string): Promise<PaymentEventRow | undefined> {
  return db.selectFrom('payment_event').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function markEventApplied(db: Executor, id: string, nowMs: number): Promise<void> {
  await db.updateTable('payment_event').set({ applied_at: nowMs }).where('id', '=', id).where('applied_at', 'is', null).execute();
}

// Refunds

/** Inserts the refund unless one with its idempotency key exists; returns the refund that exists. */
export async function insertRefundOnce(db: Executor, row: PaymentRefundTable): Promise<{ refund: PaymentRefundRow; created: boolean }> {
  const result = await db.insertInto('payment_refund').values(row)
    .onConflict((oc) => oc.column('idempotency_key').doNothing()).executeTakeFirst();
  const refund = await db.selectFrom('payment_refund').selectAll().where('idempotency_key', '=', row.idempotency_key).executeTakeFirstOrThrow();
  return { refund, created: result.numInsertedOrUpdatedRows === 1n };
}

export async function insertRefund(db: Executor, row: PaymentRefundTable): Promise<void> {
  await db.insertInto('payment_refund').values(row).execute();
}

/** What the payment's refunds give back or may still give back (every refund but the failed ones). */
export async function refundedMinorOf(db: Executor, paymentId: string): Promise<number> {
  const row = await db.selectFrom('payment_refund').select((eb) => eb.fn.sum<number>('amount_minor').as('total'))
    .where('payment_id', '=', paymentId).where('status', '!=', 'failed').executeTakeFirst();
  return Number(row?.total ?? 0);
}

/** Money actually given back: succeeded refunds only. */
export async function succeededRefundsMinorOf(db: Executor, paymentId: string): Promise<number> {
  const row = await db.selectFrom('payment_refund').select((eb) => eb.fn.sum<number>('amount_minor').as('total'))
    .where('payment_id', '=', paymentId).where('status', '=', 'succeeded').executeTakeFirst();
  return Number(row?.total ?? 0);
}

export async function findRefund(db: Executor, id: string): Promise<PaymentRefundRow | undefined> {
  return db.selectFrom('payment_refund').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listRefundsOfPayments(db: Executor, paymentIds: readonly string[]): Promise<PaymentRefundRow[]> {
  if (paymentIds.length === 0) return [];
  return db.selectFrom('payment_refund').selectAll().where('payment_id', 'in', paymentIds).orderBy('id').execute();
}

export async function updateRefund(
  db: Executor, id: string,
  patch: { status: RefundStatus; provider_refund_id: string | null; failure_code: string | null; updated_at: number },
): Promise<void> {
  await db.updateTable('payment_refund').set(patch).where('id', '=', id).where('status', 'in', ['created', 'pending']).execute();
}

// Saved payment methods

/** Saves the method once per customer and provider reference (saving the same card again keeps one row). */
export async function upsertPaymentMethod(db: Executor, row: PaymentMethodTable): Promise<void> {
  await db.insertInto('payment_method').values(row)
    .onConflict((oc) => oc.columns(['customer_id', 'provider', 'provider_method_ref'])
      .doUpdateSet({ brand: row.brand, last4: row.last4, exp_month: row.exp_month, exp_year: row.exp_year, method: row.method ?? null }))
    .execute();
}

/** The saved method of this customer with this provider reference (after `upsertPaymentMethod`). */
export async function findPaymentMethodByRef(db: Executor, customerId: string, provider: string, providerMethodRef: string): Promise<PaymentMethodRow | undefined> {
  return db.selectFrom('payment_method').selectAll().where('customer_id', '=', customerId).where('provider', '=', provider)
    .where('provider_method_ref', '=', providerMethodRef).executeTakeFirst();
}

export async function listPaymentMethods(db: Executor, customerId: string): Promise<PaymentMethodRow[]> {
  return db.selectFrom('payment_method').selectAll().where('customer_id', '=', customerId)
    .orderBy('id', 'desc').limit(LIST_LIMIT).execute();
}

export async function findPaymentMethod(db: Executor, customerId: string, id: string): Promise<PaymentMethodRow | undefined> {
  return db.selectFrom('payment_method').selectAll().where('id', '=', id).where('customer_id', '=', customerId).executeTakeFirst();
}

export async function deletePaymentMethod(db: Executor, customerId: string, id: string): Promise<number> {
  const result = await db.deleteFrom('payment_method').where('id', '=', id).where('customer_id', '=', customerId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Forgets the saved methods with this provider reference (removed at the provider); how many there were. */
export async function deletePaymentMethodsByRef(db: Executor, provider: string, providerMethodRef: string): Promise<number> {
  const result = await db.deleteFrom('payment_method').where('provider', '=', provider).where('provider_method_ref', '=', providerMethodRef)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

// Batches (off-session charges of auto-renew)

const BATCH_ROWS = 1000;

function chunked<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH_ROWS) out.push(items.slice(i, i + BATCH_ROWS));
  return out;
}

/** Inserts the payments that violate no unique index (one open attempt per order); returns the ids it inserted. */
export async function insertPaymentsIfAllowed(db: Executor, rows: readonly PaymentTable[]): Promise<Set<string>> {
  return new Set((await insertRows(db, 'payment', rows, { onConflictDoNothing: [], returning: 'id' })).map(String));
}

/** Reads the payments with row locks on PostgreSQL (in id order, so that batches never deadlock). */
export async function lockPayments(tx: Tx, dialect: Dialect, ids: readonly string[]): Promise<PaymentRow[]> {
  const rows: PaymentRow[] = [];
  for (const chunk of chunked([...ids].sort())) {
    rows.push(...await tx.selectFrom('payment').selectAll().where('id', 'in', chunk).orderBy('id')
      .$if(dialect === 'postgres', (qb) => qb.forUpdate()).execute());
  }
  return rows;
}

/** The open payment of each order that has one. */
export async function findOpenPaymentsOfOrders(db: Executor, orderIds: readonly string[]): Promise<PaymentRow[]> {
  const rows: PaymentRow[] = [];
  for (const chunk of chunked(orderIds)) {
    rows.push(...await db.selectFrom('payment').selectAll().where('order_id', 'in', chunk).where('status', 'in', [...OPEN_STATUSES]).execute());
  }
  return rows;
}

/** The latest payment of each order that has one (by id, which is time-ordered). */
export async function findLatestPaymentsOfOrders(db: Executor, orderIds: readonly string[]): Promise<PaymentRow[]> {
  const rows: PaymentRow[] = [];
  for (const chunk of chunked(orderIds)) {
    rows.push(...await db.selectFrom('payment as p').selectAll()
      .where('p.order_id', 'in', chunk)
      .where('p.id', '=', (eb) => eb.selectFrom('payment as q').select((q) => q.fn.max('q.id').as('latest')).whereRef('q.order_id', '=', 'p.order_id'))
      .execute());
  }
  return rows;
}

export async function findPaymentMethodsByIds(db: Executor, ids: readonly string[]): Promise<PaymentMethodRow[]> {
  const rows: PaymentMethodRow[] = [];
  for (const chunk of chunked([...new Set(ids)])) rows.push(...await db.selectFrom('payment_method').selectAll().where('id', 'in', chunk).execute());
  return rows;
}

/**
 * Moves payments still `created` or `unknown` to `succeeded` with their provider ids, in one
 * statement (off-session batches); the caller holds them locked. Returns how many moved.
 */
export async function markPaymentsSucceeded(
  db: Executor, items: ReadonlyArray<{ id: string; providerPaymentId: string | null }>, nowMs: number,
): Promise<number> {
  let moved = 0;
  for (const chunk of chunked(items)) {
    const providerIds = sql<string | null>`case id ${sql.join(chunk.map((i) => sql`when ${i.id} then ${i.providerPaymentId}`), sql` `)} end`;
    const result = await db.updateTable('payment')
      .set({ status: 'succeeded', provider_payment_id: sql<string | null>`coalesce(provider_payment_id, ${providerIds})`, action_url: null, failure_code: null, updated_at: nowMs })
      .where('id', 'in', chunk.map((i) => i.id)).where('status', 'in', ['created', 'unknown'])
      .executeTakeFirst();
    moved += Number(result.numUpdatedRows);
  }
  return moved;
}
