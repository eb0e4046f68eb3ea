import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../platform/assert.js';
import {
  assertValidGrant, compareDrawOrder, compareSummaries, isSameGrant, isUsable, normalizeCountries, unitOf,
  type BalanceSummary, type Bucket, type GrantInput,
} from './balances.js';
import { checkBucket } from './balances.invariants.js';
import { assertBalanced, bucketLegs, mergeCounterLegs } from './balances.ledger.js';
import type { BucketRow } from './balances.repository.js';

const T0 = Date.UTC(2026, 10, 27);

const grant: GrantInput = {
  lineId: 'lin_1', kind: 'data', amount: 1024, validFromMs: T0, validUntilMs: T0 + 1000,
  coverage: { zoneCode: 'EU', countries: ['FR'] }, priority: 0, source: 'order', sourceId: 'ord_1', idempotencyKey: 'k1',
};

function bucket(overrides: Partial<Bucket> = {}): Bucket {
  return {
    id: 'bkt_1', lineId: 'lin_1', kind: 'data', currency: null, unit: 'data', status: 'active',
    granted: 1024, used: 0, expired: 0, refunded: 0, remaining: 1024, validFromMs: T0, validUntilMs: T0 + 1000,
    coverage: { zoneCode: 'EU', countries: ['FR'] }, priority: 0, source: 'order', sourceId: 'ord_1',
    createdAtMs: T0, closedAtMs: null, ...overrides,
  };
}

describe('units', () => {
  it('gives non-money kinds their own unit and money one unit per currency', () => {
    expect(unitOf('data', null)).toBe('data');
    expect(unitOf('voice', null)).toBe('voice');
    expect(unitOf('sms', null)).toBe('sms');
    expect(unitOf('money', 'USD')).toBe('money:USD');
    expect(() => unitOf('money', null)).toThrow(AssertionError);
    expect(() => unitOf('data', 'USD')).toThrow(AssertionError);
  });
});

describe('assertValidGrant', () => {
  it('accepts a well-formed grant, money with a currency', () => {
    expect(() => assertValidGrant(grant)).not.toThrow();
    expect(() => assertValidGrant({ ...grant, kind: 'money', currency: 'CNY' })).not.toThrow();
  });

  it.each<[string, Partial<GrantInput>]>([
    ['a zero amount', { amount: 0 }],
    ['a negative amount', { amount: -5 }],
    ['a fractional amount', { amount: 1.5 }],
    ['an unsafe amount', { amount: 2 ** 53 }],
    ['money without a currency', { kind: 'money' }],
    ['data with a currency', { currency: 'USD' }],
    ['an empty validity', { validUntilMs: T0 }],
    ['a reversed validity', { validUntilMs: T0 - 1 }],
    ['fractional instants', { validFromMs: T0 + 0.5 }],
    ['no countries', { coverage: { zoneCode: 'EU', countries: [] } }],
    ['a lowercase country', { coverage: { zoneCode: 'EU', countries: ['fr'] } }],
    ['no zone', { coverage: { zoneCode: '', countries: ['FR'] } }],
    ['an empty idempotency key', { idempotencyKey: '' }],
    ['an empty source id', { sourceId: '' }],
    ['an unknown source', { source: 'gift' as GrantInput['source'] }],
    ['a fractional priority', { priority: 0.5 }],
  ])('refuses %s as a programmer error', (_name, overrides) => {
    expect(() => assertValidGrant({ ...grant, ...overrides })).toThrow(AssertionError);
  });

  it('stores countries sorted and once each', () => {
    expect(normalizeCountries(['FR', 'DE', 'FR', 'AT'])).toEqual(['AT', 'DE', 'FR']);
  });
});

describe('isSameGrant', () => {
  it('matches a repeat of the same grant and not another one under the same key', () => {
    expect(isSameGrant(bucket(), grant)).toBe(true);
    expect(isSameGrant(bucket(), { ...grant, amount: 2048 })).toBe(false);
    expect(isSameGrant(bucket(), { ...grant, lineId: 'lin_2' })).toBe(false);
    expect(isSameGrant(bucket(), { ...grant, validUntilMs: T0 + 2000 })).toBe(false);
    expect(isSameGrant(bucket(), { ...grant, sourceId: 'ord_2' })).toBe(false);
    // A repeat after some usage is still the same grant.
    expect(isSameGrant(bucket({ used: 24, remaining: 1000 }), grant)).toBe(true);
  });
});

describe('usability and draw order', () => {
  it('is usable from validFrom inclusive to validUntil exclusive, while active', () => {
    const b = bucket();
    expect(isUsable(b, T0 - 1)).toBe(false);
    expect(isUsable(b, T0)).toBe(true);
    expect(isUsable(b, T0 + 999)).toBe(true);
    expect(isUsable(b, T0 + 1000)).toBe(false);
    expect(isUsable(bucket({ status: 'refunded' }), T0)).toBe(false);
    expect(isUsable(bucket({ status: 'expired' }), T0)).toBe(false);
  });

  it('draws the bucket expiring first, then the smaller priority, then the older one', () => {
    const late = bucket({ id: 'bkt_a', validUntilMs: T0 + 5000 });
    const soonLow = bucket({ id: 'bkt_b', priority: 9 });
    const soonHigh = bucket({ id: 'bkt_d', priority: 1 });
    const soonHighOlder = bucket({ id: 'bkt_c', priority: 1 });
    expect([late, soonLow, soonHigh, soonHighOlder].sort(compareDrawOrder).map((b) => b.id)).toEqual(['bkt_c', 'bkt_d', 'bkt_b', 'bkt_a']);
  });

  it('orders summaries data, voice, SMS, then money by currency', () => {
    const s = (kind: BalanceSummary['kind'], unit: BalanceSummary['unit']): BalanceSummary => ({
      kind, unit, currency: null, remaining: 0, used: 0, granted: 0, earliestValidUntilMs: null, upcoming: 0,
    });
    const sorted = [s('money', 'money:USD'), s('sms', 'sms'), s('money', 'money:CNY'), s('data', 'data'), s('voice', 'voice')].sort(compareSummaries);
    expect(sorted.map((x) => x.unit)).toEqual(['data', 'voice', 'sms', 'money:CNY', 'money:USD']);
  });
});

describe('ledger legs', () => {
  const ref = { id: 'bkt_1', line_id: 'lin_1', kind: 'money' as const, currency: 'EUR' as const };

  it('moves a grant into the bucket and everything else out of it, against the matching account', () => {
    expect(bucketLegs('grant', ref, 500)).toEqual([
      { lineId: 'lin_1', account: 'bucket', bucketId: 'bkt_1', unit: 'money:EUR', amount: 500 },
      { lineId: 'lin_1', account: 'grants', bucketId: null, unit: 'money:EUR', amount: -500 },
    ]);
    expect(bucketLegs('usage', ref, 7).map((l) => [l.account, l.amount])).toEqual([['bucket', -7], ['usage', 7]]);
    expect(bucketLegs('expiry', ref, 7).map((l) => [l.account, l.amount])).toEqual([['bucket', -7], ['expiry', 7]]);
    expect(bucketLegs('refund', ref, 7).map((l) => [l.account, l.amount])).toEqual([['bucket', -7], ['refunds', 7]]);
    expect(() => bucketLegs('usage', ref, 0)).toThrow(AssertionError);
    expect(() => bucketLegs('usage', ref, 1.5)).toThrow(AssertionError);
  });

  it('merges the usage legs of several buckets per line and unit', () => {
    const other = { ...ref, id: 'bkt_2' };
    const data = { id: 'bkt_3', line_id: 'lin_1', kind: 'data' as const, currency: null };
    const merged = mergeCounterLegs([...bucketLegs('usage', ref, 5), ...bucketLegs('usage', other, 6), ...bucketLegs('usage', data, 9)]);
    expect(merged.map((l) => [l.account, l.unit, l.amount])).toEqual([
      ['bucket', 'money:EUR', -5], ['bucket', 'money:EUR', -6], ['bucket', 'data', -9], ['usage', 'money:EUR', 11], ['usage', 'data', 9],
    ]);
    expect(() => assertBalanced(merged)).not.toThrow();
  });

  it('refuses to write a transaction that does not balance per line and unit', () => {
    const [intoBucket] = bucketLegs('grant', ref, 500);
    expect(() => assertBalanced([intoBucket])).toThrow(AssertionError);
    const otherLine = bucketLegs('grant', { ...ref, line_id: 'lin_2' }, 500);
    // Balanced overall but each line's side is elsewhere: refused.
    expect(() => assertBalanced([bucketLegs('grant', ref, 500)[0], otherLine[1]])).toThrow(AssertionError);
    expect(() => assertBalanced([{ ...intoBucket, amount: 0 }])).toThrow(AssertionError);
  });
});

describe('checkBucket', () => {
  const row = (overrides: Partial<BucketRow> = {}): BucketRow => ({
    id: 'bkt_1', line_id: 'lin_1', kind: 'data', currency: null, status: 'active', granted: 100, used: 30, expired: 0,
    refunded: 0, remaining: 70, valid_from: T0, valid_until: T0 + 1000, coverage_zone: 'EU', coverage_countries: '["FR"]',
    priority: 0, source: 'order', source_id: 'ord_1', idempotency_key: 'k', created_at: T0, closed_at: null, ...overrides,
  });
  const sums = (grant: number, usage: number, expiry = 0, refund = 0) =>
    ({ total: grant + usage + expiry + refund, byKind: { grant, usage, expiry, refund } });

  it('finds nothing wrong with a consistent bucket', () => {
    expect(checkBucket(row(), sums(100, -30))).toEqual([]);
    expect(checkBucket(row({ status: 'expired', expired: 70, remaining: 0 }), sums(100, -30, -70))).toEqual([]);
  });

  it('names each broken rule', () => {
    const rules = (r: BucketRow, s: ReturnType<typeof sums> | undefined) => checkBucket(r, s).map((v) => v.rule).sort();
    expect(rules(row({ remaining: 71 }), sums(100, -30))).toEqual(['conservation', 'remaining_mismatch']);
    expect(rules(row({ used: 31, remaining: 69 }), sums(100, -30))).toEqual(['counter_mismatch', 'remaining_mismatch']);
    expect(rules(row({ used: 130, remaining: -30 }), sums(100, -130))).toEqual(['negative_amount']);
    expect(rules(row({ status: 'refunded' }), sums(100, -30))).toEqual(['closed_with_remaining']);
    expect(rules(row(), undefined)).toEqual(['counter_mismatch', 'counter_mismatch', 'remaining_mismatch']);
  });
});
