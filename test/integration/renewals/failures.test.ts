import { expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../../src/platform/clock.js';
import { checkLedgerInvariants } from '../../../src/modules/balances/index.js';
import { selectBuckets } from '../../../src/modules/balances/balances.repository.js';
import {
  DAY_MS, at, attemptsOf, describeRenewals, enableAutoRenew, lineOf, lineWithSavedCard, messagesOf, periodsOf, renewalOrders, sweepHeldAtProvider,
  traveller,
  type AutoRenewReply,
} from '../../support/renewals.js';

describeRenewals('auto-renew: failures, retries, the customer\'s action, grace and expiry', (get) => {
  it('retries a declined card after 1 h, 6 h and 12 h with a notice and a link to pay each time, on one order', async () => {
    const t = get();
    const who = await traveller(t.app);
    const { lineId, paymentMethodId, periodEndMs } = await lineWithSavedCard(t, who, { provider: 'testpay' });
    await enableAutoRenew(who, lineId, paymentMethodId);
    t.provider.script(who.customerId, 'decline', 'decline', 'decline', 'succeed');
    const chargeAt = periodEndMs - 24 * HOUR_MS;

    await at(t, chargeAt);
    const [order] = await renewalOrders(t, lineId);
    expect(order?.status).toBe('pending_payment');
    let [attempt] = await attemptsOf(t, lineId);
    expect(attempt).toMatchObject({ status: 'retrying', failures: 1, last_failure_code: 'card_declined', due_at: chargeAt + HOUR_MS, order_id: order?.id });
    const failed = (await messagesOf(t, who)).filter((m) => m.template === 'renewals.auto_renew_failed');
    expect(failed.map((m) => m.channel).sort()).toEqual(['email', 'sms']);
    expect(failed[0]?.body).toContain(`https://portal.example/orders/${order?.id}`);
    const reply = (await who.client.get(`/api/v1/lines/${lineId}/auto-renew`)).json() as AutoRenewReply;
    expect(reply.renewal).toMatchObject({ status: 'retrying', failures: 1, lastFailureCode: 'card_declined', payUrl: `https://portal.example/orders/${order?.id}` });

    // Nothing happens before the retry is due; then the second and third tries fail too.
    await at(t, chargeAt + HOUR_MS - MINUTE_MS);
    expect(t.provider.callsFor(who.customerId)).toBe(1);
    await at(t, chargeAt + HOUR_MS);
    [attempt] = await attemptsOf(t, lineId);
    expect(attempt).toMatchObject({ status: 'retrying', failures: 2, due_at: chargeAt + 7 * HOUR_MS });
    await at(t, chargeAt + 7 * HOUR_MS);
    [attempt] = await attemptsOf(t, lineId);
    expect(attempt).toMatchObject({ status: 'retrying', failures: 3, due_at: chargeAt + 19 * HOUR_MS });
    expect((await messagesOf(t, who)).filter((m) => m.template === 'renewals.auto_renew_failed')).toHaveLength(6);

    // The last try succeeds: the same order is paid, the period follows the old one.
    await at(t, chargeAt + 19 * HOUR_MS);
    expect(t.provider.callsFor(who.customerId)).toBe(4);
    const orders = await renewalOrders(t, lineId);
    expect(orders.map((o) => [o.id, o.status])).toEqual([[order?.id, 'fulfilled']]);
    expect((await periodsOf(t, lineId)).at(-1)).toMatchObject({ starts_at: periodEndMs, ends_at: periodEndMs + 30 * DAY_MS, order_id: order?.id });
    expect((await attemptsOf(t, lineId)).map((a) => a.status)).toEqual(['succeeded', 'scheduled']);
    expect(await checkLedgerInvariants(t.database.db, lineId)).toEqual([]);
  });

  it('stops retrying at the end of the period; after the grace time the line expires and auto-renew turns off, with a notice', async () => {
    const t = get();
    const who = await traveller(t.app);
    const { lineId, paymentMethodId, periodEndMs } = await lineWithSavedCard(t, who, { provider: 'testpay' });
    await enableAutoRenew(who, lineId, paymentMethodId);
    t.provider.script(who.customerId, 'decline', 'decline', 'decline', 'decline', 'decline');
    const chargeAt = periodEndMs - 24 * HOUR_MS;
    for (const offset of [0, 1, 7, 19]) await at(t, chargeAt + offset * HOUR_MS);
    expect(t.provider.callsFor(who.customerId)).toBe(4);
    const [attempt] = await attemptsOf(t, lineId);
    expect(attempt).toMatchObject({ status: 'failed', failures: 4, due_at: periodEndMs + t.config.renewals.graceMs });
    expect((await messagesOf(t, who)).filter((m) => m.template === 'renewals.auto_renew_failed_final')).toHaveLength(2);

    // The period ends: its allowances expire through the ledger and the line is in grace.
    await at(t, periodEndMs);
    let line = await lineOf(who, lineId);
    expect(line).toMatchObject({ status: 'grace', graceEndsAt: new Date(periodEndMs + 3 * DAY_MS).toISOString(), allowances: [] });
    const buckets = await selectBuckets(t.database.db).where('line_id', '=', lineId).execute();
    expect(buckets.length).toBeGreaterThan(0);
    expect(buckets.every((b) => b.status === 'expired' && Number(b.remaining) === 0 && Number(b.expired) > 0)).toBe(true);
    expect(await checkLedgerInvariants(t.database.db, lineId)).toEqual([]);
    expect(t.provider.callsFor(who.customerId)).toBe(4);

    // The grace time ends: expired, auto-renew off, the customer told; the unpaid order expired.
    await at(t, periodEndMs + 3 * DAY_MS);
    line = await lineOf(who, lineId);
    expect(line.status).toBe('expired');
    expect((await attemptsOf(t, lineId)).map((a) => a.status)).toEqual(['lapsed']);
    const reply = (await who.client.get(`/api/v1/lines/${lineId}/auto-renew`)).json() as AutoRenewReply;
    expect(reply).toMatchObject({ enabled: false, disabledReason: 'expired', nextCharge: null });
    expect((await messagesOf(t, who)).filter((m) => m.template === 'renewals.auto_renew_disabled')).toHaveLength(2);
    expect((await renewalOrders(t, lineId)).map((o) => o.status)).toEqual(['expired']);
    expect(t.provider.callsFor(who.customerId)).toBe(4);
  });

  it('turns "authentication required" into a payment the customer completes in the portal', async () => {
    const t = get();
    const who = await traveller(t.app);
    const { lineId, paymentMethodId, periodEndMs } = await lineWithSavedCard(t, who, { provider: 'testpay' });
    await enableAutoRenew(who, lineId, paymentMethodId);
    t.provider.script(who.customerId, 'auth');
    await at(t, periodEndMs - 24 * HOUR_MS);
    const [order] = await renewalOrders(t, lineId);
    const [attempt] = await attemptsOf(t, lineId);
    expect(attempt).toMatchObject({ status: 'action_required', last_failure_code: 'authentication_required', due_at: periodEndMs + 3 * DAY_MS });
    const notices = (await messagesOf(t, who)).filter((m) => m.template === 'renewals.action_required');
    expect(notices).toHaveLength(2);
    expect(notices[0]?.body).toContain(`https://portal.example/orders/${order?.id}`);

    // No automatic retry: the bank wants the customer.
    await at(t, periodEndMs - 2 * HOUR_MS);
    expect(t.provider.callsFor(who.customerId)).toBe(1);

    // The customer opens the link and pays on the order page; the line is renewed and the attempt succeeds.
    const paid = await who.client.post(`/api/v1/orders/${order?.id}/payments`, { method: 'testpay_card', paymentMethodId });
    expect(paid.statusCode, paid.body).toBe(201);
    await t.app.roamline.jobs.runDue();
    expect((await renewalOrders(t, lineId)).map((o) => o.status)).toEqual(['fulfilled']);
    expect((await attemptsOf(t, lineId)).map((a) => a.status)).toEqual(['succeeded', 'scheduled']);
    expect((await lineOf(who, lineId)).validUntil).toBe(new Date(periodEndMs + 30 * DAY_MS).toISOString());
  });

  it('a renewal by hand before the charge time overtakes auto-renew: no charge for that period', async () => {
    const t = get();
    const who = await traveller(t.app);
    const { lineId, paymentMethodId, periodEndMs } = await lineWithSavedCard(t, who, { provider: 'testpay' });
    await enableAutoRenew(who, lineId, paymentMethodId);
    t.clock.set(periodEndMs - 3 * DAY_MS);
    const manual = await who.client.post('/api/v1/orders', { kind: 'renewal', planCode: 'HK-LOCAL-30D', currency: 'HKD', lineId });
    expect(manual.statusCode, manual.body).toBe(201);
    const paid = await who.client.post(`/api/v1/orders/${(manual.json() as { id: string }).id}/payments`, { method: 'testpay_card', paymentMethodId });
    expect(paid.statusCode).toBe(201);
    await t.app.roamline.jobs.runDue();
    expect((await attemptsOf(t, lineId)).map((a) => [a.period_end_at, a.status])).toEqual([[periodEndMs, 'superseded'], [periodEndMs + 30 * DAY_MS, 'scheduled']]);
    await at(t, periodEndMs - 24 * HOUR_MS);
    expect(t.provider.callsFor(who.customerId)).toBe(0);
    expect(await renewalOrders(t, lineId)).toEqual([]);
    // The next period renews automatically as usual.
    await at(t, periodEndMs + 29 * DAY_MS);
    expect((await renewalOrders(t, lineId)).map((o) => [o.status, o.period_starts_at])).toEqual([['fulfilled', periodEndMs + 30 * DAY_MS]]);
  });

  it('a removed card is a failure without retries; choosing another card tries again at once', async () => {
    const t = get();
    const who = await traveller(t.app);
    const { lineId, paymentMethodId, periodEndMs } = await lineWithSavedCard(t, who, { provider: 'testpay' });
    const second = await lineWithSavedCard(t, who, { provider: 'testpay' });
    const otherMethod = second.paymentMethodId === paymentMethodId ? undefined : second.paymentMethodId;
    await enableAutoRenew(who, lineId, paymentMethodId);
    expect((await who.client.delete(`/api/v1/payment-methods/${paymentMethodId}`)).statusCode).toBe(204);
    await at(t, periodEndMs - 24 * HOUR_MS);
    expect((await attemptsOf(t, lineId))[0]).toMatchObject({ status: 'failed', last_failure_code: 'payment_method_missing' });
    expect(t.provider.callsFor(who.customerId)).toBe(0);
    expect(otherMethod).toBeDefined();
    await enableAutoRenew(who, lineId, otherMethod ?? '');
    await at(t, periodEndMs - 23 * HOUR_MS);
    expect((await renewalOrders(t, lineId)).map((o) => o.status)).toEqual(['fulfilled']);
    expect((await attemptsOf(t, lineId)).map((a) => a.status)).toEqual(['succeeded', 'scheduled']);
  });

  it('a renewal by hand while the automatic charge is in flight: one period, and the automatic charge is refunded', async () => {
    const t = get();
    const { who, lineId, paymentMethodId, gate, sweep } = await sweepHeldAtProvider(t);
    const manual = await who.client.post('/api/v1/orders', { kind: 'renewal', planCode: 'HK-LOCAL-30D', currency: 'HKD', lineId });
    const paid = await who.client.post(`/api/v1/orders/${(manual.json() as { id: string }).id}/payments`, { method: 'testpay_card', paymentMethodId });
    expect(paid.statusCode, paid.body).toBe(201);
    await t.app.roamline.jobs.runDue();
    gate.release();
    await sweep;
    await t.app.roamline.jobs.runDue();
    const [auto] = await renewalOrders(t, lineId);
    expect(auto?.status).toBe('cancelled');
    const payments = await t.database.db.selectFrom('payment').selectAll().where('order_id', '=', auto?.id ?? '').execute();
    expect(payments.map((p) => p.status)).toEqual(['succeeded']);
    const refunds = await t.database.db.selectFrom('payment_refund').selectAll().where('payment_id', '=', payments[0]?.id ?? '').execute();
    expect(refunds.map((r) => [r.reason, r.status])).toEqual([['order_not_payable', 'succeeded']]);
    expect(await periodsOf(t, lineId)).toHaveLength(2);
    expect((await attemptsOf(t, lineId)).map((a) => a.status)).toEqual(['superseded', 'scheduled']);
    expect(await checkLedgerInvariants(t.database.db, lineId)).toEqual([]);
  });
});
