import { sql, type RawBuilder } from 'kysely';
import type SqliteDatabase from 'better-sqlite3';
import { assert } from '../../platform/assert.js';
import type { Database, Executor, Tx } from '../../platform/db/database.js';
import type { RowStatement } from '../../platform/db/bulk.js';
import type { Currency } from '../../platform/money.js';
import type { BucketKind } from './balances.js';
import type { RatedStatus, UsageKind } from './balances.usage.js';

export interface UsageRecordTable {
  record_id: string;
  line_id: string;
  kind: UsageKind;
  quantity: number;
  country: string;
  started_at: number;
  status: RatedStatus;
  allowance_units: number;
  overage_units: number;
  blocked_units: number;
  charge_minor: number | null;
  currency: Currency | null;
  /**
   * Null: the record is its own usage ledger transaction (`ledger_entry`). Records charged before
   * the ledger read them point to the usage ledger transaction that holds their postings.
   */
  ltx_id: string | null;
  /** Its draws as JSON `[[bucketId, amount], ...]` in the bucket's unit (its bucket postings); null when nothing was drawn. */
  draws: string | null;
  created_at: number;
}

export interface UsageThresholdTable {
  bucket_id: string;
  threshold: number;
  line_id: string;
  created_at: number;
  notified_at: number | null;
}

declare module '../../platform/db/schema.js' {
  interface Tables {
    usage_record: UsageRecordTable;
    usage_threshold: UsageThresholdTable;
  }
}

/** What rating needs of a bucket. */
export interface RatingBucketRow {
  id: string;
  line_id: string;
  kind: BucketKind;
  currency: Currency | null;
  granted: number;
  remaining: number;
  valid_from: number;
  valid_until: number;
  priority: number;
  coverage_countries: string;
}

/** A usage record as charging writes it (its own ledger transaction: no `ltx_id`). */
export type NewUsageRecord = Omit<UsageRecordTable, 'ltx_id'>;

/**
 * The columns of a usage record that charging rates, in the order of `RecordValues`; `created_at` is
 * the batch's (`UsageWrites.createdAtMs`).
 */
const RECORD_FIELDS = [
  'record_id', 'line_id', 'kind', 'quantity', 'country', 'started_at', 'status', 'allowance_units', 'overage_units',
  'blocked_units', 'charge_minor', 'currency', 'draws',
] as const satisfies ReadonlyArray<keyof NewUsageRecord>;
const RECORD_COLUMNS = `${RECORD_FIELDS.join(', ')}, created_at`;
const RECORD_WIDTH = RECORD_FIELDS.length;

/**
 * Usage records as one flat array: `RECORD_WIDTH` values a record, in the order of `RECORD_FIELDS`
 * (`appendRecord`). A batch crosses to the SQLite writer thread as one array of primitives, which is
 * copied much faster than an object a record (whose copy repeats every property name), and charging
 * makes no object a record for it.
 */
export type RecordValues = Array<string | number | null>;

/** Appends a record to `values` (the order of `RECORD_FIELDS`). */
export function appendRecord(
  values: RecordValues, recordId: string, lineId: string, kind: UsageKind, quantity: number, country: string, startedAtMs: number,
  status: RatedStatus, allowanceUnits: number, overageUnits: number, blockedUnits: number, chargeMinor: number | null,
  currency: Currency | null, draws: string | null,
): void {
  values.push(recordId, lineId, kind, quantity, country, startedAtMs, status, allowanceUnits, overageUnits, blockedUnits, chargeMinor,
    currency, draws);
}

/** One column of `values`. */
function recordColumn(values: RecordValues, field: (typeof RECORD_FIELDS)[number]): RecordValues {
  const out: RecordValues = [];
  for (let i = RECORD_FIELDS.indexOf(field); i < values.length; i += RECORD_WIDTH) out.push(values[i] as string | number | null);
  return out;
}

/** The record ids of `values`, in order. */
export function recordIdsOf(values: RecordValues): string[] {
  return recordColumn(values, 'record_id') as string[];
}

/** The records of `writes` as objects (for tests). */
export function recordsOf(writes: UsageWrites): NewUsageRecord[] {
  const values = writes.records;
  const out: NewUsageRecord[] = [];
  for (let i = 0; i < values.length; i += RECORD_WIDTH) {
    const record = Object.fromEntries(RECORD_FIELDS.map((field, k) => [field, values[i + k]])) as Omit<NewUsageRecord, 'created_at'>;
    out.push({ ...record, created_at: writes.createdAtMs });
  }
  return out;
}

/** Everything one charged batch writes, in one transaction. */
export interface UsageWrites {
  /** In rating order (the PostgreSQL store inserts them in record-id order, see `UsageStore`). */
  readonly records: RecordValues;
  /**
   * One per bucket drawn: the sum of the batch's draws on it, and its remaining amount as rated; and
   * one of nothing per bucket not drawn from of a group drawn from (its thresholds count it).
   */
  readonly debits: ReadonlyArray<{ readonly bucketId: string; readonly amount: number; readonly remainingBefore: number }>;
  readonly createdAtMs: number;
}

/**
 * The store operations of charging, in the fewest statements each store does well: cached prepared
 * statements on SQLite (better-sqlite3 is synchronous and in-process, so a statement costs
 * microseconds; reads take the batch's ids as one JSON array); one multi-row statement per table on
 * PostgreSQL (a round trip costs more than the rows). All run inside the caller's transaction.
 *
 * Charging keeps the buckets it read in memory and rates on them (see `createUsageCharging`); a
 * batch is only ever written on the amounts it was rated on. What could make those amounts wrong
 * is of two kinds. A bucket added, or one that gives more or otherwise than before, is listed in
 * `bucket_change` (triggers), which charging reads (`readChanges`) before it rates, dropping what it
 * holds of those lines. A bucket that holds less (another process's debits, an expiry, a refund) is
 * found by the debit: each requires the bucket to be active and to hold exactly what it was rated
 * on; when one does not, `write` keeps nothing and answers `changed`, and the caller reads the
 * batch's buckets again, this time locked on PostgreSQL (in id order) so that the amounts stay
 * exact until the commit (SQLite transactions are serialised: what is read stays exact anyway).
 * A batch takes its bucket locks in one sweep in id order before its records, which it inserts in
 * record-id order: no two batches can each hold what the other waits for, so they never deadlock.
 */
export interface UsageStore {
  /** The active buckets of `lineIds` (every kind, every validity), locked on PostgreSQL when `lock`. */
  loadBuckets(db: Executor, lineIds: readonly string[], lock: boolean): Promise<RatingBucketRow[]>;
  /**
   * The lines in `bucket_change` since `cursor` (undefined: none, only the cursor), and the cursor
   * to read from next time. Lines may come again in a later read: dropping them twice is harmless.
   */
  readChanges(db: Executor, cursor: string | undefined): Promise<{ readonly lineIds: readonly string[]; readonly next: string }>;
  /** Deletes the `bucket_change` rows older than `ageMs` (by the store's clock, which wrote them). */
  pruneChanges(db: Executor, ageMs: number): Promise<void>;
  /** The record ids among `recordIds` that are already stored. */
  findRecorded(db: Executor, recordIds: readonly string[]): Promise<Set<string>>;
  /**
   * Writes the batch: the guarded debits (a balance whose remaining amount is the one rated on and
   * covers the debit; a closed bucket's is 0), then the usage records (each with its draws: its
   * ledger postings). The attempt keeps nothing (a savepoint on PostgreSQL; on SQLite the debits
   * made are put back) and answers `changed` when a bucket drawn from no longer holds what it was
   * rated on, or, on PostgreSQL, `duplicates` when a concurrent batch committed a twin of a record
   * meanwhile (the insert waits for it), so that the caller rates again.
   */
  write(tx: Tx, writes: UsageWrites): Promise<WriteOutcome>;
}

export type WriteOutcome =
  | { readonly kind: 'written' }
  | { readonly kind: 'changed' }
  | { readonly kind: 'duplicates'; readonly recordIds: ReadonlySet<string> };

const WRITTEN: WriteOutcome = { kind: 'written' };
const CHANGED: WriteOutcome = { kind: 'changed' };

/** `RatingBucketRow` in the order of the SQLite bucket read's columns. */
type BucketTuple = [string, string, BucketKind, Currency | null, number, number, number, number, number, string];
const BUCKET_ROW_COLUMNS = 'id, line_id, kind, currency, granted, valid_from, valid_until, priority, coverage_countries';

function sqliteStatements(handle: SqliteDatabase.Database) {
  return {
    // `json_each` takes the batch's ids as one parameter; the lookups use `bucket_line_status_idx`,
    // one index probe per line, all inside SQLite.
    // Rows as arrays: better-sqlite3 builds them far faster than objects with named properties.
    buckets: handle.prepare<[string], BucketTuple>(`select b.id, b.line_id, b.kind, b.currency, b.granted,
        h.remaining, b.valid_from, b.valid_until, b.priority, b.coverage_countries from bucket b join bucket_balance h on h.bucket_id = b.id
      where b.line_id in (select value from json_each(?)) and b.status = 'active'`).raw(true),
    changes: handle.prepare<[number], [number, string]>('select seq, line_id from bucket_change where seq > ? order by seq').raw(true),
    lastChange: handle.prepare<[], number>(`select coalesce(max(seq), 0) from bucket_change`).pluck(),
    prune: handle.prepare(`delete from bucket_change where at < cast((julianday('now') - 2440587.5) * 86400000 as integer) - ?`),
    recorded: handle.prepare<[string], string>('select record_id from usage_record where record_id in (select value from json_each(?))').pluck(),
    ...sqliteWriteStatements(handle),
    undoDebit: handle.prepare('update bucket_balance set remaining = remaining + ?, used = used - ? where bucket_id = ? and used >= ?'),
  };
}

/** The statements that write a charged batch on SQLite (see `sqliteWriter`). */
function sqliteWriteStatements(handle: SqliteDatabase.Database) {
  return {
    record: handle.prepare(`insert into usage_record (${RECORD_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      on conflict (record_id) do nothing`),
    // A closed bucket holds nothing: the guard on its amount refuses it without reading the bucket row.
    debit: handle.prepare(`update bucket_balance set remaining = remaining - ?, used = used + ?
      where bucket_id = ? and remaining = ? and remaining >= ?`),
    threshold: handle.prepare(`insert into usage_threshold (bucket_id, threshold, line_id, created_at, notified_at)
      values (?, ?, ?, ?, null) on conflict (bucket_id, threshold) do nothing`),
  };
}

/** Inserts the records of `w`; false when one was stored already (the ones before it are inserted). */
function insertRecords(s: ReturnType<typeof sqliteWriteStatements>, w: UsageWrites): boolean {
  const v = w.records;
  for (let i = 0; i < v.length; i += RECORD_WIDTH) {
    const inserted = s.record.run(v[i], v[i + 1], v[i + 2], v[i + 3], v[i + 4], v[i + 5], v[i + 6], v[i + 7], v[i + 8], v[i + 9],
      v[i + 10], v[i + 11], v[i + 12], w.createdAtMs).changes === 1;
    if (!inserted) return false;
  }
  return true;
}

/**
 * The thresholds one crossing reached: a row per bucket of its group (`rows`, in draw order), and
 * the statement that enqueues the customer's notice for each (`notices`), of which the first whose
 * row is new runs (the unique key makes a row, and so a notice, once).
 */
export interface ThresholdWrites {
  readonly rows: readonly UsageThresholdTable[];
  readonly notices: readonly RowStatement[];
}

/** A batch for the SQLite writer thread (see `sqliteWriter`), of the writer's `epoch`. */
export interface WriterBatch {
  readonly epoch: number;
  readonly writes: UsageWrites;
  readonly thresholds: readonly ThresholdWrites[];
}

/**
 * What the writer did with a batch: committed it, or kept nothing because a bucket no longer held
 * what it was rated on (`changed`), a record was stored meanwhile (`duplicates`, by another
 * process), the store failed (`failed`), or an earlier batch of the same epoch did not commit
 * (`skipped`: it was rated on top of that one).
 */
export type WriterReply =
  | { readonly kind: 'written' | 'changed' | 'duplicates' | 'skipped' }
  | { readonly kind: 'failed'; readonly message: string };

/**
 * The SQLite writer: commits batches on its own connection, in the order they come, each in one
 * transaction (its guarded debits, records, threshold rows and notices), or nothing of it. After a
 * batch that did not commit, it skips the rest of that epoch.
 */
export function sqliteWriter(handle: SqliteDatabase.Database): (batch: WriterBatch) => WriterReply {
  const s = sqliteWriteStatements(handle);
  const notices = new Map<string, SqliteDatabase.Statement>();
  let failedEpoch = -1;
  function write(batch: WriterBatch): WriterReply {
    for (const d of batch.writes.debits) {
      if (s.debit.run(d.amount, d.amount, d.bucketId, d.remainingBefore, d.amount).changes !== 1) return { kind: 'changed' };
    }
    if (!insertRecords(s, batch.writes)) return { kind: 'duplicates' };
    for (const { rows, notices: statements } of batch.thresholds) {
      let told = false;
      rows.forEach((row, k) => {
        const inserted = s.threshold.run(row.bucket_id, row.threshold, row.line_id, row.created_at).changes === 1;
        if (!inserted || told) return;
        told = true;
        const notice = statements[k] as RowStatement;
        let statement = notices.get(notice.sql);
        if (statement === undefined) {
          statement = handle.prepare(notice.sql);
          notices.set(notice.sql, statement);
        }
        statement.run(...notice.parameters);
      });
    }
    return { kind: 'written' };
  }
  return (batch) => {
    if (batch.epoch === failedEpoch) return { kind: 'skipped' };
    let reply: WriterReply;
    try {
      handle.exec('begin immediate');
      reply = write(batch);
      if (reply.kind === 'written') handle.exec('commit');
    } catch (error) {
      reply = { kind: 'failed', message: error instanceof Error ? error.message : String(error) };
    }
    if (handle.inTransaction) handle.exec('rollback');
    if (reply.kind !== 'written') failedEpoch = batch.epoch;
    return reply;
  };
}

const sqliteCache = new WeakMap<SqliteDatabase.Database, ReturnType<typeof sqliteStatements>>();

function sqliteStore(handle: SqliteDatabase.Database): UsageStore {
  let cached = sqliteCache.get(handle);
  if (cached === undefined) {
    cached = sqliteStatements(handle);
    sqliteCache.set(handle, cached);
  }
  const s = cached;
  // Every method runs synchronously inside the caller's `inTransaction`, which holds SQLite's one
  // connection (BEGIN IMMEDIATE): nothing else can run on it in between.
  return {
    async loadBuckets(_tx, lineIds) {
      if (lineIds.length === 0) return [];
      return s.buckets.all(JSON.stringify(lineIds)).map(([id, line_id, kind, currency, granted, remaining, valid_from, valid_until, priority, coverage_countries]) => (
        { id, line_id, kind, currency, granted, remaining, valid_from, valid_until, priority, coverage_countries }));
    },
    async readChanges(_tx, cursor) {
      if (cursor === undefined) return { lineIds: [], next: String(s.lastChange.get()) };
      let next = Number(cursor);
      const lineIds: string[] = [];
      for (const [seq, lineId] of s.changes.all(next)) {
        lineIds.push(lineId);
        next = seq;
      }
      return { lineIds, next: String(next) };
    },
    async pruneChanges(_tx, ageMs) {
      s.prune.run(ageMs);
    },
    async findRecorded(_tx, recordIds) {
      return new Set(recordIds.length === 0 ? [] : s.recorded.all(JSON.stringify(recordIds)));
    },
    async write(_tx, w) {
      // No savepoint: under one, SQLite copies every page it changes for the first time to a
      // sub-journal (measured: a third of the write's time). A refused debit is rare; the ones
      // before it are put back instead.
      for (let k = 0; k < w.debits.length; k += 1) {
        const d = w.debits[k] as UsageWrites['debits'][number];
        if (s.debit.run(d.amount, d.amount, d.bucketId, d.remainingBefore, d.amount).changes === 1) continue;
        for (const done of w.debits.slice(0, k)) {
          assert(s.undoDebit.run(done.amount, done.amount, done.bucketId, done.amount).changes === 1, 'a debit of this transaction put back');
        }
        return CHANGED;
      }
      assert(insertRecords(s, w), 'a usage record stored since it was looked for in the same transaction');
      return WRITTEN;
    },
  };
}

const postgresStore: UsageStore = {
  async loadBuckets(tx, lineIds, lock) {
    if (lineIds.length === 0) return [];
    // The buckets, then their balances by primary key: joined in one statement, the planner hashes
    // every balance row instead of probing the few it needs.
    const { rows } = await sql<Omit<RatingBucketRow, 'remaining'>>`select ${sql.raw(BUCKET_ROW_COLUMNS)} from bucket
      where line_id = any(${lineIds}::text[]) and status = 'active'`.execute(tx);
    if (rows.length === 0) return [];
    // `no key update`: what the debits take anyway (foreign-key checks of other writers can still
    // share it), in id order.
    const balances = await sql<{ bucket_id: string; remaining: number }>`select bucket_id, remaining from bucket_balance
      where bucket_id = any(${rows.map((r) => r.id)}::text[]) ${lock ? sql`order by bucket_id for no key update` : sql``}`.execute(tx);
    const remaining = new Map(balances.rows.map((r) => [r.bucket_id, r.remaining]));
    return rows.map((row) => {
      const amount = remaining.get(row.id);
      assert(amount !== undefined, `bucket ${row.id} has a balance`);
      return { ...row, remaining: amount };
    });
  },
  async readChanges(tx, cursor) {
    // The snapshot's xmin: every transaction before it has ended, and what it wrote is read here;
    // a later one may still commit, so the next read starts there again.
    const { rows } = await sql<{ next: string; lines: string[] }>`select pg_snapshot_xmin(pg_current_snapshot())::text as next,
      ${cursor === undefined ? sql`array[]::text[]` : sql`array(select line_id from bucket_change where xid >= ${cursor}::xid8)`} as lines`.execute(tx);
    const row = rows[0];
    assert(row !== undefined, 'a select without from returns one row');
    return { lineIds: row.lines, next: row.next };
  },
  async pruneChanges(tx, ageMs) {
    await sql`delete from bucket_change where at < (extract(epoch from clock_timestamp()) * 1000)::bigint - ${ageMs}`.execute(tx);
  },
  async findRecorded(tx, recordIds) {
    const { rows } = await sql<{ record_id: string }>`select record_id from usage_record
      where record_id = any(${recordIds}::text[])`.execute(tx);
    return new Set(rows.map((r) => r.record_id));
  },
  async write(tx, w) {
    await sql`savepoint usage_batch`.execute(tx);
    if (w.debits.length > 0) {
      // `h.bucket_id = any(...)` as well as the join: the balances are found by primary key whatever the
      // planner's statistics say (without, it may hash every active bucket), and so in id order
      // (see `UsageStore`); the list is sorted too, for a plan where it drives the join.
      const debits = [...w.debits].sort((a, b) => (a.bucketId < b.bucketId ? -1 : a.bucketId > b.bucketId ? 1 : 0));
      const bucketIds = debits.map((d) => d.bucketId);
      const result = await sql`update bucket_balance as h set remaining = h.remaining - u.amount, used = h.used + u.amount
        from unnest(${bucketIds}::text[], ${debits.map((d) => d.amount)}::bigint[], ${debits.map((d) => d.remainingBefore)}::bigint[])
          as u(id, amount, before)
        where h.bucket_id = any(${bucketIds}::text[]) and h.bucket_id = u.id and h.remaining = u.before
          and h.remaining >= u.amount`.execute(tx);
      if (Number(result.numAffectedRows) !== debits.length) {
        await sql`rollback to savepoint usage_batch`.execute(tx);
        return CHANGED;
      }
    }
    const r = RECORD_FIELDS.map((field) => recordColumn(w.records, field));
    // In record-id order: concurrent batches insert twins in the same order, so one waits for the
    // other instead of each holding what the other waits for (see `UsageStore`).
    const inserted = await sql<{ record_id: string }>`insert into usage_record (${sql.raw(RECORD_COLUMNS)})
      select record_id, line_id, kind, quantity, country, started_at, status, allowance_units, overage_units, blocked_units,
        charge_minor, currency, draws, ${w.createdAtMs}::bigint
      from unnest(${r[0]}::text[], ${r[1]}::text[], ${r[2]}::text[], ${r[3]}::bigint[],
        ${r[4]}::text[], ${r[5]}::bigint[], ${r[6]}::text[], ${r[7]}::bigint[], ${r[8]}::bigint[], ${r[9]}::bigint[],
        ${r[10]}::bigint[], ${r[11]}::text[], ${r[12]}::text[])
        as u(record_id, line_id, kind, quantity, country, started_at, status, allowance_units, overage_units,
          blocked_units, charge_minor, currency, draws)
      order by record_id
      on conflict (record_id) do nothing returning record_id`.execute(tx);
    const recordIds = r[0] as string[];
    if (inserted.rows.length !== recordIds.length) {
      await sql`rollback to savepoint usage_batch`.execute(tx);
      const stored = new Set(inserted.rows.map((row) => row.record_id));
      return { kind: 'duplicates', recordIds: new Set(recordIds.filter((id) => !stored.has(id))) };
    }
    await sql`release savepoint usage_batch`.execute(tx);
    return WRITTEN;
  },
};

export function usageStoreFor(database: Database): UsageStore {
  if (database.dialect === 'postgres') return postgresStore;
  assert(database.sqlite !== undefined, 'charging on SQLite needs the database handle (createDatabase provides it)');
  return sqliteStore(database.sqlite);
}

// Thresholds and the usage chart (portable SQL; not on the hot path).

/** Inserts the threshold rows that do not exist yet; returns `<bucketId>:<threshold>` of those it inserted. */
export async function insertThresholds(tx: Tx, rows: readonly UsageThresholdTable[]): Promise<string[]> {
  const inserted: string[] = [];
  for (let i = 0; i < rows.length; i += 1000) {
    const out = await tx.insertInto('usage_threshold').values(rows.slice(i, i + 1000))
      .onConflict((oc) => oc.columns(['bucket_id', 'threshold']).doNothing())
      .returning(['bucket_id', 'threshold']).execute();
    for (const r of out) inserted.push(`${r.bucket_id}:${Number(r.threshold)}`);
  }
  return inserted;
}

/** Marks a threshold notified, once: true for the one call that did. */
export async function markThresholdNotified(tx: Tx, bucketId: string, threshold: number, atMs: number): Promise<boolean> {
  const result = await tx.updateTable('usage_threshold').set({ notified_at: atMs })
    .where('bucket_id', '=', bucketId).where('threshold', '=', threshold).where('notified_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * `column` (a line id) has the tail of `lineId`: the condition by which a query finds a line's usage
 * records through `usage_record_line_tail_idx`, whose key is this expression (SQLite and PostgreSQL
 * use an expression index only for the very expression). Lines may share a tail: with it, compare
 * the whole id too.
 */
export function sameLineTail(column: string, lineId: string): RawBuilder<boolean> {
  return sql<boolean>`substr(${sql.ref(column)}, 24) = substr(${lineId}, 24)`;
}

export interface UsageSlotRow {
  slot: number | string;
  kind: UsageKind;
  currency: Currency | null;
  served: number | string;
  blocked: number | string;
  charged: number | string;
}

/** A line's usage in `[fromMs, toMs)`, summed per slot of `slotMs` (aligned to the epoch), kind and currency. */
export function selectUsageSlots(db: Executor, lineId: string, fromMs: number, toMs: number, slotMs: number): Promise<UsageSlotRow[]> {
  return usageSlotsQuery(db, lineId, fromMs, toMs, slotMs).execute();
}

/** The query of `selectUsageSlots` (its plan is tested). */
export function usageSlotsQuery(db: Executor, lineId: string, fromMs: number, toMs: number, slotMs: number) {
  const slot = sql<number | string>`(started_at / ${sql.lit(slotMs)}) * ${sql.lit(slotMs)}`;
  return db.selectFrom('usage_record')
    .select([
      slot.as('slot'), 'kind', 'currency',
      sql<number | string>`sum(allowance_units + overage_units)`.as('served'),
      sql<number | string>`sum(blocked_units)`.as('blocked'),
      sql<number | string>`sum(coalesce(charge_minor, 0))`.as('charged'),
    ])
    .where(sameLineTail('line_id', lineId)).where('line_id', '=', lineId).where('started_at', '>=', fromMs).where('started_at', '<', toMs)
    .groupBy([slot, 'kind', 'currency']);
}
