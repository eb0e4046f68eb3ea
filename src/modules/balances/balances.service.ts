import { assert } from '../../platform/assert.js';
import type { Executor, Tx } from '../../platform/db/database.js';
import { enqueueJob } from '../../platform/jobs/index.js';
import type { Currency } from '../../platform/money.js';
import {
  assertValidGrant, compareSummaries, isSameGrant, normalizeCountries, unitOf,
  type BalanceSummary, type Bucket, type BucketKind, type GrantInput,
} from './balances.js';
import type { BalancesDeps } from './balances.context.js';
import { createDebit } from './balances.debit.js';
import { createGrantMany } from './balances.grants.js';
import { balancesErrors } from './balances.errors.js';
import { EXPIRE_JOB, createExpiry, expireJobDedupeKey } from './balances.expiry.js';
import { checkLedgerInvariants } from './balances.invariants.js';
import { bucketLegs, closeBucketLegs, writePostings, type PostingSpec } from './balances.ledger.js';
import {
  findBucketByIdempotencyKey, findLedgerTransactionByKey, insertBucketOnce, insertLedgerTransaction,
  insertLedgerTransactionOnce, lockActiveBucketsOfSource, selectBucketPostings, selectLineBuckets, selectLineSummary,
  toBucket, type BucketRow,
} from './balances.repository.js';

export interface GrantResult {
  readonly bucket: Bucket;
  /** True when the idempotency key had already granted this bucket (nothing was posted this time). */
  readonly replayed: boolean;
}

export interface ListBucketsOptions {
  readonly atMs: number;
  /** Also list buckets that expired, were refunded, or whose validity ended (not yet swept). */
  readonly includeExpired?: boolean;
  /** At most this many (default 200, at most 1000). */
  readonly limit?: number;
}

export interface RefundInput {
  readonly sourceId: string;
  /** One refund per key, ever: a repeat returns the first call's result. */
  readonly idempotencyKey: string;
}

export interface RefundedBucket {
  readonly bucketId: string;
  readonly lineId: string;
  readonly kind: BucketKind;
  readonly currency: Currency | null;
  /** Taken back, in the bucket's unit. */
  readonly amount: number;
}

export interface RefundResult {
  readonly ledgerTransactionId: string;
  readonly replayed: boolean;
  /** Buckets that still held something; buckets that were used up are closed and not listed. */
  readonly buckets: readonly RefundedBucket[];
}

const DEFAULT_LIST_LIMIT = 200;
const MAX_LIST_LIMIT = 1000;
/** An order or promotion grants a handful of buckets; more than this from one source is a bug. */
const MAX_BUCKETS_PER_SOURCE = 1000;

export function createBalancesService(deps: BalancesDeps) {
  const { clock, ids, database } = deps;
  const expiry = createExpiry(deps);
  const { debit, debitMany } = createDebit(deps);

  async function grant(tx: Tx, input: GrantInput): Promise<GrantResult> {
    assertValidGrant(input);
    const nowMs = clock.nowMs();
    const row: BucketRow = {
      id: ids('bkt'), line_id: input.lineId, kind: input.kind, currency: input.currency ?? null, status: 'active',
      granted: input.amount, used: 0, expired: 0, refunded: 0, remaining: input.amount,
      valid_from: input.validFromMs, valid_until: input.validUntilMs,
      coverage_zone: input.coverage.zoneCode, coverage_countries: JSON.stringify(normalizeCountries(input.coverage.countries)),
      priority: input.priority, source: input.source, source_id: input.sourceId, idempotency_key: input.idempotencyKey,
      created_at: nowMs, closed_at: null,
    };
    // The unique key is the claim: a concurrent twin waits for this transaction and then finds the bucket.
    if (!(await insertBucketOnce(tx, row))) {
      const existing = await findBucketByIdempotencyKey(tx, input.idempotencyKey);
      assert(existing !== undefined, 'a bucket with this idempotency key must exist after a conflict');
      const bucket = toBucket(existing);
      if (!isSameGrant(bucket, input)) throw balancesErrors.idempotencyKeyReused(input.idempotencyKey, 'grant');
      return { bucket, replayed: true };
    }
    const ltxId = ids('ltx');
    await insertLedgerTransaction(tx, { id: ltxId, kind: 'grant', reference: input.sourceId, idempotency_key: null, created_at: nowMs });
    await writePostings(tx, ids, ltxId, bucketLegs('grant', row, input.amount));
    await enqueueJob(tx, ids, clock, {
      kind: EXPIRE_JOB, payload: { bucketId: row.id }, runAtMs: input.validUntilMs, dedupeKey: expireJobDedupeKey(row.id),
    });
    return { bucket: toBucket(row), replayed: false };
  }

  async function refundUnused(tx: Tx, input: RefundInput): Promise<RefundResult> {
    assert(input.sourceId.length > 0, 'refundUnused needs a sourceId');
    assert(input.idempotencyKey.length > 0 && input.idempotencyKey.length <= 200, 'idempotencyKey must have 1 to 200 characters');
    const nowMs = clock.nowMs();
    const ltxId = ids('ltx');
    const claimed = await insertLedgerTransactionOnce(tx, {
      id: ltxId, kind: 'refund', reference: input.sourceId, idempotency_key: input.idempotencyKey, created_at: nowMs,
    });
    if (!claimed) return replayRefund(tx, input);
    const rows = await lockActiveBucketsOfSource(tx, database.dialect, input.sourceId, MAX_BUCKETS_PER_SOURCE + 1);
    assert(rows.length <= MAX_BUCKETS_PER_SOURCE, `source ${input.sourceId} has more than ${MAX_BUCKETS_PER_SOURCE} active buckets`);
    const legs: PostingSpec[] = [];
    const buckets: RefundedBucket[] = [];
    for (const row of rows) {
      // Units whose validity already ended are expired, not refunded, even if the sweep has not run yet.
      if (Number(row.valid_until) <= nowMs) {
        await expiry.expireLockedBucket(tx, row);
        continue;
      }
      const closed = await closeBucketLegs(tx, row, 'refunded', nowMs);
      assert(closed !== undefined, `bucket ${row.id} changed while locked`);
      if (closed.length === 0) continue;
      legs.push(...closed);
      buckets.push({ bucketId: row.id, lineId: row.line_id, kind: row.kind, currency: row.currency, amount: Number(row.remaining) });
    }
    await writePostings(tx, ids, ltxId, legs);
    return { ledgerTransactionId: ltxId, replayed: false, buckets };
  }

  async function replayRefund(tx: Tx, input: RefundInput): Promise<RefundResult> {
    const existing = await findLedgerTransactionByKey(tx, input.idempotencyKey);
    assert(existing !== undefined, 'a ledger transaction with this idempotency key must exist after a conflict');
    if (existing.kind !== 'refund' || existing.reference !== input.sourceId) {
      throw balancesErrors.idempotencyKeyReused(input.idempotencyKey, 'refund');
    }
    const postings = await selectBucketPostings(tx, existing.id);
    return {
      ledgerTransactionId: existing.id,
      replayed: true,
      buckets: postings.map((p) => ({
        bucketId: p.bucket_id ?? '', lineId: p.line_id, kind: p.kind, currency: p.currency, amount: -Number(p.amount),
      })),
    };
  }

  async function listBuckets(db: Executor, lineId: string, options: ListBucketsOptions): Promise<Bucket[]> {
    const limit = options.limit ?? DEFAULT_LIST_LIMIT;
    assert(Number.isSafeInteger(limit) && limit > 0 && limit <= MAX_LIST_LIMIT, `limit must be 1 to ${MAX_LIST_LIMIT}`);
    const rows = await selectLineBuckets(db, lineId, { atMs: options.atMs, includeClosed: options.includeExpired === true, limit });
    return rows.map(toBucket);
  }

  async function summarize(db: Executor, lineId: string, atMs: number): Promise<BalanceSummary[]> {
    const rows = await selectLineSummary(db, lineId, atMs);
    return rows.map((r) => ({
      kind: r.kind,
      currency: r.currency,
      unit: unitOf(r.kind, r.currency),
      remaining: Number(r.remaining),
      used: Number(r.used),
      granted: Number(r.granted),
      earliestValidUntilMs: r.earliest_valid_until === null ? null : Number(r.earliest_valid_until),
      upcoming: Number(r.upcoming),
    })).sort(compareSummaries);
  }

  return {
    grant,
    /** Many grants in the caller's transaction with a few multi-row statements (see `balances.grants.ts`). */
    grantMany: createGrantMany(deps),
    debit,
    debitMany,
    refundUnused,
    listBuckets,
    summarize,
    expireDueBuckets: expiry.expireDueBuckets,
    expireBucket: expiry.expireBucket,
    checkLedgerInvariants,
    jobHandlers: expiry.jobHandlers,
  };
}
