import { generateKeyPairSync } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../../../src/platform/clock.js';
import { formatBeijingTime } from '../../../src/modules/payments/alipay/alipay.js';
import { createAlipayProvider } from '../../../src/modules/payments/alipay/alipay.provider.js';
import { expectProblem } from '../../support/accounts.js';
import { FakeAlipayGateway } from './alipay.gateway.js';
import { describePayments, eventsOf, paidCalls, paymentOf, paymentRow, type PaymentsTestApp } from './support.js';

/**
 * Alipay direct against a local gateway that speaks Alipay's protocol (alipay.gateway.ts), through
 * the official `alipay-sdk`, on both stores. The provider is built from configuration (the same
 * path as production), pointed at the local gateway by its gateway URL setting.
 */
const alipay = new FakeAlipayGateway();
await alipay.start();
afterAll(() => alipay.stop());

const FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
const ADMIN_KEY = 'admin-key-for-alipay-tests-0123456789';

async function cnyOrder(t: PaymentsTestApp, totalMinor = 1999) {
  alipay.nowMs = () => t.clock.nowMs();
  return t.customerWithOrder(totalMinor, 'CNY');
}

const requestsFor = (outTradeNo: string) => alipay.requests.filter((r) => r.biz.out_trade_no === outTradeNo);

describePayments('payments: Alipay direct', (get) => {
  it('offers the Alipay methods from configuration, agreement only where the merchant has it', () => {
    expect(get().payments.offeredMethods()).toEqual(['sandbox', 'alipay_page', 'alipay_wap', 'alipay_qr', 'alipay_agreement']);
  });

  it('QR: precreate signed RSA2, then a verified notify pays the order once, answered `success` each time', async () => {
    const t = get();
    const { client, orderId } = await cnyOrder(t);
    const payment = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'alipay_qr' }));
    expect(payment).toMatchObject({ status: 'requires_action', method: 'alipay_qr', amountMinor: 1999, currency: 'CNY' });
    expect(payment.actionUrl).toMatch(/^https:\/\/qr\.alipay\.com\//);
    const outTradeNo = `rl_${payment.id}`;
    const [precreate] = requestsFor(outTradeNo);
    expect(precreate?.method).toBe('alipay.trade.precreate');
    expect(precreate?.biz).toMatchObject({ total_amount: '19.99', product_code: 'FACE_TO_FACE_PAYMENT', time_expire: formatBeijingTime(t.clock.nowMs() + 25 * MINUTE_MS) });
    expect(precreate?.fields).toMatchObject({ sign_type: 'RSA2', app_id: alipay.appId, notify_url: `${t.config.publicUrl}/api/v1/webhooks/alipay`, timestamp: formatBeijingTime(t.clock.nowMs()) });

    alipay.pay(outTradeNo);
    const body = alipay.notify(outTradeNo, { notifyId: `n_${payment.id}` });
    for (let i = 0; i < 2; i += 1) {
      const ack = await t.postWebhook('alipay', body, FORM);
      expect(ack.statusCode).toBe(200);
      expect(ack.body).toBe('success');
      expect(String(ack.headers['content-type'])).toMatch(/^text\/plain/);
    }
    await t.jobs.runDue();
    expect(await paymentRow(t, payment.id)).toMatchObject({ status: 'succeeded', provider_payment_id: outTradeNo });
    expect(t.gateway.order(orderId).status).toBe('paid');
    expect(paidCalls(t, orderId)).toHaveLength(1);
    expect(await eventsOf(t, payment.id)).toEqual([expect.objectContaining({ event_id: `n_${payment.id}`, status: 'succeeded', amount_minor: 1999, currency: 'CNY' })]);
  });

  it('page and mobile web: a signed redirect to the gateway; out-of-order notifies end paid', async () => {
    const t = get();
    for (const method of ['alipay_page', 'alipay_wap'] as const) {
      const { client, orderId } = await cnyOrder(t, 8880);
      const payment = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method }));
      expect(payment.status).toBe('requires_action');
      expect(payment.actionUrl?.startsWith(alipay.url)).toBe(true);
      // The customer's browser opens it: the gateway checks the merchant's signature over the URL.
      const trade = alipay.openPage(payment.actionUrl ?? '');
      expect(trade).toMatchObject({ outTradeNo: `rl_${payment.id}`, totalFen: 8880, productCode: method === 'alipay_page' ? 'FAST_INSTANT_TRADE_PAY' : 'QUICK_WAP_WAY' });
      const params = new URL(payment.actionUrl ?? '').searchParams;
      expect(params.get('method')).toBe(method === 'alipay_page' ? 'alipay.trade.page.pay' : 'alipay.trade.wap.pay');
      expect(params.get('return_url')).toBe(`${t.config.publicUrl}/orders/${orderId}`);

      const waiting = alipay.notify(trade.outTradeNo, { notifyId: `wait_${payment.id}` });
      alipay.pay(trade.outTradeNo);
      const paid = alipay.notify(trade.outTradeNo, { notifyId: `paid_${payment.id}` });
      // The success arrives first, the older "waiting" one after it.
      expect((await t.postWebhook('alipay', paid, FORM)).body).toBe('success');
      expect((await t.postWebhook('alipay', waiting, FORM)).body).toBe('success');
      await t.jobs.runDue();
      expect(await paymentRow(t, payment.id)).toMatchObject({ status: 'succeeded', failure_code: null });
      expect(paidCalls(t, orderId)).toHaveLength(1);
      expect((await eventsOf(t, payment.id)).every((e) => e.applied_at !== null)).toBe(true);
    }
  });

  it('an answer lost in a timeout is resolved by alipay.trade.query, never by paying again', async () => {
    const t = get();
    const { client, orderId } = await cnyOrder(t);
    alipay.next.set('alipay.trade.precreate', 'lose_answer');
    const payment = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'alipay_qr' }));
    expect(payment.status).toBe('unknown');
    const outTradeNo = `rl_${payment.id}`;
    alipay.pay(outTradeNo);
    t.clock.advance(31 * SECOND_MS);
    await t.jobs.runDue();
    expect(await paymentRow(t, payment.id)).toMatchObject({ status: 'succeeded', provider_payment_id: outTradeNo });
    expect(t.gateway.order(orderId).status).toBe('paid');
    expect(requestsFor(outTradeNo).map((r) => r.method)).toEqual(['alipay.trade.precreate', 'alipay.trade.query']);
  });

  it('a call that never reached Alipay (HTTP 500, unverifiable answer) ends not_submitted after the grace period', async () => {
    const t = get();
    for (const behaviour of ['http500', 'bad_sign'] as const) {
      const { client, orderId } = await cnyOrder(t);
      alipay.next.set('alipay.trade.precreate', behaviour);
      const payment = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'alipay_qr' }));
      expect(payment.status).toBe('unknown');
      t.clock.advance(31 * SECOND_MS);
      await t.jobs.runDue();
      expect((await paymentRow(t, payment.id)).status).toBe('unknown');
      t.clock.advance(11 * MINUTE_MS);
      await t.jobs.runDue();
      expect(await paymentRow(t, payment.id)).toMatchObject({ status: 'failed', failure_code: 'not_submitted' });
    }
  });

  it('refuses forged, stale and foreign notifies with 4xx, storing nothing', async () => {
    const t = get();
    const { client, orderId } = await cnyOrder(t);
    const payment = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'alipay_qr' }));
    const outTradeNo = `rl_${payment.id}`;
    alipay.pay(outTradeNo);
    const genuine = alipay.notify(outTradeNo);
    const forged = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const cases: Array<[string, string, number, string]> = [
      ['amount altered after signing', genuine.replace('total_amount=19.99', 'total_amount=0.01'), 400, 'payments.webhook_signature_invalid'],
      ['signed with another key', alipay.notify(outTradeNo, { signWith: forged }), 400, 'payments.webhook_signature_invalid'],
      ['RSA (SHA-1) sign type', genuine.replace('sign_type=RSA2', 'sign_type=RSA'), 400, 'payments.webhook_signature_invalid'],
      ['no signature', genuine.replace(/&sign=[^&]*/, ''), 400, 'payments.webhook_signature_invalid'],
      ['a field twice', `${genuine}&total_amount=0.01`, 400, 'payments.webhook_signature_invalid'],
      ['another app', alipay.notify(outTradeNo, { fields: { app_id: '2021000000009999' } }), 400, 'payments.webhook_payload_invalid'],
      ['unreadable amount', alipay.notify(outTradeNo, { fields: { total_amount: '19.999' } }), 400, 'payments.webhook_payload_invalid'],
      ['two days old', alipay.notify(outTradeNo, { notifyAtMs: t.clock.nowMs() - 49 * HOUR_MS }), 400, 'payments.webhook_stale'],
      ['from the future', alipay.notify(outTradeNo, { notifyAtMs: t.clock.nowMs() + 10 * MINUTE_MS }), 400, 'payments.webhook_stale'],
    ];
    for (const [label, body, status, code] of cases) {
      const response = await t.postWebhook('alipay', body, FORM);
      expect(response.body, label).not.toBe('success');
      expectProblem(response, status, code);
    }
    await t.jobs.runDue();
    expect(await eventsOf(t, payment.id)).toEqual([]);
    expect((await paymentRow(t, payment.id)).status).toBe('requires_action');
    // A day-old redelivery (Alipay resends for 25 hours) is still accepted.
    expect((await t.postWebhook('alipay', alipay.notify(outTradeNo, { notifyAtMs: t.clock.nowMs() - 25 * HOUR_MS }), FORM)).body).toBe('success');
  });

  it('does not pay an order whose total changed; refunds the amount Alipay took with out_request_no', async () => {
    const t = get();
    const { client, orderId } = await cnyOrder(t);
    const payment = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'alipay_qr' }));
    const outTradeNo = `rl_${payment.id}`;
    t.gateway.order(orderId).totalMinor = 2999;
    alipay.pay(outTradeNo);
    expect((await t.postWebhook('alipay', alipay.notify(outTradeNo), FORM)).body).toBe('success');
    await t.jobs.runDue();
    expect(await paymentRow(t, payment.id)).toMatchObject({ status: 'failed', failure_code: 'amount_mismatch' });
    expect(t.gateway.order(orderId).status).toBe('pending_payment');
    const refund = requestsFor(outTradeNo).find((r) => r.method === 'alipay.trade.refund');
    expect(refund?.biz).toMatchObject({ refund_amount: '19.99', out_request_no: `rl_${payment.id}_refund` });
    expect(alipay.trade(outTradeNo)).toMatchObject({ status: 'TRADE_CLOSED' });
    const refunds = await t.database.db.selectFrom('payment_refund').selectAll().where('payment_id', '=', payment.id).execute();
    expect(refunds).toEqual([expect.objectContaining({ reason: 'amount_mismatch', status: 'succeeded', amount_minor: 1999 })]);
    // The refund notify (TRADE_CLOSED with refund fields) tells of a paid trade: it changes nothing here.
    expect((await t.postWebhook('alipay', alipay.notify(outTradeNo), FORM)).body).toBe('success');
    await t.jobs.runDue();
    expect(await t.parkedJobs()).toEqual([]);
  });

  it('cancels an abandoned QR payment with alipay.trade.close', async () => {
    const t = get();
    const { client, orderId } = await cnyOrder(t);
    const payment = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'alipay_qr' }));
    // The customer scans but never pays: the trade is visible and waiting.
    alipay.trade(`rl_${payment.id}`).visible = true;
    for (let step = 0; step < 8; step += 1) {
      t.clock.advance(10 * MINUTE_MS);
      await t.jobs.runDue();
    }
    expect(await paymentRow(t, payment.id)).toMatchObject({ status: 'cancelled', failure_code: 'action_expired' });
    expect(alipay.trade(`rl_${payment.id}`).status).toBe('TRADE_CLOSED');
  });

  it('charges an agreement off-session only; refuses it on-session and for non-CNY orders', async () => {
    const t = get();
    const { client, customerId, orderId } = await cnyOrder(t, 4800);
    const agreementNo = '20265527000000000001';
    expectProblem(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'alipay_agreement', paymentMethodToken: agreementNo }), 422, 'payments.payment_method_invalid');
    const other = t.newOrder(customerId, 4800, 'CNY');
    const renewed = await t.payments.payOrder({ customerId, orderId: other, method: 'alipay_agreement', paymentMethodToken: agreementNo, offSession: true });
    expect(renewed).toMatchObject({ status: 'succeeded', provider: 'alipay' });
    expect(t.gateway.order(other).status).toBe('paid');
    const withholding = requestsFor(`rl_${renewed.id}`)[0];
    expect(withholding).toMatchObject({ method: 'alipay.trade.pay', biz: { product_code: 'GENERAL_WITHHOLDING', agreement_params: { agreement_no: agreementNo }, total_amount: '48.00' } });

    const third = t.newOrder(customerId, 4800, 'CNY');
    const refused = await t.payments.payOrder({ customerId, orderId: third, method: 'alipay_agreement', paymentMethodToken: '20265527999999999999', offSession: true });
    expect(refused).toMatchObject({ status: 'failed', failure_code: 'alipay_acq_agreement_not_exist' });

    const usd = t.newOrder(customerId, 1999, 'USD');
    const before = alipay.requests.length;
    expectProblem(await client.post(`/api/v1/orders/${usd}/payments`, { method: 'alipay_qr' }), 402, 'payments.declined');
    expect(alipay.requests.length).toBe(before);
  });

  it('refunds in part, idempotently by out_request_no, never beyond what was paid', async () => {
    const t = get();
    const { client, orderId } = await cnyOrder(t);
    const payment = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'alipay_qr' }));
    const outTradeNo = `rl_${payment.id}`;
    alipay.pay(outTradeNo);
    const provider = createAlipayProvider({ config: alipay.config(), clock: t.clock, notifyUrl: `${t.config.publicUrl}/api/v1/webhooks/alipay` });
    const part = { providerPaymentId: outTradeNo, amount: { amountMinor: 500, currency: 'CNY' as const }, idempotencyKey: `rl_${payment.id}_r1` };
    expect(await provider.refund(part)).toEqual({ status: 'succeeded', providerRefundId: part.idempotencyKey });
    expect(await provider.refund(part)).toEqual({ status: 'succeeded', providerRefundId: part.idempotencyKey });
    expect([...alipay.trade(outTradeNo).refunds.values()]).toEqual([500]);
    expect(await provider.refund({ ...part, amount: { amountMinor: 1500, currency: 'CNY' }, idempotencyKey: `rl_${payment.id}_r2` }))
      .toMatchObject({ status: 'failed', failureCode: 'alipay_acq_refund_amt_not_equal_total' });
    expect(await provider.refund({ ...part, amount: { amountMinor: 1499, currency: 'CNY' }, idempotencyKey: `rl_${payment.id}_r3` })).toMatchObject({ status: 'succeeded' });
    expect(alipay.trade(outTradeNo).status).toBe('TRADE_CLOSED');
    // A partial refund's notify keeps TRADE_SUCCESS, a full one TRADE_CLOSED: both tell of a payment that succeeded.
    const event = await provider.parseWebhook(Buffer.from(alipay.notify(outTradeNo)), {});
    expect(event).toMatchObject({ status: 'succeeded', amount: { amountMinor: 1999, currency: 'CNY' }, paymentId: payment.id });
  });
  it('staff refund in part, then the rest, through the back-office API; each refund its own out_request_no', async () => {
    const t = get();
    const { client, orderId } = await cnyOrder(t);
    const payment = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'alipay_qr' }));
    const outTradeNo = `rl_${payment.id}`;
    alipay.pay(outTradeNo);
    expect((await t.postWebhook('alipay', alipay.notify(outTradeNo), FORM)).body).toBe('success');
    await t.jobs.runDue();
    expect(t.gateway.order(orderId).status).toBe('paid');
    const refund = (amountMinor: number) => t.app.inject({
      method: 'POST', url: `/api/v1/admin/payments/${payment.id}/refunds`, headers: { authorization: `Bearer ${ADMIN_KEY}` }, payload: { amountMinor },
    });
    const first = await refund(500);
    expect(first.statusCode, first.body).toBe(201);
    const part = (first.json() as { refund: { id: string } }).refund;
    expect(part).toMatchObject({ status: 'succeeded', amountMinor: 500, currency: 'CNY', reason: 'requested' });
    expect(requestsFor(outTradeNo).filter((r) => r.method === 'alipay.trade.refund').map((r) => r.biz)).toEqual([
      expect.objectContaining({ refund_amount: '5.00', out_request_no: `rl_${part.id}` }),
    ]);
    expect(t.gateway.order(orderId).status).toBe('paid');
    expectProblem(await refund(1500), 422, 'payments.refund_exceeds_payment');
    expect((await refund(1499)).json()).toMatchObject({ refund: { status: 'succeeded', amountMinor: 1499 } });
    expect([...alipay.trade(outTradeNo).refunds.values()]).toEqual([500, 1499]);
    expect(alipay.trade(outTradeNo).status).toBe('TRADE_CLOSED');
    expect(t.gateway.order(orderId).status).toBe('refunded');
  });
}, { providerTimeoutMs: 1000, config: { adminApiKey: ADMIN_KEY, paymentProviders: ['sandbox', 'alipay'], alipay: alipay.config({ agreement: true }) } });
