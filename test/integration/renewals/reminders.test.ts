import { expect, it } from 'vitest';
import { HOUR_MS } from '../../../src/platform/clock.js';
import { expectProblem } from '../../support/accounts.js';
import {
  DAY_MS, PLAN, at, describeRenewals, lineOf, lineWithSavedCard, messagesOf, traveller, type RenewalsTestApp, type Traveller,
} from '../../support/renewals.js';

async function remindersOf(t: RenewalsTestApp, who: Traveller, sinceMs: number) {
  return (await messagesOf(t, who)).filter((m) => m.created_at >= sinceMs && m.template.startsWith('renewals.'));
}

describeRenewals('reminders and expiry for travellers who renew by hand', (get) => {
  it('reminds 3 days and 1 day before the end and tells at the end; SMS waits for the morning, e-mail does not', async () => {
    const t = get();
    // Bought at 02:00 in Hong Kong, so that every reminder falls in the traveller's night.
    t.clock.set(Date.UTC(2026, 11, 1, 18, 0, 0));
    const who = await traveller(t.app);
    const { lineId, periodEndMs } = await lineWithSavedCard(t, who);
    const since = t.clock.nowMs();
    expect(await remindersOf(t, who, since)).toEqual([]);

    await at(t, periodEndMs - 72 * HOUR_MS - 1);
    expect(await remindersOf(t, who, since)).toEqual([]);
    await at(t, periodEndMs - 72 * HOUR_MS);
    let sent = await remindersOf(t, who, since);
    expect(sent.map((m) => [m.template, m.channel, m.status]).sort()).toEqual([
      ['renewals.reminder', 'email', 'sent'], ['renewals.reminder', 'sms', 'queued'],
    ]);
    const sms = sent.find((m) => m.channel === 'sms');
    // 02:00 in Hong Kong: the SMS goes at 08:00 local (00:00 UTC).
    const morningMs = Date.UTC(2026, 11, 29, 0, 0, 0);
    expect(sms?.deliver_after).toBe(morningMs);
    expect(sms?.body).toContain(`https://portal.example/lines/${lineId}`);
    expect(sms?.body).toContain('2026');
    await at(t, morningMs - 1);
    expect((await remindersOf(t, who, since)).find((m) => m.channel === 'sms')?.status).toBe('queued');
    await at(t, morningMs);
    expect((await remindersOf(t, who, since)).find((m) => m.channel === 'sms')?.status).toBe('sent');

    await at(t, periodEndMs - 24 * HOUR_MS);
    await at(t, periodEndMs);
    sent = await remindersOf(t, who, since);
    expect(sent.map((m) => `${m.template}/${m.channel}`).sort()).toEqual([
      'renewals.expired/email', 'renewals.expired/sms', 'renewals.reminder/email', 'renewals.reminder/email', 'renewals.reminder/sms', 'renewals.reminder/sms',
    ]);
    // The line is in grace, its allowances gone through the ledger; after the grace time it has expired.
    expect(await lineOf(who, lineId)).toMatchObject({ status: 'grace', allowances: [] });
    await at(t, periodEndMs + 3 * DAY_MS);
    expect((await lineOf(who, lineId)).status).toBe('expired');
    expectProblem(await who.client.put(`/api/v1/lines/${lineId}/auto-renew`, { enabled: true, planCode: PLAN, confirm: true }), 409, 'renewals.line_not_renewable');
  });

  it('a traveller who renews after the first reminder gets no more reminders for the old end, and new ones for the new end', async () => {
    const t = get();
    const who = await traveller(t.app);
    const { lineId, paymentMethodId, periodEndMs } = await lineWithSavedCard(t, who);
    const since = t.clock.nowMs();
    await at(t, periodEndMs - 72 * HOUR_MS);
    expect((await remindersOf(t, who, since)).filter((m) => m.channel === 'email')).toHaveLength(1);
    const order = await who.client.post('/api/v1/orders', { kind: 'renewal', planCode: PLAN, currency: 'HKD', lineId });
    const paid = await who.client.post(`/api/v1/orders/${(order.json() as { id: string }).id}/payments`, { method: 'sandbox', paymentMethodId });
    expect(paid.statusCode, paid.body).toBe(201);
    await t.app.roamline.jobs.runDue();
    await at(t, periodEndMs - 24 * HOUR_MS);
    await at(t, periodEndMs);
    expect((await remindersOf(t, who, since)).filter((m) => m.channel === 'email').map((m) => m.template)).toEqual(['renewals.reminder']);
    expect((await lineOf(who, lineId)).status).toBe('active');
    await at(t, periodEndMs + 30 * DAY_MS - 72 * HOUR_MS);
    expect((await remindersOf(t, who, since)).filter((m) => m.channel === 'email').map((m) => m.template)).toEqual(['renewals.reminder', 'renewals.reminder']);
  });
});
