import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import { COUNTER_ACCOUNT, LEDGER_TRANSACTION_KINDS, type LedgerTransactionKind, unitOf } from './balances.js';
import { selectBuckets, type BucketRow } from './balances.repository.js';
import { sameLineTail } from './balances.usage.repository.js';

export const LEDGER_VIOLATION_RULES = [
  /** The postings of a transaction do not add up to zero for some line and unit. */
  'unbalanced_transaction',
  /** A posting has the wrong account or sign for its transaction's kind (e.g. usage that adds to a bucket). */
  'posting_shape',
  /** A bucket posting whose line or unit is not its bucket's. */
  'posting_mismatch',
  /** A bucket's `remaining` differs from the sum of its postings. */
  'remaining_mismatch',
  /** A bucket's granted, used, expired or refunded counter differs from its postings of that kind. */
  'counter_mismatch',
  /** Some amount is below zero. */
  'negative_amount',
  /** `granted != used + expired + refunded + remaining`. */
  'conservation',
  /** An expired or refunded bucket still holds something. */
  'closed_with_remaining',
] as const;
export type LedgerViolationRule = (typeof LEDGER_VIOLATION_RULES)[number];

export interface LedgerViolation {
  readonly rule: LedgerViolationRule;
  /** The ledger transaction, posting or bucket concerned. */
  readonly subject: string;
  readonly message: string;
}

/** Violations of each query reported at most; one is enough to fail a test. */
const REPORT_LIMIT = 100;

const num = (value: unknown): number => Number(value);

/**
 * Checks the ledger and the buckets against each other, for the line (by its buckets and their
 * postings) or for the whole store. Empty when everything holds. It reads every posting in scope:
 * meant for tests and audits, not for request paths.
 */
export async function checkLedgerInvariants(db: Executor, lineId?: string): Promise<LedgerViolation[]> {
  const violations: LedgerViolation[] = [];
  violations.push(...await findUnbalanced(db, lineId));
  violations.push(...await findMisshapenPostings(db, lineId));
  violations.push(...await checkBuckets(db, lineId));
  return violations;
}

async function findUnbalanced(db: Executor, lineId: string | undefined): Promise<LedgerViolation[]> {
  const rows = await db.selectFrom('ledger_entry')
    .select(['ltx_id', 'line_id', 'unit', sql<number | string>`sum(amount)`.as('total')])
    .$if(lineId !== undefined, (qb) => qb.where(sameLineTail('line_id', lineId ?? '')).where('line_id', '=', lineId ?? ''))
    .groupBy(['ltx_id', 'line_id', 'unit'])
    .having(sql`sum(amount)`, '<>', 0)
    .limit(REPORT_LIMIT)
    .execute();
  return rows.map((r) => ({
    rule: 'unbalanced_transaction', subject: r.ltx_id, message: `${r.unit} of line ${r.line_id} sums to ${num(r.total)}`,
  }));
}

async function findMisshapenPostings(db: Executor, lineId: string | undefined): Promise<LedgerViolation[]> {
  const counterAccount = sql.join(
    LEDGER_TRANSACTION_KINDS.map((kind) => sql`when ${kind} then ${COUNTER_ACCOUNT[kind]}`), sql` `,
  );
  const rows = await db.selectFrom('ledger_entry as p')
    .select(['p.id', 'p.account', 'p.amount', 'p.kind'])
    .$if(lineId !== undefined, (qb) => qb.where(sameLineTail('p.line_id', lineId ?? '')).where('p.line_id', '=', lineId ?? ''))
    .where(sql<boolean>`not (
      (p.account = 'bucket' and p.bucket_id is not null
        and ((p.kind = 'grant' and p.amount > 0) or (p.kind <> 'grant' and p.amount < 0)))
      or (p.bucket_id is null and p.account = (case p.kind ${counterAccount} end)
        and ((p.kind = 'grant' and p.amount < 0) or (p.kind <> 'grant' and p.amount > 0))))`)
    .limit(REPORT_LIMIT)
    .execute();
  return rows.map((r) => ({
    rule: 'posting_shape', subject: r.id, message: `${num(r.amount)} on account ${r.account} in a ${r.kind} transaction`,
  }));
}

interface BucketSums {
  total: number;
  byKind: Record<LedgerTransactionKind, number>;
}

async function checkBuckets(db: Executor, lineId: string | undefined): Promise<LedgerViolation[]> {
  // For one line, the postings that name the line (PostgreSQL reads its usage records by the line
  // tail index; SQLite does not take the condition into the view and expands every record); a
  // posting that names another line on one of its buckets shows as `posting_mismatch` in the check
  // of the line it names.
  const sumRows = await db.selectFrom('ledger_entry as p')
    .innerJoin('bucket as b', 'b.id', 'p.bucket_id')
    .select(['p.bucket_id', 'p.kind', 'p.unit', 'p.line_id', 'b.line_id as bucket_line_id', 'b.kind as bucket_kind', 'b.currency',
      sql<number | string>`sum(p.amount)`.as('total')])
    .$if(lineId !== undefined, (qb) => qb.where(sameLineTail('p.line_id', lineId ?? '')).where('p.line_id', '=', lineId ?? ''))
    .groupBy(['p.bucket_id', 'p.kind', 'p.unit', 'p.line_id', 'b.line_id', 'b.kind', 'b.currency'])
    .execute();
  const violations: LedgerViolation[] = [];
  const sums = new Map<string, BucketSums>();
  for (const r of sumRows) {
    const bucketId = r.bucket_id ?? '';
    if (r.line_id !== r.bucket_line_id || r.unit !== unitOf(r.bucket_kind, r.currency)) {
      violations.push({ rule: 'posting_mismatch', subject: bucketId, message: `postings in ${r.unit} of line ${r.line_id}` });
    }
    const entry = sums.get(bucketId) ?? { total: 0, byKind: { grant: 0, usage: 0, expiry: 0, refund: 0 } };
    entry.total += num(r.total);
    entry.byKind[r.kind] += num(r.total);
    sums.set(bucketId, entry);
  }
  const buckets = await selectBuckets(db)
    .$if(lineId !== undefined, (qb) => qb.where('line_id', '=', lineId ?? ''))
    .execute();
  for (const bucket of buckets) {
    violations.push(...checkBucket(bucket, sums.get(bucket.id)));
    if (violations.length >= REPORT_LIMIT) break;
  }
  return violations;
}

/** The rules for one bucket against the sums of its postings. */
export function checkBucket(row: BucketRow, sums: BucketSums | undefined): LedgerViolation[] {
  const out: LedgerViolation[] = [];
  const add = (rule: LedgerViolationRule, message: string): void => void out.push({ rule, subject: row.id, message });
  const granted = num(row.granted);
  const used = num(row.used);
  const expired = num(row.expired);
  const refunded = num(row.refunded);
  const remaining = num(row.remaining);
  const posted = sums ?? { total: 0, byKind: { grant: 0, usage: 0, expiry: 0, refund: 0 } };
  if ([granted, used, expired, refunded, remaining].some((n) => n < 0)) {
    add('negative_amount', `granted ${granted}, used ${used}, expired ${expired}, refunded ${refunded}, remaining ${remaining}`);
  }
  if (remaining !== posted.total) add('remaining_mismatch', `remaining ${remaining} but postings sum to ${posted.total}`);
  const counters: Array<[string, number, number]> = [
    ['granted', granted, posted.byKind.grant],
    ['used', used, -posted.byKind.usage],
    ['expired', expired, -posted.byKind.expiry],
    ['refunded', refunded, -posted.byKind.refund],
  ];
  for (const [name, counter, fromPostings] of counters) {
    if (counter !== fromPostings) add('counter_mismatch', `${name} ${counter} but its postings say ${fromPostings}`);
  }
  if (granted !== used + expired + refunded + remaining) {
    add('conservation', `granted ${granted} != used ${used} + expired ${expired} + refunded ${refunded} + remaining ${remaining}`);
  }
  if (row.status !== 'active' && remaining !== 0) add('closed_with_remaining', `${row.status} with ${remaining} remaining`);
  return out;
}
