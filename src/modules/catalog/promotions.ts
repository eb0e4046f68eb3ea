import type { Localized } from '../../platform/i18n.js';
import { isCurrency, mulDivRound, type Currency } from '../../platform/money.js';
import { isFullyLocalized } from './catalog.js';
import { promotionErrors } from './catalog.errors.js';

/**
 * Types and pure rules of promotion codes. No I/O. Money in integer minor units; data in bytes;
 * percentages in basis points (10 % = 1000).
 */

export const PROMOTION_KINDS = ['percent_off', 'amount_off', 'bonus_data'] as const;
export type PromotionKind = (typeof PROMOTION_KINDS)[number];

export type PromotionBenefit =
  | { readonly kind: 'percent_off'; readonly percentOffBasisPoints: number }
  | { readonly kind: 'amount_off'; readonly amountOffMinor: number; readonly currency: Currency }
  | { readonly kind: 'bonus_data'; readonly bonusDataBytes: number };

export interface Promotion {
  readonly id: string;
  /** Upper case; what customers type is matched case-insensitively. */
  readonly code: string;
  readonly benefit: PromotionBenefit;
  readonly startsAtMs: number;
  /** Exclusive; `null` for no end. */
  readonly endsAtMs: number | null;
  readonly maxTotal: number | null;
  readonly maxPerCustomer: number | null;
  /** `null`: every plan. */
  readonly eligiblePlanCodes: readonly string[] | null;
  readonly firstOrderOnly: boolean;
  /** Redemptions counted now (released ones are given back). */
  readonly redeemed: number;
  readonly texts: { readonly name: Localized; readonly description: Localized };
}

/** What staff (or the demo seed) give to create a promotion. */
export type PromotionDefinition = Omit<Promotion, 'id' | 'redeemed'>;

export const PROMOTION_CODE_PATTERN = /^[A-Z0-9][A-Z0-9_-]{2,31}$/;

/** Normalises what a customer typed: trimmed, upper case. */
export function normalizePromotionCode(input: string): string {
  return input.trim().toUpperCase();
}

/**
 * The discount on `listPriceMinor`: a percentage rounded half away from zero, or a fixed amount;
 * never more than the price itself, so an order never goes below zero.
 */
export function discountFor(benefit: PromotionBenefit, listPriceMinor: number): number {
  if (listPriceMinor <= 0) return 0;
  switch (benefit.kind) {
    case 'percent_off':
      return Math.min(listPriceMinor, mulDivRound(listPriceMinor, benefit.percentOffBasisPoints, 10_000));
    case 'amount_off':
      return Math.min(listPriceMinor, benefit.amountOffMinor);
    case 'bonus_data':
      return 0;
  }
}

export function bonusDataBytesOf(benefit: PromotionBenefit): number {
  return benefit.kind === 'bonus_data' ? benefit.bonusDataBytes : 0;
}

/** The order a promotion code is checked against. */
export interface PromotionUse {
  readonly planCode: string;
  readonly currency: Currency;
  readonly isFirstOrder: boolean;
  readonly atMs: number;
}

/** Throws `promotions.not_started` / `promotions.expired` unless the code is live at `atMs`. */
export function checkPromotionWindow(promotion: Promotion, atMs: number): void {
  if (atMs < promotion.startsAtMs) throw promotionErrors.notStarted(promotion.code, promotion.startsAtMs);
  if (promotion.endsAtMs !== null && atMs >= promotion.endsAtMs) throw promotionErrors.expired(promotion.code);
}

/**
 * Every rule of a promotion that does not need a lock, in the order a customer most wants to hear
 * them: window, plan, currency, first order, total limit, then this customer's limit.
 */
export function checkPromotionRules(promotion: Promotion, use: PromotionUse, customerRedemptions: number): void {
  checkPromotionWindow(promotion, use.atMs);
  if (promotion.eligiblePlanCodes !== null && !promotion.eligiblePlanCodes.includes(use.planCode)) {
    throw promotionErrors.notEligiblePlan(promotion.code, use.planCode);
  }
  const { benefit } = promotion;
  if (benefit.kind === 'amount_off' && benefit.currency !== use.currency) {
    throw promotionErrors.currencyMismatch(promotion.code, benefit.currency, use.currency);
  }
  if (promotion.firstOrderOnly && !use.isFirstOrder) throw promotionErrors.firstOrderOnly(promotion.code);
  if (promotion.maxTotal !== null && promotion.redeemed >= promotion.maxTotal) throw promotionErrors.usedUp(promotion.code);
  if (promotion.maxPerCustomer !== null && customerRedemptions >= promotion.maxPerCustomer) {
    throw promotionErrors.customerLimitReached(promotion.code);
  }
}

function fail(problem: string): never {
  throw promotionErrors.definitionInvalid(problem);
}

const positiveInt = (n: number | null): boolean => n === null || (Number.isSafeInteger(n) && n > 0);

/** Throws `promotions.definition_invalid` unless the definition holds together. */
export function checkPromotionDefinition(def: PromotionDefinition): void {
  if (!PROMOTION_CODE_PATTERN.test(def.code)) fail(`Promotion code ${def.code} must be 3–32 upper-case letters, digits, dashes or underscores`);
  if (!isFullyLocalized(def.texts.name) || !isFullyLocalized(def.texts.description)) fail(`Promotion ${def.code} needs its name and description in every language`);
  const b = def.benefit;
  if (b.kind === 'percent_off' && !(Number.isSafeInteger(b.percentOffBasisPoints) && b.percentOffBasisPoints > 0 && b.percentOffBasisPoints <= 10_000)) {
    fail(`Promotion ${def.code} needs 1–10000 basis points off`);
  }
  if (b.kind === 'amount_off' && (!isCurrency(b.currency) || !Number.isSafeInteger(b.amountOffMinor) || b.amountOffMinor <= 0)) {
    fail(`Promotion ${def.code} needs a positive amount in a supported currency`);
  }
  if (b.kind === 'bonus_data' && !(Number.isSafeInteger(b.bonusDataBytes) && b.bonusDataBytes > 0)) fail(`Promotion ${def.code} needs positive bonus bytes`);
  if (!Number.isSafeInteger(def.startsAtMs) || (def.endsAtMs !== null && def.endsAtMs <= def.startsAtMs)) fail(`Promotion ${def.code} must start before it ends`);
  if (!positiveInt(def.maxTotal) || !positiveInt(def.maxPerCustomer)) fail(`Promotion ${def.code} needs positive whole limits`);
  if (def.eligiblePlanCodes !== null && def.eligiblePlanCodes.length === 0) fail(`Promotion ${def.code} lists no eligible plan (use null for every plan)`);
}
