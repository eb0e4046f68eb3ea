import { ManualClock } from '../../../src/platform/clock.js';
import { testConfig } from '../../../src/platform/config.js';
import type { PlatformContext } from '../../../src/platform/context.js';
import type { Database } from '../../../src/platform/db/database.js';
import { createIdFactory } from '../../../src/platform/ids.js';
import { createLogger } from '../../../src/platform/logger.js';
import type { Localized } from '../../../src/platform/i18n.js';
import { createCatalogService, type CatalogService, type PlanDefinition, type PromotionDefinition } from '../../../src/modules/catalog/index.js';

/** The instant the catalog tests start at (the demo catalog is on sale then). */
export const START_MS = Date.UTC(2026, 10, 27, 9, 0, 0);

export interface CatalogHarness {
  readonly catalog: CatalogService;
  readonly clock: ManualClock;
  readonly ctx: PlatformContext;
}

/** The catalog service on `database`, with a manual clock and silent logs. */
export function catalogOn(database: Database, startMs = START_MS): CatalogHarness {
  const clock = new ManualClock(startMs);
  const ctx: PlatformContext = { config: testConfig(), database, clock, ids: createIdFactory(clock), log: createLogger('silent') };
  return { catalog: createCatalogService(ctx), clock, ctx };
}

let counter = 0;

/** A code no other test of the run uses, e.g. `T-PLAN-7`. */
export function uniqueCode(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 6).toUpperCase()}`;
}

export const text = (en: string): Localized => ({ en, 'zh-CN': `${en}（简体）`, 'zh-TW': `${en}（繁體）` });

/** A data-only roaming plan in zone `JP` (the demo zones must exist), sold in HKD and USD. */
export function planDefinition(overrides: Partial<PlanDefinition> = {}): PlanDefinition {
  return {
    code: uniqueCode('T-PLAN'), kind: 'base', scope: 'roaming', zoneCode: 'JP', validityDays: 7,
    allowances: { dataBytes: 1024 ** 3, voiceSeconds: 0, smsCount: 0 },
    texts: { name: text('Test plan'), description: text('A plan for tests'), terms: text('Terms') },
    overage: { data: { mode: 'blocked' }, voice: { mode: 'blocked' }, sms: { mode: 'blocked' } },
    autoRenewable: true,
    prices: [{ currency: 'HKD', amountMinor: 9800 }, { currency: 'USD', amountMinor: 1250 }],
    pricesEffectiveAtMs: START_MS - 1,
    ...overrides,
  };
}

/** A 10 % promotion on every plan, live from `START_MS`, without limits unless overridden. */
export function promotionDefinition(overrides: Partial<PromotionDefinition> = {}): PromotionDefinition {
  return {
    code: uniqueCode('T-PROMO'), benefit: { kind: 'percent_off', percentOffBasisPoints: 1000 },
    startsAtMs: START_MS, endsAtMs: null, maxTotal: null, maxPerCustomer: null, eligiblePlanCodes: null, firstOrderOnly: false,
    texts: { name: text('Test promotion'), description: text('A promotion for tests') },
    ...overrides,
  };
}
