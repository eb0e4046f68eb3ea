import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { allMigrations } from '../src/app/migrations.js';
import { createServices } from '../src/app/services.js';
import { systemClock } from '../src/platform/clock.js';
import { loadConfig, type Config } from '../src/platform/config.js';
import { createDatabase, inTransaction, type Database } from '../src/platform/db/database.js';
import { migrateToLatest } from '../src/platform/db/migrator.js';
import { createIdFactory } from '../src/platform/ids.js';
import { createLogger } from '../src/platform/logger.js';
import { createSandboxProvider, type SandboxProvider } from '../src/modules/payments/sandbox/sandbox.provider.js';
import { SANDBOX_TOKENS } from '../src/modules/payments/sandbox/sandbox.js';
import { makeDueLines } from './renewals-fixtures.js';
import { rssSampler } from './memory.js';
import { startBenchPostgres, type BenchPostgres } from './renewals-postgres.js';

/**
 * `npm run bench -- renewals [--lines 100000] [--store sqlite|postgres|both] [--latency-ms 200]
 * [--batch 250] [--in-flight 1000]`
 *
 * Makes `lines` lines due for auto-renew and runs the product's renewal path (the work of the
 * `renewals.sweep` job: `services.renewals.runDue()`), with the sandbox payment provider answering
 * after 200 ms, on SQLite (WAL, synchronous=FULL) and PostgreSQL (fsync and synchronous_commit on).
 * The sandbox stands for a remote PSP: its own state (charges, and the webhooks it would send) lives
 * in a store of its own, in memory, as a PSP's does not live in the platform's database. It counts
 * from the databases that every line was renewed and charged exactly once, and measures against the
 * raw store in the same run: durable single-row commits per second and multi-row inserts per second.
 */

const PLAN = 'HK-LOCAL-30D';
const HOUR_MS = 3_600_000;

/** Counts the sandbox's calls and how many overlap (the sandbox itself keeps its charges in its store). */
function counted(sandbox: SandboxProvider): SandboxProvider & { readonly stats: { calls: number; inFlight: number; peakInFlight: number } } {
  const stats = { calls: 0, inFlight: 0, peakInFlight: 0 };
  return {
    ...sandbox,
    stats,
    async createPayment(input) {
      stats.calls += 1;
      stats.inFlight += 1;
      stats.peakInFlight = Math.max(stats.peakInFlight, stats.inFlight);
      try {
        return await sandbox.createPayment(input);
      } finally {
        stats.inFlight -= 1;
      }
    },
  };
}

interface Result {
  readonly store: 'sqlite' | 'postgres';
  readonly where: string;
  readonly count: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly duplicates: number;
  readonly peakRssMB: number;
  readonly rssByQuarterMB: readonly number[];
  readonly peakInFlight: number;
  /** CPU time of this process (user + system) while renewing: what the path costs, whatever else runs on the machine. */
  readonly cpuSeconds: number;
  readonly rawCommitsPerSecond: number;
  readonly rawRowsPerSecond: number;
  readonly durability: string;
  /** The size of the sandbox's in-memory store (part of this process's RSS, growing with the charges). */
  readonly pspStoreMB: number;
}

function benchConfig(databaseUrl: string, batch: number, inFlight: number): Config {
  const base = loadConfig({ ROAMLINE_ENV: 'test', ROAMLINE_LOG_LEVEL: 'error', DATABASE_URL: databaseUrl, ROAMLINE_PAYMENT_PROVIDERS: '' });
  return { ...base, renewals: { ...base.renewals, batchSize: batch, maxInFlight: inFlight } };
}

/** What the store does by itself with the same durability: single-row commits, and rows in multi-row inserts. */
async function rawBaseline(database: Database): Promise<{ commitsPerSecond: number; rowsPerSecond: number }> {
  const { db } = database;
  await sql`create table bench_raw (id text primary key, line_id text not null, amount bigint not null, payload text not null)`.execute(db);
  const commits = 1000;
  let t0 = performance.now();
  for (let i = 0; i < commits; i += 1) {
    await inTransaction(db, (tx) => sql`insert into bench_raw (id, line_id, amount, payload) values (${`c${i}`}, ${'l'}, ${i}, ${'x'.repeat(40)})`.execute(tx));
  }
  const commitsPerSecond = commits / ((performance.now() - t0) / 1000);
  const rows = 200_000;
  const perStatement = 500;
  t0 = performance.now();
  for (let i = 0; i < rows; i += perStatement * 10) {
    await inTransaction(db, async (tx) => {
      for (let j = i; j < Math.min(rows, i + perStatement * 10); j += perStatement) {
        const values = Array.from({ length: perStatement }, (_, k) => sql`(${`r${j + k}`}, ${'l'}, ${j + k}, ${'x'.repeat(40)})`);
        await sql`insert into bench_raw (id, line_id, amount, payload) values ${sql.join(values)}`.execute(tx);
      }
    });
  }
  const rowsPerSecond = rows / ((performance.now() - t0) / 1000);
  await sql`drop table bench_raw`.execute(db);
  return { commitsPerSecond, rowsPerSecond };
}

/**
 * Renewals beyond one per line and period, counted from the databases: paid renewal orders per line
 * and period, periods per line and start (and renewal periods per line), successful payments per
 * order, and successful charges at the PSP per customer (each bench customer has one line).
 */
async function countDuplicates(database: Database, psp: Database): Promise<number> {
  const one = async (db: Database['db'], query: ReturnType<typeof sql<{ n: number | string | null }>>): Promise<number> => Number((await query.execute(db)).rows[0]?.n ?? 0);
  const beyondOne = (inner: ReturnType<typeof sql>) => sql<{ n: number | string | null }>`select coalesce(sum(c - 1), 0) as n from (${inner}) as g`;
  const { db } = database;
  const orders = await one(db, beyondOne(sql`select count(*) as c from customer_order where origin = 'auto_renew' and status in ('paid', 'fulfilled') group by line_id, period_starts_at`));
  const periods = await one(db, beyondOne(sql`select count(*) as c from line_period group by line_id, starts_at`));
  const renewalPeriods = await one(db, beyondOne(sql`select count(*) as c from line_period where order_id in (select id from customer_order where origin = 'auto_renew') group by line_id`));
  const payments = await one(db, beyondOne(sql`select count(*) as c from payment where status = 'succeeded' group by order_id`));
  const charges = await one(psp.db, beyondOne(sql`select count(*) as c from sandbox_charge where status = 'succeeded' group by customer_ref`));
  return orders + periods + renewalPeriods + payments + charges;
}

async function storeSizeMB(psp: Database): Promise<number> {
  const pages = await sql<{ page_count: number }>`pragma page_count`.execute(psp.db);
  const size = await sql<{ page_size: number }>`pragma page_size`.execute(psp.db);
  return Math.round(((pages.rows[0]?.page_count ?? 0) * (size.rows[0]?.page_size ?? 0)) / 1_048_576);
}

async function durabilityOf(database: Database): Promise<string> {
  if (database.dialect === 'sqlite') {
    const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(database.db);
    const sync = await sql<{ synchronous: number }>`pragma synchronous`.execute(database.db);
    return `journal_mode=${mode.rows[0]?.journal_mode}, synchronous=${sync.rows[0]?.synchronous === 2 ? 'FULL' : String(sync.rows[0]?.synchronous)}`;
  }
  const rows = await sql<{ name: string; setting: string }>`select name, setting from pg_settings where name in ('fsync', 'synchronous_commit', 'full_page_writes') order by name`.execute(database.db);
  return rows.rows.map((r) => `${r.name}=${r.setting}`).join(', ');
}

async function runOnce(store: 'sqlite' | 'postgres', url: string, where: string, o: { lines: number; latencyMs: number; batch: number; inFlight: number }): Promise<Result> {
  const config = benchConfig(url, o.batch, o.inFlight);
  const database = createDatabase(url, { poolSize: 20 });
  const closers: Array<() => Promise<void>> = [];
  try {
    await migrateToLatest(database.db, allMigrations);
    const ids = createIdFactory(systemClock);
    const log = createLogger('error');
    // The PSP's own store; its webhooks are not delivered (the answers to the calls settle the renewals).
    const psp = createDatabase('file::memory:');
    closers.push(() => psp.close());
    await migrateToLatest(psp.db, allMigrations);
    const provider = counted(createSandboxProvider({ config, database: psp, clock: systemClock, ids, log }, async () => undefined, { latencyMs: o.latencyMs }));
    const services = createServices({ config, database, clock: systemClock, ids, log }, { payments: { extraProviders: [provider] } });
    await services.catalog.seedDemoCatalog();
    const nowMs = Date.now();
    const plan = await services.catalog.getPlan(PLAN);
    const price = plan.prices.find((p) => p.currency === 'HKD');
    process.stdout.write(`[${store}] making ${o.lines} lines due ... `);
    const setup0 = performance.now();
    await makeDueLines(database, ids, {
      lines: o.lines, planCode: PLAN, currency: 'HKD', totalMinor: price?.amountMinor ?? 0, provider: provider.name, methodToken: SANDBOX_TOKENS.visa,
      periodEndMs: nowMs + HOUR_MS, nowMs,
    });
    console.log(`${((performance.now() - setup0) / 1000).toFixed(1)} s; renewing ...`);
    const rss = rssSampler();
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const handled = await services.renewals.runDue();
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const memory = rss.stop();
    const renewed = Number((await sql<{ n: number | string }>`select count(*) as n from renewal_attempt where status = 'succeeded'`.execute(database.db)).rows[0]?.n ?? 0);
    if (handled < o.lines || renewed !== o.lines) console.warn(`[${store}] handled ${handled}, renewed ${renewed} of ${o.lines}`);
    const duplicates = await countDuplicates(database, psp);
    const raw = await rawBaseline(database);
    return {
      store, where, count: renewed, seconds, perSecond: Math.round(renewed / seconds), duplicates, peakRssMB: memory.peakMB,
      rssByQuarterMB: memory.quartersMB, peakInFlight: provider.stats.peakInFlight, cpuSeconds: (cpu.user + cpu.system) / 1e6,
      rawCommitsPerSecond: Math.round(raw.commitsPerSecond), rawRowsPerSecond: Math.round(raw.rowsPerSecond), durability: await durabilityOf(database),
      pspStoreMB: await storeSizeMB(psp),
    };
  } finally {
    for (const close of closers) await close();
    await database.close();
  }
}

function printTable(results: readonly Result[]): void {
  const header = ['store', 'renewed', 'seconds', 'renewals/s', 'duplicates', 'peak RSS MB', 'RSS by quarter MB', 'calls in flight', 'CPU s', 'raw commits/s', 'raw rows/s'];
  const rows = results.map((r) => [
    r.store, String(r.count), r.seconds.toFixed(1), String(r.perSecond), String(r.duplicates), String(r.peakRssMB), r.rssByQuarterMB.join('/'),
    String(r.peakInFlight), r.cpuSeconds.toFixed(1), String(r.rawCommitsPerSecond), String(r.rawRowsPerSecond),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ');
  console.log('');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  for (const r of results) console.log(`  ${r.store}: ${r.where}; ${r.durability}; the sandbox's in-memory store held ${r.pspStoreMB} MB at the end`);
  console.log('');
}

export async function run(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...args], strict: true,
    options: {
      lines: { type: 'string', default: '100000' },
      store: { type: 'string', default: 'both' },
      'latency-ms': { type: 'string', default: '200' },
      batch: { type: 'string', default: '250' },
      'in-flight': { type: 'string', default: '1000' },
    },
  });
  const o = { lines: Number(values.lines), latencyMs: Number(values['latency-ms']), batch: Number(values.batch), inFlight: Number(values['in-flight']) };
  const stores = values.store === 'both' ? ['sqlite', 'postgres'] as const : [values.store as 'sqlite' | 'postgres'];
  console.log(`renewals: ${o.lines} lines due, provider latency ${o.latencyMs} ms, batches of ${o.batch}, up to ${o.inFlight} charges in flight`);
  const results: Result[] = [];
  for (const store of stores) {
    if (store === 'sqlite') {
      const dir = await mkdtemp(join(tmpdir(), 'roamline-bench-'));
      try {
        results.push(await runOnce('sqlite', `file:${join(dir, 'bench.db')}`, `file in ${tmpdir()}`, o));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    } else {
      const pgServer: BenchPostgres = await startBenchPostgres();
      try {
        results.push(await runOnce('postgres', await pgServer.createDatabase(), pgServer.description, o));
      } finally {
        await pgServer.stop();
      }
    }
  }
  printTable(results);
  for (const r of results) {
    console.log(JSON.stringify({ bench: 'renewals', store: r.store, perSecond: r.perSecond, count: r.count, duplicates: r.duplicates, peakRssMB: r.peakRssMB }));
  }
}
