import { beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../../../src/platform/db/database.js';
import { GB_BYTES } from '../../../src/platform/money.js';
import { checkLedgerInvariants } from '../../../src/modules/balances/index.js';
import { describeEachStoreApp } from '../../support/app.js';
import { expectProblem, newClient, signUp } from '../../support/accounts.js';
import { outboxFor } from '../../support/http.js';
import { DAY, createOrder, payThroughGateway, seedCatalog } from '../../support/orders.js';

const ESIM_JP_7D = { kind: 'new_sim', planCode: 'JP-DATA-7D', currency: 'HKD', newSim: { type: 'esim' } } as const;

describeEachStoreApp('quotes and orders', (get) => {
  beforeAll(async () => {
    await seedCatalog(get().app);
  });

  async function customerWithLine(): Promise<{ client: ReturnType<typeof newClient>; lineId: string; contact: string }> {
    const client = newClient(get().app);
    const { contact } = await signUp(client);
    const order = await createOrder(client, ESIM_JP_7D);
    await payThroughGateway(get().app, order.id);
    const detail = (await client.get(`/api/v1/orders/${order.id}`)).json() as { lineId: string; status: string };
    expect(detail.status).toBe('fulfilled');
    return { client, lineId: detail.lineId, contact };
  }

  it('quotes a new eSIM with every amount, the tax contained in the total and the exact period', async () => {
    const client = newClient(get().app);
    await signUp(client);
    const response = await client.post('/api/v1/quotes', { ...ESIM_JP_7D, billingCountry: 'GB' });
    expect(response.statusCode, response.body).toBe(200);
    const quote = response.json() as Record<string, unknown> & { period: { startsAt: string; endsAt: string } };
    expect(quote).toMatchObject({ kind: 'new_sim', planCode: 'JP-DATA-7D', currency: 'HKD', discountMinor: 0, feesMinor: 0, taxCountry: 'GB', taxRateBasisPoints: 2000 });
    const total = quote['totalMinor'] as number;
    expect(total).toBe(quote['listPriceMinor']);
    // 20 % VAT contained in the total: total × 2000 / 12000, rounded half up.
    expect(quote['taxMinor']).toBe(Math.round((total * 2000) / 12000));
    const now = get().clock.nowMs();
    expect(Date.parse(quote.period.startsAt)).toBe(now);
    expect(Date.parse(quote.period.endsAt)).toBe(now + 7 * DAY);
  });

  it('adds shipping for a physical SIM and applies a promotion code', async () => {
    const client = newClient(get().app);
    await signUp(client);
    const body = { kind: 'new_sim', planCode: 'EU-DATA-30D', currency: 'USD', promotionCode: 'welcome10', billingCountry: 'US',
      newSim: { type: 'physical', shippingAddress: { name: 'Li Wei', line1: '1 Queen’s Road', city: 'Hong Kong', country: 'HK' } } };
    const quote = (await client.post('/api/v1/quotes', body)).json() as Record<string, number> & { promotion: { code: string } };
    const list = quote['listPriceMinor'] ?? 0;
    expect(quote['feesMinor']).toBe(500);
    expect(quote['discountMinor']).toBe(Math.round(list * 0.1));
    expect(quote['totalMinor']).toBe(list - (quote['discountMinor'] ?? 0) + 500);
    expect(quote.promotion.code).toBe('WELCOME10');
  });

  it('refuses unknown plans, currencies, countries and codes with their own problems', async () => {
    const client = newClient(get().app);
    await signUp(client);
    expectProblem(await client.post('/api/v1/quotes', { ...ESIM_JP_7D, planCode: 'NO-SUCH-PLAN' }), 404, 'catalog.plan_not_found');
    expectProblem(await client.post('/api/v1/quotes', { ...ESIM_JP_7D, currency: 'XYZ' }), 400, 'request.invalid');
    expectProblem(await client.post('/api/v1/quotes', { ...ESIM_JP_7D, billingCountry: 'QQ' }), 400, 'catalog.country_unknown');
    expectProblem(await client.post('/api/v1/quotes', { ...ESIM_JP_7D, promotionCode: 'NOPE-CODE' }), 422, 'promotions.not_found');
    expectProblem(await client.post('/api/v1/quotes', { ...ESIM_JP_7D, promotionCode: 'SUMMER2025' }), 422, 'promotions.expired');
    expectProblem(await client.post('/api/v1/quotes', { kind: 'renewal', planCode: 'JP-DATA-7D', currency: 'HKD' }), 400, 'orders.line_required');
    expectProblem(await client.post('/api/v1/quotes', { kind: 'new_sim', planCode: 'JP-DATA-7D', currency: 'HKD' }), 400, 'orders.new_sim_required');
  });

  it('creates an order once per Idempotency-Key: same body gives the same order, another body 422', async () => {
    const client = newClient(get().app);
    await signUp(client);
    const first = await client.post('/api/v1/orders', ESIM_JP_7D, { 'idempotency-key': 'checkout-0001' });
    expect(first.statusCode).toBe(201);
    const again = await client.post('/api/v1/orders', ESIM_JP_7D, { 'idempotency-key': 'checkout-0001' });
    expect(again.statusCode).toBe(200);
    expect((again.json() as { id: string }).id).toBe((first.json() as { id: string }).id);
    expectProblem(await client.post('/api/v1/orders', { ...ESIM_JP_7D, planCode: 'JP-DATA-1D' }, { 'idempotency-key': 'checkout-0001' }), 422, 'request.idempotency_key_reused');
    expect(((await client.get('/api/v1/orders')).json() as { orders: unknown[] }).orders).toHaveLength(1);
  });

  it('creates one order when two requests with one key arrive together', async () => {
    const client = newClient(get().app);
    await signUp(client);
    const answers = await Promise.all([0, 1, 2].map(() => client.post('/api/v1/orders', ESIM_JP_7D, { 'idempotency-key': 'double-click-1' })));
    for (const a of answers) expect([200, 201, 409]).toContain(a.statusCode);
    expect(answers.filter((a) => a.statusCode === 201)).toHaveLength(1);
    for (const a of answers.filter((x) => x.statusCode === 409)) expectProblem(a, 409, 'request.idempotency_in_progress');
    expect(((await client.get('/api/v1/orders')).json() as { orders: unknown[] }).orders).toHaveLength(1);
  });

  it('fulfils a new eSIM once: the line with its profile, the allowances and a confirmation', async () => {
    const client = newClient(get().app);
    const { contact } = await signUp(client);
    const order = await createOrder(client, { ...ESIM_JP_7D, promotionCode: 'BONUS1GB' });
    expect(order.status).toBe('pending_payment');
    // Payment news three times, and the fulfilment job twice: one line, one set of buckets.
    expect(await payThroughGateway(get().app, order.id)).toBe(true);
    expect(await payThroughGateway(get().app, order.id)).toBe(false);
    await get().app.roamline.services.orders.fulfil(order.id);
    const detail = (await client.get(`/api/v1/orders/${order.id}`)).json() as { status: string; lineId: string; events: Array<{ status: string }> };
    expect(detail.status).toBe('fulfilled');
    expect(detail.events.map((e) => e.status)).toEqual(['pending_payment', 'paid', 'fulfilled']);
    const lines = (await client.get('/api/v1/lines')).json() as { lines: Array<{ id: string }> };
    expect(lines.lines).toHaveLength(1);
    const line = (await client.get(`/api/v1/lines/${detail.lineId}`)).json() as { status: string; esim: { activationCode: string } | null; allowances: Array<{ kind: string; remaining: number }> };
    expect(line.status).toBe('active');
    expect(line.esim?.activationCode).toMatch(/^LPA:1\$[^$]+\$[^$]+$/);
    const data = line.allowances.find((a) => a.kind === 'data');
    expect(data?.remaining).toBe(5 * GB_BYTES + GB_BYTES);
    const buckets = await get().database.db.selectFrom('bucket').select(['kind', 'source']).where('line_id', '=', detail.lineId).execute();
    expect(buckets).toHaveLength(2);
    expect(await checkLedgerInvariants(get().database.db, detail.lineId)).toEqual([]);
    const [confirmation] = await outboxFor(client, contact);
    expect(confirmation?.template).toBe('orders.confirmation');
  });

  it('fulfils exactly once under concurrent payment news and fulfilment', async () => {
    const client = newClient(get().app);
    await signUp(client);
    const order = await createOrder(client, ESIM_JP_7D);
    const { services, ctx } = get().app.roamline;
    const pay = () => inTransaction(ctx.database.db, (tx) => services.orders.gateway.markOrderPaid(tx, order.id, { paymentId: 'pay_x', amountMinor: order.totalMinor, currency: 'HKD' }));
    const paid = await Promise.all([pay(), pay(), pay()]);
    expect(paid.filter(Boolean)).toHaveLength(1);
    await Promise.all([services.orders.fulfil(order.id), services.orders.fulfil(order.id), get().app.roamline.jobs.runDue()]);
    const lineIds = await ctx.database.db.selectFrom('customer_order').select('line_id').where('id', '=', order.id).execute();
    const buckets = await ctx.database.db.selectFrom('bucket').select('id').where('source_id', '=', order.id).execute();
    expect(lineIds[0]?.line_id).toMatch(/^lin_/);
    expect(buckets).toHaveLength(1);
    expect(((await client.get('/api/v1/lines')).json() as { lines: unknown[] }).lines).toHaveLength(1);
  });

  it('renews early from the end of the current period, so no day is lost; late or expired from now', async () => {
    const { client, lineId } = await customerWithLine();
    const line = (await client.get(`/api/v1/lines/${lineId}`)).json() as { currentPeriod: { endsAt: string } };
    const endsAt = Date.parse(line.currentPeriod.endsAt);
    get().clock.advance(2 * DAY);
    const early = (await client.post('/api/v1/quotes', { kind: 'renewal', lineId, planCode: 'JP-DATA-7D', currency: 'HKD' })).json() as { period: { startsAt: string; endsAt: string } };
    expect(Date.parse(early.period.startsAt)).toBe(endsAt);
    expect(Date.parse(early.period.endsAt)).toBe(endsAt + 7 * DAY);
    const renewal = await createOrder(client, { kind: 'renewal', lineId, planCode: 'JP-DATA-7D', currency: 'HKD' });
    await payThroughGateway(get().app, renewal.id);
    const after = (await client.get(`/api/v1/lines/${lineId}`)).json() as { validUntil: string | null; validityLeft: { days: number } };
    expect(after.validityLeft.days).toBe(12);
    // Long after everything ended: a renewal starts now.
    get().clock.advance(30 * DAY);
    const late = (await client.post('/api/v1/quotes', { kind: 'renewal', lineId, planCode: 'JP-DATA-7D', currency: 'HKD' })).json() as { period: { startsAt: string } };
    expect(Date.parse(late.period.startsAt)).toBe(get().clock.nowMs());
  });

  it('tops up the current period only', async () => {
    const { client, lineId } = await customerWithLine();
    const quote = await client.post('/api/v1/quotes', { kind: 'topup', lineId, planCode: 'JP-DATA-7D', currency: 'HKD' });
    expectProblem(quote, 422, 'orders.plan_kind_mismatch');
    get().clock.advance(8 * DAY);
    const addons = ((await client.get('/api/v1/plans?country=JP')).json() as { plans: Array<{ code: string; kind: string }> }).plans.filter((p) => p.kind === 'addon');
    if (addons[0] !== undefined) {
      expectProblem(await client.post('/api/v1/quotes', { kind: 'topup', lineId, planCode: addons[0].code, currency: 'HKD' }), 409, 'orders.no_active_period');
    }
  });

  it('cancels an unpaid order and gives its promotion back; a cancelled order cannot be paid or cancelled again', async () => {
    const client = newClient(get().app);
    await signUp(client);
    const order = await createOrder(client, { ...ESIM_JP_7D, promotionCode: 'BONUS1GB' });
    const before = await get().database.db.selectFrom('promotion').select('redeemed').where('code', '=', 'BONUS1GB').executeTakeFirstOrThrow();
    const cancelled = await client.post(`/api/v1/orders/${order.id}/cancel`);
    expect((cancelled.json() as { status: string }).status).toBe('cancelled');
    const after = await get().database.db.selectFrom('promotion').select('redeemed').where('code', '=', 'BONUS1GB').executeTakeFirstOrThrow();
    expect(after.redeemed).toBe(before.redeemed - 1);
    expectProblem(await client.post(`/api/v1/orders/${order.id}/cancel`), 409, 'orders.not_cancellable');
    expect(await payThroughGateway(get().app, order.id)).toBe(false);
  });

  it('expires unpaid orders after their time, once', async () => {
    const client = newClient(get().app);
    await signUp(client);
    const order = await createOrder(client, ESIM_JP_7D);
    get().clock.advance(29 * 60_000);
    await get().app.roamline.jobs.runDue();
    expect(((await client.get(`/api/v1/orders/${order.id}`)).json() as { status: string }).status).toBe('pending_payment');
    get().clock.advance(60_000);
    await get().app.roamline.jobs.runDue();
    expect(((await client.get(`/api/v1/orders/${order.id}`)).json() as { status: string }).status).toBe('expired');
    expect(await payThroughGateway(get().app, order.id)).toBe(false);
  });

  it('hides other customers\' orders and lines as if they did not exist', async () => {
    const { lineId } = await customerWithLine();
    const owner = newClient(get().app);
    await signUp(owner);
    const order = await createOrder(owner, ESIM_JP_7D);
    const stranger = newClient(get().app);
    await signUp(stranger);
    expectProblem(await stranger.get(`/api/v1/orders/${order.id}`), 404, 'request.not_found');
    expectProblem(await stranger.post(`/api/v1/orders/${order.id}/cancel`), 404, 'request.not_found');
    expectProblem(await stranger.get(`/api/v1/orders/${order.id}/receipt.pdf`), 404, 'request.not_found');
    expectProblem(await stranger.post('/api/v1/quotes', { kind: 'renewal', lineId, planCode: 'JP-DATA-7D', currency: 'HKD' }), 404, 'request.not_found');
    expectProblem(await stranger.post('/api/v1/orders', { kind: 'renewal', lineId, planCode: 'JP-DATA-7D', currency: 'HKD' }), 404, 'request.not_found');
    expect(((await owner.get(`/api/v1/orders/${order.id}`)).json() as { status: string }).status).toBe('pending_payment');
  });

  describe('receipts', () => {
    it('exist once paid, in the customer\'s language, as a PDF', async () => {
      const client = newClient(get().app);
      await signUp(client);
      await client.patch('/api/v1/me', { language: 'zh-TW' });
      const order = await createOrder(client, { ...ESIM_JP_7D, currency: 'TWD', billingCountry: 'TW' });
      expectProblem(await client.get(`/api/v1/orders/${order.id}/receipt.pdf`), 409, 'orders.receipt_unavailable');
      await payThroughGateway(get().app, order.id);
      const pdf = await client.get(`/api/v1/orders/${order.id}/receipt.pdf`);
      expect(pdf.statusCode).toBe(200);
      expect(pdf.headers['content-type']).toBe('application/pdf');
      expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
      expect(pdf.rawPayload.toString('latin1')).toContain('NotoSansHant');
    });
  });
}, { sessionIdleMs: 90 * DAY, sessionAbsoluteMs: 90 * DAY });

describeEachStoreApp('orders with a short time to pay', (get) => {
  beforeAll(async () => {
    await seedCatalog(get().app);
  });

  it('gives an order whose payment is in flight more time instead of expiring it', async () => {
    const client = newClient(get().app);
    await signUp(client);
    const order = await createOrder(client, ESIM_JP_7D);
    const action = (await client.post(`/api/v1/orders/${order.id}/payments`, { method: 'sandbox', paymentMethodToken: 'pm_sandbox_3ds' })).json() as { payment: { status: string; actionUrl: string } };
    expect(action.payment.status).toBe('requires_action');
    get().clock.advance(6 * 60_000);
    await get().app.roamline.jobs.runDue();
    const held = (await client.get(`/api/v1/orders/${order.id}`)).json() as { status: string; expiresAt: string };
    expect(held.status).toBe('pending_payment');
    expect(Date.parse(held.expiresAt)).toBeGreaterThan(get().clock.nowMs());
    // The customer approves on the bank page: the order is paid and fulfilled.
    const approve = await get().app.inject({ method: 'POST', url: `${action.payment.actionUrl.split('?')[0] ?? ''}/complete`, payload: 'decision=approve', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(approve.statusCode).toBe(303);
    await get().app.roamline.jobs.runDue();
    expect(((await client.get(`/api/v1/orders/${order.id}`)).json() as { status: string }).status).toBe('fulfilled');
  });
}, { orderTtlMs: 5 * 60_000 });
