import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
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
  const lineIds = [first.lineId];
  for (let i = 1; i < count; i += 1) {
    const order = await who.client.post('/api/v1/orders', { kind: 'new_sim', planCode: PLAN, currency: 'HKD', newSim: { type: 'esim' } });
    const orderId = (order.json() as { id: string }).id;
    const paid = await who.client.post(`/api/v1/orders/${orderId}/payments`, { method: 'sandbox', paymentMethodId: first.paymentMethodId });
    expect(paid.statusCode, paid.body).toBe(201);
    await t.app.roamline.jobs.runDue();
    lineIds.push(((await who.client.get(`/api/v1/orders/${orderId}`)).json() as { lineId: string }).lineId);
  }
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

function startWorker(url: string, clockMs: number, latencyMs: number): { child: ChildProcess; exited: Promise<number | null>; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', worker], {
    env: {
      PATH: process.env['PATH'], HOME: process.env['HOME'], DATABASE_URL: url, WORKER_CLOCK_MS: String(clockMs), WORKER_SANDBOX_LATENCY_MS: String(latencyMs),
      WORKER_RENEWALS: JSON.stringify({ batchSize: 3, maxInFlight: 6 }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeRenewals('auto-renew with several workers', (get) => {
  it('two worker processes racing for the same due renewals renew each line exactly once', async () => {
    const t = get();
    const { lineIds, periodEndMs } = await travellerWithLines(t, 10);
    const dueMs = periodEndMs - 24 * HOUR_MS;
    t.clock.set(dueMs);
    // Two processes (two SQLite connections must not share one event loop: a busy wait would block both).
    const workers = [startWorker(t.database.url, dueMs, 100), startWorker(t.database.url, dueMs, 100)];
    for (const w of workers) expect(await w.exited, w.output()).toBe(0);
    // Meanwhile this process sweeps too.
    await t.app.roamline.services.renewals.runDue();
    await t.app.roamline.jobs.runDue();
    expectRenewedOnce(await renewalsOf(t, lineIds), lineIds);
    for (const lineId of lineIds) expect(await checkLedgerInvariants(t.database.db, lineId)).toEqual([]);
  }, 120_000);

  it('a worker killed in the middle of a batch: the next one renews every due line exactly once', async () => {
    const t = get();
    const { lineIds, periodEndMs } = await travellerWithLines(t, 12);
    const dueMs = periodEndMs - 24 * HOUR_MS + MINUTE_MS;
    t.clock.set(dueMs);
    const attempts = () => t.database.db.selectFrom('renewal_attempt').select(['line_id', 'status', 'claimed_by'])
      .where('line_id', 'in', lineIds).where('period_end_at', '=', periodEndMs).execute();

    const first = startWorker(t.database.url, dueMs, 400);
    try {
      // Killed once some renewals are settled and others are being charged.
      await until(async () => {
        const rows = await attempts();
        return rows.some((a) => a.status === 'succeeded') && rows.some((a) => a.status === 'charging');
      }, 60_000, `a worker midway (${first.output()})`);
      first.child.kill('SIGKILL');
      await first.exited;
    } finally {
      if (first.child.exitCode === null) first.child.kill('SIGKILL');
    }
    const midway = await attempts();
    expect(midway.some((a) => a.status !== 'succeeded')).toBe(true);

    // Another worker, once the dead one's lease ran out, takes up what it left.
    const second = startWorker(t.database.url, dueMs + ATTEMPT_LEASE_MS + MINUTE_MS, 20);
    expect(await second.exited, second.output()).toBe(0);
    expect((await attempts()).map((a) => a.status)).toEqual(lineIds.map(() => 'succeeded'));
    await t.app.roamline.jobs.runDue();
    expectRenewedOnce(await renewalsOf(t, lineIds), lineIds);
    for (const lineId of lineIds) expect(await checkLedgerInvariants(t.database.db, lineId)).toEqual([]);
  }, 120_000);
});
