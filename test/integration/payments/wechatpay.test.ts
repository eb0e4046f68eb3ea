import { generateKeyPairSync } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { MINUTE_MS, SECOND_MS } from '../../../src/platform/clock.js';
import { createWechatPayProvider } from '../../../src/modules/payments/wechatpay/wechatpay.provider.js';
import { expectProblem } from '../../support/accounts.js';
import { FakeWechatPay } from './wechatpay.server.js';
import { describePayments, eventsOf, paidCalls, paymentOf, paymentRow, type PaymentsTestApp } from './support.js';

/**
 * WeChat Pay API v3 against a local server that speaks its protocol (wechatpay.server.ts), on both
 * stores. The provider is built from configuration, pointed at the server by its API base URL
 * setting, with two platform keys (the certificate and the public key it is switching to).
 */
const wx = new FakeWechatPay();
const ADMIN_KEY = 'admin-key-for-wechatpay-tests-0123456789';
await wx.start();
afterAll(() => wx.stop());

async function cnyOrder(t: PaymentsTestApp, totalMinor = 1999) {
  wx.nowMs = () => t.clock.nowMs();
  return t.customerWithOrder(totalMinor, 'CNY');
}

const refundsOf = (t: PaymentsTestApp, paymentId: string) =>
  t.database.db.selectFrom('payment_refund').selectAll().where('payment_id', '=', paymentId).execute();
const requestsFor = (outTradeNo: string) => wx.requests.filter((r) => r.path.includes(outTradeNo) || r.body?.out_trade_no === outTradeNo);

describePayments('payments: WeChat Pay API v3', (get) => {
  it('offers Native and H5, and nothing off-session', () => {
    expect(get().payments.offeredMethods()).toEqual(['sandbox', 'wechatpay_native', 'wechatpay_h5']);
  });

  it('Native: a signed request answers code_url; a verified, decrypted callback pays the order once', async () => {
    const t = get();
    const { client, orderId } = await cnyOrder(t);
    const payment = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'wechatpay_native' }));
    expect(payment).toMatchObject({ status: 'requires_action', amountMinor: 1999, currency: 'CNY' });
    expect(payment.actionUrl).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    // out_trade_no: at most 32 characters, derived from our key (rl_ dropped).
    const outTradeNo = payment.id;
    expect(requestsFor(outTradeNo)[0]).toMatchObject({
      method: 'POST', path: '/v3/pay/transactions/native',
      body: { appid: wx.appId, mchid: wx.mchId, out_trade_no: outTradeNo, amount: { total: 1999, currency: 'CNY' }, notify_url: `${t.config.publicUrl}/api/v1/webhooks/wechatpay` },
    });
    wx.pay(outTradeNo);
    const callback = wx.callback(outTradeNo, { id: `EV-${payment.id}` });
    const first = await t.postWebhook('wechatpay', callback.body, callback.headers);
    const again = await t.postWebhook('wechatpay', callback.body, callback.headers);
    expect([first.statusCode, again.statusCode]).toEqual([200, 200]);
    expect([first.json(), again.json()]).toEqual([{ received: true, duplicate: false }, { received: true, duplicate: true }]);
    await t.jobs.runDue();
    expect(await paymentRow(t, payment.id)).toMatchObject({ status: 'succeeded', provider_payment_id: outTradeNo });
    expect(paidCalls(t, orderId)).toHaveLength(1);
    expect(await eventsOf(t, payment.id)).toEqual([expect.objectContaining({ event_id: `EV-${payment.id}`, amount_minor: 1999, currency: 'CNY' })]);
  });

  it('H5: sends the customer IP and returns h5_url with redirect_url; a callback before the answer still pays', async () => {
    const t = get();
    const { client, orderId } = await cnyOrder(t);
    wx.next.set('/v3/pay/transactions/h5', 'lose_answer');
    const payment = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'wechatpay_h5' }));
    expect(payment.status).toBe('unknown');
    expect(requestsFor(payment.id)[0]?.body).toMatchObject({ scene_info: { payer_client_ip: client.ip, h5_info: { type: 'Wap' } } });
    // The customer paid; WeChat Pay's callback arrives although our create call never got its answer.
    wx.pay(payment.id);
    const callback = wx.callback(payment.id);
    expect((await t.postWebhook('wechatpay', callback.body, callback.headers)).statusCode).toBe(200);
    await t.jobs.runDue();
    expect(await paymentRow(t, payment.id)).toMatchObject({ status: 'succeeded', provider_payment_id: payment.id });
    expect(t.gateway.order(orderId).status).toBe('paid');

    const next = await cnyOrder(t);
    const h5 = paymentOf(await next.client.post(`/api/v1/orders/${next.orderId}/payments`, { method: 'wechatpay_h5' }));
    expect(h5.actionUrl).toContain(`&redirect_url=${encodeURIComponent(`${t.config.publicUrl}/orders/${next.orderId}`)}`);
  });

  it('an answer lost in a timeout is resolved by querying out_trade_no', async () => {
    const t = get();
    const { client, orderId } = await cnyOrder(t);
    wx.next.set('/v3/pay/transactions/native', 'lose_answer');
    const payment = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'wechatpay_native' }));
    expect(payment.status).toBe('unknown');
    wx.pay(payment.id);
    t.clock.advance(31 * SECOND_MS);
    await t.jobs.runDue();
    expect((await paymentRow(t, payment.id)).status).toBe('succeeded');
    expect(t.gateway.order(orderId).status).toBe('paid');
    expect(requestsFor(payment.id).map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual([
      'POST /v3/pay/transactions/native', `GET /v3/pay/transactions/out-trade-no/${payment.id}`,
    ]);
  });

  it('treats a 5xx, an unsigned or a wrongly signed answer as unknown, then reconciles', async () => {
    const t = get();
    for (const behaviour of ['http500', 'unsigned', 'bad_sign'] as const) {
      const { customerId, orderId } = await cnyOrder(t);
      wx.next.set('/v3/pay/transactions/native', behaviour);
      const payment = await t.payments.payOrder({ customerId, orderId, method: 'wechatpay_native' });
      expect(payment.status).toBe('unknown');
      t.clock.advance(31 * SECOND_MS);
      await t.jobs.runDue();
      // After http500 nothing exists at WeChat Pay; after the others, the order waits for the customer.
      expect((await paymentRow(t, payment.id)).status).toBe(behaviour === 'http500' ? 'unknown' : 'requires_action');
    }
  });

  it('refuses forged, stale, tampered and foreign callbacks, storing nothing', async () => {
    const t = get();
    const { client, orderId } = await cnyOrder(t);
    const payment = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'wechatpay_native' }));
    wx.pay(payment.id);
    const nowSeconds = Math.floor(t.clock.nowMs() / 1000);
    const genuine = wx.callback(payment.id);
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const cases: Array<[string, { body: string; headers: Record<string, string> }, string]> = [
      ['body altered after signing', { body: genuine.body.replace('"id":"EV-', '"id":"EX-'), headers: genuine.headers }, 'payments.webhook_signature_invalid'],
      ['signed with another key', wx.callback(payment.id, { signWith: stranger }), 'payments.webhook_signature_invalid'],
      ['an unknown serial', wx.callback(payment.id, { serial: 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF' }), 'payments.webhook_signature_invalid'],
      ['the old key under the new serial', wx.callback(payment.id, { key: wx.oldPlatform, serial: wx.newPlatform.serial }), 'payments.webhook_signature_invalid'],
      ['no signature headers', { body: genuine.body, headers: { 'content-type': 'application/json' } }, 'payments.webhook_signature_invalid'],
      ['a tampered ciphertext, correctly signed', wx.callback(payment.id, { tamper: true }), 'payments.webhook_signature_invalid'],
      ['encrypted under another APIv3 key', wx.callback(payment.id, { apiV3Key: 'x'.repeat(32) }), 'payments.webhook_signature_invalid'],
      ['301 seconds old', wx.callback(payment.id, { timestampSeconds: nowSeconds - 301 }), 'payments.webhook_stale'],
      ['301 seconds ahead', wx.callback(payment.id, { timestampSeconds: nowSeconds + 301 }), 'payments.webhook_stale'],
      ['another merchant', wx.callback(payment.id, { transaction: { mchid: '1900000999' } }), 'payments.webhook_payload_invalid'],
      ['another app', wx.callback(payment.id, { transaction: { appid: 'wx0000000000000000' } }), 'payments.webhook_payload_invalid'],
      ['a success without amount', wx.callback(payment.id, { transaction: { amount: undefined } }), 'payments.webhook_payload_invalid'],
    ];
    for (const [label, delivery, code] of cases) {
      const response = await t.postWebhook('wechatpay', delivery.body, delivery.headers);
      expect(response.statusCode, label).toBe(400);
      expectProblem(response, 400, code);
    }
    await t.jobs.runDue();
    expect(await eventsOf(t, payment.id)).toEqual([]);
    expect((await paymentRow(t, payment.id)).status).toBe('requires_action');
    expect((await t.postWebhook('wechatpay', genuine.body, genuine.headers)).statusCode).toBe(200);
    // A genuine callback about a refund is acknowledged (so WeChat Pay stops resending it) and not stored.
    const refundBody = JSON.stringify({
      id: `EV-refund-${payment.id}`, create_time: new Date(t.clock.nowMs()).toISOString(), resource_type: 'encrypt-resource', event_type: 'REFUND.SUCCESS',
      resource: { original_type: 'refund', algorithm: 'AEAD_AES_256_GCM', ciphertext: wx.encrypt('{}', 'n0nce0000000', 'refund'), associated_data: 'refund', nonce: 'n0nce0000000' },
    });
    const refundAck = await t.postWebhook('wechatpay', refundBody, { 'content-type': 'application/json', ...wx.sign(refundBody) });
    expect(refundAck.statusCode).toBe(200);
    expect(await t.database.db.selectFrom('payment_event').selectAll().where('event_id', '=', `EV-refund-${payment.id}`).execute()).toEqual([]);
  });

  it('keeps working through a platform key switch: each message is verified with the key its serial names', async () => {
    const t = get();
    const { client, orderId } = await cnyOrder(t);
    const payment = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'wechatpay_native' }));
    wx.signing = wx.newPlatform;
    try {
      wx.pay(payment.id);
      const byNew = wx.callback(payment.id);
      expect(byNew.headers['wechatpay-serial']).toBe(wx.newPlatform.serial);
      const byOld = wx.callback(payment.id, { key: wx.oldPlatform });
      expect((await t.postWebhook('wechatpay', byOld.body, byOld.headers)).statusCode).toBe(200);
      expect((await t.postWebhook('wechatpay', byNew.body, byNew.headers)).statusCode).toBe(200);
      await t.jobs.runDue();
      expect((await paymentRow(t, payment.id)).status).toBe('succeeded');
      // Answers signed with the new key are accepted too (a query during reconciliation).
      const next = await cnyOrder(t);
      wx.next.set('/v3/pay/transactions/native', 'lose_answer');
      const lost = paymentOf(await next.client.post(`/api/v1/orders/${next.orderId}/payments`, { method: 'wechatpay_native' }));
      wx.pay(lost.id);
      t.clock.advance(31 * SECOND_MS);
      await t.jobs.runDue();
      expect((await paymentRow(t, lost.id)).status).toBe('succeeded');
      // A deployment that lists only the old certificate refuses what the new key signed.
      const oldOnly = createWechatPayProvider({ config: wx.config([wx.oldPlatform]), clock: t.clock, notifyUrl: 'http://127.0.0.1/' });
      await expect(oldOnly.parseWebhook(Buffer.from(byNew.body), byNew.headers)).rejects.toMatchObject({ code: 'payments.webhook_signature_invalid' });
    } finally {
      wx.signing = wx.oldPlatform;
    }
  });

  it('does not pay when the callback tells another amount; refunds what was taken, asking again about a PROCESSING refund', async () => {
    const t = get();
    const { client, orderId } = await cnyOrder(t);
    const payment = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'wechatpay_native' }));
    wx.pay(payment.id);
    const callback = wx.callback(payment.id, { transaction: { amount: { total: 1000, payer_total: 1000, currency: 'CNY', payer_currency: 'CNY' } } });
    expect((await t.postWebhook('wechatpay', callback.body, callback.headers)).statusCode).toBe(200);
    await t.jobs.runDue();
    expect(await paymentRow(t, payment.id)).toMatchObject({ status: 'failed', failure_code: 'amount_mismatch' });
    expect(t.gateway.order(orderId).status).toBe('pending_payment');
    // The refund answered PROCESSING; the refund job (queued with it) asked again by out_refund_no and read SUCCESS.
    const key = `rl_${payment.id}_refund`;
    expect(wx.requests.filter((r) => r.path.startsWith('/v3/refund/')).filter((r) => r.body?.out_refund_no === key || r.path.endsWith(key)).map((r) => r.method))
      .toEqual(['GET', 'POST', 'GET']);
    expect(await refundsOf(t, payment.id)).toEqual([expect.objectContaining({
      reason: 'amount_mismatch', status: 'succeeded', amount_minor: 1000, provider_refund_id: wx.refunds.get(key)?.refundId,
    })]);
    expect(wx.refunds.get(key)).toMatchObject({ amount: 1000, status: 'SUCCESS' });
    expect([...wx.refunds.values()].filter((r) => r.outTradeNo === payment.id)).toHaveLength(1);
  });

  it('refunds in part by out_refund_no, idempotently, never beyond the total', async () => {
    const t = get();
    const { client, orderId } = await cnyOrder(t);
    const payment = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'wechatpay_native' }));
    wx.pay(payment.id);
    const provider = createWechatPayProvider({ config: wx.config(), clock: t.clock, notifyUrl: 'http://127.0.0.1/' });
    const part = { providerPaymentId: payment.id, amount: { amountMinor: 500, currency: 'CNY' as const }, idempotencyKey: `rl_${payment.id}_r1` };
    expect(await provider.refund(part)).toMatchObject({ status: 'pending' });
    expect(await provider.refund(part)).toMatchObject({ status: 'succeeded' });
    expect(await provider.refund({ ...part, amount: { amountMinor: 1500, currency: 'CNY' }, idempotencyKey: `rl_${payment.id}_r2` })).toMatchObject({ status: 'failed', failureCode: 'wechatpay_not_enough' });
    expect(await provider.refund({ ...part, amount: { amountMinor: 500, currency: 'USD' }, idempotencyKey: `rl_${payment.id}_r3` })).toMatchObject({ status: 'failed', failureCode: 'currency_not_supported' });
    expect([...wx.refunds.values()].filter((r) => r.outTradeNo === payment.id).map((r) => r.amount)).toEqual([500]);
    const refunded = wx.requests.filter((r) => r.method === 'POST' && r.path === '/v3/refund/domestic/refunds' && r.body?.out_trade_no === payment.id);
    expect(refunded[0]?.body).toMatchObject({ out_refund_no: `rl_${payment.id}_r1`, amount: { refund: 500, total: 1999, currency: 'CNY' } });
    // A refunded order still reads as paid.
    expect(await provider.getPayment({ idempotencyKey: `rl_${payment.id}` })).toMatchObject({ found: true, status: 'succeeded' });
  });

  it('refuses non-CNY orders and H5 without the customer IP before any call; cancels an abandoned Native payment', async () => {
    const t = get();
    const { client, customerId } = await cnyOrder(t);
    const usd = t.newOrder(customerId, 1999, 'USD');
    const before = wx.requests.length;
    expectProblem(await client.post(`/api/v1/orders/${usd}/payments`, { method: 'wechatpay_native' }), 402, 'payments.declined');
    const cny = t.newOrder(customerId, 1999, 'CNY');
    expect(await t.payments.payOrder({ customerId, orderId: cny, method: 'wechatpay_h5' })).toMatchObject({ status: 'failed', failure_code: 'client_ip_required' });
    expect(wx.requests.length).toBe(before);
    await expect(t.payments.payOrder({ customerId, orderId: cny, method: 'wechatpay_native', offSession: true })).rejects.toMatchObject({ code: 'payments.method_not_available' });

    const abandoned = await t.payments.payOrder({ customerId, orderId: cny, method: 'wechatpay_native' });
    expect(abandoned.status).toBe('requires_action');
    for (let step = 0; step < 8; step += 1) {
      t.clock.advance(10 * MINUTE_MS);
      await t.jobs.runDue();
    }
    expect(await paymentRow(t, abandoned.id)).toMatchObject({ status: 'cancelled', failure_code: 'action_expired' });
    expect(wx.order(abandoned.id).state).toBe('CLOSED');
  });
  it('staff refund in part, then the rest, through the back-office API; a PROCESSING refund settles on the job', async () => {
    const t = get();
    const { client, orderId } = await cnyOrder(t);
    const payment = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'wechatpay_native' }));
    wx.pay(payment.id);
    const paid = wx.callback(payment.id);
    expect((await t.postWebhook('wechatpay', paid.body, paid.headers)).statusCode).toBe(200);
    await t.jobs.runDue();
    expect(t.gateway.order(orderId).status).toBe('paid');
    const refund = (amountMinor: number) => t.app.inject({
      method: 'POST', url: `/api/v1/admin/payments/${payment.id}/refunds`, headers: { authorization: `Bearer ${ADMIN_KEY}` }, payload: { amountMinor },
    });
    const first = await refund(500);
    expect(first.statusCode, first.body).toBe(201);
    const part = (first.json() as { refund: { id: string; status: string } }).refund;
    expect(part).toMatchObject({ status: 'pending', amountMinor: 500, currency: 'CNY' });
    expect(wx.refunds.get(`rl_${part.id}`)).toMatchObject({ amount: 500, outTradeNo: payment.id, status: 'PROCESSING' });
    t.clock.advance(MINUTE_MS);
    await t.jobs.runDue();
    const rows = await refundsOf(t, payment.id);
    expect(rows).toEqual([expect.objectContaining({ id: part.id, status: 'succeeded', reason: 'requested' })]);
    expect(t.gateway.order(orderId).status).toBe('paid');
    expectProblem(await refund(1500), 422, 'payments.refund_exceeds_payment');
    expect((await refund(1499)).json()).toMatchObject({ refund: { status: 'pending', amountMinor: 1499 } });
    t.clock.advance(MINUTE_MS);
    await t.jobs.runDue();
    expect((await refundsOf(t, payment.id)).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect(t.gateway.order(orderId).status).toBe('refunded');
    const posted = wx.requests.filter((r) => r.method === 'POST' && r.path === '/v3/refund/domestic/refunds' && r.body?.out_trade_no === payment.id);
    expect(posted.map((r) => r.body?.amount)).toEqual([{ refund: 500, total: 1999, currency: 'CNY' }, { refund: 1499, total: 1999, currency: 'CNY' }]);
  });
}, { providerTimeoutMs: 1000, config: { adminApiKey: ADMIN_KEY, paymentProviders: ['sandbox', 'wechatpay'], wechatpay: wx.config() } });
