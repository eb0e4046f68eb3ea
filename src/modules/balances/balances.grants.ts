import { assert } from '../../platform/assert.js';
import type { Tx } from '../../platform/db/database.js';
import { enqueueJobs } from '../../platform/jobs/index.js';
import { assertValidGrant, isSameGrant, normalizeCountries, type GrantInput } from './balances.js';
import type { BalancesDeps } from './balances.context.js';
import { balancesErrors } from './balances.errors.js';
import { EXPIRE_JOB, expireJobDedupeKey } from './balances.expiry.js';
import { assertBalanced, bucketLegs } from './balances.ledger.js';
import {
  findBucketsByIdempotencyKeys, insertBucketsOnce, insertLedgerTransactions, insertManyPostings, toBucket,
  type BucketRow, type LedgerPostingTable, type LedgerTransactionTable,
} from './balances.repository.js';
import type { GrantResult } from './balances.service.js';

/** The most grants one call takes (a batch of renewals grants a few buckets per order). */
export const MAX_GRANTS_PER_CALL = 10_000;

/**
 * `grantMany`: the same as calling `grant` for each input in the caller's transaction — one bucket
 * per idempotency key ever, one balanced ledger transaction per new bucket, a
 * repeated key with other parameters `request.idempotency_key_reused` — written with a few
 * multi-row statements instead of several statements per bucket, and with one expiry job for the
 * new buckets of a line that end at the same instant (dedupe key of the first one, payload
 * `{bucketId, bucketIds}`). Results are in input order.
 */
export function createGrantMany(deps: BalancesDeps) {
  const { clock, ids } = deps;

  return async function grantMany(tx: Tx, inputs: readonly GrantInput[]): Promise<GrantResult[]> {
    assert(inputs.length <= MAX_GRANTS_PER_CALL, `at most ${MAX_GRANTS_PER_CALL} grants per call`);
    if (inputs.length === 0) return [];
    for (const input of inputs) assertValidGrant(input);
    assert(new Set(inputs.map((i) => i.idempotencyKey)).size === inputs.length, 'one grant per idempotency key in a call');
    const nowMs = clock.nowMs();
    const rows: BucketRow[] = inputs.map((input) => ({
      id: ids('bkt'), line_id: input.lineId, kind: input.kind, currency: input.currency ?? null, status: 'active',
      granted: input.amount, used: 0, expired: 0, refunded: 0, remaining: input.amount,
      valid_from: input.validFromMs, valid_until: input.validUntilMs,
      coverage_zone: input.coverage.zoneCode, coverage_countries: JSON.stringify(normalizeCountries(input.coverage.countries)),
      priority: input.priority, source: input.source, source_id: input.sourceId, idempotency_key: input.idempotencyKey,
      created_at: nowMs, closed_at: null,
    }));
    const inserted = await insertBucketsOnce(tx, rows);
    const fresh = rows.filter((row) => inserted.has(row.idempotency_key));
    const ledger: LedgerTransactionTable[] = [];
    const postings: LedgerPostingTable[] = [];
    for (const row of fresh) {
      const ltxId = ids('ltx');
      ledger.push({ id: ltxId, kind: 'grant', reference: row.source_id, idempotency_key: null, created_at: nowMs });
      const legs = bucketLegs('grant', row, row.granted);
      assertBalanced(legs);
      for (const leg of legs) {
        postings.push({ id: ids('pst'), ltx_id: ltxId, line_id: leg.lineId, account: leg.account, bucket_id: leg.bucketId, unit: leg.unit, amount: leg.amount });
      }
    }
    await insertLedgerTransactions(tx, ledger);
    await insertManyPostings(tx, postings);
    // One expiry job per line and end instant: the buckets an order grants end together.
    const groups = new Map<string, BucketRow[]>();
    for (const row of fresh) {
      const key = `${row.line_id}@${row.valid_until}`;
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    await enqueueJobs(tx, ids, clock, [...groups.values()].map((group) => {
      const [first] = group;
      assert(first !== undefined, 'a group has a bucket');
      return {
        kind: EXPIRE_JOB, payload: { bucketId: first.id, bucketIds: group.map((b) => b.id) }, runAtMs: first.valid_until, dedupeKey: expireJobDedupeKey(first.id),
      };
    }));
    // Keys granted before: the bucket that exists must be the one asked for again.
    const repeated = inputs.filter((input) => !inserted.has(input.idempotencyKey));
    const existing = new Map((await findBucketsByIdempotencyKeys(tx, repeated.map((i) => i.idempotencyKey))).map((b) => [b.idempotency_key, b]));
    return inputs.map((input, index) => {
      const row = rows[index];
      assert(row !== undefined, 'a row per input');
      if (inserted.has(input.idempotencyKey)) return { bucket: toBucket(row), replayed: false };
      const before = existing.get(input.idempotencyKey);
      assert(before !== undefined, 'a bucket with this idempotency key must exist after a conflict');
      const bucket = toBucket(before);
      if (!isSameGrant(bucket, input)) throw balancesErrors.idempotencyKeyReused(input.idempotencyKey, 'grant');
      return { bucket, replayed: true };
    });
  };
}
