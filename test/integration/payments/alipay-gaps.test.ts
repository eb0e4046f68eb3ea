import { afterAll, expect, it } from 'vitest';
import { MINUTE_MS, SECOND_MS } from '../../../src/platform/clock.js';
import { FakeAlipayGateway } from './alipay.gateway.js';
import { describePayments, paidCalls, paymentOf, paymentRow, type PaymentsTestApp } from './support.js';

/**
 * Issue 4 flows of Alipay direct not covered by alipay.test.ts, against the same local gateway
 * (alipay.gateway.ts) through `alipay-sdk`, on both stores: the "decline" of each kind of
 * payment — a QR / page trade Alipay closes unpaid (its TRADE_CLOSED notify), and a withholding
 * under the agreement that the payer's Alipay refuses (ACQ.BUYER_BALANCE_NOT_ENOUGH) — and a
 * withholding Alipay takes in but settles later (10003).
 */
const alipay = new FakeAlipayGateway();
await alipay.start();
afterAll(() => alipay.stop());

const FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };

async function cnyOrder(t: PaymentsTestApp, totalMinor = 1999) {
  alipay.nowMs = () => t.clock.nowMs();
  return t.customerWithOrder(totalMinor, 'CNY');
}


describePayments('payments: Alipay direct, the flows alipay.test.ts leaves out', (get) => {
  it('decline: a trade Alipay closes unpaid (TRADE_CLOSED notify) cancels the payment; the order stays payable and is paid by a new payment', async () => {
    const t = get();
    const { client, orderId } = await cnyOrder(t);
    const payment = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'alipay_qr' }));
    expect(payment.status).toBe('requires_action');
    const outTradeNo = `rl_${payment.id}`;
    // The customer scanned and gave up; Alipay closes the trade at time_expire and tells us.
    const trade = alipay.trade(outTradeNo);
    trade.visible = true;
    trade.status = 'TRADE_CLOSED';
    const closed = alipay.notify(outTradeNo, { notifyId: `closed_${payment.id}` });
    expect(closed).toContain('trade_status=TRADE_CLOSED');
    expect(closed).not.toContain('refund_fee');
    for (let i = 0; i < 2; i += 1) expect((await t.postWebhook('alipay', closed, FORM)).body).toBe('success');
    await t.jobs.runDue();
    expect(await paymentRow(t, payment.id)).toMatchObject({ status: 'cancelled' });
    expect(t.gateway.order(orderId).status).toBe('pending_payment');
    expect(paidCalls(t, orderId)).toEqual([]);
    expect(alipay.requests.filter((r) => r.biz.out_trade_no === outTradeNo && r.method === 'alipay.trade.refund')).toEqual([]);

    const again = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'alipay_qr' }));
    expect(again.id).not.toBe(payment.id);
    alipay.pay(`rl_${again.id}`);
    expect((await t.postWebhook('alipay', alipay.notify(`rl_${again.id}`), FORM)).body).toBe('success');
    await t.jobs.runDue();
    expect(await paymentRow(t, again.id)).toMatchObject({ status: 'succeeded' });
    expect(paidCalls(t, orderId)).toEqual([expect.objectContaining({ paymentId: again.id })]);
    expect((await paymentRow(t, payment.id)).status).toBe('cancelled');
    expect(await t.parkedJobs()).toEqual([]);
  });

  it('decline off-session: a withholding the payer’s Alipay refuses fails with Alipay’s code, takes nothing and leaves the order payable', async () => {
    const t = get();
    const { customerId, orderId } = await cnyOrder(t, 4800);
    const agreementNo = '20265527000000000002';
    alipay.agreements.add(agreementNo);
    alipay.declinedAgreements.add(agreementNo);
    try {
      const declined = await t.payments.payOrder({ customerId, orderId, method: 'alipay_agreement', paymentMethodToken: agreementNo, offSession: true });
      expect(declined).toMatchObject({ status: 'failed', failure_code: 'alipay_acq_buyer_balance_not_enough', off_session: 1 });
      expect(t.gateway.order(orderId).status).toBe('pending_payment');
      expect(paidCalls(t, orderId)).toEqual([]);
      expect(alipay.trades.has(`rl_${declined.id}`)).toBe(false);
      expect(alipay.requests.filter((r) => r.biz.out_trade_no === `rl_${declined.id}`).map((r) => r.method)).toEqual(['alipay.trade.pay']);

      // Once the balance is there, the next attempt (a new payment, a new out_trade_no) is paid.
      alipay.declinedAgreements.delete(agreementNo);
      const renewed = await t.payments.payOrder({ customerId, orderId, method: 'alipay_agreement', paymentMethodToken: agreementNo, offSession: true });
      expect(renewed).toMatchObject({ status: 'succeeded' });
      expect(renewed.id).not.toBe(declined.id);
      expect(t.gateway.order(orderId)).toMatchObject({ status: 'paid', paidBy: renewed.id });
      expect(await t.parkedJobs()).toEqual([]);
    } finally {
      alipay.declinedAgreements.delete(agreementNo);
    }
  });

  it('in process off-session: a withholding Alipay settles later (10003) stays pending and takes nothing, then is paid once, by its notify or by query', async () => {
    const t = get();
    const agreementNo = '20265527000000000003';
    alipay.agreements.add(agreementNo);
    alipay.inProcessAgreements.add(agreementNo);
    try {
      for (const settledBy of ['notify', 'query'] as const) {
        const { customerId, orderId } = await cnyOrder(t, 4800);
        const pending = await t.payments.payOrder({ customerId, orderId, method: 'alipay_agreement', paymentMethodToken: agreementNo, offSession: true });
        expect(pending).toMatchObject({ status: 'pending', off_session: 1, provider_payment_id: `rl_${pending.id}` });
        expect(t.gateway.order(orderId).status).toBe('pending_payment');
        // Still in process at Alipay: the follow-up asks, learns it waits, and neither pays nor charges again.
        t.clock.advance(31 * SECOND_MS);
        await t.jobs.runDue();
        expect((await paymentRow(t, pending.id)).status).toBe('pending');
        expect(paidCalls(t, orderId)).toEqual([]);

        alipay.pay(`rl_${pending.id}`);
        if (settledBy === 'notify') {
          const notify = alipay.notify(`rl_${pending.id}`, { notifyId: `paid_${pending.id}` });
          for (let i = 0; i < 2; i += 1) expect((await t.postWebhook('alipay', notify, FORM)).body).toBe('success');
          await t.jobs.runDue();
        } else {
          for (let i = 0; i < 6 && (await paymentRow(t, pending.id)).status === 'pending'; i += 1) {
            t.clock.advance(10 * MINUTE_MS);
            await t.jobs.runDue();
          }
        }
        expect(await paymentRow(t, pending.id)).toMatchObject({ status: 'succeeded' });
        expect(paidCalls(t, orderId)).toEqual([expect.objectContaining({ paymentId: pending.id })]);
        expect(t.gateway.order(orderId)).toMatchObject({ status: 'paid', paidBy: pending.id });
        // One withholding: Alipay was asked to take the money once, whatever followed.
        expect(alipay.requests.filter((r) => r.biz.out_trade_no === `rl_${pending.id}` && r.method === 'alipay.trade.pay')).toHaveLength(1);
      }
      expect(await t.parkedJobs()).toEqual([]);
    } finally {
      alipay.inProcessAgreements.delete(agreementNo);
    }
  });
}, { providerTimeoutMs: 1000, config: { paymentProviders: ['sandbox', 'alipay'], alipay: alipay.config({ agreement: true }) } });
