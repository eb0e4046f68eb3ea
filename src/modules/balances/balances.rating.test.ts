import { describe, expect, it } from 'vitest';
import type { Currency } from '../../platform/money.js';
import type { BucketKind } from './balances.js';
import { compareRatingBuckets, crossedThreshold, overageTermsFor, rateUsage, type OverageRule, type RatingBucket } from './balances.rating.js';

const T = 1_000_000;
let serial = 0;

function bucket(kind: BucketKind, amount: number, overrides: Partial<RatingBucket> = {}): RatingBucket {
  serial += 1;
  return {
    id: `bkt_${String(serial).padStart(4, '0')}`, kind, currency: kind === 'money' ? 'EUR' : null, granted: amount, remainingBefore: amount,
    remaining: amount, validFromMs: T - 1000, validUntilMs: T + 1000, priority: 0, countries: new Set(['FR', 'DE']), ...overrides,
  };
}

const terms = (incrementUnits: number, prices: Partial<Record<Currency, number>>) =>
  ({ incrementUnits, prices: new Map(Object.entries(prices) as Array<[Currency, number]>) });
const at = (kind: 'data' | 'voice' | 'sms', quantity: number, country = 'FR', startedAtMs = T) => ({ kind, quantity, country, startedAtMs });
const sorted = (...buckets: RatingBucket[]) => buckets.sort(compareRatingBuckets);

describe('rateUsage', () => {
  it('draws the bucket that expires first, then the smaller priority, and only eligible ones', () => {
    const late = bucket('data', 100, { validUntilMs: T + 5000 });
    const soonLow = bucket('data', 100, { priority: 1 });
    const soonHigh = bucket('data', 100, { priority: 9 });
    const elsewhere = bucket('data', 100, { countries: new Set(['JP']), validUntilMs: T + 10 });
    const notYet = bucket('data', 100, { validFromMs: T + 1 });
    const ended = bucket('data', 100, { validUntilMs: T });
    const voice = bucket('voice', 100);
    const rated = rateUsage(sorted(late, soonLow, soonHigh, elsewhere, notYet, ended, voice), at('data', 250), undefined);
    expect(rated.draws.map((d) => [d.bucket.id, d.amount])).toEqual([[soonLow.id, 100], [soonHigh.id, 100], [late.id, 50]]);
    expect(rated).toMatchObject({ status: 'charged', allowanceUnits: 250, overageUnits: 0, blockedUnits: 0, charge: null });
    expect(late.remaining).toBe(50);
  });

  it('rates the rest per started increment from money of one currency, never below zero, and blocks the rest', () => {
    const minutes = bucket('voice', 60);
    const usd = bucket('money', 1000, { currency: 'USD', validUntilMs: T + 10 });
    const eur1 = bucket('money', 30);
    const eur2 = bucket('money', 40);
    const list = sorted(minutes, usd, eur1, eur2);
    // 200 s: 60 from the allowance, 140 s = 3 started minutes at EUR 0.25, but only 70 cents: 2 minutes.
    const rated = rateUsage(list, at('voice', 200), terms(60, { EUR: 25 }));
    expect(rated).toMatchObject({ status: 'partially_charged', allowanceUnits: 60, overageUnits: 120, blockedUnits: 20, charge: { currency: 'EUR', amountMinor: 50 } });
    expect([eur1.remaining, eur2.remaining, usd.remaining]).toEqual([0, 20, 1000]);
    expect(rateUsage(list, at('voice', 1), terms(60, { EUR: 25 }))).toMatchObject({ status: 'blocked', blockedUnits: 1, draws: [] });
    expect(rateUsage(list, at('voice', 30), terms(60, { USD: 10 }))).toMatchObject({ status: 'charged', overageUnits: 30, charge: { currency: 'USD', amountMinor: 10 } });
    expect(rateUsage([bucket('money', 500)], at('sms', 2), undefined)).toMatchObject({ status: 'blocked', blockedUnits: 2 });
    expect(rateUsage([], at('sms', 0), undefined)).toMatchObject({ status: 'charged', draws: [] });
  });

  it('rounds data per started increment and charges money only where it covers the country', () => {
    const money = bucket('money', 100, { countries: new Set(['FR']) });
    expect(rateUsage([money], at('data', 1025), terms(1024, { EUR: 3 }))).toMatchObject({ overageUnits: 1025, charge: { amountMinor: 6 } });
    expect(rateUsage([money], at('data', 10, 'DE'), terms(1024, { EUR: 3 }))).toMatchObject({ status: 'blocked' });
  });
});

describe('overageTermsFor', () => {
  const zones = (code: string) => ({ EU: new Set(['FR', 'DE']), ASIA: new Set(['JP']) } as Record<string, ReadonlySet<string>>)[code];
  const rule: OverageRule = {
    mode: 'rated', incrementUnits: 60,
    rates: [{ zoneCode: 'EU', prices: [{ currency: 'EUR', amountMinor: 25 }, { currency: 'USD', amountMinor: 0 }] }, { zoneCode: 'ASIA', prices: [{ currency: 'USD', amountMinor: 40 }] }],
  };
  it('takes the first rate whose zone holds the country, with its positive prices', () => {
    expect(overageTermsFor(rule, 'DE', zones)).toEqual({ incrementUnits: 60, prices: new Map([['EUR', 25]]) });
    expect(overageTermsFor(rule, 'JP', zones)?.prices.get('USD')).toBe(40);
    expect(overageTermsFor(rule, 'US', zones)).toBeUndefined();
    expect(overageTermsFor({ mode: 'blocked' }, 'FR', zones)).toBeUndefined();
    expect(overageTermsFor(undefined, 'FR', zones)).toBeUndefined();
  });
});

describe('crossedThreshold', () => {
  it('names the highest threshold crossed between two states', () => {
    expect(crossedThreshold(100, 100, 79)).toBeUndefined();
    expect(crossedThreshold(100, 100, 20)).toBe(80);
    expect(crossedThreshold(100, 21, 20)).toBe(80);
    expect(crossedThreshold(100, 20, 1)).toBeUndefined();
    expect(crossedThreshold(100, 20, 0)).toBe(100);
    expect(crossedThreshold(100, 90, 0)).toBe(100);
    expect(crossedThreshold(100, 0, 0)).toBeUndefined();
  });
});
