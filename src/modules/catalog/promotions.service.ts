import { assert } from '../../platform/assert.js';
import type { PlatformContext } from '../../platform/context.js';
import { isUniqueViolation, type Executor, type Tx } from '../../platform/db/database.js';
import type { Localized } from '../../platform/i18n.js';
import { isCurrency, type Currency } from '../../platform/money.js';
import { promotionErrors } from './catalog.errors.js';
import {
  bonusDataBytesOf, checkPromotionDefinition, checkPromotionRules, checkPromotionWindow, discountFor, normalizePromotionCode,
  type Promotion, type PromotionBenefit, type PromotionDefinition, type PromotionKind,
} from './promotions.js';
import {
  countCustomerRedemptions, decrementRedeemed, findPromotionRowByCode, findRedemptionByOrder, incrementRedeemed, insertPromotion,
  insertRedemption, lockPromotionRow, markRedemptionReleased, type PromotionRow,
} from './promotions.repository.js';

/** The order a code is checked against (nothing is reserved by a check). */
export interface PromotionCheckInput {
  /** As the customer typed it; matched case-insensitively. */
  readonly code: string;
  readonly customerId: string;
  readonly planCode: string;
  readonly currency: Currency;
  /** The price the discount applies to, in minor units of `currency`. */
  readonly listPriceMinor: number;
  readonly isFirstOrder: boolean;
  readonly atMs: number;
}

export interface PromotionCheck {
  readonly promotionId: string;
  readonly code: string;
  readonly kind: PromotionKind;
  /** Minor units of the order's currency; 0 ≤ discountMinor ≤ listPriceMinor. */
  readonly discountMinor: number;
  /** Extra data granted with the order, in bytes (0 unless a bonus-data code). */
  readonly bonusDataBytes: number;
}

export interface RedeemInput {
  readonly promotionId: string;
  readonly customerId: string;
  readonly orderId: string;
  readonly atMs: number;
}

export interface Redemption {
  readonly redemptionId: string;
  readonly promotionId: string;
  readonly orderId: string;
  /** False when this order had already redeemed the code (the call changed nothing). */
  readonly counted: boolean;
}

function toPromotion(row: PromotionRow): Promotion {
  let benefit: PromotionBenefit;
  if (row.kind === 'percent_off') {
    assert(row.percent_off_bp !== null, `promotion ${row.code} has no percentage`);
    benefit = { kind: 'percent_off', percentOffBasisPoints: row.percent_off_bp };
  } else if (row.kind === 'amount_off') {
    assert(row.amount_off_minor !== null && row.currency !== null && isCurrency(row.currency), `promotion ${row.code} has no amount`);
    benefit = { kind: 'amount_off', amountOffMinor: row.amount_off_minor, currency: row.currency };
  } else {
    benefit = { kind: 'bonus_data', bonusDataBytes: row.bonus_data_bytes };
  }
  return {
    id: row.id, code: row.code, benefit, startsAtMs: row.starts_at, endsAtMs: row.ends_at, maxTotal: row.max_total,
    maxPerCustomer: row.max_per_customer, firstOrderOnly: row.first_order_only === 1, redeemed: row.redeemed,
    eligiblePlanCodes: row.eligible_plan_codes === null ? null : (JSON.parse(row.eligible_plan_codes) as string[]),
    texts: JSON.parse(row.texts) as { name: Localized; description: Localized },
  };
}

/** Promotion codes: checking, redeeming exactly once, and giving a redemption back. */
export function createPromotionsService(ctx: PlatformContext) {
  const { database, clock, ids } = ctx;
  const db = database.db;

  async function findPromotion(code: string): Promise<Promotion | undefined> {
    const row = await findPromotionRowByCode(db, normalizePromotionCode(code));
    return row === undefined ? undefined : toPromotion(row);
  }

  async function definePromotion(def: PromotionDefinition): Promise<Promotion> {
    checkPromotionDefinition(def);
    const nowMs = clock.nowMs();
    const b = def.benefit;
    const row: PromotionRow = {
      id: ids('pro'), code: def.code, kind: b.kind,
      percent_off_bp: b.kind === 'percent_off' ? b.percentOffBasisPoints : null,
      amount_off_minor: b.kind === 'amount_off' ? b.amountOffMinor : null,
      currency: b.kind === 'amount_off' ? b.currency : null,
      bonus_data_bytes: bonusDataBytesOf(b), starts_at: def.startsAtMs, ends_at: def.endsAtMs,
      max_total: def.maxTotal, max_per_customer: def.maxPerCustomer,
      eligible_plan_codes: def.eligiblePlanCodes === null ? null : JSON.stringify(def.eligiblePlanCodes),
      first_order_only: def.firstOrderOnly ? 1 : 0, redeemed: 0, texts: JSON.stringify(def.texts), created_at: nowMs, updated_at: nowMs,
    };
    try {
      await insertPromotion(db, row);
    } catch (error) {
      throw isUniqueViolation(error) ? promotionErrors.codeTaken(def.code) : error;
    }
    return toPromotion(row);
  }

  /**
   * Checks a code against an order without reserving anything. Throws, in this order of checks:
   * `promotions.not_found`, `not_started`, `expired`, `not_eligible_plan`, `currency_mismatch`,
   * `first_order_only`, `used_up`, `customer_limit_reached`.
   */
  async function checkPromotion(executor: Executor, input: PromotionCheckInput): Promise<PromotionCheck> {
    const code = normalizePromotionCode(input.code);
    const row = code.length > 64 ? undefined : await findPromotionRowByCode(executor, code);
    if (row === undefined) throw promotionErrors.notFound(code);
    const promotion = toPromotion(row);
    const customerRedemptions = promotion.maxPerCustomer === null ? 0 : await countCustomerRedemptions(executor, promotion.id, input.customerId);
    checkPromotionRules(promotion, input, customerRedemptions);
    return {
      promotionId: promotion.id, code: promotion.code, kind: promotion.benefit.kind,
      discountMinor: discountFor(promotion.benefit, input.listPriceMinor), bonusDataBytes: bonusDataBytesOf(promotion.benefit),
    };
  }

  /**
   * Counts one redemption for the order, in the caller's transaction. Idempotent per order: a second
   * call for the same order counts nothing and returns the first redemption. The total and
   * per-customer limits hold under concurrent checkouts on both stores: the promotion row is locked
   * (PostgreSQL `FOR UPDATE`; SQLite transactions are serialised), the counter moves only through
   * a guarded `UPDATE ... WHERE redeemed < max_total`, and the order id is unique. Every check runs
   * before the first write, so a refusal changes nothing. Throws `promotions.not_started`,
   * `promotions.expired`, `promotions.customer_limit_reached`, `promotions.used_up`.
   */
  async function redeemPromotion(tx: Tx, input: RedeemInput): Promise<Redemption> {
    const row = await lockPromotionRow(tx, database.dialect, input.promotionId);
    assert(row !== undefined, `no promotion ${input.promotionId}`);
    const existing = await findRedemptionByOrder(tx, input.orderId);
    if (existing !== undefined) {
      assert(existing.promotion_id === input.promotionId, `order ${input.orderId} already redeemed another promotion`);
      assert(existing.released_at === null, `order ${input.orderId} gave its redemption back; it cannot redeem again`);
      return { redemptionId: existing.id, promotionId: existing.promotion_id, orderId: existing.order_id, counted: false };
    }
    const promotion = toPromotion(row);
    checkPromotionWindow(promotion, input.atMs);
    if (promotion.maxPerCustomer !== null && (await countCustomerRedemptions(tx, promotion.id, input.customerId)) >= promotion.maxPerCustomer) {
      throw promotionErrors.customerLimitReached(promotion.code);
    }
    const nowMs = clock.nowMs();
    if (!(await incrementRedeemed(tx, promotion.id, nowMs))) throw promotionErrors.usedUp(promotion.code);
    const redemptionId = ids('red');
    await insertRedemption(tx, {
      id: redemptionId, promotion_id: promotion.id, customer_id: input.customerId, order_id: input.orderId,
      redeemed_at: input.atMs, released_at: null,
    });
    return { redemptionId, promotionId: promotion.id, orderId: input.orderId, counted: true };
  }

  /**
   * Gives the order's redemption back (the order was cancelled or expired), in the caller's
   * transaction. Exactly once: returns true when this call released it, false when the order had no
   * live redemption (none, or already released).
   */
  async function releasePromotion(tx: Tx, orderId: string): Promise<boolean> {
    const released = await markRedemptionReleased(tx, orderId, clock.nowMs());
    if (released === undefined) return false;
    await decrementRedeemed(tx, released.promotion_id, clock.nowMs());
    return true;
  }

  return { findPromotion, definePromotion, checkPromotion, redeemPromotion, releasePromotion };
}

export type PromotionsService = ReturnType<typeof createPromotionsService>;
