import { beforeAll, expect, it } from 'vitest';
import { DAY_MS } from '../../../src/platform/clock.js';
import { expectProblem } from '../../support/accounts.js';
import { describeEachStoreApp } from '../../support/app.js';
import { createOrder, payThroughGateway } from '../../support/orders.js';
import { APP_OVERRIDES, asAdmin, buyLine, customer, freshPlan, seeded } from './price-notices.fixtures.js';

const iso = (ms: number): string => new Date(ms).toISOString();

describeEachStoreApp('back-office: retiring a plan', (get) => {
  beforeAll(async () => seeded(get()));

  it('takes a plan off sale; a line that has it keeps working, shows it, and renews it', async () => {
    const t = get();
    const plan = await freshPlan(t);
    const who = await customer(t);
    const lineId = await buyLine(t, who, plan.code);

    expectProblem(await t.app.inject({ method: 'POST', url: `/api/v1/admin/plans/${plan.code}/retire` }), 401, 'auth.api_key_invalid');
    expectProblem(await who.client.post(`/api/v1/admin/plans/${plan.code}/retire`, {}), 401, 'auth.api_key_invalid');
    expect((await t.app.roamline.services.catalog.getPlan(plan.code)).retiredAtMs).toBeNull();

    const retired = await asAdmin(t, 'POST', `/api/v1/admin/plans/${plan.code}/retire`);
    expect(retired.statusCode, retired.body).toBe(200);
    const retiredAt = iso(t.clock.nowMs());
    expect(retired.json()).toMatchObject({ code: plan.code, availability: { orderable: false, reason: 'retired', retiredAt } });
    // Again: nothing changes.
    const again = await asAdmin(t, 'POST', `/api/v1/admin/plans/${plan.code}/retire`, {});
    expect(again.json()).toMatchObject({ availability: { retiredAt } });

    // No new orders, and the search no longer offers it.
    const found = (await who.client.get('/api/v1/plans?country=JP')).json() as { plans: Array<{ code: string }> };
    expect(found.plans.map((p) => p.code)).not.toContain(plan.code);
    expectProblem(await who.client.post('/api/v1/orders', { kind: 'new_sim', planCode: plan.code, currency: 'HKD', newSim: { type: 'esim' } }), 422, 'catalog.plan_not_available');
    // A line on another plan cannot switch to it either.
    const otherLine = await buyLine(t, who, 'JP-DATA-7D');
    expectProblem(await who.client.post('/api/v1/quotes', { kind: 'renewal', lineId: otherLine, planCode: plan.code, currency: 'HKD' }), 422, 'catalog.plan_not_available');

    // The line still works and shows its plan, which is still readable by code.
    const line = (await who.client.get(`/api/v1/lines/${lineId}`)).json() as { status: string; planCode: string };
    expect(line).toMatchObject({ status: 'active', planCode: plan.code });
    const shown = await who.client.get(`/api/v1/plans/${plan.code}`);
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toMatchObject({ code: plan.code, availability: { orderable: false, reason: 'retired' } });

    // Its subscriber renews it at the subscriber price, with the period following the current one.
    const renewal = await createOrder(who.client, { kind: 'renewal', lineId, planCode: plan.code, currency: 'HKD' });
    expect(renewal.totalMinor).toBe(9800);
    expect(await payThroughGateway(t.app, renewal.id)).toBe(true);
    const periods = await t.database.db.selectFrom('line_period').select('plan_code').where('line_id', '=', lineId).execute();
    expect(periods.map((p) => p.plan_code)).toEqual([plan.code, plan.code]);
    t.clock.advance(10 * DAY_MS);
    expect((await who.client.get(`/api/v1/lines/${lineId}`)).json()).toMatchObject({ status: 'active', planCode: plan.code });
  });

  it('retires at a later date, refuses the past and unknown plans, and changes nothing then', async () => {
    const t = get();
    const plan = await freshPlan(t);
    const nowMs = t.clock.nowMs();
    const url = `/api/v1/admin/plans/${plan.code}/retire`;
    expectProblem(await asAdmin(t, 'POST', url, { retireAt: iso(nowMs - DAY_MS) }), 422, 'catalog.retirement_invalid');
    expectProblem(await asAdmin(t, 'POST', url, { retireAt: 'soon' }), 400, 'request.invalid');
    expectProblem(await asAdmin(t, 'POST', url, { when: iso(nowMs) }), 400, 'request.invalid');
    expectProblem(await asAdmin(t, 'POST', '/api/v1/admin/plans/NO-SUCH-PLAN/retire', {}), 404, 'catalog.plan_not_found');
    expect((await t.app.roamline.services.catalog.getPlan(plan.code)).retiredAtMs).toBeNull();

    const later = await asAdmin(t, 'POST', url, { retireAt: iso(nowMs + 2 * DAY_MS) });
    expect(later.statusCode, later.body).toBe(200);
    expect(later.json()).toMatchObject({ availability: { orderable: true, retiredAt: iso(nowMs + 2 * DAY_MS) } });
    const who = await customer(t);
    const order = await createOrder(who.client, { kind: 'new_sim', planCode: plan.code, currency: 'HKD', newSim: { type: 'esim' } });
    expect(order.status).toBe('pending_payment');
    t.clock.set(nowMs + 2 * DAY_MS);
    expectProblem(await who.client.post('/api/v1/orders', { kind: 'new_sim', planCode: plan.code, currency: 'HKD', newSim: { type: 'esim' } }), 422, 'catalog.plan_not_available');
  });
}, APP_OVERRIDES);
