import { assert } from '../../platform/assert.js';
import type { Currency, Money } from '../../platform/money.js';
import type { BucketKind } from './balances.js';
import type { RatedStatus, UsageKind } from './balances.usage.js';

/**
 * The rating rules, pure: what one usage record draws from a line's buckets, and what it costs
 * beyond them. The charging service loads a line's buckets once per batch, rates the batch's records
 * against them in memory (each draw lowers `remaining`), then writes the draws.
 */

/** A bucket as rating sees it; `remaining` is lowered as records of a batch draw from it. */
export interface RatingBucket {
  readonly id: string;
  readonly kind: BucketKind;
  readonly currency: Currency | null;
  readonly granted: number;
  /** What it held before the batch drew from it (for thresholds). */
  remainingBefore: number;
  remaining: number;
  readonly validFromMs: number;
  readonly validUntilMs: number;
  readonly priority: number;
  readonly countries: ReadonlySet<string>;
}

/** The catalog's overage policy of one unit kind (the shape of `OveragePolicy`). */
export type OverageRule =
  | { readonly mode: 'blocked' }
  | { readonly mode: 'rated'; readonly incrementUnits: number; readonly rates: ReadonlyArray<{ readonly zoneCode: string; readonly prices: readonly Money[] }> };

/** The overage that applies to one record: per started increment, a price per currency. */
export interface OverageTerms {
  readonly incrementUnits: number;
  readonly prices: ReadonlyMap<Currency, number>;
}

export interface RatingInput {
  readonly kind: UsageKind;
  readonly quantity: number;
  readonly country: string;
  readonly startedAtMs: number;
}

export interface RatedDraw {
  readonly bucket: RatingBucket;
  readonly amount: number;
}

export interface Rated {
  readonly status: RatedStatus;
  readonly draws: readonly RatedDraw[];
  readonly allowanceUnits: number;
  readonly overageUnits: number;
  readonly blockedUnits: number;
  readonly charge: { readonly currency: Currency; readonly amountMinor: number } | null;
}

/** Draw order: the bucket that expires first, then the smaller priority, then the oldest id. */
export function compareRatingBuckets(a: RatingBucket, b: RatingBucket): number {
  return a.validUntilMs - b.validUntilMs || a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function eligible(bucket: RatingBucket, kind: BucketKind, input: RatingInput): boolean {
  return bucket.kind === kind && bucket.remaining > 0 && bucket.validFromMs <= input.startedAtMs
    && input.startedAtMs < bucket.validUntilMs && bucket.countries.has(input.country);
}

/**
 * The overage terms for usage in `country` under `rule`: the first rate whose zone holds the country
 * (`zoneCountries` gives a zone's countries). Undefined when usage there is blocked.
 */
export function overageTermsFor(
  rule: OverageRule | undefined, country: string, zoneCountries: (zoneCode: string) => ReadonlySet<string> | undefined,
): OverageTerms | undefined {
  if (rule === undefined || rule.mode !== 'rated') return undefined;
  const rate = rule.rates.find((r) => zoneCountries(r.zoneCode)?.has(country) === true);
  if (rate === undefined) return undefined;
  const prices = new Map<Currency, number>();
  for (const price of rate.prices) if (price.amountMinor > 0) prices.set(price.currency, price.amountMinor);
  return { incrementUnits: rule.incrementUnits, prices };
}

/**
 * Rates one record against `buckets` (sorted with `compareRatingBuckets`), lowering their `remaining`:
 * 1. eligible allowance buckets (the record's kind, usable at its start time, covering its country)
 *    in draw order;
 * 2. what is left, at the overage terms: per started increment, from the eligible money buckets of
 *    the currency of the first one that has a price, as many whole increments as they can pay
 *    (money never goes below zero);
 * 3. what is still left is blocked.
 */
export function rateUsage(buckets: readonly RatingBucket[], input: RatingInput, overage: OverageTerms | undefined): Rated {
  assert(Number.isSafeInteger(input.quantity) && input.quantity >= 0, 'quantity must be a non-negative integer');
  const draws: RatedDraw[] = [];
  let left = input.quantity;
  for (const bucket of buckets) {
    if (left === 0) break;
    if (!eligible(bucket, input.kind, input)) continue;
    const amount = Math.min(left, bucket.remaining);
    bucket.remaining -= amount;
    left -= amount;
    draws.push({ bucket, amount });
  }
  const allowanceUnits = input.quantity - left;
  let overageUnits = 0;
  let charge: Rated['charge'] = null;
  if (left > 0 && overage !== undefined) {
    const paid = payOverage(buckets, input, overage, left, draws);
    if (paid !== undefined) {
      overageUnits = paid.units;
      charge = { currency: paid.currency, amountMinor: paid.amountMinor };
      left -= paid.units;
    }
  }
  const served = allowanceUnits + overageUnits;
  const status: RatedStatus = left === 0 ? 'charged' : served > 0 ? 'partially_charged' : 'blocked';
  return { status, draws, allowanceUnits, overageUnits, blockedUnits: left, charge };
}

function payOverage(
  buckets: readonly RatingBucket[], input: RatingInput, overage: OverageTerms, units: number, draws: RatedDraw[],
): { units: number; currency: Currency; amountMinor: number } | undefined {
  assert(Number.isSafeInteger(overage.incrementUnits) && overage.incrementUnits > 0, 'overage increments are positive integers');
  let currency: Currency | undefined;
  let price = 0;
  let available = 0;
  for (const bucket of buckets) {
    if (!eligible(bucket, 'money', input) || bucket.currency === null) continue;
    if (currency === undefined) {
      const p = overage.prices.get(bucket.currency);
      if (p === undefined) continue;
      currency = bucket.currency;
      price = p;
    }
    if (bucket.currency === currency) available += bucket.remaining;
  }
  if (currency === undefined) return undefined;
  const needed = Math.ceil(units / overage.incrementUnits);
  const increments = Math.min(needed, Math.floor(available / price));
  if (increments === 0) return undefined;
  const amountMinor = increments * price;
  assert(Number.isSafeInteger(amountMinor), 'overage amount overflow');
  let owed = amountMinor;
  for (const bucket of buckets) {
    if (owed === 0) break;
    if (bucket.currency !== currency || !eligible(bucket, 'money', input)) continue;
    const amount = Math.min(owed, bucket.remaining);
    bucket.remaining -= amount;
    owed -= amount;
    draws.push({ bucket, amount });
  }
  assert(owed === 0, 'the money buckets held what was counted');
  return { units: Math.min(units, increments * overage.incrementUnits), currency, amountMinor };
}

export const THRESHOLDS_PERCENT = [80, 100] as const;
export type ThresholdPercent = (typeof THRESHOLDS_PERCENT)[number];

/**
 * The highest threshold of used share that a group of buckets crossed between two states (`granted`
 * constant, `remaining` before and after), or undefined. 100 means nothing is left.
 */
export function crossedThreshold(granted: number, remainingBefore: number, remainingAfter: number): ThresholdPercent | undefined {
  if (granted <= 0 || remainingAfter >= remainingBefore) return undefined;
  const reached = (remaining: number, percent: number): boolean => (granted - remaining) * 100 >= percent * granted;
  for (const percent of [...THRESHOLDS_PERCENT].reverse()) {
    const now = percent === 100 ? remainingAfter === 0 : reached(remainingAfter, percent);
    const before = percent === 100 ? remainingBefore === 0 : reached(remainingBefore, percent);
    if (now && !before) return percent;
  }
  return undefined;
}
