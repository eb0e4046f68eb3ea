import { sql } from 'kysely';
import { insertRows } from '../../platform/db/bulk.js';
import { assert } from '../../platform/assert.js';
import type { Dialect, Executor, Tx } from '../../platform/db/database.js';
import type { Currency } from '../../platform/money.js';
import {
  type Bucket, type BucketKind, type BucketSource, type BucketStatus, type LedgerAccount,
  type LedgerTransactionKind, type LedgerUnit, unitOf,
} from './balances.js';

export interface BucketTable {
  id: string;
  line_id: string;
  kind: BucketKind;
  currency: Currency | null;
  status: BucketStatus;
  granted: number;
  expired: number;
  refunded: number;
  valid_from: number;
  valid_until: number;
  coverage_zone: string;
  /** JSON array of ISO 3166-1 alpha-2 codes, sorted. */
  coverage_countries: string;
  priority: number;
  source: BucketSource;
  source_id: string;
  idempotency_key: string;
  created_at: number;
  closed_at: number | null;
}

/**
 * What usage changes of a bucket, on a narrow row of its own: charging debits a bucket of about every
 * line in each of its transactions, and narrow rows share pages (a commit writes every page it changed).
 */
export interface BucketBalanceTable {
  bucket_id: string;
  /** Always `granted - used - expired - refunded` of its bucket, never below zero; 0 once the bucket is closed. */
  remaining: number;
  used: number;
}

export interface LedgerTransactionTable {
  id: string;
  kind: LedgerTransactionKind;
  /** What caused it: the source id of a grant or refund, the usage reference, the expired bucket. */
  reference: string | null;
  /** Set for refunds: one refund per key. */
  idempotency_key: string | null;
  created_at: number;
}

export interface LedgerPostingTable {
  id: string;
  ltx_id: string;
  line_id: string;
  account: LedgerAccount;
  /** Set exactly when `account` is `bucket`. */
  bucket_id: string | null;
  unit: LedgerUnit;
  /** Signed, in the unit; never zero. A bucket's postings (`ledger_entry`) add up to its remaining amount. */
  amount: number;
}

/**
 * The whole ledger, one row per posting (a view): `ledger_posting` with its transaction's kind, and
 * the postings of each usage record charged since records hold their own (`usage:<record id>`: a
 * bucket posting per draw, a `usage` posting for its allowance units and one for its charge).
 */
export interface LedgerEntryView extends LedgerPostingTable {
  kind: LedgerTransactionKind;
}

declare module '../../platform/db/schema.js' {
  interface Tables {
    bucket: BucketTable;
    bucket_balance: BucketBalanceTable;
    ledger_transaction: LedgerTransactionTable;
    ledger_posting: LedgerPostingTable;
    ledger_entry: LedgerEntryView;
  }
}

/** A bucket with its balance. */
export type BucketRow = BucketTable & Omit<BucketBalanceTable, 'bucket_id'>;
export type PostingRow = LedgerPostingTable;

export function toBucket(row: BucketRow): Bucket {
  return {
    id: row.id,
    lineId: row.line_id,
    kind: row.kind,
    currency: row.currency,
    unit: unitOf(row.kind, row.currency),
    status: row.status,
    granted: Number(row.granted),
    used: Number(row.used),
    expired: Number(row.expired),
    refunded: Number(row.refunded),
    remaining: Number(row.remaining),
    validFromMs: Number(row.valid_from),
    validUntilMs: Number(row.valid_until),
    coverage: { zoneCode: row.coverage_zone, countries: JSON.parse(row.coverage_countries) as string[] },
    priority: Number(row.priority),
    source: row.source,
    sourceId: row.source_id,
    createdAtMs: Number(row.created_at),
    closedAtMs: row.closed_at === null ? null : Number(row.closed_at),
  };
}

// Buckets

/** Buckets with their balances (on PostgreSQL, `for update` locks both rows). */
export function selectBuckets(db: Executor) {
  return db.selectFrom('bucket').innerJoin('bucket_balance', 'bucket_balance.bucket_id', 'bucket.id')
    .selectAll('bucket').select(['bucket_balance.remaining', 'bucket_balance.used']);
}

function splitBucketRow({ remaining, used, ...bucket }: BucketRow): { bucket: BucketTable; balance: BucketBalanceTable } {
  return { bucket, balance: { bucket_id: bucket.id, remaining, used } };
}

/** Inserts the bucket unless one with its idempotency key exists; true when this call inserted it. */
export async function insertBucketOnce(db: Executor, row: BucketRow): Promise<boolean> {
  const { bucket, balance } = splitBucketRow(row);
  const inserted = await db.insertInto('bucket').values(bucket)
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .execute();
  if (inserted.length === 0) return false;
  await db.insertInto('bucket_balance').values(balance).execute();
  return true;
}

export async function findBucketById(db: Executor, id: string): Promise<BucketRow | undefined> {
  return selectBuckets(db).where('id', '=', id).executeTakeFirst();
}

export async function findBucketByIdempotencyKey(db: Executor, key: string): Promise<BucketRow | undefined> {
  return selectBuckets(db).where('idempotency_key', '=', key).executeTakeFirst();
}

export interface ListBucketsQuery {
  readonly atMs: number;
  readonly includeClosed: boolean;
  readonly limit: number;
}

/** The line's buckets in draw order; without `includeClosed`, only active ones whose validity has not ended. */
export async function selectLineBuckets(db: Executor, lineId: string, query: ListBucketsQuery): Promise<BucketRow[]> {
  return selectBuckets(db)
    .where('line_id', '=', lineId)
    .$if(!query.includeClosed, (qb) => qb.where('valid_until', '>', query.atMs).where('status', '=', 'active'))
    .orderBy('valid_until').orderBy('priority').orderBy('id')
    .limit(query.limit)
    .execute();
}

export interface SummaryRow {
  kind: BucketKind;
  currency: Currency | null;
  remaining: number | string;
  used: number | string;
  granted: number | string;
  upcoming: number | string;
  earliest_valid_until: number | string | null;
}

/** Per kind and currency, totals of the active buckets valid at `atMs` and of those starting later. */
export async function selectLineSummary(db: Executor, lineId: string, atMs: number): Promise<SummaryRow[]> {
  const now = (column: 'remaining' | 'used' | 'granted') =>
    sql<number | string>`sum(case when valid_from <= ${atMs} then ${sql.ref(column)} else 0 end)`;
  return db.selectFrom('bucket').innerJoin('bucket_balance', 'bucket_balance.bucket_id', 'bucket.id')
    .select([
      'kind', 'currency',
      now('remaining').as('remaining'),
      now('used').as('used'),
      now('granted').as('granted'),
      sql<number | string>`sum(case when valid_from > ${atMs} then granted else 0 end)`.as('upcoming'),
      sql<number | string | null>`min(case when valid_from <= ${atMs} then valid_until end)`.as('earliest_valid_until'),
    ])
    .where('line_id', '=', lineId).where('status', '=', 'active').where('valid_until', '>', atMs)
    .groupBy(['kind', 'currency'])
    .execute();
}

/** Active buckets granted by `sourceId`, locked on PostgreSQL (SQLite transactions are serialised). */
export async function lockActiveBucketsOfSource(tx: Tx, dialect: Dialect, sourceId: string, limit: number): Promise<BucketRow[]> {
  return selectBuckets(tx)
    .where('source_id', '=', sourceId).where('status', '=', 'active')
    .orderBy('id').limit(limit)
    .$if(dialect === 'postgres', (qb) => qb.forUpdate())
    .execute();
}

export async function lockBucket(tx: Tx, dialect: Dialect, id: string): Promise<BucketRow | undefined> {
  return selectBuckets(tx).where('id', '=', id)
    .$if(dialect === 'postgres', (qb) => qb.forUpdate())
    .executeTakeFirst();
}

/**
 * Active buckets whose validity ended by `atMs`, oldest end first. On PostgreSQL they are locked and
 * rows another sweep holds are skipped, so several workers can expire in parallel.
 */
export async function lockDueBuckets(tx: Tx, dialect: Dialect, atMs: number, limit: number): Promise<BucketRow[]> {
  return selectBuckets(tx)
    .where('status', '=', 'active').where('valid_until', '<=', atMs)
    .orderBy('valid_until').orderBy('id').limit(limit)
    .$if(dialect === 'postgres', (qb) => qb.forUpdate().skipLocked())
    .execute();
}

export interface DrawnBucket {
  line_id: string;
  kind: BucketKind;
  currency: Currency | null;
  remaining: number;
}

/**
 * The guarded draw: takes `amount` from the bucket only if it is active, valid at `atMs` and holds
 * at least `amount`. Returns the bucket after the draw, or undefined when the guard refused it.
 * Constant SQL shape, so that a batch of draws reuses one prepared statement.
 */
export async function drawFromBucket(tx: Tx, id: string, amount: number, atMs: number): Promise<DrawnBucket | undefined> {
  const drawn = await tx.updateTable('bucket_balance')
    .set((eb) => ({ remaining: eb('remaining', '-', amount), used: eb('used', '+', amount) }))
    .where('bucket_id', '=', id).where('remaining', '>=', amount)
    .where((eb) => eb.exists(eb.selectFrom('bucket').select('bucket.id').whereRef('bucket.id', '=', 'bucket_balance.bucket_id')
      .where('status', '=', 'active').where('valid_from', '<=', atMs).where('valid_until', '>', atMs)))
    .returning('remaining')
    .executeTakeFirst();
  if (drawn === undefined) return undefined;
  const bucket = await tx.selectFrom('bucket').select(['line_id', 'kind', 'currency']).where('id', '=', id).executeTakeFirstOrThrow();
  return { ...bucket, remaining: drawn.remaining };
}

/** Puts back a draw made earlier in the same transaction (before any posting was written for it). */
export async function undoDraw(tx: Tx, id: string, amount: number): Promise<void> {
  const result = await tx.updateTable('bucket_balance')
    .set((eb) => ({ remaining: eb('remaining', '+', amount), used: eb('used', '-', amount) }))
    .where('bucket_id', '=', id).where('used', '>=', amount)
    .executeTakeFirst();
  assert(Number(result.numUpdatedRows) === 1, `could not undo a draw on bucket ${id}`);
}

/**
 * Closes an active bucket, moving all of its `remaining` (which the caller read under lock) to the
 * `expired` or `refunded` counter. False when the bucket changed since it was read.
 */
export async function closeBucket(
  tx: Tx, id: string, status: 'expired' | 'refunded', remaining: number, atMs: number,
): Promise<boolean> {
  const emptied = await tx.updateTable('bucket_balance').set({ remaining: 0 })
    .where('bucket_id', '=', id).where('remaining', '=', remaining)
    .where((eb) => eb.exists(eb.selectFrom('bucket').select('bucket.id').whereRef('bucket.id', '=', 'bucket_balance.bucket_id').where('status', '=', 'active')))
    .executeTakeFirst();
  if (Number(emptied.numUpdatedRows) !== 1) return false;
  const closed = await tx.updateTable('bucket')
    .set((eb) => (status === 'expired'
      ? { status, closed_at: atMs, expired: eb('expired', '+', remaining) }
      : { status, closed_at: atMs, refunded: eb('refunded', '+', remaining) }))
    .where('id', '=', id).where('status', '=', 'active')
    .executeTakeFirst();
  assert(Number(closed.numUpdatedRows) === 1, `bucket ${id} was active when its balance was emptied`);
  return true;
}

// Ledger

export async function insertLedgerTransaction(db: Executor, row: LedgerTransactionTable): Promise<void> {
  await db.insertInto('ledger_transaction').values(row).execute();
}

/** Inserts the transaction unless one with its idempotency key exists; true when this call inserted it. */
export async function insertLedgerTransactionOnce(db: Executor, row: LedgerTransactionTable): Promise<boolean> {
  const inserted = await db.insertInto('ledger_transaction').values(row)
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .execute();
  return inserted.length === 1;
}

export async function findLedgerTransactionByKey(db: Executor, key: string): Promise<LedgerTransactionTable | undefined> {
  return db.selectFrom('ledger_transaction').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
}

export async function insertPostings(db: Executor, rows: readonly LedgerPostingTable[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto('ledger_posting').values([...rows]).execute();
}

/** Rows per multi-row statement (a bucket has 21 columns: well under either store's parameter limit). */
const BATCH_ROWS = 1000;

/** Inserts many buckets; those whose idempotency key exists are skipped. Returns the keys it inserted. */
export async function insertBucketsOnce(db: Executor, rows: readonly BucketRow[]): Promise<Set<string>> {
  const split = rows.map(splitBucketRow);
  const inserted = new Set((await insertRows(db, 'bucket', split.map((r) => r.bucket), { onConflictDoNothing: ['idempotency_key'], returning: 'idempotency_key' })).map(String));
  await insertRows(db, 'bucket_balance', split.filter((r) => inserted.has(r.bucket.idempotency_key)).map((r) => r.balance));
  return inserted;
}

export async function findBucketsByIdempotencyKeys(db: Executor, keys: readonly string[]): Promise<BucketRow[]> {
  const rows: BucketRow[] = [];
  for (let i = 0; i < keys.length; i += BATCH_ROWS) {
    rows.push(...await selectBuckets(db).where('idempotency_key', 'in', keys.slice(i, i + BATCH_ROWS)).execute());
  }
  return rows;
}

export async function insertLedgerTransactions(db: Executor, rows: readonly LedgerTransactionTable[]): Promise<void> {
  await insertRows(db, 'ledger_transaction', rows);
}

export async function insertManyPostings(db: Executor, rows: readonly LedgerPostingTable[]): Promise<void> {
  await insertRows(db, 'ledger_posting', rows);
}

/** The bucket postings of one ledger transaction, with their buckets' kind and currency. */
export async function selectBucketPostings(db: Executor, ltxId: string): Promise<Array<PostingRow & { kind: BucketKind; currency: Currency | null }>> {
  return db.selectFrom('ledger_posting as p')
    .innerJoin('bucket as b', 'b.id', 'p.bucket_id')
    .select(['p.id', 'p.ltx_id', 'p.line_id', 'p.account', 'p.bucket_id', 'p.unit', 'p.amount', 'b.kind', 'b.currency'])
    .where('p.ltx_id', '=', ltxId)
    .orderBy('p.id')
    .execute();
}
