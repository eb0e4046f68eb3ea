import { assert } from '../../platform/assert.js';
import type { Tx } from '../../platform/db/database.js';
import type { IdFactory } from '../../platform/ids.js';
import type { Currency } from '../../platform/money.js';
import {
  COUNTER_ACCOUNT, type BucketKind, type LedgerAccount, type LedgerTransactionKind, type LedgerUnit, unitOf,
} from './balances.js';
import { closeBucket, insertPostings, type BucketRow, type LedgerPostingTable } from './balances.repository.js';

/** One leg of a ledger transaction, before it gets its id. */
export interface PostingSpec {
  readonly lineId: string;
  readonly account: LedgerAccount;
  readonly bucketId: string | null;
  readonly unit: LedgerUnit;
  /** Signed; never zero. */
  readonly amount: number;
}

interface BucketRef {
  readonly id: string;
  readonly line_id: string;
  readonly kind: BucketKind;
  readonly currency: Currency | null;
}

/**
 * The two legs that move `amount` between a bucket and the system account of `kind`: into the bucket
 * for a grant, out of it for usage, expiry and refunds.
 */
export function bucketLegs(kind: LedgerTransactionKind, bucket: BucketRef, amount: number): [PostingSpec, PostingSpec] {
  assert(Number.isSafeInteger(amount) && amount > 0, `a posting amount must be a positive integer, got ${amount}`);
  const unit = unitOf(bucket.kind, bucket.currency);
  const intoBucket = kind === 'grant' ? amount : -amount;
  return [
    { lineId: bucket.line_id, account: 'bucket', bucketId: bucket.id, unit, amount: intoBucket },
    { lineId: bucket.line_id, account: COUNTER_ACCOUNT[kind], bucketId: null, unit, amount: -intoBucket },
  ];
}

/**
 * Merges the system-account legs of several bucket legs into one per account, line and unit, so that
 * a debit drawing on many buckets writes one counter posting per unit rather than one per bucket.
 */
export function mergeCounterLegs(postings: readonly PostingSpec[]): PostingSpec[] {
  const merged = new Map<string, PostingSpec>();
  const out: PostingSpec[] = [];
  for (const p of postings) {
    if (p.account === 'bucket') {
      out.push(p);
      continue;
    }
    const key = `${p.account}\u0000${p.lineId}\u0000${p.unit}`;
    const seen = merged.get(key);
    merged.set(key, seen === undefined ? p : { ...seen, amount: seen.amount + p.amount });
  }
  return [...out, ...merged.values()];
}

/** Programmer-error check before writing: the legs of one transaction add up to zero per line and unit. */
export function assertBalanced(postings: readonly PostingSpec[]): void {
  const sums = new Map<string, number>();
  for (const p of postings) {
    assert(Number.isSafeInteger(p.amount) && p.amount !== 0, 'posting amounts are non-zero integers');
    const key = `${p.lineId}\u0000${p.unit}`;
    sums.set(key, (sums.get(key) ?? 0) + p.amount);
  }
  for (const [key, sum] of sums) assert(sum === 0, `unbalanced ledger transaction: ${key.replace('\u0000', ' ')} sums to ${sum}`);
}

export async function writePostings(tx: Tx, ids: IdFactory, ltxId: string, postings: readonly PostingSpec[]): Promise<void> {
  assertBalanced(postings);
  const rows: LedgerPostingTable[] = postings.map((p) => ({
    id: ids('pst'), ltx_id: ltxId, line_id: p.lineId, account: p.account, bucket_id: p.bucketId, unit: p.unit, amount: p.amount,
  }));
  await insertPostings(tx, rows);
}

/**
 * Closes a bucket that the caller holds locked (or, on SQLite, read in this transaction) and
 * returns the legs that move what was left of it to the expiry or refunds account; an empty
 * list when nothing was left. Undefined when the bucket changed since it was read (not closed).
 */
export async function closeBucketLegs(
  tx: Tx, row: BucketRow, status: 'expired' | 'refunded', atMs: number,
): Promise<PostingSpec[] | undefined> {
  const remaining = Number(row.remaining);
  if (!(await closeBucket(tx, row.id, status, remaining, atMs))) return undefined;
  return remaining === 0 ? [] : bucketLegs(status === 'expired' ? 'expiry' : 'refund', row, remaining);
}
