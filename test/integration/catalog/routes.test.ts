import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/app/app.js';
import { allMigrations } from '../../../src/app/migrations.js';
import { DAY_MS, ManualClock } from '../../../src/platform/clock.js';
import { testConfig } from '../../../src/platform/config.js';
import { createLogger } from '../../../src/platform/logger.js';
import { GB_BYTES } from '../../../src/platform/money.js';
import { STORES, createTestDatabase, type TestDatabase } from '../../support/stores.js';
import { START_MS, planDefinition } from './catalog-fixtures.js';

interface PlanBody {
  code: string;
  kind: string;
  scope: string;
  texts: { name: Record<string, string> };
  prices: Array<{ currency: string; amountMinor: number }>;
  scheduledPrices: Array<{ currency: string; amountMinor: number; effectiveAt: string }>;
  availability: { orderable: boolean; reason: string | null };
}

function expectProblem(response: LightMyRequestResponse, status: number, code: string): void {
  expect(response.statusCode, response.body).toBe(status);
  expect(String(response.headers['content-type'])).toContain('application/problem+json');
  expect(response.json()).toMatchObject({ status, code, requestId: expect.stringMatching(/^req_/) as unknown });
}

describe.each(STORES)('catalog routes [%s]', (store) => {
  let database: TestDatabase;
  let app: FastifyInstance;
  const clock = new ManualClock(START_MS);

  beforeAll(async () => {
    database = await createTestDatabase(store, allMigrations);
    app = await buildApp({ config: testConfig(), database, clock, logger: createLogger('silent') });
    await app.ready();
    await app.roamline.services.catalog.seedDemoCatalog();
  });

  afterAll(async () => {
    await app.close();
    await database.close();
  });

  beforeEach(() => clock.set(START_MS));

  const get = (url: string) => app.inject({ method: 'GET', url });
  const codes = async (query: string): Promise<string[]> => {
    const response = await get(`/api/v1/plans${query}`);
    expect(response.statusCode, response.body).toBe(200);
    return (response.json() as { plans: PlanBody[] }).plans.map((p) => p.code).sort();
  };

  it('lists the zones with their countries and names, without sign-in', async () => {
    const response = await get('/api/v1/zones');
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('public, max-age=60');
    const { zones } = response.json() as { zones: Array<{ code: string; names: Record<string, string>; countries: string[] }> };
    expect(zones.map((z) => z.code)).toEqual(['HK', 'TW', 'JP', 'CN_HK_MO', 'APAC', 'EUROPE', 'GLOBAL']);
    expect(zones.find((z) => z.code === 'JP')).toEqual({ code: 'JP', names: { en: 'Japan', 'zh-CN': '日本', 'zh-TW': '日本' }, countries: ['JP'] });
    expect(zones.find((z) => z.code === 'EUROPE')?.countries).toContain('GB');
  });

  it('finds what works where the traveller is going', async () => {
    const japan = ['APAC-COMBO-30D', 'APAC-DATA-7D', 'GLOBAL-DATA-30D', 'JP-DATA-1D', 'JP-DATA-7D', 'TOPUP-DATA-1GB-ASIA'];
    expect(await codes('?country=JP')).toEqual(japan);
    expect(await codes('?country=jp')).toEqual(japan);
    expect(await codes('?country=JP&kind=base')).toEqual(japan.filter((c) => !c.startsWith('TOPUP')));
    expect(await codes('?country=FR&currency=GBP')).toEqual(['EU-COMBO-15D', 'EU-DATA-30D', 'GLOBAL-DATA-30D', 'TOPUP-DATA-3GB-EU']);
    expect(await codes('?country=MO')).toEqual(['APAC-COMBO-30D', 'APAC-DATA-7D', 'CNHKMO-DATA-15D', 'GLOBAL-DATA-30D', 'TOPUP-DATA-1GB-ASIA']);
    expect(await codes('?scope=local')).toEqual(['HK-LOCAL-30D', 'TW-LOCAL-7D']);
    expect(await codes('?country=JP&scope=local')).toEqual([]);
    expect(await codes('?country=TW&currency=TWD&scope=roaming')).toEqual(['APAC-COMBO-30D', 'APAC-DATA-7D', 'GLOBAL-DATA-30D', 'TOPUP-DATA-1GB-ASIA']);
    // JPY is a currency we support, but no demo plan is sold in it; Antarctica has no plan.
    expect(await codes('?currency=usd&scope=local')).toEqual(['HK-LOCAL-30D', 'TW-LOCAL-7D']);
    expect(await codes('?currency=JPY')).toEqual([]);
    expect(await codes('?country=AQ')).toEqual([]);
  });

  it('offers a seasonal plan only in its season', async () => {
    expect(await codes('?country=JP')).not.toContain('JP-SNOW-15D');
    clock.set(Date.UTC(2026, 11, 15));
    expect(await codes('?country=JP')).toContain('JP-SNOW-15D');
    clock.set(Date.UTC(2027, 3, 1));
    expect(await codes('?country=JP')).not.toContain('JP-SNOW-15D');
  });

  it('shows a plan with every language, validity, allowances, coverage, prices, overage and availability', async () => {
    const response = await get('/api/v1/plans/jp-data-7d');
    expect(response.statusCode, response.body).toBe(200);
    const plan = response.json() as Record<string, unknown>;
    expect(plan).toMatchObject({
      code: 'JP-DATA-7D', kind: 'base', scope: 'roaming', validityDays: 7,
      texts: { name: { en: 'Japan 7 Days 5 GB', 'zh-CN': '日本 7 天 5GB 流量包', 'zh-TW': '日本 7 天 5GB 上網' } },
      allowances: { dataBytes: 5 * GB_BYTES, voiceSeconds: 0, smsCount: 0 },
      coverage: { code: 'JP', countries: ['JP'] },
      overage: { data: { mode: 'blocked' }, voice: { mode: 'blocked' }, sms: { mode: 'blocked' } },
      autoRenewable: false, addonFor: null, scheduledPrices: [],
      availability: { orderable: true, reason: null, retiredAt: null },
    });
    expect(plan['prices']).toEqual(expect.arrayContaining([{ currency: 'GBP', amountMinor: 990 }, { currency: 'TWD', amountMinor: 390 }]));

    const local = (await get('/api/v1/plans/HK-LOCAL-30D')).json() as Record<string, unknown>;
    expect(local).toMatchObject({
      scope: 'local', autoRenewable: true, allowances: { dataBytes: 20 * GB_BYTES, voiceSeconds: 60_000, smsCount: 100 },
      overage: {
        voice: { mode: 'rated', incrementUnits: 60, unit: 'seconds', rates: [{ zone: 'HK', prices: expect.arrayContaining([{ currency: 'HKD', amountMinor: 25 }]) as unknown }] },
        sms: { mode: 'rated', incrementUnits: 1, unit: 'messages' },
        data: { mode: 'rated', incrementUnits: 1024 * 1024, unit: 'bytes' },
      },
    });
    const topUp = (await get('/api/v1/plans/TOPUP-DATA-3GB-EU')).json() as Record<string, unknown>;
    expect(topUp).toMatchObject({ kind: 'addon', validityDays: null, overage: null, addonFor: ['EU-COMBO-15D', 'EU-DATA-30D'] });
  });

  it('keeps a retired plan readable by code and shows announced prices', async () => {
    const { catalog } = app.roamline.services;
    const plan = await catalog.definePlan(planDefinition());
    await catalog.schedulePriceChange({
      changes: [{ planCode: plan.code, currency: 'USD', amountMinor: 1100 }], effectiveAtMs: START_MS + DAY_MS, subscriberEffectiveAtMs: START_MS + DAY_MS,
    });
    let body = (await get(`/api/v1/plans/${plan.code}`)).json() as PlanBody;
    expect(body.scheduledPrices).toEqual([{ currency: 'USD', amountMinor: 1100, effectiveAt: new Date(START_MS + DAY_MS).toISOString() }]);
    await catalog.retirePlan(plan.code);
    clock.advance(2 * DAY_MS);
    body = (await get(`/api/v1/plans/${plan.code}`)).json() as PlanBody;
    expect(body.availability).toMatchObject({ orderable: false, reason: 'retired' });
    expect(body.prices).toEqual(expect.arrayContaining([{ currency: 'USD', amountMinor: 1100 }]));
    expect(await codes('?country=JP')).not.toContain(plan.code);
  });

  it('describes the catalog routes in the OpenAPI document', async () => {
    const response = await get('/api/docs/json');
    expect(response.statusCode).toBe(200);
    const paths = (response.json() as { paths: Record<string, unknown> }).paths;
    expect(Object.keys(paths)).toEqual(expect.arrayContaining(['/api/v1/plans', '/api/v1/plans/{code}', '/api/v1/zones']));
  });

  it('answers bad input with problem+json and a stable code', async () => {
    expectProblem(await get('/api/v1/plans/NO-SUCH-PLAN'), 404, 'catalog.plan_not_found');
    expectProblem(await get('/api/v1/plans?country=XX'), 400, 'catalog.country_unknown');
    expectProblem(await get('/api/v1/plans?country=Japan'), 400, 'catalog.country_unknown');
    expectProblem(await get('/api/v1/plans?currency=XYZ'), 400, 'catalog.currency_unknown');
    expectProblem(await get('/api/v1/plans?scope=abroad'), 400, 'request.invalid');
    expectProblem(await get('/api/v1/plans?kind=bundle'), 400, 'request.invalid');
    expectProblem(await get('/api/v1/plans?destination=JP'), 400, 'request.invalid');
    expectProblem(await get(`/api/v1/plans/${'X'.repeat(65)}`), 400, 'request.invalid');
    // Nothing changed: the catalog answers as before.
    expect(await codes('?country=JP&kind=base')).toEqual(['APAC-COMBO-30D', 'APAC-DATA-7D', 'GLOBAL-DATA-30D', 'JP-DATA-1D', 'JP-DATA-7D']);
  });
});
