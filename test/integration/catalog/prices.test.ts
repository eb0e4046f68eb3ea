import { beforeAll, beforeEach, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../../src/platform/clock.js';
import type { Currency } from '../../../src/platform/money.js';
import { platformMigrations } from '../../../src/platform/db/platform.migrations.js';
import { PRICE_RISE_NOTICE_DAYS, catalogMigrations } from '../../../src/modules/catalog/index.js';
import { describeEachStore } from '../../support/stores.js';
import { START_MS, catalogOn, planDefinition, type CatalogHarness } from './catalog-fixtures.js';

const NOTICE_MS = PRICE_RISE_NOTICE_DAYS * DAY_MS;

// The platform's job table too: a price change queues its notices in the same transaction.
describeEachStore('catalog plans and prices', { migrations: { ...platformMigrations, ...catalogMigrations } }, ({ getDb }) => {
  let h: CatalogHarness;

  beforeAll(async () => {
    h = catalogOn(getDb());
    await h.catalog.seedDemoCatalog();
  });

  beforeEach(() => h.clock.set(START_MS));

  const newOrder = (code: string, currency: Currency, atMs: number) => h.catalog.priceFor(code, currency, { atMs, existingSubscriber: false });
  const renewal = (code: string, currency: Currency, atMs: number, subscribedAtMs?: number) =>
    h.catalog.priceFor(code, currency, { atMs, existingSubscriber: true, ...(subscribedAtMs === undefined ? {} : { subscribedAtMs }) });

  it('seeds the demo catalog once, however often it runs', async () => {
    expect(await h.catalog.seedDemoCatalog()).toEqual({ zonesCreated: 0, plansCreated: 0, promotionsCreated: 0 });
    const zones = await h.catalog.listZones();
    expect(zones.map((z) => z.code)).toEqual(['HK', 'TW', 'JP', 'CN_HK_MO', 'APAC', 'EUROPE', 'GLOBAL']);
    expect(zones.find((z) => z.code === 'CN_HK_MO')?.countries).toEqual(['CN', 'HK', 'MO']);
    const plan = await h.catalog.getPlan('jp-data-7d');
    expect(plan).toMatchObject({ code: 'JP-DATA-7D', kind: 'base', scope: 'roaming', validityDays: 7, autoRenewable: false });
    expect(plan.texts.name['zh-TW']).toBe('日本 7 天 5GB 上網');
  });

  it('prices new orders from the effective date and existing subscribers from the stated date after notice', async () => {
    const plan = await h.catalog.definePlan(planDefinition());
    const effectiveAtMs = START_MS + 7 * DAY_MS;
    const subscriberEffectiveAtMs = START_MS + NOTICE_MS + 7 * DAY_MS;
    const scheduled = await h.catalog.schedulePriceChange({
      changes: [{ planCode: plan.code, currency: 'HKD', amountMinor: 10_800 }], effectiveAtMs, subscriberEffectiveAtMs, staffId: 'stf_test',
    });
    expect(scheduled.affectedPlanCodes).toEqual([plan.code]);
    expect(scheduled.prices).toMatchObject([{ planCode: plan.code, currency: 'HKD', amountMinor: 10_800, effectiveAtMs, subscriberEffectiveAtMs }]);

    expect(await newOrder(plan.code, 'HKD', effectiveAtMs - 1)).toEqual({ amountMinor: 9800, currency: 'HKD' });
    expect(await newOrder(plan.code, 'HKD', effectiveAtMs)).toEqual({ amountMinor: 10_800, currency: 'HKD' });
    expect(await renewal(plan.code, 'HKD', effectiveAtMs)).toEqual({ amountMinor: 9800, currency: 'HKD' });
    expect(await renewal(plan.code, 'HKD', subscriberEffectiveAtMs - 1)).toEqual({ amountMinor: 9800, currency: 'HKD' });
    expect(await renewal(plan.code, 'HKD', subscriberEffectiveAtMs)).toEqual({ amountMinor: 10_800, currency: 'HKD' });
    // Someone who bought at the new price renews at it, notice or not.
    expect(await renewal(plan.code, 'HKD', effectiveAtMs + DAY_MS, effectiveAtMs + HOUR_MS)).toEqual({ amountMinor: 10_800, currency: 'HKD' });
    // Other currencies are untouched.
    expect(await newOrder(plan.code, 'USD', subscriberEffectiveAtMs)).toEqual({ amountMinor: 1250, currency: 'USD' });
    const version = await h.catalog.priceVersionFor(plan.code, 'HKD', { atMs: effectiveAtMs, existingSubscriber: false });
    expect(version.id).toBe(scheduled.prices[0]?.id);
  });

  it('refuses a rise without notice, and records nothing of a batch that has one bad change', async () => {
    const plan = await h.catalog.definePlan(planDefinition());
    const before = (await h.catalog.getPlan(plan.code)).prices;
    await expect(h.catalog.schedulePriceChange({
      changes: [{ planCode: plan.code, currency: 'HKD', amountMinor: 8800 }, { planCode: plan.code, currency: 'USD', amountMinor: 1500 }],
      effectiveAtMs: START_MS + DAY_MS, subscriberEffectiveAtMs: START_MS + NOTICE_MS - 1,
    })).rejects.toMatchObject({ code: 'catalog.price_notice_too_short' });
    expect((await h.catalog.getPlan(plan.code)).prices).toEqual(before);

    await expect(h.catalog.schedulePriceChange({
      changes: [{ planCode: plan.code, currency: 'HKD', amountMinor: 8800 }], effectiveAtMs: START_MS - 1, subscriberEffectiveAtMs: START_MS,
    })).rejects.toMatchObject({ code: 'catalog.price_change_invalid' });
    await expect(h.catalog.schedulePriceChange({
      changes: [{ planCode: plan.code, currency: 'HKD', amountMinor: 8800 }, { planCode: 'NO-SUCH-PLAN', currency: 'HKD', amountMinor: 1 }],
      effectiveAtMs: START_MS, subscriberEffectiveAtMs: START_MS,
    })).rejects.toMatchObject({ code: 'catalog.plan_not_found' });
    await expect(h.catalog.schedulePriceChange({
      changes: [{ planCode: plan.code, currency: 'HKD', amountMinor: 8800 }, { planCode: plan.code, currency: 'HKD', amountMinor: 8700 }],
      effectiveAtMs: START_MS, subscriberEffectiveAtMs: START_MS,
    })).rejects.toMatchObject({ code: 'catalog.price_change_invalid' });
    expect((await h.catalog.getPlan(plan.code)).prices).toEqual(before);
  });

  it('lets a cut reach subscribers at once and tells which plans changed for them', async () => {
    const plan = await h.catalog.definePlan(planDefinition());
    const scheduled = await h.catalog.schedulePriceChange({
      changes: [{ planCode: plan.code, currency: 'HKD', amountMinor: 8800 }, { planCode: 'JP-DATA-1D', currency: 'GBP', amountMinor: 300 }],
      effectiveAtMs: START_MS, subscriberEffectiveAtMs: START_MS,
    });
    // GBP is a new currency for JP-DATA-1D: no subscriber pays in it yet.
    expect(scheduled.affectedPlanCodes).toEqual([plan.code]);
    expect(await renewal(plan.code, 'HKD', START_MS)).toEqual({ amountMinor: 8800, currency: 'HKD' });
    expect(await newOrder('JP-DATA-1D', 'GBP', START_MS)).toEqual({ amountMinor: 300, currency: 'GBP' });
  });

  it('keeps a retired plan readable and priced for its subscribers, but not for new orders', async () => {
    const plan = await h.catalog.definePlan(planDefinition());
    expect((await h.catalog.searchPlans({ country: 'JP', atMs: START_MS })).map((p) => p.code)).toContain(plan.code);
    await h.catalog.retirePlan(plan.code);
    h.clock.advance(DAY_MS);
    const atMs = h.clock.nowMs();
    expect((await h.catalog.searchPlans({ country: 'JP', atMs })).map((p) => p.code)).not.toContain(plan.code);
    expect(await h.catalog.getPlan(plan.code)).toMatchObject({ code: plan.code, retiredAtMs: START_MS });
    await expect(newOrder(plan.code, 'HKD', atMs)).rejects.toMatchObject({ code: 'catalog.plan_not_available', details: { reason: 'retired' } });
    expect(await renewal(plan.code, 'HKD', atMs)).toEqual({ amountMinor: 9800, currency: 'HKD' });
  });

  it('sells a seasonal plan only inside its window; its subscribers renew after it', async () => {
    const from = START_MS + 10 * DAY_MS;
    const until = START_MS + 20 * DAY_MS;
    const plan = await h.catalog.definePlan(planDefinition({ availableFromMs: from, availableUntilMs: until, pricesEffectiveAtMs: from }));
    const search = async (atMs: number) => (await h.catalog.searchPlans({ country: 'JP', atMs })).map((p) => p.code);
    expect(await search(from - 1)).not.toContain(plan.code);
    expect(await search(from)).toContain(plan.code);
    expect(await search(until)).not.toContain(plan.code);
    await expect(newOrder(plan.code, 'USD', from - 1)).rejects.toMatchObject({ code: 'catalog.plan_not_available', details: { reason: 'not_yet_available' } });
    expect(await newOrder(plan.code, 'USD', from)).toEqual({ amountMinor: 1250, currency: 'USD' });
    await expect(newOrder(plan.code, 'USD', until)).rejects.toMatchObject({ code: 'catalog.plan_not_available', details: { reason: 'no_longer_available' } });
    expect(await renewal(plan.code, 'USD', until + 30 * DAY_MS)).toEqual({ amountMinor: 1250, currency: 'USD' });
  });

  it('answers unknown plans, currencies and countries with their own codes', async () => {
    await expect(h.catalog.getPlan('NO-SUCH-PLAN')).rejects.toMatchObject({ code: 'catalog.plan_not_found' });
    expect(await h.catalog.findPlan('NO-SUCH-PLAN')).toBeUndefined();
    await expect(newOrder('NO-SUCH-PLAN', 'USD', START_MS)).rejects.toMatchObject({ code: 'catalog.plan_not_found' });
    await expect(newOrder('JP-DATA-1D', 'EUR', START_MS)).rejects.toMatchObject({ code: 'catalog.currency_not_offered' });
    await expect(renewal('JP-DATA-1D', 'EUR', START_MS)).rejects.toMatchObject({ code: 'catalog.currency_not_offered' });
    await expect(newOrder('JP-DATA-1D', 'XYZ' as Currency, START_MS)).rejects.toMatchObject({ code: 'catalog.currency_unknown' });
    await expect(h.catalog.searchPlans({ country: 'XX', atMs: START_MS })).rejects.toMatchObject({ code: 'catalog.country_unknown' });
    await expect(h.catalog.searchPlans({ currency: 'ABC', atMs: START_MS })).rejects.toMatchObject({ code: 'catalog.currency_unknown' });
  });

  it('keeps zone and plan codes unique and refuses plans in unknown zones', async () => {
    const definition = planDefinition();
    await h.catalog.definePlan(definition);
    await expect(h.catalog.definePlan(definition)).rejects.toMatchObject({ code: 'catalog.code_taken' });
    await expect(h.catalog.definePlan(planDefinition({ zoneCode: 'ATLANTIS' }))).rejects.toMatchObject({ code: 'catalog.zone_not_found' });
    const zone = { code: 'JP', names: { en: 'Japan', 'zh-CN': '日本', 'zh-TW': '日本' }, countries: ['JP'] };
    await expect(h.catalog.defineZone(zone)).rejects.toMatchObject({ code: 'catalog.code_taken' });
  });
});
