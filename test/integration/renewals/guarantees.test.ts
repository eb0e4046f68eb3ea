import { expect, it } from 'vitest';
import { HOUR_MS } from '../../../src/platform/clock.js';
import { isUniqueViolation } from '../../../src/platform/db/database.js';
import {
  DAY_MS, at, attemptsOf, describeRenewals, enableAutoRenew, lineWithSavedCard, messagesOf, periodsOf, renewalOrders, sweepHeldAtProvider, traveller,
} from '../../support/renewals.js';

/** Resolves to the error `work` fails with (and fails the test when it succeeds). */
async function refusal(work: Promise<unknown>): Promise<unknown> {
  return work.then(() => expect.fail('the database accepted a second renewal of the same period'), (error: unknown) => error);
}

describeRenewals('auto-renew guarantees: once per line and period, in the customer\'s language', (get) => {
  it('two sweeps running at once for the same due renewal charge and renew it once', async () => {
    const t = get();
    // The first sweep's charge is held at the provider while a second sweep looks for due renewals.
    const { who, lineId, periodEndMs, gate, sweep: first } = await sweepHeldAtProvider(t);
    const second = t.app.roamline.services.renewals.runDue();
    gate.release();
    await Promise.all([first, second]);
    await t.app.roamline.services.renewals.runDue();
    await t.app.roamline.jobs.runDue();

    expect((await renewalOrders(t, lineId)).map((o) => [o.status, o.period_starts_at])).toEqual([['fulfilled', periodEndMs]]);
    expect(t.provider.callsFor(who.customerId)).toBe(1);
    expect((await periodsOf(t, lineId)).map((p) => p.starts_at)).toEqual([periodEndMs - 30 * DAY_MS, periodEndMs]);
    expect((await attemptsOf(t, lineId)).map((a) => [a.period_end_at, a.status])).toEqual([[periodEndMs, 'succeeded'], [periodEndMs + 30 * DAY_MS, 'scheduled']]);
    expect((await messagesOf(t, who)).filter((m) => m.template === 'renewals.auto_renewed')).toHaveLength(2);
  });

  it('the database itself refuses a second renewal attempt, period or successful payment for the same line and period', async () => {
    const t = get();
    const who = await traveller(t.app);
    const { lineId, paymentMethodId, periodEndMs } = await lineWithSavedCard(t, who);
    await enableAutoRenew(who, lineId, paymentMethodId);
    await at(t, periodEndMs - 24 * HOUR_MS);
    const { db } = t.database;
    const [attempt] = await attemptsOf(t, lineId);
    const [order] = await renewalOrders(t, lineId);
    const period = (await periodsOf(t, lineId)).find((p) => p.order_id === order?.id);
    const payment = await db.selectFrom('payment').selectAll().where('order_id', '=', order?.id ?? '').where('status', '=', 'succeeded').executeTakeFirst();
    expect(attempt !== undefined && period !== undefined && payment !== undefined).toBe(true);
    if (attempt === undefined || period === undefined || payment === undefined) return;

    // Whatever code runs twice, these writes are what a second renewal would need; the store refuses each.
    const attemptError = await refusal(db.insertInto('renewal_attempt').values({ ...attempt, id: 'ren_second_attempt_of_period', status: 'scheduled', closed_at: null }).execute());
    const periodError = await refusal(db.insertInto('line_period').values({ ...period, id: 'prd_second_period_same_start', order_id: 'ord_another_order_same_period' }).execute());
    const paymentError = await refusal(db.insertInto('payment').values({ ...payment, id: 'pay_second_success', idempotency_key: 'second-success', provider_payment_id: 'second-success' }).execute());
    for (const error of [attemptError, periodError, paymentError]) expect(isUniqueViolation(error), String(error)).toBe(true);
    expect(await attemptsOf(t, lineId)).toHaveLength(2);
    expect(await periodsOf(t, lineId)).toHaveLength(2);
    const charges = await db.selectFrom('sandbox_charge').select(['status']).where('payment_ref', '=', payment.id).execute();
    expect(charges.map((c) => c.status)).toEqual(['succeeded']);
  });

  it('tells a zh-CN auto-renewer of the failure and the renewal in Chinese, and reminds a zh-TW manual renewer in Traditional Chinese', async () => {
    const t = get();
    const auto = await traveller(t.app, 'zh-CN');
    const renewing = await lineWithSavedCard(t, auto, { provider: 'testpay' });
    await enableAutoRenew(auto, renewing.lineId, renewing.paymentMethodId);
    const manual = await traveller(t.app, 'zh-TW');
    const byHand = await lineWithSavedCard(t, manual);
    t.provider.script(auto.customerId, 'decline');
    const since = t.clock.nowMs();
    const endMs = renewing.periodEndMs;
    expect(byHand.periodEndMs).toBe(endMs);

    await at(t, endMs - 72 * HOUR_MS);
    const reminders = (await messagesOf(t, manual)).filter((m) => m.created_at >= since && m.template === 'renewals.reminder');
    expect(reminders.map((m) => [m.channel, m.language]).sort()).toEqual([['email', 'zh-TW'], ['sms', 'zh-TW']]);
    expect(reminders.find((m) => m.channel === 'email')?.subject).toMatch(/^您的 Roamline 方案將於 .+ 到期$/);
    expect(reminders.find((m) => m.channel === 'sms')?.body).toContain(`/lines/${byHand.lineId}`);

    await at(t, endMs - 24 * HOUR_MS);
    const failed = (await messagesOf(t, auto)).filter((m) => m.template === 'renewals.auto_renew_failed');
    expect(failed.map((m) => [m.channel, m.language]).sort()).toEqual([['email', 'zh-CN'], ['sms', 'zh-CN']]);
    for (const m of failed) expect(m.body).toContain('自动续订扣款未成功');
    await at(t, endMs - 23 * HOUR_MS);
    const renewed = (await messagesOf(t, auto)).filter((m) => m.template === 'renewals.auto_renewed');
    expect(renewed.map((m) => [m.channel, m.language]).sort()).toEqual([['email', 'zh-CN'], ['sms', 'zh-CN']]);
    expect(renewed.find((m) => m.channel === 'email')?.subject).toBe('您的 Roamline 套餐已自动续订');
    // The auto-renewer is not reminded: its line renews by itself.
    expect((await messagesOf(t, auto)).filter((m) => m.template === 'renewals.reminder')).toEqual([]);
  });

  it('an automatic renewal in the customer\'s night: the e-mail goes at once, the SMS waits for 08:00 at the number\'s country', async () => {
    const t = get();
    // Bought at 02:00 in Hong Kong (18:00 UTC, after what earlier tests did): the charge, 24 hours
    // before the end, falls at 02:00 there too.
    t.clock.set(Math.ceil(t.clock.nowMs() / DAY_MS) * DAY_MS + DAY_MS + 18 * HOUR_MS);
    const who = await traveller(t.app);
    const { lineId, paymentMethodId, periodEndMs } = await lineWithSavedCard(t, who);
    await enableAutoRenew(who, lineId, paymentMethodId);
    const chargeAtMs = periodEndMs - 24 * HOUR_MS;
    await at(t, chargeAtMs);
    expect((await renewalOrders(t, lineId)).map((o) => o.status)).toEqual(['fulfilled']);
    const notices = (await messagesOf(t, who)).filter((m) => m.template === 'renewals.auto_renewed');
    const morningMs = chargeAtMs + 6 * HOUR_MS; // 08:00 in Hong Kong
    expect(new Date(chargeAtMs).getUTCHours()).toBe(18);
    expect(notices.map((m) => [m.channel, m.status, m.deliver_after]).sort()).toEqual([['email', 'sent', null], ['sms', 'queued', morningMs]]);
    await at(t, morningMs - 1);
    expect((await messagesOf(t, who)).find((m) => m.template === 'renewals.auto_renewed' && m.channel === 'sms')?.status).toBe('queued');
    await at(t, morningMs);
    expect((await messagesOf(t, who)).find((m) => m.template === 'renewals.auto_renewed' && m.channel === 'sms')?.status).toBe('sent');
  });
});
