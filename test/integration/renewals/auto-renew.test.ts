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
});
