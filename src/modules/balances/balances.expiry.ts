import { assert } from '../../platform/assert.js';
import { inTransaction, type Db, type Tx } from '../../platform/db/database.js';
import type { JobHandler } from '../../platform/jobs/index.js';
import type { BalancesDeps } from './balances.context.js';
import { closeBucketLegs, writePostings } from './balances.ledger.js';
import { insertLedgerTransaction, lockBucket, lockDueBuckets, type BucketRow } from './balances.repository.js';

/** The job enqueued by every grant to run at the bucket's `validUntilMs` (dedupe key `balances.expire:<bucketId>`). */
export const EXPIRE_JOB = 'balances.expire';
export const expireJobDedupeKey = (bucketId: string): string => `${EXPIRE_JOB}:${bucketId}`;

/** Buckets written off per database transaction (short transactions keep SQLite writers moving). */
const EXPIRY_BATCH = 100;
/** Buckets the expiry job also sweeps, beyond its own, in case another bucket's job was lost or parked. */
const JOB_SWEEP_LIMIT = 500;
export const MAX_EXPIRY_LIMIT = 10_000;

export function createExpiry(deps: BalancesDeps) {
  const { clock, ids, database } = deps;

  /**
   * Expires one bucket that the caller locked (or read in this SQLite transaction): status
   * `expired`, and what was left moves to the `expiry` account in one ledger transaction (none when
   * nothing was left). False when the bucket was no longer active.
   */
  async function expireLockedBucket(tx: Tx, row: BucketRow): Promise<boolean> {
    const nowMs = clock.nowMs();
    const legs = await closeBucketLegs(tx, row, 'expired', nowMs);
    if (legs === undefined) return false;
    if (legs.length > 0) {
      const ltxId = ids('ltx');
      await insertLedgerTransaction(tx, { id: ltxId, kind: 'expiry', reference: row.id, idempotency_key: null, created_at: nowMs });
      await writePostings(tx, ids, ltxId, legs);
    }
    return true;
  }

  /**
   * Writes off what is left of up to `limit` active buckets whose `validUntilMs <= atMs`, each exactly
   * once however many sweeps run (the status moves from `active` under a guarded update). Runs its
   * own transactions of at most 100 buckets; returns how many buckets it expired.
   */
  async function expireDueBuckets(db: Db, atMs: number, limit: number): Promise<number> {
    assert(Number.isSafeInteger(limit) && limit > 0 && limit <= MAX_EXPIRY_LIMIT, `limit must be 1 to ${MAX_EXPIRY_LIMIT}`);
    let expired = 0;
    while (expired < limit) {
      const batch = Math.min(EXPIRY_BATCH, limit - expired);
      const { seen, done } = await inTransaction(db, async (tx) => {
        const rows = await lockDueBuckets(tx, database.dialect, atMs, batch);
        let count = 0;
        for (const row of rows) if (await expireLockedBucket(tx, row)) count += 1;
        return { seen: rows.length, done: count };
      });
      expired += done;
      // A short batch means nothing else is due; a batch that expired nothing would only repeat itself.
      if (seen < batch || done === 0) break;
    }
    return expired;
  }

  /** Expires one bucket if it is active and its validity ended by `atMs`; false otherwise. */
  async function expireBucket(db: Db, bucketId: string, atMs: number): Promise<boolean> {
    return inTransaction(db, async (tx) => {
      const row = await lockBucket(tx, database.dialect, bucketId);
      if (row === undefined || row.status !== 'active' || Number(row.valid_until) > atMs) return false;
      return expireLockedBucket(tx, row);
    });
  }

  /**
   * `balances.expire`: expires the job's bucket (or buckets: `grantMany` queues one job for the
   * buckets of a line that end together) at its expiry instant, then sweeps any other due ones.
   */
  const expireJob: JobHandler = async (job) => {
    const payload = job.payload as { bucketId?: unknown; bucketIds?: unknown } | null;
    const nowMs = clock.nowMs();
    if (typeof payload?.bucketId === 'string') await expireBucket(database.db, payload.bucketId, nowMs);
    if (Array.isArray(payload?.bucketIds)) {
      for (const id of payload.bucketIds) if (typeof id === 'string' && id !== payload.bucketId) await expireBucket(database.db, id, nowMs);
    }
    await expireDueBuckets(database.db, nowMs, JOB_SWEEP_LIMIT);
  };

  return { expireLockedBucket, expireDueBuckets, expireBucket, jobHandlers: new Map<string, JobHandler>([[EXPIRE_JOB, expireJob]]) };
}
