import { assert } from '../../platform/assert.js';
import type { Tx } from '../../platform/db/database.js';
import { NotFoundError } from '../../platform/errors.js';
import { assertPositiveAmount, isUsable } from './balances.js';
import type { BalancesDeps } from './balances.context.js';
import { bucketLegs, mergeCounterLegs, writePostings, type PostingSpec } from './balances.ledger.js';
import { drawFromBucket, findBucketById, insertLedgerTransaction, toBucket, undoDraw } from './balances.repository.js';

/** Why units leave a bucket through `debit`. Only usage today; overage and adjustments come later. */
export type DebitReason = 'usage';

export interface DebitOptions {
  readonly reason: DebitReason;
  /** What the units paid for, e.g. a usage record or charging session id; kept on the ledger transaction. */
  readonly reference: string;
}

export interface DebitItem {
  readonly bucketId: string;
  /** In the bucket's unit; a positive integer. */
  readonly amount: number;
}

export type DebitResult =
  | { readonly ok: true; readonly ledgerTransactionId: string; readonly balances: ReadonlyArray<{ bucketId: string; remaining: number }> }
  /** Nothing was taken: `insufficient_balance` (holds less than asked) or `not_usable` (expired, refunded, not yet valid). */
  | { readonly ok: false; readonly reason: 'insufficient_balance' | 'not_usable'; readonly bucketId: string };

/** Items per `debitMany` call: one usage record rarely spans more than a few buckets. */
export const MAX_DEBIT_ITEMS = 64;

export function createDebit(deps: BalancesDeps) {
  const { clock, ids } = deps;

  /** Why the guarded draw refused this bucket (read after the fact, within the same transaction). */
  async function refusal(tx: Tx, bucketId: string, atMs: number): Promise<'insufficient_balance' | 'not_usable'> {
    const row = await findBucketById(tx, bucketId);
    if (row === undefined) throw new NotFoundError('bucket');
    return isUsable(toBucket(row), atMs) ? 'insufficient_balance' : 'not_usable';
  }

  /**
   * Takes each item's amount from its bucket, all or nothing, as one ledger transaction (one leg per
   * bucket and one counter leg per line and unit on the `usage` account). Every draw is the guarded update
   * `remaining = remaining - amount ... WHERE remaining >= amount` on an active bucket valid now, so
   * concurrent debits never take a bucket below zero. Throws `request.not_found` for an unknown bucket.
   */
  async function debitMany(tx: Tx, items: readonly DebitItem[], options: DebitOptions): Promise<DebitResult> {
    assert(items.length > 0 && items.length <= MAX_DEBIT_ITEMS, `debit 1 to ${MAX_DEBIT_ITEMS} buckets at once`);
    assert(new Set(items.map((i) => i.bucketId)).size === items.length, 'each bucket appears once per debit');
    assert(options.reason === 'usage', `unknown debit reason ${String(options.reason)}`);
    assert(options.reference.length > 0 && options.reference.length <= 200, 'a debit needs a reference');
    for (const item of items) assertPositiveAmount(item.amount);
    const atMs = clock.nowMs();
    const legs: PostingSpec[] = [];
    const balances: Array<{ bucketId: string; remaining: number }> = [];
    for (const [index, item] of items.entries()) {
      const drawn = await drawFromBucket(tx, item.bucketId, item.amount, atMs);
      if (drawn === undefined) {
        // No posting was written yet: putting the earlier draws back leaves no trace.
        for (const done of items.slice(0, index).reverse()) await undoDraw(tx, done.bucketId, done.amount);
        return { ok: false, reason: await refusal(tx, item.bucketId, atMs), bucketId: item.bucketId };
      }
      legs.push(...bucketLegs('usage', { id: item.bucketId, ...drawn }, item.amount));
      balances.push({ bucketId: item.bucketId, remaining: Number(drawn.remaining) });
    }
    const ledgerTransactionId = ids('ltx');
    await insertLedgerTransaction(tx, { id: ledgerTransactionId, kind: 'usage', reference: options.reference, idempotency_key: null, created_at: atMs });
    await writePostings(tx, ids, ledgerTransactionId, mergeCounterLegs(legs));
    return { ok: true, ledgerTransactionId, balances };
  }

  return {
    debitMany,
    /** `debitMany` for one bucket. */
    debit: (tx: Tx, bucketId: string, amount: number, options: DebitOptions): Promise<DebitResult> =>
      debitMany(tx, [{ bucketId, amount }], options),
  };
}
