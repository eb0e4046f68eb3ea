import fc from 'fast-check';
import { expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, ManualClock } from '../../../src/platform/clock.js';
import { isDomainError } from '../../../src/platform/errors.js';
import type { Currency } from '../../../src/platform/money.js';
import { checkLedgerInvariants, type BucketKind, type BucketStatus, type GrantInput } from '../../../src/modules/balances/index.js';
import { describeEachStore } from '../../support/stores.js';
import { START_MS, balancesTestMigrations, createHarness, type BalancesHarness } from './balances.fixtures.js';

/**
 * Random sequences of grants, debits, usage through the rating path (`usage.chargeRecords`, with
 * repeated record ids), expiries and refunds on one line, checked after every step against the
 * ledger invariants and against a plain model of what each bucket must hold.
 */

interface GrantSpec {
  readonly kind: BucketKind;
  readonly currency?: Currency;
  readonly amount: number;
  readonly startOffsetHours: number;
  readonly durationHours: number;
  readonly source: number;
}

type Step =
  | { readonly op: 'grant'; readonly spec: number }
  | { readonly op: 'debit'; readonly bucket: number; readonly amount: number }
  | { readonly op: 'debitMany'; readonly buckets: readonly [number, number]; readonly amounts: readonly [number, number] }
  | { readonly op: 'advance'; readonly hours: number }
  | { readonly op: 'sweep' }
  | { readonly op: 'refund'; readonly source: number; readonly key: number }
  | {
    readonly op: 'usage'; readonly kind: 'data' | 'voice' | 'sms'; readonly quantity: number; readonly country: string;
    readonly startOffsetMinutes: number; readonly repeat: boolean;
  };

const SPECS = 8;
const SOURCES = 3;

const grantSpec: fc.Arbitrary<GrantSpec> = fc.record({
  kind: fc.constantFrom<BucketKind>('data', 'voice', 'sms', 'money'),
  amount: fc.integer({ min: 1, max: 1000 }),
  startOffsetHours: fc.integer({ min: -12, max: 3 }),
  durationHours: fc.integer({ min: 1, max: 72 }),
  source: fc.nat({ max: SOURCES - 1 }),
}).map((s) => (s.kind === 'money' ? { ...s, currency: 'USD' as const } : s));

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('grant' as const), spec: fc.nat({ max: SPECS - 1 }) }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('debit' as const), bucket: fc.nat(), amount: fc.integer({ min: 1, max: 300 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('debitMany' as const),
      buckets: fc.tuple(fc.nat(), fc.nat()),
      amounts: fc.tuple(fc.integer({ min: 1, max: 150 }), fc.integer({ min: 1, max: 150 })),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), hours: fc.integer({ min: 1, max: 24 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'sweep' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('refund' as const), source: fc.nat({ max: SOURCES - 1 }), key: fc.nat({ max: 3 }) }) },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('usage' as const), kind: fc.constantFrom('data' as const, 'voice' as const, 'sms' as const),
      quantity: fc.integer({ min: 0, max: 400 }), country: fc.constantFrom('US', 'CN', 'FR'),
      startOffsetMinutes: fc.integer({ min: -600, max: 0 }), repeat: fc.boolean(),
    }),
  },
);

interface ModelBucket {
  readonly id: string;
  readonly kind: BucketKind;
  readonly source: number;
  readonly validFromMs: number;
  readonly validUntilMs: number;
  remaining: number;
  status: BucketStatus;
}

/** What the service must do, computed without a database. */
class Model {
  readonly buckets: ModelBucket[] = [];
  readonly grantedSpecs = new Map<number, string>();
  readonly refunds = new Map<number, { source: number; taken: Map<string, number> }>();

  /** Mostly a usable bucket (when there is one), sometimes any bucket, so that refusals are exercised too. */
  pick(choice: number, atMs: number): ModelBucket | undefined {
    const usable = this.buckets.filter((b) => this.usable(b, atMs));
    const from = choice % 4 === 0 || usable.length === 0 ? this.buckets : usable;
    return from[Math.floor(choice / 4) % Math.max(1, from.length)];
  }

  usable(b: ModelBucket, atMs: number): boolean {
    return b.status === 'active' && b.validFromMs <= atMs && atMs < b.validUntilMs;
  }

  expireDue(atMs: number): void {
    for (const b of this.buckets) {
      if (b.status === 'active' && b.validUntilMs <= atMs) {
        b.status = 'expired';
        b.remaining = 0;
      }
    }
  }

  refund(source: number, atMs: number): Map<string, number> {
    const taken = new Map<string, number>();
    for (const b of this.buckets.filter((x) => x.source === source && x.status === 'active')) {
      if (b.validUntilMs <= atMs) {
        b.status = 'expired';
      } else {
        if (b.remaining > 0) taken.set(b.id, b.remaining);
        b.status = 'refunded';
      }
      b.remaining = 0;
    }
    return taken;
  }
}

async function runSequence(h: BalancesHarness, specs: readonly GrantSpec[], steps: readonly Step[]): Promise<void> {
  const { balances, clock } = h;
  const lineId = h.newLineId();
  const db = h.db();
  const baseMs = clock.nowMs();
  const model = new Model();
  const sourceId = (source: number) => `ord_${lineId}_${source}`;
  const charged = new Set<string>();
  let lastRecordId: string | undefined;

  for (const s of steps) {
    switch (s.op) {
      case 'grant': {
        const spec = specs[s.spec];
        if (spec === undefined) break;
        const validFromMs = baseMs + spec.startOffsetHours * HOUR_MS;
        const input: GrantInput = {
          lineId, kind: spec.kind, amount: spec.amount, validFromMs, validUntilMs: validFromMs + spec.durationHours * HOUR_MS,
          coverage: { zoneCode: 'WORLD', countries: ['US', 'CN'] }, priority: s.spec, source: 'order',
          sourceId: sourceId(spec.source), idempotencyKey: `${lineId}:grant:${s.spec}`,
          ...(spec.currency === undefined ? {} : { currency: spec.currency }),
        };
        const { bucket, replayed } = await h.tx((tx) => balances.grant(tx, input));
        expect(replayed).toBe(model.grantedSpecs.has(s.spec));
        if (replayed) {
          expect(bucket.id).toBe(model.grantedSpecs.get(s.spec));
        } else {
          model.grantedSpecs.set(s.spec, bucket.id);
          model.buckets.push({
            id: bucket.id, kind: spec.kind, source: spec.source, validFromMs: input.validFromMs, validUntilMs: input.validUntilMs,
            remaining: spec.amount, status: 'active',
          });
        }
        break;
      }
      case 'debit': {
        const b = model.pick(s.bucket, clock.nowMs());
        if (b === undefined) break;
        const expectOk = model.usable(b, clock.nowMs()) && b.remaining >= s.amount;
        const result = await h.tx((tx) => balances.debit(tx, b.id, s.amount, { reason: 'usage', reference: 'usg_prop' }));
        expect(result.ok).toBe(expectOk);
        if (expectOk) b.remaining -= s.amount;
        break;
      }
      case 'debitMany': {
        const a = model.pick(s.buckets[0], clock.nowMs());
        const b = model.pick(s.buckets[1], clock.nowMs());
        if (a === undefined || b === undefined || a === b) break;
        const nowMs = clock.nowMs();
        const expectOk = model.usable(a, nowMs) && a.remaining >= s.amounts[0] && model.usable(b, nowMs) && b.remaining >= s.amounts[1];
        const result = await h.tx((tx) => balances.debitMany(tx, [
          { bucketId: a.id, amount: s.amounts[0] }, { bucketId: b.id, amount: s.amounts[1] },
        ], { reason: 'usage', reference: 'usg_prop_many' }));
        expect(result.ok).toBe(expectOk);
        if (expectOk) {
          a.remaining -= s.amounts[0];
          b.remaining -= s.amounts[1];
        }
        break;
      }
      case 'advance':
        clock.advance(s.hours * HOUR_MS);
        await h.jobs.runDue();
        model.expireDue(clock.nowMs());
        break;
      case 'sweep':
        await balances.expireDueBuckets(db, clock.nowMs(), 1000);
        model.expireDue(clock.nowMs());
        break;
      case 'refund': {
        const previous = model.refunds.get(s.key);
        const input = { sourceId: sourceId(s.source), idempotencyKey: `${lineId}:refund:${s.key}` };
        if (previous !== undefined && previous.source !== s.source) {
          const refused = await h.tx((tx) => balances.refundUnused(tx, input)).then(() => undefined, (e: unknown) => e);
          expect(isDomainError(refused) && refused.code).toBe('request.idempotency_key_reused');
          break;
        }
        const result = await h.tx((tx) => balances.refundUnused(tx, input));
        expect(result.replayed).toBe(previous !== undefined);
        const taken = previous?.taken ?? model.refund(s.source, clock.nowMs());
        if (previous === undefined) model.refunds.set(s.key, { source: s.source, taken });
        expect(new Map(result.buckets.map((x) => [x.bucketId, x.amount]))).toEqual(taken);
        break;
      }
      case 'usage': {
        const repeat = s.repeat && lastRecordId !== undefined;
        const recordId = repeat && lastRecordId !== undefined ? lastRecordId : `${lineId}:usage:${charged.size}`;
        lastRecordId = recordId;
        const startedAtMs = clock.nowMs() + s.startOffsetMinutes * 60_000;
        const [result] = await h.usage.chargeRecords([{ recordId, msisdn: h.msisdnOf(lineId), type: s.kind, quantity: s.quantity, country: s.country, startedAtMs }]);
        if (charged.has(recordId)) {
          expect(result).toMatchObject({ status: 'duplicate', draws: [] });
          break;
        }
        charged.add(recordId);
        expect(result).toBeDefined();
        if (result === undefined) break;
        expect(result.allowanceUnits + result.overageUnits + result.blockedUnits).toBe(s.quantity);
        let money = 0;
        for (const draw of result.draws) {
          const b = model.buckets.find((x) => x.id === draw.bucketId);
          expect(b !== undefined && model.usable(b, startedAtMs) && b.status === 'active', `drew from ${draw.bucketId}`).toBe(true);
          if (b === undefined) continue;
          expect(draw.amount).toBeLessThanOrEqual(b.remaining);
          b.remaining -= draw.amount;
          if (draw.kind === 'money') money += draw.amount;
          else expect(draw.kind).toBe(s.kind);
        }
        expect(money).toBe(result.charge?.amountMinor ?? 0);
        // Nothing was blocked while an eligible allowance bucket still held something.
        if (result.blockedUnits > 0 && s.country !== 'FR') {
          const left = model.buckets.filter((b) => b.kind === s.kind && model.usable(b, startedAtMs) && b.remaining > 0);
          expect(left).toEqual([]);
        }
        if (s.country === 'FR') expect(result.status).toBe(s.quantity === 0 ? 'charged' : 'blocked');
        break;
      }
    }

    expect(await checkLedgerInvariants(db, lineId)).toEqual([]);
    const listed = await balances.listBuckets(db, lineId, { atMs: clock.nowMs(), includeExpired: true, limit: 1000 });
    const actual = new Map(listed.map((b) => [b.id, { remaining: b.remaining, status: b.status }]));
    // A bucket whose validity ended may still be active until the sweep or its job runs: the model
    // closes it at the next expiry step, as the store does.
    expect(actual).toEqual(new Map(model.buckets.map((b) => [b.id, { remaining: b.remaining, status: b.status }])));
  }
}

describeEachStore('balances ledger properties', { migrations: balancesTestMigrations }, ({ getDb }) => {
  it('keeps every invariant after every step of random grants, debits, usage, expiries and refunds', async () => {
    const clock = new ManualClock(START_MS);
    const h = createHarness(getDb(), clock);
    await fc.assert(
      fc.asyncProperty(
        fc.array(grantSpec, { minLength: SPECS, maxLength: SPECS }),
        fc.array(step, { minLength: 1, maxLength: 30, size: 'max' }),
        async (specs, steps) => {
          // Each sequence starts after everything the previous ones granted has ended.
          clock.advance(30 * DAY_MS);
          await getDb().db.deleteFrom('job').execute();
          await runSequence(h, specs, steps);
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});
