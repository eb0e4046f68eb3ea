import { assert } from '../../platform/assert.js';
import type { PlatformContext } from '../../platform/context.js';
import { inTransaction, isUniqueViolation, type Executor } from '../../platform/db/database.js';
import type { Localized } from '../../platform/i18n.js';
import { money, type Currency, type Money } from '../../platform/money.js';
import {
  requireCountry, requireCurrency, selectPrice, unavailabilityAt,
  type Overage, type Plan, type PlanKind, type PlanScope, type PlanTexts, type PriceSelection, type PriceVersion, type Zone,
} from './catalog.js';
import { checkPlanDefinition, checkZoneDefinition, type PlanDefinition, type ZoneDefinition } from './catalog.definitions.js';
import { catalogErrors } from './catalog.errors.js';
import {
  findPlanRowByCode, findZoneRowByCode, insertPlan, insertPrices, insertZone, listPlanCodes, listPriceRows, listZoneCountries,
  listZoneRows, lockPlanRowByCode, searchPlanRows, setPlanRetired,
  type PlanPriceRow, type PlanRow, type ZoneRow,
} from './catalog.repository.js';

/** What `searchPlans` filters on; every filter is optional except the instant. */
export interface PlanSearch {
  /** ISO 3166-1 alpha-2 (any case): plans whose coverage holds it. */
  readonly country?: string;
  readonly scope?: PlanScope;
  /** ISO 4217: plans with a price in it for new orders at `atMs`. */
  readonly currency?: string;
  readonly kind?: PlanKind;
  readonly atMs: number;
}

export function toPriceVersion(row: PlanPriceRow): PriceVersion {
  return {
    id: row.id, currency: requireCurrency(row.currency), amountMinor: row.amount_minor,
    effectiveAtMs: row.effective_at, subscriberEffectiveAtMs: row.subscriber_effective_at, scheduledAtMs: row.created_at,
  };
}

async function loadZones(db: Executor, rows: readonly ZoneRow[]): Promise<Zone[]> {
  const countries = await listZoneCountries(db, rows.map((r) => r.id));
  return rows.map((row) => ({
    id: row.id, code: row.code, names: JSON.parse(row.names) as Localized,
    countries: countries.filter((c) => c.zone_id === row.id).map((c) => c.country),
  }));
}

/** Builds full plans (zone with countries, every price version) from rows, keeping their order. */
async function assemblePlans(db: Executor, rows: readonly PlanRow[]): Promise<Plan[]> {
  const zoneIds = [...new Set(rows.map((r) => r.zone_id))];
  const zones = new Map((await loadZones(db, await listZoneRows(db, zoneIds))).map((z) => [z.id, z]));
  const prices = await listPriceRows(db, rows.map((r) => r.id));
  return rows.map((row) => {
    const zone = zones.get(row.zone_id);
    assert(zone !== undefined, `plan ${row.code} has no zone`);
    return {
      id: row.id, code: row.code, kind: row.kind, scope: row.scope, zone, validityDays: row.validity_days,
      allowances: { dataBytes: row.data_bytes, voiceSeconds: row.voice_seconds, smsCount: row.sms_count },
      texts: JSON.parse(row.texts) as PlanTexts,
      overage: row.overage === null ? null : (JSON.parse(row.overage) as Overage),
      autoRenewable: row.auto_renewable === 1,
      addonFor: row.addon_for === null ? null : (JSON.parse(row.addon_for) as string[]),
      availableFromMs: row.available_from_at, availableUntilMs: row.available_until_at, retiredAtMs: row.retired_at,
      prices: prices.filter((p) => p.plan_id === row.id).map(toPriceVersion),
    };
  });
}

/** Zones, plans and their prices. */
export function createPlansService(ctx: PlatformContext) {
  const { database, clock, ids } = ctx;
  const db = database.db;

  async function listZones(): Promise<Zone[]> {
    return loadZones(db, await listZoneRows(db));
  }

  async function searchPlans(search: PlanSearch): Promise<Plan[]> {
    const country = search.country === undefined ? undefined : requireCountry(search.country);
    const currency = search.currency === undefined ? undefined : requireCurrency(search.currency.trim().toUpperCase());
    const rows = await searchPlanRows(db, { ...search, country, currency });
    return assemblePlans(db, rows);
  }

  /** Reads with `executor` when given, so that other modules can call it inside their transaction. */
  async function findPlan(code: string, executor: Executor = db): Promise<Plan | undefined> {
    const row = await findPlanRowByCode(executor, code.trim().toUpperCase());
    if (row === undefined) return undefined;
    const [plan] = await assemblePlans(executor, [row]);
    return plan;
  }

  async function getPlan(code: string, executor: Executor = db): Promise<Plan> {
    const plan = await findPlan(code, executor);
    if (plan === undefined) throw catalogErrors.planNotFound(code);
    return plan;
  }

  async function priceVersionFor(planCode: string, currency: Currency, selection: PriceSelection): Promise<PriceVersion> {
    requireCurrency(currency);
    const plan = await getPlan(planCode);
    if (!selection.existingSubscriber) {
      const why = unavailabilityAt(plan, selection.atMs);
      if (why !== undefined) throw catalogErrors.planNotAvailable(plan.code, why);
    }
    const version = selectPrice(plan.prices, currency, selection);
    if (version === undefined) throw catalogErrors.currencyNotOffered(plan.code, currency);
    return version;
  }

  async function priceFor(planCode: string, currency: Currency, selection: PriceSelection): Promise<Money> {
    const version = await priceVersionFor(planCode, currency, selection);
    return money(version.amountMinor, version.currency);
  }

  async function defineZone(def: ZoneDefinition): Promise<Zone> {
    checkZoneDefinition(def);
    const nowMs = clock.nowMs();
    const row: ZoneRow = { id: ids('zon'), code: def.code, names: JSON.stringify(def.names), sort_order: def.sortOrder ?? 100, created_at: nowMs, updated_at: nowMs };
    try {
      await inTransaction(db, async (tx) => {
        if ((await findZoneRowByCode(tx, def.code)) !== undefined) throw catalogErrors.codeTaken(def.code);
        await insertZone(tx, row, [...def.countries].sort());
      });
    } catch (error) {
      throw isUniqueViolation(error) ? catalogErrors.codeTaken(def.code) : error;
    }
    const [zone] = await loadZones(db, [row]);
    assert(zone !== undefined, 'zone just created');
    return zone;
  }

  async function definePlan(def: PlanDefinition): Promise<Plan> {
    try {
      await inTransaction(db, async (tx) => {
        if ((await findPlanRowByCode(tx, def.code)) !== undefined) throw catalogErrors.codeTaken(def.code);
        const zones = await listZoneRows(tx);
        const baseCodes = await listPlanCodes(tx, def.addonFor ?? [], 'base');
        checkPlanDefinition(def, new Set(zones.map((z) => z.code)), new Set(baseCodes));
        const zone = zones.find((z) => z.code === def.zoneCode);
        assert(zone !== undefined, 'checked zone');
        const nowMs = clock.nowMs();
        const planId = ids('pln');
        await insertPlan(tx, {
          id: planId, code: def.code, kind: def.kind, scope: def.scope, zone_id: zone.id, validity_days: def.validityDays,
          data_bytes: def.allowances.dataBytes, voice_seconds: def.allowances.voiceSeconds, sms_count: def.allowances.smsCount,
          texts: JSON.stringify(def.texts), overage: def.overage === null ? null : JSON.stringify(def.overage),
          auto_renewable: def.autoRenewable ? 1 : 0, addon_for: def.kind === 'addon' ? JSON.stringify(def.addonFor ?? []) : null,
          available_from_at: def.availableFromMs ?? null, available_until_at: def.availableUntilMs ?? null, retired_at: null,
          sort_order: def.sortOrder ?? 100, created_at: nowMs, updated_at: nowMs,
        });
        const since = def.pricesEffectiveAtMs ?? def.availableFromMs ?? nowMs;
        await insertPrices(tx, def.prices.map((p) => ({
          id: ids('prc'), plan_id: planId, currency: p.currency, amount_minor: p.amountMinor,
          effective_at: since, subscriber_effective_at: since, created_by: null, created_at: nowMs, price_change_id: null,
        })));
      });
    } catch (error) {
      throw isUniqueViolation(error) ? catalogErrors.codeTaken(def.code) : error;
    }
    return getPlan(def.code);
  }

  /**
   * Takes the plan off sale from `atMs` (default now; not in the past: `catalog.retirement_invalid`).
   * It stays readable by code, and existing subscribers can still renew it: a retired plan never
   * breaks a line that has it. A plan already retired stays retired as it was (the call is
   * idempotent); a retirement still ahead can be moved.
   */
  async function retirePlan(code: string, atMs?: number): Promise<Plan> {
    const nowMs = clock.nowMs();
    const retireAtMs = atMs ?? nowMs;
    if (!Number.isSafeInteger(retireAtMs) || retireAtMs < nowMs) throw catalogErrors.retirementInvalid('A plan cannot be retired in the past');
    await inTransaction(db, async (tx) => {
      const row = await lockPlanRowByCode(tx, database.dialect, code.trim().toUpperCase());
      if (row === undefined) throw catalogErrors.planNotFound(code);
      if (row.retired_at !== null && row.retired_at <= nowMs) return;
      await setPlanRetired(tx, row.id, retireAtMs, nowMs);
    });
    return getPlan(code);
  }

  return { listZones, searchPlans, findPlan, getPlan, priceFor, priceVersionFor, defineZone, definePlan, retirePlan };
}

export type PlansService = ReturnType<typeof createPlansService>;
