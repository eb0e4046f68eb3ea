import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { inTransaction } from '../../../src/platform/db/database.js';
import { HOUR_MS, MINUTE_MS } from '../../../src/platform/clock.js';
import { checkLedgerInvariants } from '../../../src/modules/balances/index.js';
import { ATTEMPT_LEASE_MS } from '../../../src/modules/renewals/index.js';
import {
  PLAN, describeRenewals, enableAutoRenew, lineWithSavedCard, traveller, type RenewalsTestApp, type Traveller,
} from '../../support/renewals.js';

/** A traveller with `count` lines on auto-renew with the sandbox card, all ending at the same instant. */
async function travellerWithLines(t: RenewalsTestApp, count: number): Promise<{ who: Traveller; lineIds: string[]; periodEndMs: number }> {
  const who = await traveller(t.app);
  const first = await lineWithSavedCard(t, who);
  const orderIds: string[] = [];
  for (let i = 1; i < count; i += 1) {
    const order = await who.client.post('/api/v1/orders', { kind: 'new_sim', planCode: PLAN, currency: 'HKD', newSim: { type: 'esim' } });
    const orderId = (order.json() as { id: string }).id;
    const paid = await who.client.post(`/api/v1/orders/${orderId}/payments`, { method: 'sandbox', paymentMethodId: first.paymentMethodId });
    expect(paid.statusCode, paid.body).toBe(201);
    orderIds.push(orderId);
  }
  // The orders are fulfilled together (same instant: every period ends at the same time).
  await t.app.roamline.jobs.runDue();
  const lineIds = [first.lineId];
  for (const orderId of orderIds) lineIds.push(((await who.client.get(`/api/v1/orders/${orderId}`)).json() as { lineId: string }).lineId);
  expect(new Set(lineIds).size).toBe(count);
  for (const lineId of lineIds) await enableAutoRenew(who, lineId, first.paymentMethodId);
  return { who, lineIds, periodEndMs: first.periodEndMs };
}

/** What each line got: its renewal orders, periods, successful payments and sandbox charges. */
async function renewalsOf(t: RenewalsTestApp, lineIds: readonly string[]) {
  const { db } = t.database;
  const orders = await db.selectFrom('customer_order').select(['id', 'line_id', 'status']).where('line_id', 'in', [...lineIds]).where('origin', '=', 'auto_renew').execute();
  const orderIds = orders.map((o) => o.id);
  const periods = await db.selectFrom('line_period').select(['line_id', 'order_id']).where('line_id', 'in', [...lineIds]).execute();
  const payments = orderIds.length === 0 ? [] : await db.selectFrom('payment').select(['order_id', 'status', 'id']).where('order_id', 'in', orderIds).execute();
  const charges = payments.length === 0 ? [] : await db.selectFrom('sandbox_charge').select(['payment_ref', 'status']).where('payment_ref', 'in', payments.map((p) => p.id)).execute();
  const refunds = payments.length === 0 ? [] : await db.selectFrom('payment_refund').select('id').where('payment_id', 'in', payments.map((p) => p.id)).execute();
  return { orders, periods, payments, charges, refunds };
}

function expectRenewedOnce(r: Awaited<ReturnType<typeof renewalsOf>>, lineIds: readonly string[]): void {
  for (const lineId of lineIds) {
    const orders = r.orders.filter((o) => o.line_id === lineId);
    expect(orders.map((o) => o.status), lineId).toEqual(['fulfilled']);
    expect(r.periods.filter((p) => p.line_id === lineId)).toHaveLength(2);
    const paid = r.payments.filter((p) => p.order_id === orders[0]?.id && p.status === 'succeeded');
    expect(paid).toHaveLength(1);
    expect(r.charges.filter((c) => c.payment_ref === paid[0]?.id && c.status === 'succeeded')).toHaveLength(1);
  }
  // Money moved once per line: one succeeded charge per renewal at the provider, no refund needed.
  expect(r.charges.filter((c) => c.status === 'succeeded')).toHaveLength(lineIds.length);
  expect(r.refunds).toEqual([]);
}

const worker = fileURLToPath(new URL('../../support/renewal-worker.ts', import.meta.url));

interface Worker {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  /** Resolves once the process is built and waits for `go()` (booting takes seconds, more on a loaded machine). */
  readonly ready: Promise<void>;
  go(): void;
  output(): string;
}

/**
 * A worker process (see `renewal-worker.ts`) with its clock fixed at `clockMs` and the sandbox
 * answering after `latencyMs`. It boots, then waits for `go()`: tests start workers together, or
 * have one ready while another is killed, whatever time booting takes.
 */
function startWorker(url: string, clockMs: number, latencyMs: number): Worker {
  let output = '';
  let exitCode: number | null | undefined;
  const child = spawn(process.execPath, ['--import', 'tsx', worker], {
    env: {
      PATH: process.env['PATH'], HOME: process.env['HOME'], DATABASE_URL: url, WORKER_CLOCK_MS: String(clockMs), WORKER_SANDBOX_LATENCY_MS: String(latencyMs),
      WORKER_RENEWALS: JSON.stringify({ batchSize: 3, maxInFlight: 6 }), WORKER_WAIT_FOR_GO: '1',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let onOutput = (): void => undefined;
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); onOutput(); });
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); onOutput(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { exitCode = code; onOutput(); resolve(code); }));
  const ready = new Promise<void>((resolve, reject) => {
    onOutput = () => {
      if (output.includes('started\n')) resolve();
      else if (exitCode !== undefined) reject(new Error(`the worker exited (${exitCode}) before it was ready: ${output}`));
    };
  });
  return { child, exited, ready, go: () => void child.stdin?.end('go\n'), output: () => output };
}

/** Polls `condition` until it holds; fails at once if `worker` exits first (it can no longer get there). */
async function untilWhileRunning(condition: () => Promise<boolean>, w: Worker, what: string): Promise<void> {
  while (!(await condition())) {
    if (w.child.exitCode !== null || w.child.signalCode !== null) throw new Error(`the worker exited before ${what}: ${w.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Waits until no session holds a lock on the lines' attempts: PostgreSQL ends a killed client's
 * session when it notices the closed connection, and until then its row locks stand (SQLite's file
 * locks go with the process).
 */
async function untilDeadSessionEnded(t: RenewalsTestApp, lineIds: readonly string[]): Promise<void> {
  if (t.database.dialect !== 'postgres') return;
  for (;;) {
    try {
      await inTransaction(t.database.db, (tx) => sql`select id from renewal_attempt where line_id in (${sql.join(lineIds)}) for update nowait`.execute(tx));
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '55P03') throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/**
 * These tests boot worker processes, each of which loads the whole product (a few CPU-seconds); on a
 * shared, loaded 2-core machine that alone can take a minute, hence their budget. What they wait for
 * inside is an event (a worker ready, a state in the database, an exit), never a fixed delay.
 */
const MULTI_PROCESS_TEST_MS = 300_000;

describeRenewals('auto-renew with several workers', (get) => {
  it('two worker processes racing for the same due renewals renew each line exactly once', async () => {
    const t = get();
    const { lineIds, periodEndMs } = await travellerWithLines(t, 10);
    const dueMs = periodEndMs - 24 * HOUR_MS;
    t.clock.set(dueMs);
    // Two processes (two SQLite connections must not share one event loop: a busy wait would block both),
    // booted first and then started together, so that they really race for the same renewals.
    const workers = [startWorker(t.database.url, dueMs, 100), startWorker(t.database.url, dueMs, 100)];
    try {
      await Promise.all(workers.map((w) => w.ready));
      for (const w of workers) w.go();
      for (const w of workers) expect(await w.exited, w.output()).toBe(0);
    } finally {
      for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    }
    // Meanwhile this process sweeps too.
    await t.app.roamline.services.renewals.runDue();
    await t.app.roamline.jobs.runDue();
    expectRenewedOnce(await renewalsOf(t, lineIds), lineIds);
    for (const lineId of lineIds) expect(await checkLedgerInvariants(t.database.db, lineId)).toEqual([]);
  }, MULTI_PROCESS_TEST_MS);

  it('a worker killed in the middle of a batch: the next one renews every due line exactly once', async () => {
    const t = get();
    const { lineIds, periodEndMs } = await travellerWithLines(t, 12);
    const dueMs = periodEndMs - 24 * HOUR_MS + MINUTE_MS;
    t.clock.set(dueMs);
    const attempts = () => t.database.db.selectFrom('renewal_attempt').select(['line_id', 'status', 'claimed_by'])
      .where('line_id', 'in', lineIds).where('period_end_at', '=', periodEndMs).execute();

    // The second worker boots meanwhile, with its clock past the dead one's lease; it starts when told.
    // The first one's provider answers after 2 s, so that it is midway (some renewals settled, others
    // being charged) for seconds, however slowly this process looks.
    const first = startWorker(t.database.url, dueMs, 2000);
    const second = startWorker(t.database.url, dueMs + ATTEMPT_LEASE_MS + MINUTE_MS, 20);
    try {
      await Promise.all([first.ready, second.ready]);
      first.go();
      await untilWhileRunning(async () => {
        const rows = await attempts();
        return rows.some((a) => a.status === 'succeeded') && rows.some((a) => a.status === 'charging');
      }, first, 'it was midway');
      first.child.kill('SIGKILL');
      expect(await first.exited).toBeNull();
      const midway = await attempts();
      expect(midway.some((a) => a.status !== 'succeeded')).toBe(true);
      expect(midway.some((a) => a.status === 'charging')).toBe(true);

      // Another worker, once the dead one's lease ran out, takes up what it left: once the database
      // ended the dead one's session (its locks would make the other skip those rows until a later sweep).
      await untilDeadSessionEnded(t, lineIds);
      second.go();
      expect(await second.exited, second.output()).toBe(0);
    } finally {
      for (const w of [first, second]) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    }
    expect((await attempts()).map((a) => a.status)).toEqual(lineIds.map(() => 'succeeded'));
    await t.app.roamline.jobs.runDue();
    expectRenewedOnce(await renewalsOf(t, lineIds), lineIds);
    for (const lineId of lineIds) expect(await checkLedgerInvariants(t.database.db, lineId)).toEqual([]);
  }, MULTI_PROCESS_TEST_MS);
});
