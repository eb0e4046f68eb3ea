import type { MoneyView, PlanView } from '../api/types';

/** Currencies the portal offers, and the one a reader most likely pays in by language. */
export const CURRENCIES = ['USD', 'HKD', 'CNY', 'TWD', 'EUR', 'GBP', 'JPY'] as const;
const BY_LANGUAGE: Readonly<Record<string, string>> = { 'zh-CN': 'CNY', 'zh-TW': 'TWD', en: 'USD' };
const STORAGE_KEY = 'roamline.currency';

export function preferredCurrency(profileCurrency: string | null | undefined, language: string): string {
  if (profileCurrency) return profileCurrency;
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored !== null && (CURRENCIES as readonly string[]).includes(stored)) return stored;
  } catch {
    // Storage may be refused; fall back to the language's currency.
  }
  return BY_LANGUAGE[language] ?? 'USD';
}

export function rememberCurrency(currency: string): void {
  try {
    localStorage.setItem(STORAGE_KEY, currency);
  } catch {
    // Not remembered; the choice still holds on this page.
  }
}

/** The plan's current price in `currency`, or its first price when it is not sold in that one. */
export function priceIn(plan: PlanView, currency: string): MoneyView | undefined {
  return plan.prices.find((p) => p.currency === currency) ?? plan.prices[0];
}

export const LENGTH_FILTERS = ['any', 'short', 'week', 'month'] as const;
export type LengthFilter = (typeof LENGTH_FILTERS)[number];

/** Length buckets a traveller thinks in: a few days, up to two weeks, longer. */
export function matchesLength(plan: PlanView, filter: LengthFilter): boolean {
  const days = plan.validityDays ?? 0;
  switch (filter) {
    case 'any': return true;
    case 'short': return days <= 5;
    case 'week': return days > 5 && days <= 15;
    case 'month': return days > 15;
  }
}
