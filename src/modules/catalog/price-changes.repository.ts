import type { Executor } from '../../platform/db/database.js';
import { insertRows } from '../../platform/db/bulk.js';
import type { PlanPriceRow } from './catalog.repository.js';

/** A price change of one plan, as staff scheduled it (its price versions point back to it). */
export interface PriceChangeTable {
  id: string;
  plan_id: string;
  /** From when new orders pay the new prices. */
  effective_at: number;
  /** From when existing subscribers pay them (the stated date in the notice). */
  subscriber_effective_at: number;
  /** 1 when existing subscribers will pay a different price, so that they are told. */
  subscribers_affected: number;
  created_by: string | null;
  created_at: number;
}

/** A customer who was told of a price change (at most one row per customer and change). */
export interface PriceChangeNoticeTable {
  price_change_id: string;
  customer_id: string;
  told_at: number;
}

declare module '../../platform/db/schema.js' {
  interface Tables {
    price_change: PriceChangeTable;
    price_change_notice: PriceChangeNoticeTable;
  }
}

export type PriceChangeRow = PriceChangeTable & { plan_code: string };

/** Price changes a plan's list shows at most (newest first). */
export const PRICE_CHANGES_LIST_LIMIT = 200;

export async function insertPriceChange(db: Executor, row: PriceChangeTable): Promise<void> {
  await db.insertInto('price_change').values(row).execute();
}

export async function findPriceChange(db: Executor, id: string): Promise<PriceChangeRow | undefined> {
  return db.selectFrom('price_change').innerJoin('plan', 'plan.id', 'price_change.plan_id')
    .selectAll('price_change').select('plan.code as plan_code')
    .where('price_change.id', '=', id).executeTakeFirst();
}

/** The plan's price changes, newest first, bounded by `limit`. */
export async function listPriceChangesOfPlan(db: Executor, planId: string, limit: number): Promise<PriceChangeRow[]> {
  return db.selectFrom('price_change').innerJoin('plan', 'plan.id', 'price_change.plan_id')
    .selectAll('price_change').select('plan.code as plan_code')
    .where('price_change.plan_id', '=', planId)
    .orderBy('price_change.effective_at', 'desc').orderBy('price_change.id', 'desc').limit(limit).execute();
}

/**
 * Changes of these plans that existing subscribers have not reached yet and that new orders do
 * not pay yet (`effective_at` > `atMs`): someone who buys one of these plans now buys at the old
 * price and will pay the new one from the stated date.
 */
export async function listUpcomingPriceChanges(db: Executor, planCodes: readonly string[], atMs: number): Promise<PriceChangeRow[]> {
  if (planCodes.length === 0) return [];
  return db.selectFrom('price_change').innerJoin('plan', 'plan.id', 'price_change.plan_id')
    .selectAll('price_change').select('plan.code as plan_code')
    .where('plan.code', 'in', [...new Set(planCodes)])
    .where('price_change.subscribers_affected', '=', 1)
    .where('price_change.effective_at', '>', atMs)
    .orderBy('price_change.id').limit(PRICE_CHANGES_LIST_LIMIT).execute();
}

export async function listPriceRowsOfChanges(db: Executor, changeIds: readonly string[]): Promise<PlanPriceRow[]> {
  if (changeIds.length === 0) return [];
  return db.selectFrom('plan_price').selectAll().where('price_change_id', 'in', [...changeIds])
    .orderBy('price_change_id').orderBy('currency').execute();
}

/** Records that these customers were told; returns the customer ids that were not told before. */
export async function insertNoticesIfAbsent(db: Executor, rows: readonly PriceChangeNoticeTable[]): Promise<Set<string>> {
  const inserted = await insertRows(db, 'price_change_notice', rows, { onConflictDoNothing: ['price_change_id', 'customer_id'], returning: 'customer_id' });
  return new Set(inserted.map(String));
}

/** How many customers were told of each change. */
export async function countNotices(db: Executor, changeIds: readonly string[]): Promise<Map<string, number>> {
  if (changeIds.length === 0) return new Map();
  const rows = await db.selectFrom('price_change_notice')
    .select((eb) => ['price_change_id', eb.fn.countAll<number | string | bigint>().as('told')])
    .where('price_change_id', 'in', [...changeIds]).groupBy('price_change_id').execute();
  return new Map(rows.map((r) => [r.price_change_id, Number(r.told)]));
}
