import { DAY_MS } from '../../platform/clock.js';
import { LANGUAGES, type Localized } from '../../platform/i18n.js';
import { isCurrency, type Currency, type Money } from '../../platform/money.js';
import { isIsoCountry } from './catalog.countries.js';
import { catalogErrors } from './catalog.errors.js';

/**
 * Types and pure rules of the catalog: zones, plans, add-ons, price versions. No I/O.
 *
 * Units: money in integer minor units of an ISO 4217 currency, data in bytes, voice in seconds,
 * SMS as a count, instants in epoch milliseconds (`*Ms`).
 */

export const PLAN_SCOPES = ['local', 'roaming'] as const;
/** `local`: used in the country of the line's own network; `roaming`: used abroad. */
export type PlanScope = (typeof PLAN_SCOPES)[number];

export const PLAN_KINDS = ['base', 'addon'] as const;
/** `base`: a period of service with its own validity; `addon`: tops up the current period of a base plan. */
export type PlanKind = (typeof PLAN_KINDS)[number];

export const METERED_KINDS = ['data', 'voice', 'sms'] as const;
export type MeteredKind = (typeof METERED_KINDS)[number];

/** A list of ISO 3166 countries that a plan (or an overage rate) covers. */
export interface Zone {
  readonly id: string;
  readonly code: string;
  readonly names: Localized;
  /** ISO 3166-1 alpha-2, sorted. */
  readonly countries: readonly string[];
}

export interface Allowances {
  readonly dataBytes: number;
  readonly voiceSeconds: number;
  readonly smsCount: number;
}

/** What one increment of usage beyond the allowances costs in the zone `zoneCode`, per currency. */
export interface OverageRate {
  readonly zoneCode: string;
  /** Minor units per increment, one entry per currency the plan is sold in. */
  readonly prices: readonly Money[];
}

/**
 * What happens to usage beyond the allowance of one unit kind: `blocked` ("stops when used up"), or
 * `rated`: charged per started increment (bytes for data, seconds for voice, messages for SMS) from
 * the line's money balance. Rates are tried in order; the first whose zone holds the country where
 * the usage happens applies; usage in a country no rate covers is blocked.
 */
export type OveragePolicy =
  | { readonly mode: 'blocked' }
  | { readonly mode: 'rated'; readonly incrementUnits: number; readonly rates: readonly OverageRate[] };

export type Overage = Readonly<Record<MeteredKind, OveragePolicy>>;

export interface PlanTexts {
  readonly name: Localized;
  readonly description: Localized;
  readonly terms: Localized;
}

/**
 * One version of a plan's price in one currency. New orders pay the version with the latest
 * `effectiveAtMs` that has passed; existing subscribers keep their version until
 * `subscriberEffectiveAtMs` (the stated date, after notice), which is never before `effectiveAtMs`.
 */
export interface PriceVersion {
  readonly id: string;
  readonly currency: Currency;
  readonly amountMinor: number;
  readonly effectiveAtMs: number;
  readonly subscriberEffectiveAtMs: number;
  /** When the version was recorded (the price change scheduled), epoch ms. */
  readonly scheduledAtMs: number;
}

export interface Plan {
  readonly id: string;
  readonly code: string;
  readonly kind: PlanKind;
  readonly scope: PlanScope;
  readonly zone: Zone;
  /** Days of validity of a base plan; `null` for an add-on, which ends with the current period. */
  readonly validityDays: number | null;
  readonly allowances: Allowances;
  readonly texts: PlanTexts;
  /** `null` for add-ons: usage beyond them follows the base plan's overage. */
  readonly overage: Overage | null;
  readonly autoRenewable: boolean;
  /** For an add-on: the base plans it can top up (empty: any base plan). `null` for base plans. */
  readonly addonFor: readonly string[] | null;
  readonly availableFromMs: number | null;
  readonly availableUntilMs: number | null;
  readonly retiredAtMs: number | null;
  /** Every price version, oldest first. */
  readonly prices: readonly PriceVersion[];
}

/** Plan codes: upper-case letters, digits and dashes, e.g. `JP-DATA-7D`. */
export const PLAN_CODE_PATTERN = /^[A-Z0-9][A-Z0-9-]{1,47}$/;
export const ZONE_CODE_PATTERN = /^[A-Z0-9][A-Z0-9_]{1,31}$/;

/** Days of notice before a price rise reaches existing subscribers. */
export const PRICE_RISE_NOTICE_DAYS = 30;
export const PRICE_RISE_NOTICE_MS = PRICE_RISE_NOTICE_DAYS * DAY_MS;

/** Parses a currency from a request; throws `catalog.currency_unknown`. */
export function requireCurrency(value: string): Currency {
  if (!isCurrency(value)) throw catalogErrors.currencyUnknown(value);
  return value;
}

/** Parses an ISO 3166-1 alpha-2 country (any case); throws `catalog.country_unknown`. */
export function requireCountry(value: string): string {
  const upper = value.trim().toUpperCase();
  if (!isIsoCountry(upper)) throw catalogErrors.countryUnknown(value);
  return upper;
}

export type Unavailability = 'retired' | 'not_yet_available' | 'no_longer_available';

/** Why a plan cannot be ordered by a new customer at `atMs`, or `undefined` when it can. */
export function unavailabilityAt(plan: Pick<Plan, 'retiredAtMs' | 'availableFromMs' | 'availableUntilMs'>, atMs: number): Unavailability | undefined {
  if (plan.retiredAtMs !== null && plan.retiredAtMs <= atMs) return 'retired';
  if (plan.availableFromMs !== null && atMs < plan.availableFromMs) return 'not_yet_available';
  if (plan.availableUntilMs !== null && atMs >= plan.availableUntilMs) return 'no_longer_available';
  return undefined;
}

export interface PriceSelection {
  readonly atMs: number;
  readonly existingSubscriber: boolean;
  /**
   * When the subscriber bought the plan. A subscriber who bought at a new price already accepted
   * it, so a renewal never costs less than the purchase did just because notice is still running.
   */
  readonly subscribedAtMs?: number;
  /**
   * For a new order the customer agreed to in advance (an auto-renew that switches plans, confirmed
   * at this instant): a version scheduled after that reaches them only from its
   * `subscriberEffectiveAtMs`, as it does subscribers, since they are told of it like subscribers.
   */
  readonly agreedAtMs?: number;
}

/**
 * The price version that applies: for a new order, the latest whose `effectiveAtMs` ≤ `atMs`; for
 * an existing subscriber's renewal, the latest whose `subscriberEffectiveAtMs` ≤ `atMs` (or whose
 * `effectiveAtMs` ≤ `subscribedAtMs`); for a new order agreed to at `agreedAtMs`, versions scheduled
 * after that count from their `subscriberEffectiveAtMs`. Versions of one currency are ordered the
 * same way by both dates (`schedulePriceChange` keeps it so), so "latest" is by `effectiveAtMs`.
 */
export function selectPrice(versions: readonly PriceVersion[], currency: Currency, selection: PriceSelection): PriceVersion | undefined {
  let best: PriceVersion | undefined;
  for (const version of versions) {
    if (version.currency !== currency) continue;
    const applies = selection.existingSubscriber
      ? version.subscriberEffectiveAtMs <= selection.atMs
        || (selection.subscribedAtMs !== undefined && version.effectiveAtMs <= selection.subscribedAtMs)
      : version.effectiveAtMs <= selection.atMs
        && (selection.agreedAtMs === undefined || version.scheduledAtMs <= selection.agreedAtMs || version.subscriberEffectiveAtMs <= selection.atMs);
    if (applies && (best === undefined || version.effectiveAtMs > best.effectiveAtMs)) best = version;
  }
  return best;
}

/** The new-order price per currency at `atMs`, in the order currencies first appear. */
export function currentPrices(versions: readonly PriceVersion[], atMs: number): PriceVersion[] {
  const currencies = [...new Set(versions.map((v) => v.currency))];
  return currencies
    .map((currency) => selectPrice(versions, currency, { atMs, existingSubscriber: false }))
    .filter((v): v is PriceVersion => v !== undefined);
}

/** Price versions that new orders will pay from a future date, soonest first. */
export function scheduledPrices(versions: readonly PriceVersion[], atMs: number): PriceVersion[] {
  return versions.filter((v) => v.effectiveAtMs > atMs).sort((a, b) => a.effectiveAtMs - b.effectiveAtMs);
}

export interface PriceChange {
  readonly amountMinor: number;
  readonly effectiveAtMs: number;
  readonly subscriberEffectiveAtMs: number;
}

/**
 * Checks a new price version against the existing ones of its plan and currency at `nowMs`: no
 * back-dating, subscriber date not before the new-order date, versions stay in order on both dates,
 * and a rise for existing subscribers gets `PRICE_RISE_NOTICE_DAYS` of notice (a cut needs none).
 * Returns whether existing subscribers' price changes (so that they must be told).
 */
export function checkPriceChange(planCode: string, existing: readonly PriceVersion[], change: PriceChange, nowMs: number): { subscriberPriceChanges: boolean } {
  if (!Number.isSafeInteger(change.amountMinor) || change.amountMinor <= 0) {
    throw catalogErrors.priceChangeInvalid('The price must be a positive whole number of minor units');
  }
  if (change.effectiveAtMs < nowMs) throw catalogErrors.priceChangeInvalid('A price change cannot take effect in the past');
  if (change.subscriberEffectiveAtMs < change.effectiveAtMs) {
    throw catalogErrors.priceChangeInvalid('Existing subscribers cannot get a new price before new orders do');
  }
  const latest = existing.reduce<PriceVersion | undefined>((a, v) => (a === undefined || v.effectiveAtMs > a.effectiveAtMs ? v : a), undefined);
  if (latest === undefined) return { subscriberPriceChanges: false };
  if (change.effectiveAtMs <= latest.effectiveAtMs || change.subscriberEffectiveAtMs < latest.subscriberEffectiveAtMs) {
    throw catalogErrors.priceChangeInvalid('A later price change is already scheduled for this plan and currency');
  }
  // What existing subscribers would pay at the stated date without this change.
  const before = selectPrice(existing, latest.currency, { atMs: change.subscriberEffectiveAtMs, existingSubscriber: true });
  const rise = before === undefined || change.amountMinor > before.amountMinor;
  if (rise && change.subscriberEffectiveAtMs < nowMs + PRICE_RISE_NOTICE_MS) {
    throw catalogErrors.priceNoticeTooShort(planCode, nowMs + PRICE_RISE_NOTICE_MS);
  }
  return { subscriberPriceChanges: before === undefined || change.amountMinor !== before.amountMinor };
}

/** Every language has a text that is not blank. */
export function isFullyLocalized(text: Localized): boolean {
  return LANGUAGES.every((language) => typeof text[language] === 'string' && text[language].trim().length > 0);
}
