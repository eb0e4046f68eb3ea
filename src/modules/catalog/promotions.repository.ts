import { sql } from 'kysely';
import type { Dialect, Executor, Tx } from '../../platform/db/database.js';
import type { PromotionKind } from './promotions.js';

export interface PromotionTable {
  id: string;
  code: string;
  kind: PromotionKind;
  percent_off_bp: number | null;
  amount_off_minor: number | null;
  currency: string | null;
  bonus_data_bytes: number;
  starts_at: number;
  ends_at: number | null;
  max_total: number | null;
  max_per_customer: number | null;
  /** JSON array of plan codes; `null` for every plan. */
  eligible_plan_codes: string | null;
  first_order_only: number;
  /** Live (not released) redemptions; guarded by `max_total`. */
  redeemed: number;
  /** JSON `{ name: Localized, description: Localized }`. */
  texts: string;
  created_at: number;
  updated_at: number;
}

export interface PromotionRedemptionTable {
  id: string;
  promotion_id: string;
  customer_id: string;
  order_id: string;
  redeemed_at: number;
  released_at: number | null;
}

declare module '../../platform/db/schema.js' {
  interface Tables {
    promotion: PromotionTable;
    promotion_redemption: PromotionRedemptionTable;
  }
}

export type PromotionRow = PromotionTable;
export type PromotionRedemptionRow = PromotionRedemptionTable;

export async function insertPromotion(db: Executor, row: PromotionTable): Promise<void> {
  await db.insertInto('promotion').values(row).execute();
}

export async function findPromotionRowByCode(db: Executor, code: string): Promise<PromotionRow | undefined> {
  return db.selectFrom('promotion').selectAll().where('code', '=', code).executeTakeFirst();
}

/** Reads the promotion and, on PostgreSQL, locks its row until the transaction ends. */
export async function lockPromotionRow(tx: Tx, dialect: Dialect, id: string): Promise<PromotionRow | undefined> {
  return tx.selectFrom('promotion').selectAll().where('id', '=', id)
    .$if(dialect === 'postgres', (qb) => qb.forUpdate())
    .executeTakeFirst();
}

/** Counts one redemption unless the total limit is reached; false when it is (nothing changed). */
export async function incrementRedeemed(tx: Tx, id: string, nowMs: number): Promise<boolean> {
  const result = await tx.updateTable('promotion')
    .set({ redeemed: sql<number>`redeemed + 1`, updated_at: nowMs })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('max_total', 'is', null), eb('redeemed', '<', eb.ref('max_total'))]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function decrementRedeemed(tx: Tx, id: string, nowMs: number): Promise<void> {
  await tx.updateTable('promotion')
    .set({ redeemed: sql<number>`redeemed - 1`, updated_at: nowMs })
    .where('id', '=', id).where('redeemed', '>', 0)
    .execute();
}

/** Live redemptions of the promotion by the customer. */
export async function countCustomerRedemptions(db: Executor, promotionId: string, customerId: string): Promise<number> {
  const row = await db.selectFrom('promotion_redemption')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('promotion_id', '=', promotionId).where('customer_id', '=', customerId).where('released_at', 'is', null)
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

export async function findRedemptionByOrder(db: Executor, orderId: string): Promise<PromotionRedemptionRow | undefined> {
  return db.selectFrom('promotion_redemption').selectAll().where('order_id', '=', orderId).executeTakeFirst();
}

export async function insertRedemption(tx: Tx, row: PromotionRedemptionTable): Promise<void> {
  await tx.insertInto('promotion_redemption').values(row).execute();
}

/** Marks the order's redemption released; `undefined` when there is none or it already was (exactly once). */
export async function markRedemptionReleased(tx: Tx, orderId: string, nowMs: number): Promise<PromotionRedemptionRow | undefined> {
  return tx.updateTable('promotion_redemption').set({ released_at: nowMs })
    .where('order_id', '=', orderId).where('released_at', 'is', null)
    .returningAll().executeTakeFirst();
}
