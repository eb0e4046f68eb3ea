import type { Localized } from '../../platform/i18n.js';
import { isCurrency, type Money } from '../../platform/money.js';
import {
  METERED_KINDS, PLAN_CODE_PATTERN, ZONE_CODE_PATTERN, isFullyLocalized,
  type Allowances, type Overage, type PlanKind, type PlanScope, type PlanTexts,
} from './catalog.js';
import { isIsoCountry } from './catalog.countries.js';
import { catalogErrors } from './catalog.errors.js';

/** What staff (or the demo seed) give to create a zone. */
export interface ZoneDefinition {
  readonly code: string;
  readonly names: Localized;
  readonly countries: readonly string[];
  readonly sortOrder?: number;
}

/** What staff (or the demo seed) give to create a plan or add-on, with its first prices. */
export interface PlanDefinition {
  readonly code: string;
  readonly kind: PlanKind;
  readonly scope: PlanScope;
  readonly zoneCode: string;
  /** Required for base plans (1–366); `null` for add-ons. */
  readonly validityDays: number | null;
  readonly allowances: Allowances;
  readonly texts: PlanTexts;
  /** Required for base plans; `null` for add-ons. */
  readonly overage: Overage | null;
  readonly autoRenewable: boolean;
  /** Add-ons only: the base plans it tops up (empty: any). */
  readonly addonFor?: readonly string[];
  readonly availableFromMs?: number | null;
  readonly availableUntilMs?: number | null;
  /** First prices, one per currency, in minor units (tax included). */
  readonly prices: readonly Money[];
  /** When the first prices take effect (default: `availableFromMs`, else now). */
  readonly pricesEffectiveAtMs?: number;
  readonly sortOrder?: number;
}

const MAX_ALLOWANCE = Number.MAX_SAFE_INTEGER;

function fail(problem: string): never {
  throw catalogErrors.definitionInvalid(problem);
}

/** Throws `catalog.definition_invalid` unless the zone definition holds together. */
export function checkZoneDefinition(def: ZoneDefinition): void {
  if (!ZONE_CODE_PATTERN.test(def.code)) fail(`Zone code ${def.code} must be 2–32 upper-case letters, digits or underscores`);
  if (!isFullyLocalized(def.names)) fail(`Zone ${def.code} needs a name in every language`);
  if (def.countries.length === 0) fail(`Zone ${def.code} needs at least one country`);
  const bad = def.countries.filter((c) => !isIsoCountry(c));
  if (bad.length > 0) fail(`Zone ${def.code} has unknown countries: ${bad.join(', ')}`);
  if (new Set(def.countries).size !== def.countries.length) fail(`Zone ${def.code} lists a country twice`);
}

function checkMoneyList(what: string, prices: readonly Money[]): void {
  if (prices.length === 0) fail(`${what} needs at least one price`);
  for (const p of prices) {
    if (!isCurrency(p.currency)) fail(`${what} has an unsupported currency ${String(p.currency)}`);
    if (!Number.isSafeInteger(p.amountMinor) || p.amountMinor <= 0) fail(`${what} needs positive whole minor units in ${p.currency}`);
  }
  if (new Set(prices.map((p) => p.currency)).size !== prices.length) fail(`${what} lists a currency twice`);
}

function checkOverage(def: PlanDefinition, overage: Overage, zoneCodes: ReadonlySet<string>): void {
  const currencies = new Set(def.prices.map((p) => p.currency));
  for (const kind of METERED_KINDS) {
    const policy = overage[kind];
    if (policy.mode === 'blocked') continue;
    const what = `The ${kind} overage of ${def.code}`;
    if (!Number.isSafeInteger(policy.incrementUnits) || policy.incrementUnits <= 0) fail(`${what} needs a positive whole increment`);
    if (policy.rates.length === 0) fail(`${what} needs at least one rate, or mode "blocked"`);
    for (const rate of policy.rates) {
      if (!zoneCodes.has(rate.zoneCode)) fail(`${what} names an unknown zone ${rate.zoneCode}`);
      checkMoneyList(what, rate.prices);
      const rated = new Set(rate.prices.map((p) => p.currency));
      if (rated.size !== currencies.size || [...currencies].some((c) => !rated.has(c))) {
        fail(`${what} in ${rate.zoneCode} needs a rate in exactly the plan's currencies (${[...currencies].join(', ')})`);
      }
    }
  }
}

/**
 * Throws `catalog.definition_invalid` unless the plan definition holds together; `zoneCodes` are the
 * zones that exist, `baseCodes` the base plans that exist (for an add-on's `addonFor`).
 */
export function checkPlanDefinition(def: PlanDefinition, zoneCodes: ReadonlySet<string>, baseCodes: ReadonlySet<string>): void {
  if (!PLAN_CODE_PATTERN.test(def.code)) fail(`Plan code ${def.code} must be 2–48 upper-case letters, digits or dashes`);
  if (!zoneCodes.has(def.zoneCode)) throw catalogErrors.zoneNotFound(def.zoneCode);
  for (const text of [def.texts.name, def.texts.description, def.texts.terms]) {
    if (!isFullyLocalized(text)) fail(`Plan ${def.code} needs its name, description and terms in every language`);
  }
  const { dataBytes, voiceSeconds, smsCount } = def.allowances;
  for (const n of [dataBytes, voiceSeconds, smsCount]) {
    if (!Number.isSafeInteger(n) || n < 0 || n > MAX_ALLOWANCE) fail(`Plan ${def.code} needs whole, non-negative allowances`);
  }
  if (dataBytes + voiceSeconds + smsCount === 0) fail(`Plan ${def.code} gives nothing`);
  checkMoneyList(`Plan ${def.code}`, def.prices);
  const from = def.availableFromMs ?? null;
  const until = def.availableUntilMs ?? null;
  if (from !== null && until !== null && from >= until) fail(`Plan ${def.code} must become available before it stops being available`);
  if (def.kind === 'base') {
    if (def.validityDays === null || !Number.isSafeInteger(def.validityDays) || def.validityDays < 1 || def.validityDays > 366) {
      fail(`Base plan ${def.code} needs 1–366 days of validity`);
    }
    if (def.overage === null) fail(`Base plan ${def.code} needs an overage policy for data, voice and SMS`);
    if (def.addonFor !== undefined) fail(`Base plan ${def.code} cannot be an add-on for other plans`);
    checkOverage(def, def.overage, zoneCodes);
  } else {
    if (def.validityDays !== null) fail(`Add-on ${def.code} ends with the current period: its validity must be null`);
    if (def.overage !== null) fail(`Add-on ${def.code} follows the base plan's overage: its overage must be null`);
    if (def.autoRenewable) fail(`Add-on ${def.code} cannot renew automatically`);
    const unknown = (def.addonFor ?? []).filter((code) => !baseCodes.has(code));
    if (unknown.length > 0) fail(`Add-on ${def.code} tops up unknown base plans: ${unknown.join(', ')}`);
  }
}
