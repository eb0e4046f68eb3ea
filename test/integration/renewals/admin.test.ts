import { expect, it } from 'vitest';
import { HOUR_MS } from '../../../src/platform/clock.js';
import { enqueueJob } from '../../../src/platform/jobs/index.js';
import { ADMIN_KEY, at, describeRenewals, enableAutoRenew, lineWithSavedCard, traveller } from '../../support/renewals.js';

describeRenewals('back-office: renewals in trouble and parked jobs', (get) => {
  const asAdmin = (method: 'GET' | 'POST', url: string) => get().app.inject({ method, url, headers: { authorization: `Bearer ${ADMIN_KEY}` } });

  it('lists renewal attempts by status for staff, and only with the admin key', async () => {
    const t = get();
    const who = await traveller(t.app);
    const { lineId, paymentMethodId, periodEndMs } = await lineWithSavedCard(t, who, { provider: 'testpay' });
    await enableAutoRenew(who, lineId, paymentMethodId);
    t.provider.script(who.customerId, 'auth');
    await at(t, periodEndMs - 24 * HOUR_MS);
    const listed = await asAdmin('GET', '/api/v1/admin/renewals?status=action_required');
    expect(listed.statusCode, listed.body).toBe(200);
    const attempts = (listed.json() as { attempts: Array<{ lineId: string; status: string; lastFailureCode: string }> }).attempts;
    expect(attempts.find((a) => a.lineId === lineId)).toMatchObject({ status: 'action_required', lastFailureCode: 'authentication_required' });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/admin/renewals' })).statusCode).toBe(401);
    expect((await who.client.get('/api/v1/admin/renewals')).statusCode).toBe(401);
  });

  it('puts a parked job back in the queue', async () => {
    const t = get();
    const { ctx } = t.app.roamline;
    await enqueueJob(ctx.database.db, ctx.ids, ctx.clock, { kind: 'test.nobody_handles_this', payload: null });
    await t.app.roamline.jobs.runDue();
    const parked = (await asAdmin('GET', '/api/v1/admin/jobs?status=parked')).json() as { jobs: Array<{ id: string; kind: string }> };
    const job = parked.jobs.find((j) => j.kind === 'test.nobody_handles_this');
    expect(job).toBeDefined();
    expect((await asAdmin('POST', `/api/v1/admin/jobs/${job?.id}/retry`)).statusCode).toBe(202);
    expect((await asAdmin('POST', `/api/v1/admin/jobs/${job?.id}/retry`)).statusCode).toBe(404);
    const queued = (await asAdmin('GET', '/api/v1/admin/jobs?status=queued&limit=200')).json() as { jobs: Array<{ id: string }> };
    expect(queued.jobs.map((j) => j.id)).toContain(job?.id);
  });
});
