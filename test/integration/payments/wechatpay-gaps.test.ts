import { afterAll, expect, it } from 'vitest';
import { SECOND_MS } from '../../../src/platform/clock.js';
import { FakeWechatPay } from './wechatpay.server.js';
import { describePayments, eventsOf, paidCalls, paymentOf, paymentRow, type PaymentsTestApp } from './support.js';

/**
 * Issue 4 flows of WeChat Pay API v3 not covered by wechatpay.test.ts, against the same local
 * server (wechatpay.server.ts) on both stores: a payment the customer's WeChat refuses (WeChat Pay
 * sends callbacks only for TRANSACTION.SUCCESS, so a failure is learnt by querying out_trade_no),
 * and a success callback that arrives after reconciliation already settled the payment.
 */
const wx = new FakeWechatPay();
await wx.start();
afterAll(() => wx.stop());

async function cnyOrder(t: PaymentsTestApp, totalMinor = 1999) {
  wx.nowMs = () => t.clock.nowMs();
  return t.customerWithOrder(totalMinor, 'CNY');
}


describePayments('payments: WeChat Pay API v3, the flows wechatpay.test.ts leaves out', (get) => {
  it('decline: a payment WeChat Pay reports PAYERROR fails on reconciliation, CLOSED is cancelled; the order stays payable and is paid by a new payment', async () => {
    const t = get();
    const { client, orderId } = await cnyOrder(t);
    const declined = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'wechatpay_native' }));
    expect(declined.status).toBe('requires_action');
    // The customer's bank refuses in WeChat: no callback is sent for a failure.
    wx.order(declined.id).state = 'PAYERROR';
    t.clock.advance(31 * SECOND_MS);
    await t.jobs.runDue();
    expect(await paymentRow(t, declined.id)).toMatchObject({ status: 'failed' });
    expect(t.gateway.order(orderId).status).toBe('pending_payment');
    expect(paidCalls(t, orderId)).toEqual([]);
    expect(wx.requests.filter((r) => r.method === 'GET' && r.path.startsWith(`/v3/pay/transactions/out-trade-no/${declined.id}`))).not.toEqual([]);

    const closed = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'wechatpay_native' }));
    expect(closed.status).toBe('requires_action');
    wx.order(closed.id).state = 'CLOSED';
    t.clock.advance(31 * SECOND_MS);
    await t.jobs.runDue();
    expect(await paymentRow(t, closed.id)).toMatchObject({ status: 'cancelled' });
    expect(t.gateway.order(orderId).status).toBe('pending_payment');

    const paid = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'wechatpay_native' }));
    wx.pay(paid.id);
    const callback = wx.callback(paid.id);
    expect((await t.postWebhook('wechatpay', callback.body, callback.headers)).statusCode).toBe(200);
    await t.jobs.runDue();
    expect(await paymentRow(t, paid.id)).toMatchObject({ status: 'succeeded' });
    expect(paidCalls(t, orderId)).toEqual([expect.objectContaining({ paymentId: paid.id })]);
    expect((await paymentRow(t, declined.id)).status).toBe('failed');
    expect(await t.parkedJobs()).toEqual([]);
  });

  it('out of order: the success callback arriving after reconciliation settled the payment changes nothing', async () => {
    const t = get();
    const { client, orderId } = await cnyOrder(t);
    const payment = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'wechatpay_native' }));
    wx.pay(payment.id);
    // The callback is delayed: reconciliation (query by out_trade_no) settles the payment first.
    t.clock.advance(31 * SECOND_MS);
    await t.jobs.runDue();
    expect(await paymentRow(t, payment.id)).toMatchObject({ status: 'succeeded' });
    expect(paidCalls(t, orderId)).toHaveLength(1);

    const delivered = wx.callback(payment.id, { id: `EV-late-${payment.id}` });
    const first = await t.postWebhook('wechatpay', delivered.body, delivered.headers);
    const again = await t.postWebhook('wechatpay', delivered.body, delivered.headers);
    expect([first.json(), again.json()]).toEqual([{ received: true, duplicate: false }, { received: true, duplicate: true }]);
    await t.jobs.runDue();
    expect(await paymentRow(t, payment.id)).toMatchObject({ status: 'succeeded', failure_code: null });
    expect(paidCalls(t, orderId)).toHaveLength(1);
    expect(t.gateway.order(orderId)).toMatchObject({ status: 'paid', paidBy: payment.id });
    expect(await eventsOf(t, payment.id)).toEqual([expect.objectContaining({ event_id: `EV-late-${payment.id}` })]);
    expect(await t.parkedJobs()).toEqual([]);
  });
}, { providerTimeoutMs: 1000, config: { paymentProviders: ['sandbox', 'wechatpay'], wechatpay: wx.config() } });
