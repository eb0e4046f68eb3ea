import type { PlatformContext } from '../../platform/context.js';
import { createPlansService } from './catalog.service.js';
import { seedDemoCatalog, type DemoCatalogSeeded } from './catalog.demo.js';
import { taxRateBasisPoints } from './catalog.tax.js';
import { createPromotionsService } from './promotions.service.js';
import { createPriceChangesService, type PriceNoticeDeps, type PriceNoticeOptions } from './price-changes.service.js';

/**
 * The catalog: coverage zones (lists of ISO 3166 countries), plans and add-ons, their price
 * versions, tax rates and promotion codes. Other modules use only what this file exports.
 *
 * `createCatalogService(ctx, notices?, noticeOptions?)`: `notices` (the lines, accounts and
 * notifications services) lets price changes reach existing subscribers; without it (catalog-only
 * tests) the notice jobs are queued but nothing here handles them. Wire `onPeriodsAdded` into
 * `lines.onPeriodsAdded` and `jobHandlers` into the worker (src/app/services.ts).
 *
 * Units: money is `Money` (integer minor units + ISO 4217 currency; TWD and JPY have no minor
 * unit); prices include tax; data is bytes, voice seconds, SMS a count; instants are epoch ms.
 *
 * Zones and plans
 * - `listZones()` → every zone with its countries.
 * - `searchPlans({ country?, scope?, currency?, kind?, atMs })` → plans a new customer can order at
 *   `atMs` (not retired, inside their availability window) covering `country`, of `scope`, with a
 *   price in `currency` in effect. Throws `catalog.country_unknown`, `catalog.currency_unknown`.
 * - `getPlan(code)` → the plan, retired or not (a retired plan never breaks a line that has it);
 *   throws `catalog.plan_not_found`. `findPlan(code)` → the plan or `undefined`.
 * - `priceFor(planCode, currency, { atMs, existingSubscriber, subscribedAtMs? })` → `Money`.
 *   New orders pay the version with the latest `effectiveAtMs` ≤ `atMs`; an existing subscriber's
 *   renewal pays the latest version whose `subscriberEffectiveAtMs` (stated date, after notice) ≤
 *   `atMs` (or, given `subscribedAtMs`, the version they bought at if newer). New orders of a
 *   retired plan or outside its availability window throw `catalog.plan_not_available`; existing
 *   subscribers' renewals still price. Also throws `catalog.plan_not_found`,
 *   `catalog.currency_unknown`, `catalog.currency_not_offered`. `priceVersionFor` returns the
 *   version itself (its id is worth recording on an order).
 * - `schedulePriceChange({ changes, effectiveAtMs, subscriberEffectiveAtMs, staffId? })` records new
 *   price versions with both dates, all or nothing, as one price change per plan. A rise for
 *   existing subscribers needs `PRICE_RISE_NOTICE_DAYS` of notice (`catalog.price_notice_too_short`);
 *   no back-dating and no insertion before an already scheduled change (`catalog.price_change_invalid`).
 *   For each plan whose subscribers' price changes (`affectedPlanCodes`) it queues, in the same
 *   transaction, the job `catalog.price_change_notices`: every customer with a line holding the plan
 *   (current or queued period, or in grace: `lines.listPlanHolders`) gets `catalog.price_change_notice`
 *   by e-mail and/or SMS in their language, once per customer and change (recorded with the time
 *   they were told), in bounded pages; running it twice tells nobody twice. Customers who buy the
 *   plan at the old price after that are told when their period is added (`onPeriodsAdded`).
 * - `addPlanHolderSource({ name, list })` adds customers the notice job also tells, after the lines
 *   holding the plan, except those who agreed to the plan's price once the change was scheduled
 *   (`agreedAtMs`): src/app/services.ts adds the auto-renew policies that switch lines to the plan.
 * - `listPriceChanges(planCode)` → the plan's price changes, newest first, with how many were told.
 * - `defineZone`, `definePlan`, `retirePlan(code, atMs?)` for staff and the seed (`catalog.definition_invalid`,
 *   `catalog.code_taken`, `catalog.zone_not_found`, `catalog.retirement_invalid`).
 *
 * Tax
 * - `taxRateBasisPoints(country)` → VAT/GST rate on telecom services in basis points (GB 2000,
 *   JP 1000, HK 0, ...; 0 where the operator charges none); throws `catalog.country_unknown`.
 *   `taxIncluded(amountMinor, basisPoints)` (pure) → the tax part of a tax-inclusive amount.
 *
 * Promotions
 * - `checkPromotion(executor, { code, customerId, planCode, currency, listPriceMinor, isFirstOrder, atMs })`
 *   → `{ promotionId, code, kind, discountMinor, bonusDataBytes }`, reserving nothing; the discount
 *   never exceeds the list price. Throws `promotions.not_found`, `not_started`, `expired`,
 *   `not_eligible_plan`, `currency_mismatch` (amount-off codes are per currency),
 *   `first_order_only`, `used_up`, `customer_limit_reached`.
 * - `redeemPromotion(tx, { promotionId, customerId, orderId, atMs })` counts one redemption in the
 *   caller's transaction, exactly once per order (a repeat returns `counted: false`), and holds the
 *   total and per-customer limits under concurrent checkouts on SQLite and PostgreSQL. A refusal
 *   (`promotions.used_up`, `customer_limit_reached`, `not_started`, `expired`) writes nothing.
 * - `releasePromotion(tx, orderId)` gives the order's redemption back (order cancelled or expired),
 *   exactly once: true when this call released it.
 *
 * Demo
 * - `seedDemoCatalog()` creates the demo zones, plans, add-ons and promotions that are missing.
 */
export function createCatalogService(ctx: PlatformContext, notices?: PriceNoticeDeps, noticeOptions?: PriceNoticeOptions) {
  const plans = createPlansService(ctx);
  const promotions = createPromotionsService(ctx);
  const priceChanges = createPriceChangesService(ctx, plans, notices, noticeOptions);
  return {
    ...plans,
    ...promotions,
    ...priceChanges,
    taxRateBasisPoints,
    seedDemoCatalog: (): Promise<DemoCatalogSeeded> => seedDemoCatalog(plans, promotions),
  };
}

export type CatalogService = ReturnType<typeof createCatalogService>;

export { catalogRoutes } from './catalog.routes.js';
export { catalogAdminRoutes } from './catalog.admin.routes.js';
export { catalogMigrations } from './catalog.migrations.js';
export { taxIncluded, taxRateBasisPoints, TAX_RATES_BASIS_POINTS } from './catalog.tax.js';
export { ISO_COUNTRIES, countryName, isIsoCountry } from './catalog.countries.js';
export {
  PLAN_KINDS, PLAN_SCOPES, METERED_KINDS, PRICE_RISE_NOTICE_DAYS, requireCountry, requireCurrency, selectPrice, unavailabilityAt,
  type Allowances, type MeteredKind, type Overage, type OveragePolicy, type OverageRate, type Plan, type PlanKind, type PlanScope,
  type PlanTexts, type PriceSelection, type PriceVersion, type Zone,
} from './catalog.js';
export type { PlanDefinition, ZoneDefinition } from './catalog.definitions.js';
export type { PlanSearch } from './catalog.service.js';
export {
  PRICE_NOTICE_JOB,
  type PlanHolderEntry, type PlanHolderSource, type PriceChange, type PriceChangeRequest, type PriceChangeScheduled, type PriceNoticeDeps,
  type PriceNoticeOptions,
} from './price-changes.service.js';
export { PROMOTION_KINDS, discountFor, type Promotion, type PromotionBenefit, type PromotionDefinition, type PromotionKind } from './promotions.js';
export type { PromotionCheck, PromotionCheckInput, RedeemInput, Redemption } from './promotions.service.js';
export type { DemoCatalogSeeded } from './catalog.demo.js';
