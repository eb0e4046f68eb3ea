import { describe, expect, it } from 'vitest';
import type { BucketKind } from './balances.js';
import { compareRatingBuckets, type RatingBucket } from './balances.rating.js';
import { findCrossings, rateBatch, type Rateable } from './balances.usage.batch.js';
import { recordIdsOf, recordsOf } from './balances.usage.repository.js';

const T = 1_000_000;
let serial = 0;

function bucket(lineId: string, kind: BucketKind, amount: number, overrides: Partial<RatingBucket> = {}): RatingBucket {
  serial += 1;
  return {
    id: `bkt_${lineId}_${String(serial).padStart(4, '0')}`, kind, currency: kind === 'money' ? 'EUR' : null, granted: amount,
    remainingBefore: amount, remaining: amount, validFromMs: T - 1000, validUntilMs: T + 1000, priority: 0, countries: new Set(['FR']),
    ...overrides,
  };
}

let index = 0;
function item(lineId: string, quantity: number, startedAtMs = T, recordId = `rec-${index + 1}`): Rateable {
  index += 1;
  return {
    index: index - 1, record: { recordId, msisdn: '+33600000000', type: 'data', quantity, country: 'FR', startedAtMs },
    line: { id: lineId, customerId: 'cus_1', msisdn: '+33600000000', iccid: '8933' }, country: 'FR', overage: undefined,
  };
}

const linesOf = (...buckets: RatingBucket[]) => {
  const map = new Map<string, RatingBucket[]>();
  for (const b of buckets) map.set(b.id.split('_').slice(1, 3).join('_'), [...(map.get(b.id.split('_').slice(1, 3).join('_')) ?? []), b]);
  for (const list of map.values()) list.sort(compareRatingBuckets);
  return map;
};

describe('rateBatch', () => {
  it('writes each record with its own draws (its ledger postings) and one debit per bucket drawn, the sum of its draws', () => {
    index = 0;
    const a1 = bucket('lin_a', 'data', 100);
    const a2 = bucket('lin_a', 'data', 100, { validUntilMs: T + 5000 });
    const b1 = bucket('lin_b', 'data', 50);
    const items = [item('lin_a', 80), item('lin_b', 10), item('lin_a', 80), item('lin_a', 80)];
    const batch = rateBatch(items, linesOf(a1, a2, b1), new Set(), T);
    const { debits } = batch.writes;
    const records = recordsOf(batch.writes);
    expect(records[0]).toEqual({
      record_id: 'rec-1', line_id: 'lin_a', kind: 'data', quantity: 80, country: 'FR', started_at: T, status: 'charged', allowance_units: 80,
      overage_units: 0, blocked_units: 0, charge_minor: null, currency: null, draws: JSON.stringify([[a1.id, 80]]), created_at: T,
    });
    // In rating order: line by line, each line's records by start time.
    expect(records.map((r) => [r.record_id, r.status, r.allowance_units, r.draws])).toEqual([
      ['rec-1', 'charged', 80, JSON.stringify([[a1.id, 80]])],
      ['rec-3', 'charged', 80, JSON.stringify([[a1.id, 20], [a2.id, 60]])],
      ['rec-4', 'partially_charged', 40, JSON.stringify([[a2.id, 40]])],
      ['rec-2', 'charged', 10, JSON.stringify([[b1.id, 10]])],
    ]);
    // Each with the remaining amount it was rated on (a debit is refused when the bucket changed since).
    expect([...debits].sort((x, y) => (x.bucketId < y.bucketId ? -1 : 1))).toEqual([
      { bucketId: a1.id, amount: 100, remainingBefore: 100 }, { bucketId: a2.id, amount: 100, remainingBefore: 100 },
      { bucketId: b1.id, amount: 10, remainingBefore: 50 },
    ]
      .sort((x, y) => (x.bucketId < y.bucketId ? -1 : 1)));
    expect(batch.results[2]?.draws.map((d) => [d.bucketId, d.amount])).toEqual([[a1.id, 20], [a2.id, 60]]);
  });

  it('rates the records of a line in start-time order and answers duplicates (stored, or twice in the batch) without drawing', () => {
    index = 0;
    const a1 = bucket('lin_a', 'data', 100);
    const items = [item('lin_a', 70, T + 10), item('lin_a', 70, T), item('lin_a', 5, T, 'rec-2'), item('lin_a', 5, T, 'old')];
    const batch = rateBatch(items, linesOf(a1), new Set(['old']), T);
    expect(batch.results.map((r) => r.status)).toEqual(['partially_charged', 'charged', 'duplicate', 'duplicate']);
    expect(batch.results[0]?.allowanceUnits).toBe(30);
    expect(recordIdsOf(batch.writes.records)).toEqual(['rec-2', 'rec-1']);
  });

  it("finds the thresholds a line's group of buckets crossed with the batch, once each", () => {
    index = 0;
    const a1 = bucket('lin_a', 'data', 100);
    const a2 = bucket('lin_a', 'data', 100, { validUntilMs: T + 5000 });
    const small = rateBatch([item('lin_a', 150)], linesOf(a1, a2), new Set(), T);
    expect(findCrossings(small.groups)).toEqual([]);
    // The next batch reads the buckets as this one left them.
    const settle = () => { for (const b of [a1, a2]) b.remainingBefore = b.remaining; };
    settle();
    const more = rateBatch([item('lin_a', 20)], linesOf(a1, a2), new Set(), T);
    expect(findCrossings(more.groups).map((c) => [c.lineId, c.threshold, c.group.length])).toEqual([['lin_a', 80, 2]]);
    settle();
    const rest = rateBatch([item('lin_a', 100)], linesOf(a1, a2), new Set(), T);
    expect(findCrossings(rest.groups).map((c) => c.threshold)).toEqual([100]);
  });

  it('guards the buckets of a drawn group that were not drawn from with a debit of nothing, so that its thresholds count what they hold', () => {
    index = 0;
    const a1 = bucket('lin_a', 'data', 100);
    const a2 = bucket('lin_a', 'data', 100, { validUntilMs: T + 5000 });
    const voice = bucket('lin_a', 'voice', 60);
    const sms = bucket('lin_a', 'sms', 10);
    const batch = rateBatch([item('lin_a', 30)], linesOf(a1, a2, voice, sms), new Set(), T);
    // The voice and SMS buckets are of no group drawn from: no debit.
    expect(batch.writes.debits).toEqual([{ bucketId: a1.id, amount: 30, remainingBefore: 100 }, { bucketId: a2.id, amount: 0, remainingBefore: 100 }]);
    expect(batch.drawn).toEqual([a1]);
  });
});
