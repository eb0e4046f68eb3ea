import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { DAY_MS } from '../../../src/platform/clock.js';
import type { Config } from '../../../src/platform/config.js';
import type { Language } from '../../../src/platform/i18n.js';
import type { Plan } from '../../../src/modules/catalog/index.js';
import type { TestApp } from '../../support/app.js';
import { createOrder, payThroughGateway, seedCatalog } from '../../support/orders.js';
import { traveller, type Traveller } from '../../support/renewals.js';
import { planDefinition } from './catalog-fixtures.js';

/** The back-office key of these tests' apps. */
export const ADMIN_KEY = 'catalog-test-admin-key-0123456789abcdef';

/** App settings: the admin key, and sessions that outlive the weeks these tests step through. */
export const APP_OVERRIDES: Partial<Config> = { adminApiKey: ADMIN_KEY, sessionIdleMs: 3650 * DAY_MS, sessionAbsoluteMs: 3650 * DAY_MS };

export const NOTICE_TEMPLATE = 'catalog.price_change_notice';

/** Seeds the demo catalog and eSIM pool once per app (idempotent). */
export async function seeded(t: TestApp): Promise<void> {
  await seedCatalog(t.app);
}

/** A fresh test plan (roaming in Japan, HKD 98.00 and USD 12.50), on sale now. */
export async function freshPlan(t: TestApp): Promise<Plan> {
  return t.app.roamline.services.catalog.definePlan(planDefinition({ pricesEffectiveAtMs: t.clock.nowMs() - 1 }));
}

/** A back-office request with the admin key. */
export function asAdmin(t: TestApp, method: 'GET' | 'POST', url: string, body?: unknown): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method, url, headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
}

/** A customer (verified e-mail and phone, signed in) in `language`. */
export function customer(t: TestApp, language: Language = 'en'): Promise<Traveller> {
  return traveller(t.app, language);
}

/** Buys a new eSIM line with `planCode` for `who`, paid and fulfilled; returns the line id. */
export async function buyLine(t: TestApp, who: Traveller, planCode: string, currency = 'HKD'): Promise<string> {
  const order = await createOrder(who.client, { kind: 'new_sim', planCode, currency, newSim: { type: 'esim' } });
  expect(await payThroughGateway(t.app, order.id)).toBe(true);
  const detail = (await who.client.get(`/api/v1/orders/${order.id}`)).json() as { status: string; lineId: string };
  expect(detail.status).toBe('fulfilled');
  return detail.lineId;
}

/** The price change notices kept for `who` (e-mail and SMS), oldest first. */
export async function noticesOf(t: TestApp, who: Traveller) {
  return t.database.db.selectFrom('notification').selectAll()
    .where('recipient', 'in', [who.email, who.phone]).where('template', '=', NOTICE_TEMPLATE).orderBy('id').execute();
}

/** Schedules a price change over the back-office API; expects 201 and returns the change. */
export async function schedule(t: TestApp, planCode: string, body: Record<string, unknown>): Promise<{ id: string; customersTold: number; subscribersAffected: boolean }> {
  const response = await asAdmin(t, 'POST', `/api/v1/admin/plans/${planCode}/price-changes`, body);
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}
