import type { Executor, Tx } from '../../platform/db/database.js';
import { inTextList, insertRows } from '../../platform/db/bulk.js';
import type { SimType } from '../provisioning/index.js';
import type { Line, Period } from './lines.js';

export interface LineTable {
  id: string;
  customer_id: string;
  iccid: string;
  msisdn: string;
  type: SimType;
  created_at: number;
}

export interface LinePeriodTable {
  id: string;
  line_id: string;
  plan_code: string;
  starts_at: number;
  ends_at: number;
  order_id: string;
  created_at: number;
}

declare module '../../platform/db/schema.js' {
  interface Tables {
    line: LineTable;
    line_period: LinePeriodTable;
  }
}

export function toLine(row: LineTable): Line {
  return { id: row.id, customerId: row.customer_id, iccid: row.iccid, msisdn: row.msisdn, type: row.type, createdAtMs: row.created_at };
}

export function toPeriod(row: LinePeriodTable): Period {
  return {
    id: row.id, lineId: row.line_id, planCode: row.plan_code, startsAtMs: row.starts_at, endsAtMs: row.ends_at,
    orderId: row.order_id, createdAtMs: row.created_at,
  };
}

/** Inserts the line unless a line with its id exists; returns whether it inserted. */
export async function insertLineIfAbsent(tx: Tx, row: LineTable): Promise<boolean> {
  const result = await tx.insertInto('line').values(row).onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

export async function findLineById(db: Executor, id: string): Promise<LineTable | undefined> {
  return db.selectFrom('line').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The line if it belongs to `customerId`; someone else's line is not found either. */
export async function findCustomerLine(db: Executor, customerId: string, id: string): Promise<LineTable | undefined> {
  return db.selectFrom('line').selectAll().where('id', '=', id).where('customer_id', '=', customerId).executeTakeFirst();
}

/** The customer's lines, oldest first, after the cursor `afterId`; bounded by `limit`. */
export async function listCustomerLines(db: Executor, customerId: string, limit: number, afterId?: string): Promise<LineTable[]> {
  return db.selectFrom('line').selectAll().where('customer_id', '=', customerId)
    .$if(afterId !== undefined, (qb) => qb.where('id', '>', afterId ?? ''))
    .orderBy('id').limit(limit).execute();
}

/**
 * The periods that decide the line's state at `atMs`: every period that ends after it (the current
 * one and those queued after it, bounded by `limit`), plus the last one that ended at or before it.
 */
export async function listRelevantPeriods(db: Executor, lineId: string, atMs: number, limit: number): Promise<LinePeriodTable[]> {
  const recent = await db.selectFrom('line_period').selectAll()
    .where('line_id', '=', lineId).where('ends_at', '>', atMs)
    .orderBy('starts_at').limit(limit).execute();
  const older = await db.selectFrom('line_period').selectAll()
    .where('line_id', '=', lineId).where('ends_at', '<=', atMs)
    .orderBy('ends_at', 'desc').limit(1).execute();
  return [...older, ...recent];
}

/** Inserts the period unless it collides with one of the unique constraints; returns whether it inserted. */
export async function insertPeriodIfAbsent(tx: Tx, row: LinePeriodTable): Promise<boolean> {
  // No conflict target: either constraint (order id, or line and start) makes it a no-op, and on
  // PostgreSQL the transaction stays usable (a raised violation would abort it).
  const result = await tx.insertInto('line_period').values(row).onConflict((oc) => oc.doNothing()).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

export async function findPeriodByOrder(db: Executor, orderId: string): Promise<LinePeriodTable | undefined> {
  return db.selectFrom('line_period').selectAll().where('order_id', '=', orderId).executeTakeFirst();
}

/** Rows per multi-row statement or `in` list. */
const BATCH_ROWS = 1000;

export async function findLinesByIds(db: Executor, ids: readonly string[]): Promise<LineTable[]> {
  const rows: LineTable[] = [];
  for (let i = 0; i < ids.length; i += BATCH_ROWS) {
    rows.push(...await db.selectFrom('line').selectAll().where('id', 'in', ids.slice(i, i + BATCH_ROWS)).execute());
  }
  return rows;
}

/** The period of each line that ends last (the one a renewal follows); lines without a period have none. */
export async function listLatestPeriods(db: Executor, lineIds: readonly string[]): Promise<LinePeriodTable[]> {
  const rows: LinePeriodTable[] = [];
  for (let i = 0; i < lineIds.length; i += BATCH_ROWS) {
    rows.push(...await db.selectFrom('line_period as p').selectAll()
      .where('p.line_id', 'in', lineIds.slice(i, i + BATCH_ROWS))
      .where('p.ends_at', '=', (eb) => eb.selectFrom('line_period as q').select((q) => q.fn.max('q.ends_at').as('latest')).whereRef('q.line_id', '=', 'p.line_id'))
      .execute());
  }
  return rows;
}

/** Inserts the periods that collide with no unique constraint; returns the ids it inserted. */
export async function insertPeriodsIfAbsent(tx: Tx, rows: readonly LinePeriodTable[]): Promise<Set<string>> {
  return new Set((await insertRows(tx, 'line_period', rows, { onConflictDoNothing: [], returning: 'id' })).map(String));
}

export async function findPeriodsByOrders(db: Executor, orderIds: readonly string[]): Promise<LinePeriodTable[]> {
  const rows: LinePeriodTable[] = [];
  for (let i = 0; i < orderIds.length; i += BATCH_ROWS) {
    rows.push(...await db.selectFrom('line_period').selectAll().where('order_id', 'in', orderIds.slice(i, i + BATCH_ROWS)).execute());
  }
  return rows;
}

/** Lines with any of these numbers (E.164) or ICCIDs, for usage charging. */
export async function findLinesByNumbers(db: Executor, msisdns: readonly string[], iccids: readonly string[]): Promise<LineTable[]> {
  const rows: LineTable[] = [];
  if (msisdns.length > 0) rows.push(...await db.selectFrom('line').selectAll().where(inTextList(db, 'msisdn', msisdns)).execute());
  if (iccids.length > 0) rows.push(...await db.selectFrom('line').selectAll().where(inTextList(db, 'iccid', iccids)).execute());
  return rows;
}

/** Periods of these lines that contain some instant of `[fromMs, toMs]`. */
export async function listPeriodsOverlapping(db: Executor, lineIds: readonly string[], fromMs: number, toMs: number): Promise<LinePeriodTable[]> {
  if (lineIds.length === 0) return [];
  return db.selectFrom('line_period').selectAll()
    .where(inTextList(db, 'line_id', lineIds)).where('ends_at', '>', fromMs).where('starts_at', '<=', toMs)
    .execute();
}

/**
 * Lines with a period of `planCode` that ends after `endsAfterMs`, by line id after the cursor
 * `afterLineId`, at most `limit`; each with its customer. Walks `line_period_plan_line_idx`.
 */
export async function listLinesWithPlan(
  db: Executor, planCode: string, endsAfterMs: number, limit: number, afterLineId?: string,
): Promise<Array<{ line_id: string; customer_id: string }>> {
  return db.selectFrom('line_period as p').innerJoin('line as l', 'l.id', 'p.line_id')
    .select(['p.line_id', 'l.customer_id']).distinct()
    .where('p.plan_code', '=', planCode).where('p.ends_at', '>', endsAfterMs)
    .$if(afterLineId !== undefined, (qb) => qb.where('p.line_id', '>', afterLineId ?? ''))
    .orderBy('p.line_id').limit(limit).execute();
}
