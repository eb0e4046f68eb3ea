import { expect, it } from 'vitest';
import { HOUR_MS } from '../../../src/platform/clock.js';
import type { Language } from '../../../src/platform/i18n.js';
import { PRICE_NOTICE_JOB, createCatalogService, type Plan } from '../../../src/modules/catalog/index.js';
import {
  DAY_MS, at, describeRenewals, enableAutoRenew, lineWithSavedCard, renewalOrders, traveller,
  type AutoRenewReply, type RenewalsTestApp, type Traveller,
} from '../../support/renewals.js';
import { planDefinition } from './catalog-fixtures.js';
import { NOTICE_TEMPLATE } from './price-notices.fixtures.js';

/*
 * Customers whose auto-renew switches their line to another plan agreed to that plan's price: they
 * are told of its price changes like its subscribers, and pay like them when they agreed first.
 */

/** A fresh auto-renewable base plan (HKD 98.00, USD 12.50) of `validityDays`, on sale now. */
function freshPlan(t: RenewalsTestApp, validityDays = 30): Promise<Plan> {
  return t.app.roamline.services.catalog.definePlan(planDefinition({ validityDays, pricesEffectiveAtMs: t.clock.nowMs() - 1 }));
}

/** A line bought with `currentPlan` whose auto-renew (confirmed now) switches it to `nextPlan`. */
async function switchingLine(t: RenewalsTestApp, who: Traveller, currentPlan: Plan, nextPlan: Plan) {
  const line = await lineWithSavedCard(t, who, { planCode: currentPlan.code });
  const shown = await enableAutoRenew(who, line.lineId, line.paymentMethodId, { planCode: nextPlan.code });
  return { ...line, shown };
}

/** Raises `plan`'s HKD price to 118.00: new orders from tomorrow, subscribers 40 days from now. */
async function scheduleRise(t: RenewalsTestApp, plan: Plan): Promise<{ id: string; effectiveAtMs: number; subscriberEffectiveAtMs: number }> {
  const nowMs = t.clock.nowMs();
  const dates = { effectiveAtMs: nowMs + DAY_MS, subscriberEffectiveAtMs: nowMs + 40 * DAY_MS };
  const scheduled = await t.app.roamline.services.catalog.schedulePriceChange({ changes: [{ planCode: plan.code, currency: 'HKD', amountMinor: 11_800 }], ...dates });
  expect(scheduled.affectedPlanCodes).toEqual([plan.code]);
  return { id: scheduled.changes[0]?.id ?? '', ...dates };
}

/** Runs the due jobs, then the change's notice job once more (a worker that died before marking it done). */
async function runNoticesTwice(t: RenewalsTestApp, changeId: string): Promise<void> {
  await t.app.roamline.jobs.runDue();
  const handler = t.app.roamline.services.jobHandlers.get(PRICE_NOTICE_JOB);
  expect(handler).toBeDefined();
  await handler?.({ id: 'job_again', kind: PRICE_NOTICE_JOB, payload: { priceChangeId: changeId }, attempts: 1, maxAttempts: 8, runAtMs: t.clock.nowMs() });
}

async function noticesOf(t: RenewalsTestApp, who: Traveller) {
  return t.database.db.selectFrom('notification').selectAll()
    .where('recipient', 'in', [who.email, who.phone]).where('template', '=', NOTICE_TEMPLATE).orderBy('id').execute();
}

async function toldOf(t: RenewalsTestApp, changeId: string): Promise<string[]> {
  const rows = await t.database.db.selectFrom('price_change_notice').select('customer_id').where('price_change_id', '=', changeId).execute();
  return rows.map((r) => r.customer_id).sort();
}

async function autoRenewOf(who: Traveller, lineId: string): Promise<AutoRenewReply> {
  const response = await who.client.get(`/api/v1/lines/${lineId}/auto-renew`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as AutoRenewReply;
}

async function chargedOf(t: RenewalsTestApp, lineId: string): Promise<Array<[string, number]>> {
  return (await renewalOrders(t, lineId)).map((o) => [o.plan_code, o.total_minor]);
}

function expectNoticesIn(notices: Awaited<ReturnType<typeof noticesOf>>, language: Language, plan: Plan): void {
  expect(notices.map((m) => m.channel).sort()).toEqual(['email', 'sms']);
  expect(notices.map((m) => m.language)).toEqual([language, language]);
  expect(notices[0]?.body).toContain(plan.texts.name[language]);
}

describeRenewals('price change notices to auto-renew policies that switch plans', (get) => {
  it('tells a policy naming the plan once, in its language, and charges the old price until the stated date', async () => {
    const t = get();
    const current = await freshPlan(t);
    const longer = await freshPlan(t, 60);
    const target = await freshPlan(t);
    const traditional = await traveller(t.app, 'zh-TW');
    const english = await traveller(t.app, 'en');
    const stopped = await traveller(t.app, 'en');
    // Renews at about 29 days (between the two dates), then as a subscriber of the plan.
    const soon = await switchingLine(t, traditional, current, target);
    expect(soon.shown.nextCharge?.totalMinor).toBe(9800);
    // Renews at about 59 days, after the stated date.
    const late = await switchingLine(t, english, longer, target);
    const off = await switchingLine(t, stopped, current, target);
    expect((await stopped.client.put(`/api/v1/lines/${off.lineId}/auto-renew`, { enabled: false })).statusCode).toBe(200);

    t.clock.advance(60_000);
    const change = await scheduleRise(t, target);
    await runNoticesTwice(t, change.id);
    expectNoticesIn(await noticesOf(t, traditional), 'zh-TW', target);
    expect((await noticesOf(t, traditional))[0]?.body).toContain('價格');
    expectNoticesIn(await noticesOf(t, english), 'en', target);
    expect(await noticesOf(t, stopped)).toEqual([]);
    expect(await toldOf(t, change.id)).toEqual([traditional.customerId, english.customerId].sort());

    // Confirming the same plan again (another card, say) keeps the protection the customer was told of.
    const again = await enableAutoRenew(traditional, soon.lineId, soon.paymentMethodId, { planCode: target.code });
    expect(again.nextCharge?.totalMinor).toBe(9800);
    // The preview shows what will be charged.
    expect((await autoRenewOf(traditional, soon.lineId)).nextCharge?.totalMinor).toBe(9800);
    expect((await autoRenewOf(english, late.lineId)).nextCharge?.totalMinor).toBe(11_800);

    const firstCharge = soon.periodEndMs - 24 * HOUR_MS;
    expect(firstCharge).toBeGreaterThan(change.effectiveAtMs);
    expect(firstCharge).toBeLessThan(change.subscriberEffectiveAtMs);
    await at(t, firstCharge);
    expect(await chargedOf(t, soon.lineId)).toEqual([[target.code, 9800]]);
    expect((await autoRenewOf(traditional, soon.lineId)).nextCharge?.totalMinor).toBe(11_800);

    const laterCharges = [soon.periodEndMs + 30 * DAY_MS, late.periodEndMs].map((end) => end - 24 * HOUR_MS).sort((a, b) => a - b);
    expect(laterCharges[0]).toBeGreaterThanOrEqual(change.subscriberEffectiveAtMs);
    for (const chargeAt of laterCharges) await at(t, chargeAt);
    expect(await chargedOf(t, soon.lineId)).toEqual([[target.code, 9800], [target.code, 11_800]]);
    expect(await chargedOf(t, late.lineId)).toEqual([[target.code, 11_800]]);
    expect((await renewalOrders(t, late.lineId)).map((o) => o.status)).toEqual(['fulfilled']);
    // Nobody was told twice along the way.
    expect(await noticesOf(t, traditional)).toHaveLength(2);
    expect(await noticesOf(t, english)).toHaveLength(2);
  });

  it('charges the new price to a policy confirmed after the change was scheduled, which shows it', async () => {
    const t = get();
    const current = await freshPlan(t);
    const target = await freshPlan(t);
    const who = await traveller(t.app, 'en');
    const line = await lineWithSavedCard(t, who, { planCode: current.code });
    t.clock.advance(60_000);
    const change = await scheduleRise(t, target);
    t.clock.advance(60_000);
    const shown = await enableAutoRenew(who, line.lineId, line.paymentMethodId, { planCode: target.code });
    expect(shown.nextCharge?.totalMinor).toBe(11_800);
    await runNoticesTwice(t, change.id);
    expect(await noticesOf(t, who)).toEqual([]);
    expect(await toldOf(t, change.id)).toEqual([]);

    const chargeAt = line.periodEndMs - 24 * HOUR_MS;
    expect(chargeAt).toBeLessThan(change.subscriberEffectiveAtMs);
    await at(t, chargeAt);
    expect(await chargedOf(t, line.lineId)).toEqual([[target.code, 11_800]]);
  });

  it('works through the policies in bounded pages after the lines, handing the rest to a follow-up job', async () => {
    const t = get();
    const current = await freshPlan(t);
    const target = await freshPlan(t);
    const customers: Traveller[] = [];
    for (let i = 0; i < 3; i += 1) {
      const who = await traveller(t.app, 'en');
      await switchingLine(t, who, current, target);
      customers.push(who);
    }
    t.clock.advance(60_000);
    const { services, ctx } = t.app.roamline;
    // The same service with pages of 2 and 2 pages per run: the (empty) lines page, then one page of policies.
    const small = createCatalogService(ctx, { lines: services.lines, accounts: services.accounts, notifications: services.notifications }, { pageSize: 2, pagesPerRun: 2 });
    small.addPlanHolderSource({
      name: 'auto_renew',
      list: async (executor, planCode, page) => (await services.renewals.listPoliciesOfPlan(executor, planCode, page))
        .map((p) => ({ lineId: p.lineId, customerId: p.customerId, agreedAtMs: p.confirmedAtMs })),
    });
    const nowMs = t.clock.nowMs();
    const scheduled = await small.schedulePriceChange({
      changes: [{ planCode: target.code, currency: 'HKD', amountMinor: 11_800 }], effectiveAtMs: nowMs + DAY_MS, subscriberEffectiveAtMs: nowMs + 40 * DAY_MS,
    });
    const changeId = scheduled.changes[0]?.id ?? '';
    const run = small.jobHandlers.get(PRICE_NOTICE_JOB);
    await run?.({ id: 'job_small', kind: PRICE_NOTICE_JOB, payload: { priceChangeId: changeId }, attempts: 0, maxAttempts: 8, runAtMs: nowMs });
    expect(await toldOf(t, changeId)).toHaveLength(2);
    const followUp = await t.database.db.selectFrom('job').select(['payload', 'status']).where('kind', '=', PRICE_NOTICE_JOB)
      .where('dedupe_key', 'like', `%${changeId}:auto_renew:lin_%`).executeTakeFirst();
    expect(followUp?.status).toBe('queued');
    await run?.({ id: 'job_small_2', kind: PRICE_NOTICE_JOB, payload: JSON.parse(followUp?.payload ?? 'null') as unknown, attempts: 0, maxAttempts: 8, runAtMs: nowMs });
    expect(await toldOf(t, changeId)).toEqual(customers.map((c) => c.customerId).sort());
    // The queued jobs run later with the app's handler: nothing more.
    await t.app.roamline.jobs.runDue();
    for (const who of customers) expect(await noticesOf(t, who)).toHaveLength(2);
  });
});
