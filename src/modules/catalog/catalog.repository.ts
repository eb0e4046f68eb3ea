import type { Dialect, Executor, Tx } from '../../platform/db/database.js';
import type { PlanKind, PlanScope } from './catalog.js';

export interface ZoneTable {
  id: string;
  code: string;
  /** JSON `Localized`. */
  names: string;
  sort_order: number;
  created_at: number;
  updated_at: number;
}

export interface ZoneCountryTable {
  zone_id: string;
  country: string;
}

export interface PlanTable {
  id: string;
  code: string;
  kind: PlanKind;
  scope: PlanScope;
  zone_id: string;
  validity_days: number | null;
  data_bytes: number;
  voice_seconds: number;
  sms_count: number;
  /** JSON `PlanTexts`. */
  texts: string;
  /** JSON `Overage`, `null` for add-ons. */
  overage: string | null;
  auto_renewable: number;
  /** JSON array of base plan codes, `null` for base plans. */
  addon_for: string | null;
  available_from_at: number | null;
  available_until_at: number | null;
  retired_at: number | null;
  sort_order: number;
  created_at: number;
  updated_at: number;
}

export interface PlanPriceTable {
  id: string;
  plan_id: string;
  currency: string;
  amount_minor: number;
  effective_at: number;
  subscriber_effective_at: number;
  /** Staff id of whoever scheduled it; `null` for a plan's first prices. */
  created_by: string | null;
  created_at: number;
  /** The price change that scheduled it; `null` for a plan's first prices. */
  price_change_id: string | null;
}

declare module '../../platform/db/schema.js' {
  interface Tables {
    zone: ZoneTable;
    zone_country: ZoneCountryTable;
    plan: PlanTable;
    plan_price: PlanPriceTable;
  }
}

export type ZoneRow = ZoneTable;
export type PlanRow = PlanTable;
export type PlanPriceRow = PlanPriceTable;

/** The catalog is small; this bounds every list read of zones and plans all the same. */
export const CATALOG_LIST_LIMIT = 500;

// Zones

export async function insertZone(db: Executor, row: ZoneTable, countries: readonly string[]): Promise<void> {
  await db.insertInto('zone').values(row).execute();
  if (countries.length > 0) {
    await db.insertInto('zone_country').values(countries.map((country) => ({ zone_id: row.id, country }))).execute();
  }
}

export async function findZoneRowByCode(db: Executor, code: string): Promise<ZoneRow | undefined> {
  return db.selectFrom('zone').selectAll().where('code', '=', code).executeTakeFirst();
}

export async function listZoneRows(db: Executor, ids?: readonly string[]): Promise<ZoneRow[]> {
  if (ids !== undefined && ids.length === 0) return [];
  return db.selectFrom('zone').selectAll()
    .$if(ids !== undefined, (qb) => qb.where('id', 'in', ids ?? []))
    .orderBy('sort_order').orderBy('code').limit(CATALOG_LIST_LIMIT).execute();
}

export async function listZoneCountries(db: Executor, zoneIds: readonly string[]): Promise<ZoneCountryTable[]> {
  if (zoneIds.length === 0) return [];
  return db.selectFrom('zone_country').selectAll().where('zone_id', 'in', zoneIds)
    .orderBy('zone_id').orderBy('country').execute();
}

// Plans

export async function insertPlan(db: Executor, row: PlanTable): Promise<void> {
  await db.insertInto('plan').values(row).execute();
}

export async function findPlanRowByCode(db: Executor, code: string): Promise<PlanRow | undefined> {
  return db.selectFrom('plan').selectAll().where('code', '=', code).executeTakeFirst();
}

/** Locks the plan row on PostgreSQL (SQLite transactions are already serialised). */
export async function lockPlanRowByCode(tx: Tx, dialect: Dialect, code: string): Promise<PlanRow | undefined> {
  return tx.selectFrom('plan').selectAll().where('code', '=', code)
    .$if(dialect === 'postgres', (qb) => qb.forUpdate())
    .executeTakeFirst();
}

export interface PlanRowFilter {
  readonly atMs: number;
  readonly country?: string;
  readonly scope?: PlanScope;
  readonly kind?: PlanKind;
  readonly currency?: string;
}

/**
 * Plans that a new customer can order at `atMs` (not retired, inside their availability window),
 * covering `country`, of `scope` and `kind`, with a price in `currency` in effect.
 */
export async function searchPlanRows(db: Executor, filter: PlanRowFilter): Promise<PlanRow[]> {
  const { atMs, country, scope, kind, currency } = filter;
  return db.selectFrom('plan').selectAll('plan')
    .where((eb) => eb.or([eb('plan.retired_at', 'is', null), eb('plan.retired_at', '>', atMs)]))
    .where((eb) => eb.or([eb('plan.available_from_at', 'is', null), eb('plan.available_from_at', '<=', atMs)]))
    .where((eb) => eb.or([eb('plan.available_until_at', 'is', null), eb('plan.available_until_at', '>', atMs)]))
    .$if(scope !== undefined, (qb) => qb.where('plan.scope', '=', scope ?? 'local'))
    .$if(kind !== undefined, (qb) => qb.where('plan.kind', '=', kind ?? 'base'))
    .$if(country !== undefined, (qb) => qb.where((eb) => eb.exists(
      eb.selectFrom('zone_country').select('zone_country.zone_id')
        .whereRef('zone_country.zone_id', '=', 'plan.zone_id').where('zone_country.country', '=', country ?? ''),
    )))
    .$if(currency !== undefined, (qb) => qb.where((eb) => eb.exists(
      eb.selectFrom('plan_price').select('plan_price.id')
        .whereRef('plan_price.plan_id', '=', 'plan.id').where('plan_price.currency', '=', currency ?? '')
        .where('plan_price.effective_at', '<=', atMs),
    )))
    .orderBy('plan.sort_order').orderBy('plan.code').limit(CATALOG_LIST_LIMIT).execute();
}

export async function setPlanRetired(db: Executor, id: string, retiredAtMs: number, nowMs: number): Promise<void> {
  await db.updateTable('plan').set({ retired_at: retiredAtMs, updated_at: nowMs }).where('id', '=', id).execute();
}

// Prices

export async function insertPrices(db: Executor, rows: readonly PlanPriceTable[]): Promise<void> {
  if (rows.length > 0) await db.insertInto('plan_price').values([...rows]).execute();
}

export async function listPriceRows(db: Executor, planIds: readonly string[]): Promise<PlanPriceRow[]> {
  if (planIds.length === 0) return [];
  return db.selectFrom('plan_price').selectAll().where('plan_id', 'in', planIds)
    .orderBy('plan_id').orderBy('effective_at').orderBy('id').execute();
}

/** Which of `codes` are plans of `kind`. */
export async function listPlanCodes(db: Executor, codes: readonly string[], kind: PlanKind): Promise<string[]> {
  if (codes.length === 0) return [];
  const rows = await db.selectFrom('plan').select('code').where('code', 'in', codes).where('kind', '=', kind).execute();
  return rows.map((r) => r.code);
}
