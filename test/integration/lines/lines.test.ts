import { expect, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../../src/platform/clock.js';
import { isDomainError } from '../../../src/platform/errors.js';
import { describeEachStoreApp } from '../../support/app.js';
import { GOOD_PASSWORD, expectProblem } from '../../support/accounts.js';
import { esimProfile, physicalSim, signedInCustomer, stock, stripRequest, tx, type SignedInCustomer } from './lines.fixtures.js';

function codeOf(error: unknown): string | undefined {
  return isDomainError(error) ? error.code : undefined;
}

describeEachStoreApp('lines', (get) => {
  const services = () => get().app.roamline.services;
  const db = () => get().app.roamline.ctx.database.db;
  const orderId = () => get().app.roamline.ctx.ids('ord');

  /** GET as the owner, signing in again first: the steps below jump past the session's lifetime. */
  async function getAs(owner: SignedInCustomer, url: string): Promise<Record<string, unknown>> {
    const login = await owner.client.post('/api/v1/auth/login', { contact: owner.email, password: GOOD_PASSWORD });
    expect(login.statusCode, login.body).toBe(200);
    const response = await owner.client.get(url);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Record<string, unknown>;
  }

  async function newLine(customerId: string, type: 'esim' | 'physical' = 'esim') {
    await stock(get().app, type === 'esim' ? esimProfile() : physicalSim('in_stock'));
    return tx(get().app, (t) => services().lines.createLineWithNewSim(t, { customerId, type }));
  }

  it('answers 404 alike for another customer\'s line and an unknown one', async () => {
    const owner = await signedInCustomer(get().app);
    const stranger = await signedInCustomer(get().app);
    const line = await newLine(owner.customerId);
    expect((await owner.client.get(`/api/v1/lines/${line.id}`)).statusCode).toBe(200);

    const theirs = await stranger.client.get(`/api/v1/lines/${line.id}`);
    expectProblem(theirs, 404, 'request.not_found');
    const unknown = await stranger.client.get(`/api/v1/lines/${get().app.roamline.ctx.ids('lin')}`);
    expectProblem(unknown, 404, 'request.not_found');
    expect(stripRequest(theirs.body)).toEqual(stripRequest(unknown.body));
    expect((await stranger.client.get('/api/v1/lines')).json()).toEqual({ lines: [], nextCursor: null });
    await expect(services().lines.getLine(db(), stranger.customerId, line.id)).rejects.toMatchObject({ code: 'request.not_found' });
    expectProblem(await stranger.client.get('/api/v1/lines/not-a-line-id'), 400, 'request.invalid');
  });

  it('shows an eSIM line with its activation code', async () => {
    const owner = await signedInCustomer(get().app);
    const [profile] = await stock(get().app, esimProfile());
    const line = await tx(get().app, (t) => services().lines.createLineWithNewSim(t, { customerId: owner.customerId, type: 'esim' }));
    expect(line).toMatchObject({ iccid: profile!.iccid, msisdn: profile!.msisdn, type: 'esim', customerId: owner.customerId });
    const body = await getAs(owner, `/api/v1/lines/${line.id}`);
    expect(body).toMatchObject({
      id: line.id, type: 'esim', iccid: profile!.iccid, status: 'inactive', planCode: null, lastPlanCode: null,
      esim: {
        smdpAddress: 'smdp.example.com', matchingId: profile!.matchingId,
        activationCode: `LPA:1$smdp.example.com$${profile!.matchingId}`,
      },
    });
  });

  it('derives status, validity and plan from the periods and the clock, and shows the allowances', async () => {
    const { clock } = get();
    const owner = await signedInCustomer(get().app);
    const line = await newLine(owner.customerId, 'physical');
    const startMs = clock.nowMs();
    const first = await services().lines.nextPeriodFor(db(), line.id, { atMs: startMs, validityDays: 30 });
    expect(first).toEqual({ startsAtMs: startMs, endsAtMs: startMs + 30 * DAY_MS });
    await tx(get().app, async (t) => {
      await services().lines.addPeriod(t, { lineId: line.id, planCode: 'HK-LOCAL-30D', ...first, orderId: orderId() });
      await services().balances.grant(t, {
        lineId: line.id, kind: 'data', amount: 5 * 1024 ** 3, validFromMs: first.startsAtMs, validUntilMs: first.endsAtMs,
        coverage: { zoneCode: 'HK', countries: ['HK'] }, priority: 0, source: 'order', sourceId: 'ord_test', idempotencyKey: `grant:${line.id}`,
      });
    });

    clock.advance(6 * HOUR_MS);
    let body = await getAs(owner, `/api/v1/lines/${line.id}`);
    expect(body).toMatchObject({
      status: 'active', planCode: 'HK-LOCAL-30D', lastPlanCode: 'HK-LOCAL-30D',
      currentPeriod: { planCode: 'HK-LOCAL-30D', startsAt: new Date(first.startsAtMs).toISOString(), endsAt: new Date(first.endsAtMs).toISOString() },
      validUntil: new Date(first.endsAtMs).toISOString(),
      validityLeft: { seconds: 30 * 86_400 - 6 * 3600, days: 30 },
      graceEndsAt: null, esim: null,
      allowances: [{ kind: 'data', currency: null, remaining: 5 * 1024 ** 3, used: 0, granted: 5 * 1024 ** 3, upcoming: 0, validUntil: new Date(first.endsAtMs).toISOString() }],
    });
    expect(await services().lines.currentPeriod(db(), line.id, clock.nowMs())).toMatchObject({ planCode: 'HK-LOCAL-30D', startsAtMs: first.startsAtMs });

    // Renewing early queues the next period after the current one: no day is lost.
    const second = await services().lines.nextPeriodFor(db(), line.id, { atMs: clock.nowMs(), validityDays: 7 });
    expect(second).toEqual({ startsAtMs: first.endsAtMs, endsAtMs: first.endsAtMs + 7 * DAY_MS });
    await tx(get().app, (t) => services().lines.addPeriod(t, { lineId: line.id, planCode: 'HK-LOCAL-7D', ...second, orderId: orderId() }));
    body = await getAs(owner, `/api/v1/lines/${line.id}`);
    expect(body).toMatchObject({ status: 'active', planCode: 'HK-LOCAL-30D', lastPlanCode: 'HK-LOCAL-30D', validUntil: new Date(second.endsAtMs).toISOString(), validityLeft: { days: 37 } });

    clock.set(first.endsAtMs);
    body = await getAs(owner, `/api/v1/lines/${line.id}`);
    expect(body).toMatchObject({ status: 'active', planCode: 'HK-LOCAL-7D', lastPlanCode: 'HK-LOCAL-7D', validityLeft: { seconds: 7 * 86_400, days: 7 } });

    clock.set(second.endsAtMs);
    body = await getAs(owner, `/api/v1/lines/${line.id}`);
    expect(body).toMatchObject({
      status: 'grace', planCode: null, lastPlanCode: 'HK-LOCAL-7D', currentPeriod: null, validUntil: null, validityLeft: { seconds: 0, days: 0 },
      graceEndsAt: new Date(second.endsAtMs + 3 * DAY_MS).toISOString(),
    });
    expect(await services().lines.currentPeriod(db(), line.id, clock.nowMs())).toBeUndefined();

    clock.advance(3 * DAY_MS - 1);
    expect(((await getAs(owner, '/api/v1/lines')) as { lines: Array<{ status: string }> }).lines[0]?.status).toBe('grace');
    clock.advance(1);
    expect(((await getAs(owner, '/api/v1/lines')) as { lines: Array<{ status: string }> }).lines[0]?.status).toBe('expired');
    // Expired, the line still names the plan it last had, for "renew" to offer it again.
    expect(await getAs(owner, `/api/v1/lines/${line.id}`)).toMatchObject({ status: 'expired', planCode: null, currentPeriod: null, lastPlanCode: 'HK-LOCAL-7D' });

    // Renewing after expiry starts now.
    const late = await services().lines.nextPeriodFor(db(), line.id, { atMs: clock.nowMs(), validityDays: 30 });
    expect(late.startsAtMs).toBe(clock.nowMs());
  });

  it('adds one period per order, and one renewal per line and period', async () => {
    const owner = await signedInCustomer(get().app);
    const line = await newLine(owner.customerId);
    const span = await services().lines.nextPeriodFor(db(), line.id, { atMs: get().clock.nowMs(), validityDays: 30 });
    const order = orderId();
    const add = (o: string, planCode = 'PLAN-30D') => tx(get().app, (t) => services().lines.addPeriod(t, { lineId: line.id, planCode, ...span, orderId: o }));

    const first = await add(order);
    expect(first).toMatchObject({ lineId: line.id, orderId: order, ...span });
    expect(first.id).toMatch(/^prd_/);
    expect(await add(order)).toEqual(first);
    await expect(add(orderId())).rejects.toMatchObject({ code: 'lines.period_already_renewed' });
  });

  it('lets exactly one of several concurrent renewals of the same period through', async () => {
    const owner = await signedInCustomer(get().app);
    const line = await newLine(owner.customerId);
    const renew = (o: string) => tx(get().app, async (t) => {
      const span = await services().lines.nextPeriodFor(t, line.id, { atMs: get().clock.nowMs(), validityDays: 30 });
      return services().lines.addPeriod(t, { lineId: line.id, planCode: 'PLAN-30D', ...span, orderId: o });
    });
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map(() => renew(orderId())));
    const added = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    // On SQLite the renewals run one after another, so each later one queues after the previous;
    // on PostgreSQL they read the same state and collide on (line, start).
    const starts = new Set(added.map((r) => r.value.startsAtMs));
    expect(starts.size).toBe(added.length);
    for (const r of refused) expect(codeOf(r.reason)).toBe('lines.period_already_renewed');
    expect(added.length + refused.length).toBe(5);

    // The same order sent five times at once adds one period.
    const order = orderId();
    const same = await Promise.all([1, 2, 3, 4, 5].map(() => renew(order).catch((error: unknown) => codeOf(error))));
    const ids = new Set(same.map((p) => (typeof p === 'object' && p !== null ? p.id : p)));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^prd_/);
  });

  it('lists a customer\'s lines in pages', async () => {
    const owner = await signedInCustomer(get().app);
    const created = [];
    for (let i = 0; i < 3; i += 1) created.push((await newLine(owner.customerId)).id);
    const page1 = (await owner.client.get('/api/v1/lines?limit=2')).json() as { lines: Array<{ id: string }>; nextCursor: string | null };
    expect(page1.lines.map((l) => l.id)).toEqual(created.slice(0, 2));
    expect(page1.nextCursor).toBe(created[1]);
    const page2 = (await owner.client.get(`/api/v1/lines?limit=2&after=${page1.nextCursor}`)).json() as { lines: Array<{ id: string }>; nextCursor: string | null };
    expect(page2).toMatchObject({ lines: [{ id: created[2] }], nextCursor: null });
    expectProblem(await owner.client.get('/api/v1/lines?limit=500'), 400, 'request.invalid');
  });

  it('creates the line of a given SIM once, and never a second line for it', async () => {
    const owner = await signedInCustomer(get().app);
    const other = await signedInCustomer(get().app);
    const [sim] = await stock(get().app, physicalSim('in_stock'));
    const found = await services().provisioning.findSim(db(), sim!.iccid);
    const lineId = get().app.roamline.ctx.ids('lin');
    const line = await tx(get().app, (t) => services().lines.createLineForSim(t, { customerId: owner.customerId, sim: found!, lineId }));
    expect(line).toMatchObject({ id: lineId, iccid: sim!.iccid, type: 'physical', customerId: owner.customerId });
    // The same fulfilment again returns the same line.
    expect(await tx(get().app, (t) => services().lines.createLineForSim(t, { customerId: owner.customerId, sim: found!, lineId }))).toEqual(line);
    await expect(tx(get().app, (t) => services().lines.createLineForSim(t, { customerId: other.customerId, sim: found! })))
      .rejects.toMatchObject({ code: 'provisioning.sim_unavailable' });
    expect((await other.client.get('/api/v1/lines')).json()).toMatchObject({ lines: [] });
  });
});
