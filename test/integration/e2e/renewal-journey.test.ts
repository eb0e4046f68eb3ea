import { beforeAll, expect, it } from 'vitest';
import { GB_BYTES } from '../../../src/platform/money.js';
import { describeEachStoreApp } from '../../support/app.js';
import { GOOD_PASSWORD, expectProblem, newClient, signUp } from '../../support/accounts.js';
import { latestCodeFor, outboxFor } from '../../support/http.js';
import { seedCatalog } from '../../support/orders.js';

interface Order { id: string; status: string; totalMinor: number; currency: string; lineId: string | null; period: { startsAt: string; endsAt: string } | null }
interface Line { id: string; status: string; msisdn: string; esim: { activationCode: string } | null; allowances: Array<{ kind: string; remaining: number; granted: number }>; currentPeriod: { endsAt: string } | null }

describeEachStoreApp('the renewal journey, end to end through the API', (get) => {
  beforeAll(async () => {
    await seedCatalog(get().app);
  });

  async function pay(client: ReturnType<typeof newClient>, orderId: string, token: string) {
    return client.post(`/api/v1/orders/${orderId}/payments`, { method: 'sandbox', paymentMethodToken: token });
  }

  it('signs up, finds a plan for Japan, buys an eSIM, pays with pm_sandbox_visa and gets the line, its allowances and the confirmation', async () => {
    const client = newClient(get().app);
    const { contact } = await signUp(client);
    const plans = (await client.get('/api/v1/plans?country=JP&currency=HKD')).json() as { plans: Array<{ code: string }> };
    expect(plans.plans.map((p) => p.code)).toContain('JP-DATA-7D');
    const quote = (await client.post('/api/v1/quotes', { kind: 'new_sim', planCode: 'JP-DATA-7D', currency: 'HKD', newSim: { type: 'esim' } })).json() as { totalMinor: number };
    const order = (await client.post('/api/v1/orders', { kind: 'new_sim', planCode: 'JP-DATA-7D', currency: 'HKD', newSim: { type: 'esim' } }, { 'idempotency-key': 'journey-esim-1' })).json() as Order;
    expect(order).toMatchObject({ status: 'pending_payment', totalMinor: quote.totalMinor });
    const paid = await pay(client, order.id, 'pm_sandbox_visa');
    expect(paid.statusCode, paid.body).toBe(201);
    expect((paid.json() as { payment: { status: string } }).payment.status).toBe('succeeded');
    await get().app.roamline.jobs.runDue();
    const done = (await client.get(`/api/v1/orders/${order.id}`)).json() as Order & { payments: Array<{ status: string }> };
    expect(done.status).toBe('fulfilled');
    expect(done.payments.map((p) => p.status)).toEqual(['succeeded']);
    const line = (await client.get(`/api/v1/lines/${done.lineId ?? ''}`)).json() as Line;
    expect(line.status).toBe('active');
    expect(line.esim?.activationCode).toMatch(/^LPA:1\$/);
    expect(line.allowances.find((a) => a.kind === 'data')?.remaining).toBe(5 * GB_BYTES);
    const confirmation = (await outboxFor(client, contact)).find((m) => m.template === 'orders.confirmation');
    expect(confirmation?.body).toContain(line.msisdn);
    // The receipt is there too.
    expect((await client.get(`/api/v1/orders/${order.id}/receipt.pdf`)).statusCode).toBe(200);
    // Paying again is refused and changes nothing.
    expectProblem(await pay(client, order.id, 'pm_sandbox_visa'), 409, 'orders.not_payable');
  });

  it('claims a physical SIM with an SMS code and renews it early with a promotion code, keeping every day', async () => {
    const client = newClient(get().app);
    const { contact } = await signUp(client);
    const msisdn = '+85251000103';
    expect((await client.post('/api/v1/lines/claim', { msisdn })).statusCode).toBe(202);
    const claimed = await client.post('/api/v1/lines/claim/verify', { msisdn, code: await latestCodeFor(client, msisdn) });
    expect(claimed.statusCode, claimed.body).toBe(201);
    const lineId = (claimed.json() as { id: string }).id;
    // First period.
    const first = (await client.post('/api/v1/orders', { kind: 'renewal', lineId, planCode: 'APAC-COMBO-30D', currency: 'HKD' })).json() as Order;
    expect((await pay(client, first.id, 'pm_sandbox_visa')).statusCode).toBe(201);
    await get().app.roamline.jobs.runDue();
    const before = (await client.get(`/api/v1/lines/${lineId}`)).json() as Line;
    const endsAt = Date.parse(before.currentPeriod?.endsAt ?? '');
    // Ten days later (signed out meanwhile by the idle timeout), sign in and renew early with a code.
    get().clock.advance(10 * 86_400_000);
    expectProblem(await client.get('/api/v1/me'), 401, 'auth.required');
    expect((await client.post('/api/v1/auth/login', { contact, password: GOOD_PASSWORD })).statusCode).toBe(200);
    const created = await client.post('/api/v1/orders', { kind: 'renewal', lineId, planCode: 'APAC-COMBO-30D', currency: 'HKD', promotionCode: 'BONUS1GB' });
    expect(created.statusCode, created.body).toBe(201);
    const renewal = created.json() as Order;
    expect(Date.parse(renewal.period?.startsAt ?? '')).toBe(endsAt);
    expect((await pay(client, renewal.id, 'pm_sandbox_visa')).statusCode).toBe(201);
    await get().app.roamline.jobs.runDue();
    const after = (await client.get(`/api/v1/lines/${lineId}`)).json() as Line & { validityLeft: { days: number } };
    expect(after.validityLeft.days).toBe(50);
  });

  it('keeps a declined payment on record, tells why, and lets the traveller pay again', async () => {
    const client = newClient(get().app);
    await signUp(client);
    const order = (await client.post('/api/v1/orders', { kind: 'new_sim', planCode: 'JP-DATA-1D', currency: 'USD', newSim: { type: 'esim' } })).json() as Order;
    expectProblem(await pay(client, order.id, 'pm_sandbox_declined'), 402, 'payments.declined');
    const status = (await client.get(`/api/v1/orders/${order.id}`)).json() as Order & { lastPaymentFailure: string; payments: Array<{ status: string }> };
    expect(status.status).toBe('pending_payment');
    expect(status.lastPaymentFailure).toBe('card_declined');
    expect((await pay(client, order.id, 'pm_sandbox_visa')).statusCode).toBe(201);
    await get().app.roamline.jobs.runDue();
    expect(((await client.get(`/api/v1/orders/${order.id}`)).json() as Order).status).toBe('fulfilled');
  });

  it('pays slowly: the order waits for the signed sandbox webhook, then is fulfilled once', async () => {
    const client = newClient(get().app);
    await signUp(client);
    const order = (await client.post('/api/v1/orders', { kind: 'new_sim', planCode: 'JP-DATA-1D', currency: 'USD', newSim: { type: 'esim' } })).json() as Order;
    const pending = await pay(client, order.id, 'pm_sandbox_slow');
    expect((pending.json() as { payment: { status: string } }).payment.status).toBe('pending');
    await get().app.roamline.jobs.runDue();
    expect(((await client.get(`/api/v1/orders/${order.id}`)).json() as Order).status).toBe('pending_payment');
    get().clock.advance(10_000);
    await get().app.roamline.jobs.runDue();
    get().clock.advance(10_000);
    await get().app.roamline.jobs.runDue();
    const done = (await client.get(`/api/v1/orders/${order.id}`)).json() as Order;
    expect(done.status).toBe('fulfilled');
    expect(((await client.get('/api/v1/lines')).json() as { lines: unknown[] }).lines).toHaveLength(1);
  });

  it('completes 3-D Secure on the sandbox bank page, then fulfils', async () => {
    const client = newClient(get().app);
    await signUp(client);
    const order = (await client.post('/api/v1/orders', { kind: 'new_sim', planCode: 'JP-DATA-1D', currency: 'USD', newSim: { type: 'esim' } })).json() as Order;
    const action = (await pay(client, order.id, 'pm_sandbox_3ds')).json() as { payment: { status: string; actionUrl: string } };
    expect(action.payment.status).toBe('requires_action');
    const page = await get().app.inject({ method: 'GET', url: action.payment.actionUrl });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    const approve = await get().app.inject({ method: 'POST', url: `${action.payment.actionUrl.split('?')[0] ?? ''}/complete`, payload: 'decision=approve', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(approve.statusCode).toBe(303);
    await get().app.roamline.jobs.runDue();
    expect(((await client.get(`/api/v1/orders/${order.id}`)).json() as Order).status).toBe('fulfilled');
  });
});
