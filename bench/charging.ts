import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { allMigrations } from '../src/app/migrations.js';
import { createServices } from '../src/app/services.js';
import { systemClock } from '../src/platform/clock.js';
import { testConfig } from '../src/platform/config.js';
import { createDatabase, inTransaction, type Database } from '../src/platform/db/database.js';
import { migrateToLatest } from '../src/platform/db/migrator.js';
import { createIdFactory } from '../src/platform/ids.js';
import { createLogger } from '../src/platform/logger.js';
import { MAX_RECORDS_PER_TRANSACTION, checkLedgerInvariants, type UsageRecordInput, type UsageStatus } from '../src/modules/balances/index.js';
import { makeBatch, makeLines } from './charging-fixtures.js';
import { cpuTimes, rssSampler, type CpuTimes } from './memory.js';
import { startBenchPostgres, type BenchPostgres } from './renewals-postgres.js';

/**
 * `npm run bench -- charging [--records 1000000] [--lines 100000] [--batch 5000] [--stores sqlite,postgres]
 * [--concurrency N]`: charges usage records through `usage.chargeRecords` (the function behind
 * `POST /api/v1/usage` and the CSV import) on SQLite (WAL, synchronous=FULL) and PostgreSQL (fsync and
 * synchronous_commit on), then, in the same run and database, a raw-store baseline: per record one
 * guarded debit of one bucket and one ledger row, with transactions of the same size and no rating.
 */

type Store = 'sqlite' | 'postgres';

interface Options {
  readonly records: number;
  readonly lines: number;
  readonly batch: number;
  readonly stores: readonly Store[];
  readonly concurrency: number | undefined;
}

interface StoreResult {
  readonly store: Store;
  readonly count: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly baselinePerSecond: number;
  readonly peakRssMB: number;
  readonly startRssMB: number;
  /** The peak of each quarter of the run: flat when memory does not grow with the records charged. */
  readonly rssByQuarterMB: readonly number[];
  readonly statuses: Record<UsageStatus, number>;
  readonly setupSeconds: number;
  readonly durability: string;
  readonly concurrency: number;
  /** CPU time per record charged: this process, and the embedded PostgreSQL's processes. */
  readonly cpu: string;
}

function options(args: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...args], options: {
      records: { type: 'string', default: '1000000' }, lines: { type: 'string', default: '100000' },
      batch: { type: 'string', default: '5000' }, stores: { type: 'string', default: 'sqlite,postgres' },
      concurrency: { type: 'string' },
    },
  });
  const int = (name: string, value: string | undefined, min: number, max: number): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new Error(`--${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
  const stores = (values.stores ?? '').split(',').filter((s) => s !== '');
  if (stores.some((s) => s !== 'sqlite' && s !== 'postgres')) throw new Error('--stores takes sqlite and/or postgres');
  return {
    records: int('records', values.records, 1, 100_000_000),
    lines: int('lines', values.lines, 1, 10_000_000),
    batch: int('batch', values.batch, 1, 5000),
    stores: stores as Store[],
    concurrency: values.concurrency === undefined ? undefined : int('concurrency', values.concurrency, 1, 64),
  };
}

/** Runs `batches` batches with `concurrency` workers, each building its batch on demand. */
async function runBatches(o: Options, concurrency: number, charge: (records: UsageRecordInput[]) => Promise<void>, tag: string, startedAtMs: number): Promise<number> {
  const batches = Math.ceil(o.records / o.batch);
  let next = 0;
  const startMs = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (;;) {
      const b = next;
      next += 1;
      if (b >= batches) return;
      const size = Math.min(o.batch, o.records - b * o.batch);
      await charge(makeBatch(b, size, o.lines, tag, startedAtMs));
    }
  }));
  return (performance.now() - startMs) / 1000;
}

async function durabilityOf(database: Database): Promise<string> {
  if (database.dialect === 'sqlite') {
    const synchronous = database.sqlite?.pragma('synchronous', { simple: true });
    const journal = database.sqlite?.pragma('journal_mode', { simple: true });
    return `journal_mode=${String(journal)}, synchronous=${synchronous === 2 ? 'FULL' : String(synchronous)}`;
  }
  const settings = await sql<{ name: string; setting: string }>`select name, current_setting(name) as setting from pg_settings
    where name in ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'max_wal_size') order by name`.execute(database.db);
  return settings.rows.map((r) => `${r.name}=${r.setting}`).join(', ');
}

/** PostgreSQL's write-ahead log so far: records and bytes (cluster-wide, read without resetting anything). */
interface WalPosition {
  readonly records: number;
  readonly bytes: number;
}

async function walPosition(database: Database): Promise<WalPosition | undefined> {
  if (database.dialect !== 'postgres') return undefined;
  const { rows } = await sql<{ records: string; bytes: string }>`select (select wal_records from pg_stat_wal) as records,
    pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0') as bytes`.execute(database.db);
  const row = rows[0];
  return row === undefined ? undefined : { records: Number(row.records), bytes: Number(row.bytes) };
}

/** What the run wrote to PostgreSQL's log per usage record (statistics lag by up to a second: indicative). */
function walPerRecord(before: WalPosition | undefined, after: WalPosition | undefined, count: number): string {
  if (before === undefined || after === undefined) return '';
  return `; WAL per usage record: ${((after.records - before.records) / count).toFixed(1)} records, ${((after.bytes - before.bytes) / count / 1024).toFixed(1)} kB`;
}

/** The baseline: the least SQL per record that debits one bucket and writes one ledger row. */
async function prepareBaseline(database: Database, lines: number): Promise<(records: UsageRecordInput[]) => Promise<void>> {
  const { db } = database;
  await sql`create table bench_bucket (id text primary key, remaining bigint not null, used bigint not null)`.execute(db);
  await sql`create table bench_ledger (id text primary key, bucket_id text not null, amount bigint not null, created_at bigint not null)`.execute(db);
  for (let i = 0; i < lines; i += 1000) {
    const rows = Array.from({ length: Math.min(1000, lines - i) }, (_, k) => ({ id: `bb_${i + k}`, remaining: 1e15, used: 0 }));
    await db.insertInto('bench_bucket' as never).values(rows as never).execute();
  }
  const ids = createIdFactory(systemClock);
  const bucketOf = (r: UsageRecordInput): string => `bb_${Number((r.msisdn ?? '').slice(5))}`;
  const amountOf = (r: UsageRecordInput): number => (r.quantity % 1000) + 1;
  if (database.dialect === 'sqlite') {
    const handle = database.sqlite;
    if (handle === undefined) throw new Error('no SQLite handle');
    const debit = handle.prepare('update bench_bucket set remaining = remaining - ?, used = used + ? where id = ? and remaining >= ?');
    const ledger = handle.prepare('insert into bench_ledger (id, bucket_id, amount, created_at) values (?, ?, ?, ?)');
    return (records) => inTransaction(db, async () => {
      const nowMs = Date.now();
      for (const r of records) {
        const bucket = bucketOf(r);
        const amount = amountOf(r);
        if (debit.run(amount, amount, bucket, amount).changes !== 1) throw new Error('baseline debit refused');
        ledger.run(ids('ltx'), bucket, amount, nowMs);
      }
    });
  }
  return (records) => inTransaction(db, async (tx) => {
    const sums = new Map<string, number>();
    for (const r of records) sums.set(bucketOf(r), (sums.get(bucketOf(r)) ?? 0) + amountOf(r));
    const sorted = [...sums].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    await sql`update bench_bucket as b set remaining = b.remaining - u.amount, used = b.used + u.amount
      from unnest(${sorted.map((s) => s[0])}::text[], ${sorted.map((s) => s[1])}::bigint[]) as u(id, amount)
      where b.id = u.id and b.remaining >= u.amount`.execute(tx);
    await sql`insert into bench_ledger (id, bucket_id, amount, created_at)
      select *, ${Date.now()}::bigint from unnest(${records.map(() => ids('ltx'))}::text[], ${records.map(bucketOf)}::text[], ${records.map(amountOf)}::bigint[])`.execute(tx);
  });
}

/**
 * The baseline with the same batching: on SQLite, where charging commits queued requests together,
 * each baseline transaction takes as many records as charging's transactions take at most when
 * `concurrency` requests are in flight.
 */
function runBaseline(o: Options, concurrency: number, dialect: Store, baseline: (records: UsageRecordInput[]) => Promise<void>, startedAtMs: number): Promise<number> {
  if (dialect !== 'sqlite' || concurrency === 1) return runBatches(o, concurrency, baseline, 'base', startedAtMs);
  const batch = Math.min(o.batch * concurrency, MAX_RECORDS_PER_TRANSACTION.sqlite);
  return runBatches({ ...o, batch }, 1, baseline, 'base', startedAtMs);
}

/** CPU per record: node, and (embedded) PostgreSQL; on two cores, their sum bounds the rate when both are busy. */
function cpuPerRecord(before: CpuTimes, after: CpuTimes, count: number, embeddedPostgres: boolean): string {
  const us = (n: number): string => `${(n / count).toFixed(0)} µs`;
  const node = `CPU per record: node ${us(after.selfUs - before.selfUs)} (system ${us(after.selfSystemUs - before.selfSystemUs)})`;
  if (!embeddedPostgres || before.childrenUs === undefined || after.childrenUs === undefined) return node;
  return `${node}, PostgreSQL ${us(after.childrenUs - before.childrenUs)}`;
}

async function benchStore(store: Store, o: Options, postgres: () => Promise<BenchPostgres>): Promise<StoreResult> {
  let url: string;
  let cleanup: () => Promise<void>;
  if (store === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'roamline-bench-charging-'));
    url = `file:${join(dir, 'bench.db')}`;
    cleanup = () => rm(dir, { recursive: true, force: true });
  } else {
    url = await (await postgres()).createDatabase();
    cleanup = async () => {};
  }
  // Requests in flight, as many network elements would send: on SQLite the queued ones commit together.
  const concurrency = o.concurrency ?? (store === 'sqlite' ? 10 : 4);
  const database = createDatabase(url, { poolSize: concurrency + 2 });
  try {
    await migrateToLatest(database.db, allMigrations);
    const config = testConfig({ databaseUrl: url });
    const ids = createIdFactory(systemClock);
    const services = createServices({ config, database, clock: systemClock, ids, log: createLogger('silent') });
    await services.catalog.seedDemoCatalog();
    const setupStart = performance.now();
    await makeLines(database, ids, services.balances, o.lines, Date.now());
    // A PostgreSQL in service has statistics (autovacuum analyses a table once a tenth of it changed);
    // a table loaded a moment ago has none yet, and the planner would guess.
    if (store === 'postgres') await sql`analyze`.execute(database.db);
    const setupSeconds = (performance.now() - setupStart) / 1000;
    const statuses: Record<UsageStatus, number> = { charged: 0, partially_charged: 0, blocked: 0, duplicate: 0, rejected: 0 };
    const walBefore = await walPosition(database);
    const startedAtMs = Date.now();
    const startRssMB = Math.round(process.memoryUsage.rss() / 1_048_576);
    const memory = rssSampler();
    const cpuBefore = cpuTimes();
    const eluBefore = performance.eventLoopUtilization();
    const seconds = await runBatches(o, concurrency, async (records) => {
      for (const result of await services.usage.chargeRecords(records)) statuses[result.status] += 1;
      memory.sample();
    }, 'rec', startedAtMs);
    const rss = memory.stop();
    const elu = performance.eventLoopUtilization(eluBefore);
    const cpu = `${cpuPerRecord(cpuBefore, cpuTimes(), o.records, store === 'postgres' && process.env['BENCH_DATABASE_URL'] === undefined)}; main thread busy ${((elu.active * 1000) / o.records).toFixed(0)} µs per record (${(elu.utilization * 100).toFixed(0)} % of the run)`;
    const wal = walPerRecord(walBefore, await walPosition(database), o.records);
    await verify(database, o, statuses);
    const baseline = await prepareBaseline(database, o.lines);
    const baselineSeconds = await runBaseline(o, concurrency, database.dialect, baseline, startedAtMs);
    await services.notifications.close();
    return {
      store, count: o.records, seconds, perSecond: Math.round(o.records / seconds),
      baselinePerSecond: Math.round(o.records / baselineSeconds), peakRssMB: rss.peakMB, startRssMB, rssByQuarterMB: rss.quartersMB,
      statuses, setupSeconds, durability: `${await durabilityOf(database)}${wal}`, concurrency, cpu,
    };
  } finally {
    await database.close();
    await cleanup();
  }
}

/**
 * The run charged what it answered, and the ledger of a sample of lines holds every invariant (the
 * whole-store audit would hold every bucket in memory and spoil the next store's memory figures).
 */
async function verify(database: Database, o: Options, statuses: Record<UsageStatus, number>): Promise<void> {
  const stored = await database.db.selectFrom('usage_record').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  const rated = statuses.charged + statuses.partially_charged + statuses.blocked;
  if (Number(stored.n) !== rated) throw new Error(`stored ${String(stored.n)} usage records but answered ${rated} as rated`);
  if (rated + statuses.duplicate + statuses.rejected !== o.records) throw new Error('a record got no answer');
  const sample = await database.db.selectFrom('line').select('id').orderBy('id').limit(20).execute();
  for (const { id } of sample) {
    const violations = await checkLedgerInvariants(database.db, id);
    if (violations.length > 0) throw new Error(`ledger of ${id}: ${JSON.stringify(violations.slice(0, 3))}`);
  }
}

function table(results: readonly StoreResult[]): string {
  const head = ['store', 'records', 'seconds', 'records/s', 'baseline/s', 'vs baseline', 'workers', 'peak RSS MB', 'RSS by quarter MB', 'charged', 'partial', 'blocked', 'duplicate', 'rejected'];
  const rows = results.map((r) => [
    r.store, r.count.toLocaleString('en'), r.seconds.toFixed(1), r.perSecond.toLocaleString('en'), r.baselinePerSecond.toLocaleString('en'),
    `${((r.perSecond / r.baselinePerSecond) * 100).toFixed(0)} %`, String(r.concurrency), `${r.peakRssMB} (from ${r.startRssMB})`, r.rssByQuarterMB.join('/'),
    String(r.statuses.charged), String(r.statuses.partially_charged), String(r.statuses.blocked), String(r.statuses.duplicate), String(r.statuses.rejected),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export async function run(args: readonly string[]): Promise<void> {
  const o = options(args);
  let server: BenchPostgres | undefined;
  const postgres = async (): Promise<BenchPostgres> => (server ??= await startBenchPostgres());
  const results: StoreResult[] = [];
  try {
    for (const store of o.stores) {
      console.log(`[charging] ${store}: ${o.lines.toLocaleString('en')} lines, ${o.records.toLocaleString('en')} records in batches of ${o.batch}...`);
      const result = await benchStore(store, o, postgres);
      console.log(`[charging] ${store}: ${result.durability}; ${result.cpu}; setup ${result.setupSeconds.toFixed(1)} s${store === 'postgres' && server !== undefined ? ` (${server.description})` : ''}`);
      results.push(result);
    }
  } finally {
    await server?.stop();
  }
  console.log(`\n${table(results)}\n`);
  for (const r of results) {
    console.log(JSON.stringify({ bench: 'charging', store: r.store, perSecond: r.perSecond, baselinePerSecond: r.baselinePerSecond, count: r.count, peakRssMB: r.peakRssMB }));
  }
}
