import { expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../../src/platform/clock.js';
import { checkLedgerInvariants } from '../../../src/modules/balances/index.js';
import { expectProblem } from '../../support/accounts.js';
import {
  DAY_MS, PLAN, at, attemptsOf, describeRenewals, enableAutoRenew, lineOf, lineWithSavedCard, messagesOf, periodsOf, renewalOrders, traveller,
  type AutoRenewReply,
} from '../../support/renewals.js';

describeRenewals('auto-renew: charging the saved card before the period ends', (get) => {
  it('shows the price and the date of the next charge before confirming, and changes nothing until confirmed', async () => {
    const t = get();
    const who = await traveller(t.app);
    const { lineId, paymentMethodId, periodEndMs } = await lineWithSavedCard(t, who);

    const off = (await who.client.get(`/api/v1/lines/${lineId}/auto-renew`)).json() as AutoRenewReply;
    expect(off).toMatchObject({ lineId, enabled: false, nextCharge: null, renewal: null });

    const preview = await who.client.put(`/api/v1/lines/${lineId}/auto-renew`, { enabled: true, planCode: PLAN, paymentMethodId });
    expect(preview.statusCode, preview.body).toBe(200);
    const shown = preview.json() as AutoRenewReply;
    expect(shown).toMatchObject({ enabled: true, confirmed: false, planCode: PLAN, paymentMethod: { id: paymentMethodId, brand: 'visa', last4: '4242' } });
    expect(shown.nextCharge).toMatchObject({ at: new Date(periodEndMs - 24 * HOUR_MS).toISOString(), totalMinor: 9800, currency: 'HKD' });
    expect(shown.nextCharge?.period).toEqual({ startsAt: new Date(periodEndMs).toISOString(), endsAt: new Date(periodEndMs + 30 * DAY_MS).toISOString() });
    expect(((await who.client.get(`/api/v1/lines/${lineId}/auto-renew`)).json() as AutoRenewReply).enabled).toBe(false);
    expect(await attemptsOf(t, lineId)).toEqual([]);

    expectProblem(await who.client.put(`/api/v1/lines/${lineId}/auto-renew`, { enabled: true, planCode: PLAN, paymentMethodId, confirm: true, expectedTotalMinor: 9700 }), 409, 'renewals.price_changed');
    const on = await enableAutoRenew(who, lineId, paymentMethodId, { expectedTotalMinor: 9800 });
    expect(on).toMatchObject({ enabled: true, confirmed: true, renewal: { status: 'scheduled', failures: 0, nextAttemptAt: shown.nextCharge?.at } });
    expect(on.nextCharge).toEqual(shown.nextCharge);
    expect((await messagesOf(t, who)).map((m) => m.template)).toContain('renewals.auto_renew_enabled');
  });

  it('renews in the currency the line was bought in, not in another the plan is also sold in', async () => {
    const t = get();
    const who = await traveller(t.app);
    const { lineId, paymentMethodId } = await lineWithSavedCard(t, who, { currency: 'USD' });
    const preview = await who.client.put(`/api/v1/lines/${lineId}/auto-renew`, { enabled: true, planCode: PLAN, paymentMethodId });
    expect(preview.statusCode, preview.body).toBe(200);
    expect((preview.json() as AutoRenewReply).nextCharge).toMatchObject({ totalMinor: 1250, currency: 'USD' });
    // Asked for explicitly, another currency the plan is sold in is taken.
    const asked = await who.client.put(`/api/v1/lines/${lineId}/auto-renew`, { enabled: true, planCode: PLAN, paymentMethodId, currency: 'CNY' });
    expect((asked.json() as AutoRenewReply).nextCharge).toMatchObject({ totalMinor: 8800, currency: 'CNY' });
  });

  it('charges once, 24 hours before the end, and the new period starts when the old one ends', async () => {
    const t = get();
    const who = await traveller(t.app);
    const { lineId, paymentMethodId, periodEndMs } = await lineWithSavedCard(t, who);
    await enableAutoRenew(who, lineId, paymentMethodId);

    await at(t, periodEndMs - 24 * HOUR_MS - MINUTE_MS);
    expect(await renewalOrders(t, lineId)).toEqual([]);
    await at(t, periodEndMs - 24 * HOUR_MS);
    const [order] = await renewalOrders(t, lineId);
    expect(order).toMatchObject({ status: 'fulfilled', kind: 'renewal', total_minor: 9800, currency: 'HKD', period_starts_at: periodEndMs, period_ends_at: periodEndMs + 30 * DAY_MS });
    const line = await lineOf(who, lineId);
    expect(line.validUntil).toBe(new Date(periodEndMs + 30 * DAY_MS).toISOString());
    expect(line.allowances.find((a) => a.kind === 'data')?.upcoming).toBeGreaterThan(0);
    const attempts = await attemptsOf(t, lineId);
    expect(attempts.map((a) => [a.period_end_at, a.status])).toEqual([[periodEndMs, 'succeeded'], [periodEndMs + 30 * DAY_MS, 'scheduled']]);
    expect(attempts[0]?.order_id).toBe(order?.id);
    expect((await messagesOf(t, who)).filter((m) => m.template === 'renewals.auto_renewed').map((m) => m.channel).sort()).toEqual(['email', 'sms']);
    expect((await messagesOf(t, who)).some((m) => m.template === 'orders.confirmation' && m.created_at >= periodEndMs - 24 * HOUR_MS)).toBe(false);

    // Sweeping again, or running every job again, renews nothing more.
    await at(t, periodEndMs - 23 * HOUR_MS);
    await t.app.roamline.services.renewals.runDue();
    expect(await renewalOrders(t, lineId)).toHaveLength(1);
    expect(await periodsOf(t, lineId)).toHaveLength(2);
    expect(await checkLedgerInvariants(t.database.db, lineId)).toEqual([]);
    const reply = (await who.client.get(`/api/v1/lines/${lineId}/auto-renew`)).json() as AutoRenewReply;
    expect(reply.nextCharge?.at).toBe(new Date(periodEndMs + 29 * DAY_MS).toISOString());
  });

  it('early: turned on inside the last 24 hours, it charges at the next sweep; the new period still starts at the end', async () => {
    const t = get();
    const who = await traveller(t.app);
    const { lineId, paymentMethodId, periodEndMs } = await lineWithSavedCard(t, who);
    t.clock.set(periodEndMs - 10 * HOUR_MS);
    const on = await enableAutoRenew(who, lineId, paymentMethodId);
    expect(on.nextCharge?.at).toBe(new Date(periodEndMs - 10 * HOUR_MS).toISOString());
    await at(t, periodEndMs - 10 * HOUR_MS + MINUTE_MS);
    const [order] = await renewalOrders(t, lineId);
    expect(order).toMatchObject({ status: 'fulfilled', period_starts_at: periodEndMs, period_ends_at: periodEndMs + 30 * DAY_MS });
    expect((await lineOf(who, lineId)).status).toBe('active');
  });

  it('late after downtime: a worker that comes back after the period ended charges once, and the new period starts then', async () => {
    const t = get();
    const who = await traveller(t.app);
    const { lineId, paymentMethodId, periodEndMs } = await lineWithSavedCard(t, who);
    await enableAutoRenew(who, lineId, paymentMethodId);
    await at(t, periodEndMs - 30 * HOUR_MS);
    // Down from 30 hours before the end until a day after it: nothing ran in between.
    const backAt = periodEndMs + DAY_MS;
    t.clock.set(backAt);
    expect((await lineOf(who, lineId)).status).toBe('grace');
    const sweepsBefore = await t.database.db.selectFrom('job').select('id').where('kind', '=', 'renewals.sweep').where('status', '=', 'done').execute();
    await t.app.roamline.jobs.runDue();
    const sweepsAfter = await t.database.db.selectFrom('job').select('id').where('kind', '=', 'renewals.sweep').where('status', '=', 'done').execute();
    expect(sweepsAfter.length - sweepsBefore.length).toBe(1);
    const orders = await renewalOrders(t, lineId);
    expect(orders.map((o) => [o.status, o.period_starts_at, o.period_ends_at])).toEqual([['fulfilled', backAt, backAt + 30 * DAY_MS]]);
    const line = await lineOf(who, lineId);
    expect(line).toMatchObject({ status: 'active', validUntil: new Date(backAt + 30 * DAY_MS).toISOString() });
    await t.app.roamline.jobs.runDue();
    await t.app.roamline.services.renewals.runDue();
    expect(await renewalOrders(t, lineId)).toHaveLength(1);
    expect((await attemptsOf(t, lineId)).map((a) => [a.period_end_at, a.status])).toEqual([[periodEndMs, 'succeeded'], [backAt + 30 * DAY_MS, 'scheduled']]);
  });

  it('a price change reaches a subscriber\'s renewal only from the date the subscriber was told', async () => {
    const t = get();
    const who = await traveller(t.app);
    const planCode = 'APAC-COMBO-30D';
    const { lineId, paymentMethodId, periodEndMs } = await lineWithSavedCard(t, who, { planCode });
    const old = await t.app.roamline.services.catalog.priceFor(planCode, 'HKD', { atMs: t.clock.nowMs(), existingSubscriber: false });
    // New orders pay more from tomorrow; existing subscribers from 40 days on, after notice.
    const nowMs = t.clock.nowMs();
    await t.app.roamline.services.catalog.schedulePriceChange({
      changes: [{ planCode, currency: 'HKD', amountMinor: old.amountMinor + 2000 }], effectiveAtMs: nowMs + DAY_MS, subscriberEffectiveAtMs: nowMs + 40 * DAY_MS,
    });
    t.clock.set(nowMs + 2 * DAY_MS);
    const shown = await enableAutoRenew(who, lineId, paymentMethodId, { planCode });
    expect(shown.nextCharge?.totalMinor).toBe(old.amountMinor);
    await at(t, periodEndMs - 24 * HOUR_MS);
    await at(t, periodEndMs + 30 * DAY_MS - 24 * HOUR_MS);
    expect((await renewalOrders(t, lineId)).map((o) => o.total_minor)).toEqual([old.amountMinor, old.amountMinor + 2000]);
  });

  it('refuses what cannot renew automatically with clear problems, and turning it off schedules the reminders', async () => {
    const t = get();
    const who = await traveller(t.app);
    const { lineId, paymentMethodId } = await lineWithSavedCard(t, who);
    const wallet = await lineWithSavedCard(t, who, { provider: 'walletpay' });
    const put = (body: Record<string, unknown>, id = lineId) => who.client.put(`/api/v1/lines/${id}/auto-renew`, { enabled: true, planCode: PLAN, paymentMethodId, confirm: true, ...body });
    expectProblem(await put({ planCode: 'JP-DATA-7D' }), 422, 'renewals.plan_not_renewable');
    expectProblem(await put({ planCode: 'NO-SUCH-PLAN' }), 404, 'catalog.plan_not_found');
    expectProblem(await put({ paymentMethodId: undefined }), 422, 'renewals.payment_method_required');
    expectProblem(await put({ paymentMethodId: 'pm_00000000000000000000000000' }), 422, 'renewals.payment_method_invalid');
    expectProblem(await put({ paymentMethodId: wallet.paymentMethodId }), 422, 'renewals.payment_method_not_off_session');
    expectProblem(await put({ currency: 'JPY' }), 422, 'catalog.currency_not_offered');
    expectProblem(await put({ enabled: 'yes' }), 400, 'request.invalid');
    expectProblem(await put({}, 'lin_00000000000000000000000000'), 404, 'request.not_found');
    const stranger = await traveller(t.app);
    expectProblem(await stranger.client.put(`/api/v1/lines/${lineId}/auto-renew`, { enabled: true, planCode: PLAN, paymentMethodId, confirm: true }), 404, 'request.not_found');
    expectProblem(await stranger.client.get(`/api/v1/lines/${lineId}/auto-renew`), 404, 'request.not_found');
    expect(await attemptsOf(t, lineId)).toEqual([]);

    const on = await enableAutoRenew(who, lineId, paymentMethodId);
    expect(on.enabled).toBe(true);
    const off = await who.client.put(`/api/v1/lines/${lineId}/auto-renew`, { enabled: false });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json()).toMatchObject({ enabled: false, disabledReason: 'customer', nextCharge: null });
    expect((await attemptsOf(t, lineId)).map((a) => a.status)).toEqual(['cancelled']);
    const reminders = await t.database.db.selectFrom('job').select(['kind', 'run_at']).where('kind', '=', 'renewals.remind')
      .where('payload', 'like', `%${lineId}%`).orderBy('run_at').execute();
    expect(reminders.length).toBe(3);
    expect((await messagesOf(t, who)).filter((m) => m.template === 'renewals.auto_renew_disabled')).toHaveLength(2);
    // On again: the same period's renewal is scheduled once more.
    await enableAutoRenew(who, lineId, paymentMethodId);
    expect((await attemptsOf(t, lineId)).map((a) => a.status)).toEqual(['scheduled']);
  });
});
