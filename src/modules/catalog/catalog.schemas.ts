import { z } from 'zod';
import type { Localized } from '../../platform/i18n.js';
import {
  PLAN_KINDS, PLAN_SCOPES, currentPrices, scheduledPrices, unavailabilityAt,
  type MeteredKind, type OveragePolicy, type Plan, type Zone,
} from './catalog.js';

export const PlanSearchQuery = z.object({
  country: z.string().trim().min(1).max(64).optional().describe('ISO 3166-1 alpha-2 country where the plan will be used, e.g. JP'),
  scope: z.enum(PLAN_SCOPES).optional().describe('local: in the country of the line\'s network; roaming: abroad'),
  currency: z.string().trim().min(1).max(16).optional().describe('ISO 4217 currency the plan must be sold in, e.g. HKD'),
  kind: z.enum(PLAN_KINDS).optional().describe('base plans or add-ons (default: both)'),
}).strict();

export const PlanCodeParams = z.object({ code: z.string().trim().min(1).max(64).describe('Plan code, e.g. JP-DATA-7D') }).strict();

const LocalizedView = z.object({ en: z.string(), 'zh-CN': z.string(), 'zh-TW': z.string() }).describe('The same text in every language the product speaks');
const MoneyView = z.object({ currency: z.string(), amountMinor: z.number().int().describe('Integer minor units (TWD and JPY have none)') });

export const ZoneView = z.object({
  code: z.string(),
  names: LocalizedView,
  countries: z.array(z.string()).describe('ISO 3166-1 alpha-2 codes'),
});

const UNIT_OF: Record<MeteredKind, 'bytes' | 'seconds' | 'messages'> = { data: 'bytes', voice: 'seconds', sms: 'messages' };

const OveragePolicyView = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('blocked').describe('Service stops when the allowance is used up') }),
  z.object({
    mode: z.literal('rated'),
    incrementUnits: z.number().int().describe('Usage is charged per started increment of this many units'),
    unit: z.enum(['bytes', 'seconds', 'messages']),
    rates: z.array(z.object({ zone: z.string(), prices: z.array(MoneyView).describe('Minor units per increment') }))
      .describe('Tried in order; the first zone holding the country applies'),
  }),
]);

export const PlanView = z.object({
  code: z.string(),
  kind: z.enum(PLAN_KINDS),
  scope: z.enum(PLAN_SCOPES),
  texts: z.object({ name: LocalizedView, description: LocalizedView, terms: LocalizedView }),
  validityDays: z.number().int().nullable().describe('null for add-ons: they end with the current period'),
  allowances: z.object({ dataBytes: z.number().int(), voiceSeconds: z.number().int(), smsCount: z.number().int() }),
  coverage: ZoneView,
  prices: z.array(MoneyView).describe('What a new order pays now, tax included, per currency'),
  scheduledPrices: z.array(MoneyView.extend({ effectiveAt: z.string() })).describe('Announced prices for new orders from a later date'),
  overage: z.object({ data: OveragePolicyView, voice: OveragePolicyView, sms: OveragePolicyView }).nullable()
    .describe('null for add-ons: the base plan\'s overage applies'),
  autoRenewable: z.boolean(),
  addonFor: z.array(z.string()).nullable().describe('Add-ons: the base plans they top up (empty: any)'),
  availability: z.object({
    orderable: z.boolean(),
    reason: z.enum(['retired', 'not_yet_available', 'no_longer_available']).nullable(),
    availableFrom: z.string().nullable(),
    availableUntil: z.string().nullable(),
    retiredAt: z.string().nullable(),
  }),
});

export const PlanListReply = z.object({ at: z.string(), plans: z.array(PlanView) });
export const ZoneListReply = z.object({ zones: z.array(ZoneView) });

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));
const localized = (text: Localized): z.infer<typeof LocalizedView> => ({ en: text.en, 'zh-CN': text['zh-CN'], 'zh-TW': text['zh-TW'] });

export function toZoneView(zone: Zone): z.infer<typeof ZoneView> {
  return { code: zone.code, names: localized(zone.names), countries: [...zone.countries] };
}

function toOverageView(kind: MeteredKind, policy: OveragePolicy): z.infer<typeof OveragePolicyView> {
  if (policy.mode === 'blocked') return { mode: 'blocked' };
  return {
    mode: 'rated', incrementUnits: policy.incrementUnits, unit: UNIT_OF[kind],
    rates: policy.rates.map((r) => ({ zone: r.zoneCode, prices: r.prices.map((p) => ({ currency: p.currency, amountMinor: p.amountMinor })) })),
  };
}

/** The public view of a plan at `atMs`: every language, current and announced prices, availability. */
export function toPlanView(plan: Plan, atMs: number): z.infer<typeof PlanView> {
  const reason = unavailabilityAt(plan, atMs) ?? null;
  const overage = plan.overage;
  return {
    code: plan.code, kind: plan.kind, scope: plan.scope,
    texts: { name: localized(plan.texts.name), description: localized(plan.texts.description), terms: localized(plan.texts.terms) },
    validityDays: plan.validityDays,
    allowances: { ...plan.allowances },
    coverage: toZoneView(plan.zone),
    prices: currentPrices(plan.prices, atMs).map((v) => ({ currency: v.currency, amountMinor: v.amountMinor })),
    scheduledPrices: scheduledPrices(plan.prices, atMs).map((v) => ({ currency: v.currency, amountMinor: v.amountMinor, effectiveAt: iso(v.effectiveAtMs) })),
    overage: overage === null ? null : {
      data: toOverageView('data', overage.data), voice: toOverageView('voice', overage.voice), sms: toOverageView('sms', overage.sms),
    },
    autoRenewable: plan.autoRenewable,
    addonFor: plan.addonFor === null ? null : [...plan.addonFor],
    availability: {
      orderable: reason === null, reason,
      availableFrom: isoOrNull(plan.availableFromMs), availableUntil: isoOrNull(plan.availableUntilMs), retiredAt: isoOrNull(plan.retiredAtMs),
    },
  };
}
