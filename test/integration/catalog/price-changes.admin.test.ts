import { beforeAll, expect, it } from 'vitest';
import { DAY_MS } from '../../../src/platform/clock.js';
import { PRICE_NOTICE_JOB, PRICE_RISE_NOTICE_DAYS } from '../../../src/modules/catalog/index.js';
import { expectProblem } from '../../support/accounts.js';
import { describeEachStoreApp } from '../../support/app.js';
import { APP_OVERRIDES, asAdmin, customer, freshPlan, schedule, seeded } from './price-notices.fixtures.js';

const iso = (ms: number): string => new Date(ms).toISOString();

describeEachStoreApp('back-office: scheduling price changes', (get) => {
  beforeAll(async () => seeded(get()));

  it('schedules a price change with the admin key only, and lists it', async () => {
    const t = get();
    const plan = await freshPlan(t);
    const nowMs = t.clock.nowMs();
    const body = { currency: 'HKD', amountMinor: 10_800, effectiveAt: iso(nowMs + DAY_MS), subscriberEffectiveAt: iso(nowMs + (PRICE_RISE_NOTICE_DAYS + 1) * DAY_MS) };

    expectProblem(await t.app.inject({ method: 'POST', url: `/api/v1/admin/plans/${plan.code}/price-changes`, payload: body }), 401, 'auth.api_key_invalid');
    expectProblem(await t.app.inject({ method: 'GET', url: `/api/v1/admin/plans/${plan.code}/price-changes` }), 401, 'auth.api_key_invalid');
    const who = await customer(t);
    expectProblem(await who.client.post(`/api/v1/admin/plans/${plan.code}/price-changes`, body), 401, 'auth.api_key_invalid');
    expectProblem(await who.client.get(`/api/v1/admin/plans/${plan.code}/price-changes`), 401, 'auth.api_key_invalid');
    expectProblem(await t.app.inject({
      method: 'POST', url: `/api/v1/admin/plans/${plan.code}/price-changes`, payload: body, headers: { authorization: 'Bearer not-the-key' },
    }), 401, 'auth.api_key_invalid');

    const created = await schedule(t, plan.code.toLowerCase(), body);
    expect(created).toMatchObject({
      planCode: plan.code, effectiveAt: body.effectiveAt, subscriberEffectiveAt: body.subscriberEffectiveAt,
      subscribersAffected: true, prices: [{ currency: 'HKD', amountMinor: 10_800 }], customersTold: 0, createdBy: 'api_key:admin',
    });
    const listed = await asAdmin(t, 'GET', `/api/v1/admin/plans/${plan.code}/price-changes`);
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json()).toEqual({ planCode: plan.code, priceChanges: [created] });
    // The public plan shows the announced price; new orders still pay the old one.
    const shown = (await who.client.get(`/api/v1/plans/${plan.code}`)).json() as { prices: unknown[]; scheduledPrices: unknown[] };
    expect(shown.prices).toContainEqual({ currency: 'HKD', amountMinor: 9800 });
    expect(shown.scheduledPrices).toEqual([{ currency: 'HKD', amountMinor: 10_800, effectiveAt: body.effectiveAt }]);
  });

  it('refuses bad input with problem+json and changes nothing', async () => {
    const t = get();
    const plan = await freshPlan(t);
    const nowMs = t.clock.nowMs();
    const url = `/api/v1/admin/plans/${plan.code}/price-changes`;
    const good = { currency: 'HKD', amountMinor: 10_800, effectiveAt: iso(nowMs + DAY_MS) };
    const post = (body: Record<string, unknown>, to = url) => asAdmin(t, 'POST', to, body);

    expectProblem(await post(good, '/api/v1/admin/plans/NO-SUCH-PLAN/price-changes'), 404, 'catalog.plan_not_found');
    expectProblem(await asAdmin(t, 'GET', '/api/v1/admin/plans/NO-SUCH-PLAN/price-changes'), 404, 'catalog.plan_not_found');
    expectProblem(await post({ ...good, currency: 'XYZ' }), 400, 'catalog.currency_unknown');
    expectProblem(await post({ ...good, amountMinor: 108.5 }), 400, 'request.invalid');
    expectProblem(await post({ ...good, amountMinor: '10800' }), 400, 'request.invalid');
    expectProblem(await post({ ...good, amountMinor: 0 }), 400, 'request.invalid');
    expectProblem(await post({ ...good, amountMinor: -100 }), 400, 'request.invalid');
    expectProblem(await post({ ...good, effectiveAt: 'next tuesday' }), 400, 'request.invalid');
    expectProblem(await post({ ...good, planCode: 'OTHER' }), 400, 'request.invalid');
    expectProblem(await post({ currency: 'HKD', amountMinor: 10_800 }), 400, 'request.invalid');
    // A rise that would reach existing subscribers before the notice period is over has its own code.
    const tooSoon = await post(good);
    expectProblem(tooSoon, 422, 'catalog.price_notice_too_short');
    expect((tooSoon.json() as { detail: string }).detail).toContain(iso(nowMs + PRICE_RISE_NOTICE_DAYS * DAY_MS));
    expectProblem(await post({ ...good, subscriberEffectiveAt: iso(nowMs + (PRICE_RISE_NOTICE_DAYS - 1) * DAY_MS) }), 422, 'catalog.price_notice_too_short');
    expectProblem(await post({ ...good, effectiveAt: iso(nowMs - DAY_MS), subscriberEffectiveAt: iso(nowMs + 40 * DAY_MS) }), 422, 'catalog.price_change_invalid');
    expectProblem(await post({ ...good, subscriberEffectiveAt: iso(nowMs) }), 422, 'catalog.price_change_invalid');

    const listed = (await asAdmin(t, 'GET', url)).json() as { priceChanges: unknown[] };
    expect(listed.priceChanges).toEqual([]);
    expect((await t.app.roamline.services.catalog.getPlan(plan.code)).prices).toEqual(plan.prices);
    const jobs = await t.database.db.selectFrom('job').select('payload').where('kind', '=', PRICE_NOTICE_JOB).execute();
    expect(jobs.filter((j) => j.payload.includes(plan.code))).toEqual([]);
  });

  it('lets a cut apply to everyone at once (no notice needed), and a new order pays the new price only from its date', async () => {
    const t = get();
    const plan = await freshPlan(t);
    const who = await customer(t);
    const quote = async () => {
      const response = await who.client.post('/api/v1/quotes', { kind: 'new_sim', planCode: plan.code, currency: 'HKD', newSim: { type: 'esim' } });
      expect(response.statusCode, response.body).toBe(200);
      return (response.json() as { listPriceMinor: number }).listPriceMinor;
    };
    const nowMs = t.clock.nowMs();
    await schedule(t, plan.code, { currency: 'HKD', amountMinor: 8800, effectiveAt: iso(nowMs + 2 * DAY_MS) });
    await schedule(t, plan.code, { currency: 'HKD', amountMinor: 11_800, effectiveAt: iso(nowMs + 3 * DAY_MS), subscriberEffectiveAt: iso(nowMs + 45 * DAY_MS) });
    expect(await quote()).toBe(9800);
    t.clock.set(nowMs + 2 * DAY_MS - 1);
    expect(await quote()).toBe(9800);
    t.clock.set(nowMs + 2 * DAY_MS);
    expect(await quote()).toBe(8800);
    t.clock.set(nowMs + 3 * DAY_MS);
    expect(await quote()).toBe(11_800);
    // USD was not touched.
    const usd = await who.client.post('/api/v1/quotes', { kind: 'new_sim', planCode: plan.code, currency: 'USD', newSim: { type: 'esim' } });
    expect((usd.json() as { listPriceMinor: number }).listPriceMinor).toBe(1250);
    const listed = (await asAdmin(t, 'GET', `/api/v1/admin/plans/${plan.code}/price-changes`)).json() as { priceChanges: Array<{ prices: Array<{ amountMinor: number }> }> };
    expect(listed.priceChanges.map((c) => c.prices[0]?.amountMinor)).toEqual([11_800, 8800]);
  });
}, APP_OVERRIDES);
