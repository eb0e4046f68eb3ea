import type { ColumnType } from 'kysely';
import { insertRows } from '../../platform/db/bulk.js';
import type { Dialect, Executor, Tx } from '../../platform/db/database.js';
import type { OrderKind, OrderOrigin, OrderStatus } from './orders.js';

export interface CustomerOrderTable {
  id: string;
  customer_id: string;
  kind: OrderKind;
  status: OrderStatus;
  line_id: string | null;
  plan_code: string;
  currency: string;
  list_price_minor: number;
  discount_minor: number;
  fees_minor: number;
  tax_minor: number;
  tax_rate_bp: number;
  tax_country: string;
  total_minor: number;
  promotion_id: string | null;
  promotion_code: string | null;
  bonus_data_bytes: number;
  period_starts_at: number | null;
  period_ends_at: number | null;
  new_sim_type: string | null;
  shipping_address: string | null;
  contact_phone: string | null;
  contact_email: string | null;
  language: string;
  last_payment_failure: string | null;
  expires_at: number;
  paid_at: number | null;
  fulfilled_at: number | null;
  closed_at: number | null;
  created_at: number;
  updated_at: number;
  /** Defaults to `customer` on insert. */
  origin: ColumnType<OrderOrigin, OrderOrigin | undefined, OrderOrigin>;
}

export interface OrderEventTable {
  id: string;
  order_id: string;
  status: string;
  detail: string;
  created_at: number;
}

declare module '../../platform/db/schema.js' {
  interface Tables {
    customer_order: CustomerOrderTable;
    order_event: OrderEventTable;
  }
}

export type OrderRow = Omit<CustomerOrderTable, 'origin'> & { origin: OrderOrigin };
export type NewOrderRow = Omit<CustomerOrderTable, 'origin'> & { origin?: OrderOrigin };
export type OrderEventRow = OrderEventTable;

export async function insertOrder(db: Executor, row: NewOrderRow): Promise<void> {
  await db.insertInto('customer_order').values(row).execute();
}

export async function findOrder(db: Executor, id: string): Promise<OrderRow | undefined> {
  return db.selectFrom('customer_order').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findCustomerOrder(db: Executor, customerId: string, id: string): Promise<OrderRow | undefined> {
  return db.selectFrom('customer_order').selectAll().where('id', '=', id).where('customer_id', '=', customerId).executeTakeFirst();
}

export async function lockOrder(tx: Tx, dialect: Dialect, id: string): Promise<OrderRow | undefined> {
  return tx.selectFrom('customer_order').selectAll().where('id', '=', id)
    .$if(dialect === 'postgres', (qb) => qb.forUpdate()).executeTakeFirst();
}

/** Newest first, bounded; `beforeId` pages back in time. */
export async function listCustomerOrders(db: Executor, customerId: string, limit: number, beforeId?: string): Promise<OrderRow[]> {
  return db.selectFrom('customer_order').selectAll().where('customer_id', '=', customerId)
    .$if(beforeId !== undefined, (qb) => qb.where('id', '<', beforeId ?? ''))
    .orderBy('id', 'desc').limit(limit).execute();
}

/** Whether the customer has any order that got paid (first-order promotions need none). */
export async function hasPaidOrder(db: Executor, customerId: string): Promise<boolean> {
  const row = await db.selectFrom('customer_order').select('id').where('customer_id', '=', customerId)
    .where('status', 'in', ['paid', 'fulfilled', 'refunded']).limit(1).executeTakeFirst();
  return row !== undefined;
}

/**
 * Moves an order from one status to another, guarded by the current status so that two racing
 * callers cannot both make the move. Returns false when the order was not in `from`.
 */
export async function moveOrder(
  db: Executor, id: string, from: readonly OrderStatus[], to: OrderStatus, nowMs: number, patch: Partial<OrderRow> = {},
): Promise<boolean> {
  const result = await db.updateTable('customer_order').set({ ...patch, status: to, updated_at: nowMs })
    .where('id', '=', id).where('status', 'in', [...from]).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function updateOrder(db: Executor, id: string, patch: Partial<OrderRow>): Promise<void> {
  await db.updateTable('customer_order').set(patch).where('id', '=', id).execute();
}

export async function insertOrderEvent(db: Executor, row: OrderEventTable): Promise<void> {
  await db.insertInto('order_event').values(row).execute();
}

export async function listOrderEvents(db: Executor, orderId: string): Promise<OrderEventRow[]> {
  return db.selectFrom('order_event').selectAll().where('order_id', '=', orderId).orderBy('id').limit(100).execute();
}

/** Rows per multi-row statement or `in` list (an order has 32 columns: well under the parameter limits). */
const BATCH_ROWS = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH_ROWS) out.push(items.slice(i, i + BATCH_ROWS));
  return out;
}

export async function insertOrders(db: Executor, rows: readonly NewOrderRow[]): Promise<void> {
  await insertRows(db, 'customer_order', rows);
}

export async function insertOrderEvents(db: Executor, rows: readonly OrderEventTable[]): Promise<void> {
  await insertRows(db, 'order_event', rows);
}

export async function findOrdersByIds(db: Executor, ids: readonly string[]): Promise<OrderRow[]> {
  const rows: OrderRow[] = [];
  for (const chunk of chunks(ids)) rows.push(...await db.selectFrom('customer_order').selectAll().where('id', 'in', chunk).execute());
  return rows;
}

/** Reads the orders with row locks on PostgreSQL (SQLite transactions are serialised), in id order. */
export async function lockOrders(tx: Tx, dialect: Dialect, ids: readonly string[]): Promise<OrderRow[]> {
  const rows: OrderRow[] = [];
  for (const chunk of chunks([...ids].sort())) {
    rows.push(...await tx.selectFrom('customer_order').selectAll().where('id', 'in', chunk).orderBy('id')
      .$if(dialect === 'postgres', (qb) => qb.forUpdate()).execute());
  }
  return rows;
}

/** `moveOrder` for many orders with the same patch; returns how many moved. */
export async function moveOrders(
  db: Executor, ids: readonly string[], from: readonly OrderStatus[], to: OrderStatus, nowMs: number, patch: Partial<OrderRow> = {},
): Promise<number> {
  let moved = 0;
  for (const chunk of chunks(ids)) {
    const result = await db.updateTable('customer_order').set({ ...patch, status: to, updated_at: nowMs })
      .where('id', 'in', chunk).where('status', 'in', [...from]).executeTakeFirst();
    moved += Number(result.numUpdatedRows);
  }
  return moved;
}
