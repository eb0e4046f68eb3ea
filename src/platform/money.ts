import { assert } from './assert.js';

/**
 * Money is an integer count of minor units of one ISO 4217 currency; data is bytes, voice is
 * seconds, SMS is a count. Decimals appear only when formatting for people.
 */
export const CURRENCIES = ['CNY', 'HKD', 'TWD', 'USD', 'EUR', 'GBP', 'JPY'] as const;
export type Currency = (typeof CURRENCIES)[number];

/** Minor-unit exponent per currency (ISO 4217). TWD is priced in whole dollars in practice. */
const EXPONENT: Record<Currency, number> = {
  CNY: 2, HKD: 2, TWD: 0, USD: 2, EUR: 2, GBP: 2, JPY: 0,
};

export interface Money {
  readonly amountMinor: number;
  readonly currency: Currency;
}

export function isCurrency(value: string): value is Currency {
  return (CURRENCIES as readonly string[]).includes(value);
}

export function currencyExponent(currency: Currency): number {
  return EXPONENT[currency];
}

export function money(amountMinor: number, currency: Currency): Money {
  assertMinor(amountMinor);
  return { amountMinor, currency };
}

export function assertMinor(amountMinor: number): void {
  assert(Number.isSafeInteger(amountMinor), `amount must be an integer count of minor units, got ${amountMinor}`);
}

export function addMoney(a: Money, b: Money): Money {
  assert(a.currency === b.currency, `cannot add ${a.currency} to ${b.currency}`);
  return money(a.amountMinor + b.amountMinor, a.currency);
}

export function subtractMoney(a: Money, b: Money): Money {
  assert(a.currency === b.currency, `cannot subtract ${b.currency} from ${a.currency}`);
  return money(a.amountMinor - b.amountMinor, a.currency);
}

/**
 * `amountMinor * numerator / denominator`, rounded half away from zero, in integer arithmetic
 * (BigInt, so that no intermediate product loses precision).
 */
export function mulDivRound(amountMinor: number, numerator: number, denominator: number): number {
  assertMinor(amountMinor);
  assert(Number.isSafeInteger(numerator) && Number.isSafeInteger(denominator) && denominator > 0, 'ratio must be integers');
  const product = BigInt(amountMinor) * BigInt(numerator);
  const d = BigInt(denominator);
  const negative = product < 0n;
  const abs = negative ? -product : product;
  const rounded = (abs * 2n + d) / (2n * d);
  const result = Number(negative ? -rounded : rounded);
  assertMinor(result);
  return result;
}

/**
 * Splits `amountMinor` into parts proportional to non-negative integer `weights`; the parts always
 * add up to the whole. Leftover units go to the largest remainders (ties to the earlier part), so a
 * zero weight never receives anything.
 */
export function allocate(amountMinor: number, weights: readonly number[]): number[] {
  assertMinor(amountMinor);
  assert(weights.every((w) => Number.isSafeInteger(w) && w >= 0), 'weights must be non-negative integers');
  const total = weights.reduce((sum, w) => sum + BigInt(w), 0n);
  assert(total > 0n, 'weights must add up to more than zero');
  const sign = amountMinor < 0 ? -1n : 1n;
  const whole = BigInt(amountMinor) * sign;
  const exact = weights.map((w) => whole * BigInt(w));
  const parts = exact.map((e) => e / total);
  let remainder = whole - parts.reduce((s, p) => s + p, 0n);
  const order = exact
    .map((e, index) => ({ index, rest: e % total }))
    .filter(({ index }) => (weights[index] ?? 0) > 0)
    .sort((a, b) => (a.rest === b.rest ? a.index - b.index : a.rest > b.rest ? -1 : 1));
  for (let i = 0; remainder > 0n; i = (i + 1) % order.length) {
    const target = order[i];
    assert(target !== undefined, 'allocation order is empty');
    parts[target.index] = (parts[target.index] ?? 0n) + 1n;
    remainder -= 1n;
  }
  return parts.map((p) => Number(p * sign));
}

/** Formats for people with the locale's conventions, e.g. 1999 USD in `en` → `$19.99`. */
/** Building an `Intl.NumberFormat` costs far more than formatting with it: one per locale and currency. */
const moneyFormats = new Map<string, Intl.NumberFormat>();

export function formatMoney(value: Money, locale: string): string {
  const exponent = EXPONENT[value.currency];
  const major = value.amountMinor / 10 ** exponent;
  const key = `${locale}|${value.currency}`;
  let format = moneyFormats.get(key);
  if (format === undefined) {
    format = new Intl.NumberFormat(locale, { style: 'currency', currency: value.currency, minimumFractionDigits: exponent, maximumFractionDigits: exponent });
    // Locales come from a short list; the bound only guards against a caller passing arbitrary ones.
    if (moneyFormats.size < 200) moneyFormats.set(key, format);
  }
  return format.format(major);
}

export const UNIT_KINDS = ['data', 'voice', 'sms', 'money'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

export const KB_BYTES = 1024;
export const MB_BYTES = 1024 * KB_BYTES;
export const GB_BYTES = 1024 * MB_BYTES;

/** Rounds a quantity up to a whole number of increments (e.g. voice per 60 s, data per KB). */
export function roundUpToIncrement(quantity: number, increment: number): number {
  assert(Number.isSafeInteger(quantity) && quantity >= 0, 'quantity must be a non-negative integer');
  assert(Number.isSafeInteger(increment) && increment > 0, 'increment must be a positive integer');
  return Math.ceil(quantity / increment) * increment;
}
