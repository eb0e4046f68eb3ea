import { beforeAll, expect, it } from 'vitest';
import { DAY_MS } from '../../../src/platform/clock.js';
import { enqueueJob } from '../../../src/platform/jobs/index.js';
import { formatMoney } from '../../../src/platform/money.js';
import { PRICE_NOTICE_JOB, createCatalogService } from '../../../src/modules/catalog/index.js';
import { describeEachStoreApp, type TestApp } from '../../support/app.js';
import { asAdmin, APP_OVERRIDES, buyLine, customer, freshPlan, noticesOf, schedule, seeded } from './price-notices.fixtures.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** A rise of the test plan's HKD price to 118.00: new orders from tomorrow, subscribers after 40 days. */
function riseBody(t: TestApp): Record<string, unknown> {
  const nowMs = t.clock.nowMs();
  return { currency: 'HKD', amountMinor: 11_800, effectiveAt: iso(nowMs + DAY_MS), subscriberEffectiveAt: iso(nowMs + 40 * DAY_MS) };
}

async function noticeJobs(t: TestApp, changeId: string) {
  return t.database.db.selectFrom('job').select(['dedupe_key', 'status', 'payload']).where('kind', '=', PRICE_NOTICE_JOB)
    .where('payload', 'like', `%${changeId}%`).orderBy('id').execute();
}

describeEachStoreApp('price change notices to existing subscribers', (get) => {
  beforeAll(async () => seeded(get()));

  it('tells every subscriber once, in their language, on their channels, and nobody else', async () => {
    const t = get();
    const plan = await freshPlan(t);
    const other = await freshPlan(t);
    const english = await customer(t, 'en');
    const traditional = await customer(t, 'zh-TW');
    const simplified = await customer(t, 'zh-CN');
    const elsewhere = await customer(t, 'en');
    const nobody = await customer(t, 'en');
    // Two lines on the plan still make one notice per channel.
    await buyLine(t, english, plan.code);
    await buyLine(t, english, plan.code);
    await buyLine(t, traditional, plan.code);
    await buyLine(t, simplified, plan.code, 'USD');
    await buyLine(t, elsewhere, other.code);

    const body = riseBody(t);
    const change = await schedule(t, plan.code, body);
    // The job was queued with the change, in its transaction.
    expect((await noticeJobs(t, change.id)).map((j) => j.status)).toEqual(['queued']);
    await t.app.roamline.jobs.runDue();

    const en = await noticesOf(t, english);
    expect(en.map((m) => m.channel).sort()).toEqual(['email', 'sms']);
    const email = en.find((m) => m.channel === 'email');
    expect(email?.language).toBe('en');
    expect(email?.body).toContain(formatMoney({ amountMinor: 9800, currency: 'HKD' }, 'en'));
    expect(email?.body).toContain(formatMoney({ amountMinor: 11_800, currency: 'HKD' }, 'en'));
    expect(email?.body).toContain(plan.texts.name.en);
    expect(email?.body).toContain('2027');
    const tw = await noticesOf(t, traditional);
    expect(tw.map((m) => m.language)).toEqual(['zh-TW', 'zh-TW']);
    expect(tw[0]?.body).toContain('價格');
    expect(tw[0]?.body).toContain(plan.texts.name['zh-TW']);
    const cn = await noticesOf(t, simplified);
    expect(cn.map((m) => m.language)).toEqual(['zh-CN', 'zh-CN']);
    expect(cn[0]?.body).toContain('价格');
    expect(await noticesOf(t, elsewhere)).toEqual([]);
    expect(await noticesOf(t, nobody)).toEqual([]);

    // Staff see how many were told.
    const listed = (await asAdmin(t, 'GET', `/api/v1/admin/plans/${plan.code}/price-changes`)).json() as { priceChanges: Array<{ id: string; customersTold: number }> };
    expect(listed.priceChanges).toMatchObject([{ id: change.id, customersTold: 3 }]);
  });

  it('sends nothing more when the job runs again', async () => {
    const t = get();
    const plan = await freshPlan(t);
    const who = await customer(t, 'en');
    await buyLine(t, who, plan.code);
    const change = await schedule(t, plan.code, riseBody(t));
    await t.app.roamline.jobs.runDue();
    expect(await noticesOf(t, who)).toHaveLength(2);

    // The same job again (a worker that died before marking it done), directly and through the queue.
    const handler = t.app.roamline.services.jobHandlers.get(PRICE_NOTICE_JOB);
    expect(handler).toBeDefined();
    await handler?.({ id: 'job_again', kind: PRICE_NOTICE_JOB, payload: { priceChangeId: change.id }, attempts: 1, maxAttempts: 8, runAtMs: t.clock.nowMs() });
    const { ctx } = t.app.roamline;
    await enqueueJob(ctx.database.db, ctx.ids, ctx.clock, { kind: PRICE_NOTICE_JOB, payload: { priceChangeId: change.id } });
    await t.app.roamline.jobs.runDue();
    expect(await noticesOf(t, who)).toHaveLength(2);
    const told = await t.database.db.selectFrom('price_change_notice').selectAll().where('price_change_id', '=', change.id).execute();
    expect(told).toEqual([{ price_change_id: change.id, customer_id: who.customerId, told_at: expect.any(Number) as number }]);
  });

  it('works through many subscribers in bounded pages, handing the rest to a follow-up job', async () => {
    const t = get();
    const plan = await freshPlan(t);
    const subscribers = [];
    for (let i = 0; i < 5; i += 1) {
      const who = await customer(t, 'en');
      await buyLine(t, who, plan.code);
      subscribers.push(who);
    }
    const { services, ctx } = t.app.roamline;
    // The same service with pages of 2 lines and 2 pages per run.
    const small = createCatalogService(ctx, { lines: services.lines, accounts: services.accounts, notifications: services.notifications }, { pageSize: 2, pagesPerRun: 2 });
    const nowMs = t.clock.nowMs();
    const scheduled = await small.schedulePriceChange({
      changes: [{ planCode: plan.code, currency: 'HKD', amountMinor: 11_800 }], effectiveAtMs: nowMs + DAY_MS, subscriberEffectiveAtMs: nowMs + 40 * DAY_MS,
    });
    const changeId = scheduled.changes[0]?.id ?? '';
    const run = small.jobHandlers.get(PRICE_NOTICE_JOB);
    await run?.({ id: 'job_small', kind: PRICE_NOTICE_JOB, payload: { priceChangeId: changeId }, attempts: 0, maxAttempts: 8, runAtMs: nowMs });
    const toldAfterFirstRun = await Promise.all(subscribers.map(async (who) => (await noticesOf(t, who)).length));
    expect(toldAfterFirstRun.filter((n) => n === 2)).toHaveLength(4);
    const followUp = (await noticeJobs(t, changeId)).find((j) => j.dedupe_key?.includes(':lin_') === true);
    expect(followUp?.status).toBe('queued');
    await run?.({ id: 'job_small_2', kind: PRICE_NOTICE_JOB, payload: JSON.parse(followUp?.payload ?? 'null') as unknown, attempts: 0, maxAttempts: 8, runAtMs: nowMs });
    for (const who of subscribers) expect(await noticesOf(t, who)).toHaveLength(2);
    // The queued jobs (the first and the follow-up) run later with the app's handler: nothing more.
    await t.app.roamline.jobs.runDue();
    for (const who of subscribers) expect(await noticesOf(t, who)).toHaveLength(2);
    expect((await noticeJobs(t, changeId)).every((j) => j.status === 'done')).toBe(true);
  });

  it('tells someone who buys at the old price after the notices went out, when their line gets the plan', async () => {
    const t = get();
    const plan = await freshPlan(t);
    const change = await schedule(t, plan.code, riseBody(t));
    await t.app.roamline.jobs.runDue();
    const late = await customer(t, 'zh-TW');
    await buyLine(t, late, plan.code);
    expect((await noticesOf(t, late)).map((m) => m.language)).toEqual(['zh-TW', 'zh-TW']);
    // Buying again (a second line) tells them nothing new.
    await buyLine(t, late, plan.code);
    expect(await noticesOf(t, late)).toHaveLength(2);
    // Once new orders pay the new price, a buyer has nothing to be told.
    t.clock.advance(DAY_MS);
    const after = await customer(t, 'en');
    await buyLine(t, after, plan.code);
    expect(await noticesOf(t, after)).toEqual([]);
    const listed = (await asAdmin(t, 'GET', `/api/v1/admin/plans/${plan.code}/price-changes`)).json() as { priceChanges: Array<{ id: string; customersTold: number }> };
    expect(listed.priceChanges).toMatchObject([{ id: change.id, customersTold: 1 }]);
  });

  it('tells nobody when existing subscribers keep their price', async () => {
    const t = get();
    const plan = await freshPlan(t);
    const who = await customer(t, 'en');
    await buyLine(t, who, plan.code);
    // A new currency: no subscriber pays in it yet.
    const change = await schedule(t, plan.code, { currency: 'EUR', amountMinor: 1150, effectiveAt: iso(t.clock.nowMs()) });
    expect(change.subscribersAffected).toBe(false);
    expect(await noticeJobs(t, change.id)).toEqual([]);
    await t.app.roamline.jobs.runDue();
    expect(await noticesOf(t, who)).toEqual([]);
  });
}, APP_OVERRIDES);
