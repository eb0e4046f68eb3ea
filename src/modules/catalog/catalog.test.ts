import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../platform/clock.js';
import { isDomainError } from '../../platform/errors.js';
import { GB_BYTES, type Currency } from '../../platform/money.js';
import {
  PRICE_RISE_NOTICE_MS, checkPriceChange, currentPrices, requireCountry, requireCurrency, scheduledPrices, selectPrice,
  unavailabilityAt, type PriceVersion,
} from './catalog.js';
import { ISO_COUNTRIES, countryName, isIsoCountry } from './catalog.countries.js';
import { checkPlanDefinition, checkZoneDefinition, type PlanDefinition } from './catalog.definitions.js';
import { DEMO_PLANS } from './catalog.demo-plans.js';
import { DEMO_PROMOTIONS, DEMO_ZONES } from './catalog.demo.js';
import { taxIncluded, taxRateBasisPoints } from './catalog.tax.js';
import { checkPromotionDefinition, checkPromotionRules, discountFor, type Promotion, type PromotionBenefit } from './promotions.js';

/** Runs `fn` and returns the domain error code it threw (fails the test when it threw none). */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (isDomainError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a domain error');
}

const T0 = Date.UTC(2026, 0, 1);

describe('taxes', () => {
  it('splits the tax out of tax-inclusive amounts in integer arithmetic', () => {
    expect(taxIncluded(1200, 2000)).toBe(200);
    expect(taxIncluded(1100, 1000)).toBe(100);
    expect(taxIncluded(9800, 0)).toBe(0);
    expect(taxIncluded(10_600, 600)).toBe(600);
    // 999 × 2000 / 12000 = 166.5: half rounds away from zero, for refunds too.
    expect(taxIncluded(999, 2000)).toBe(167);
    expect(taxIncluded(-999, 2000)).toBe(-167);
    expect(taxIncluded(1, 500)).toBe(0);
    const big = BigInt(Number.MAX_SAFE_INTEGER);
    expect(taxIncluded(Number.MAX_SAFE_INTEGER, 2700)).toBe(Number((big * 2700n * 2n + 12_700n) / (2n * 12_700n)));
  });

  it('knows the standard rates on telecom services', () => {
    const expected: Record<string, number> = { GB: 2000, DE: 1900, FR: 2000, JP: 1000, AU: 1000, SG: 900, CN: 600, HK: 0, TW: 500, US: 0 };
    for (const [country, rate] of Object.entries(expected)) expect(taxRateBasisPoints(country), country).toBe(rate);
    expect(taxRateBasisPoints('gb')).toBe(2000);
    expect(taxRateBasisPoints('BR')).toBe(0);
    expect(codeOf(() => taxRateBasisPoints('XX'))).toBe('catalog.country_unknown');
    expect(codeOf(() => taxRateBasisPoints('UK'))).toBe('catalog.country_unknown');
  });
});

describe('countries and currencies', () => {
  it('has the 249 ISO 3166-1 alpha-2 codes, each with a name in every language', () => {
    expect(ISO_COUNTRIES).toHaveLength(249);
    expect(new Set(ISO_COUNTRIES).size).toBe(249);
    for (const code of ISO_COUNTRIES) expect(countryName(code, 'en'), code).not.toBe(code);
    expect(countryName('JP', 'zh-CN')).toBe('日本');
    expect(countryName('GB', 'zh-TW')).toBe('英國');
    for (const code of ['HK', 'MO', 'TW', 'GB', 'JP']) expect(isIsoCountry(code)).toBe(true);
    for (const code of ['XK', 'UK', 'EU', 'jp', 'JPN', '']) expect(isIsoCountry(code)).toBe(false);
  });

  it('parses request values or says which code is wrong', () => {
    expect(requireCountry(' jp ')).toBe('JP');
    expect(codeOf(() => requireCountry('Japan'))).toBe('catalog.country_unknown');
    expect(requireCurrency('TWD')).toBe('TWD');
    expect(codeOf(() => requireCurrency('usd'))).toBe('catalog.currency_unknown');
    expect(codeOf(() => requireCurrency('XAU'))).toBe('catalog.currency_unknown');
  });
});

describe('price versions', () => {
  const T1 = T0 + 40 * DAY_MS;
  const T2 = T1 + 30 * DAY_MS;
  const versions: PriceVersion[] = [
    { id: 'prc_1', currency: 'HKD', amountMinor: 9800, effectiveAtMs: T0, subscriberEffectiveAtMs: T0, scheduledAtMs: T0 },
    { id: 'prc_2', currency: 'USD', amountMinor: 1250, effectiveAtMs: T0, subscriberEffectiveAtMs: T0, scheduledAtMs: T0 },
    { id: 'prc_3', currency: 'HKD', amountMinor: 10_800, effectiveAtMs: T1, subscriberEffectiveAtMs: T2, scheduledAtMs: T0 + DAY_MS },
  ];
  const price = (currency: Currency, atMs: number, existingSubscriber: boolean, subscribedAtMs?: number) =>
    selectPrice(versions, currency, { atMs, existingSubscriber, ...(subscribedAtMs === undefined ? {} : { subscribedAtMs }) })?.amountMinor;

  it('gives new orders the new price from its effective date', () => {
    expect(price('HKD', T0 - 1, false)).toBeUndefined();
    expect(price('HKD', T0, false)).toBe(9800);
    expect(price('HKD', T1 - 1, false)).toBe(9800);
    expect(price('HKD', T1, false)).toBe(10_800);
    expect(price('USD', T2, false)).toBe(1250);
    expect(price('GBP', T2, false)).toBeUndefined();
  });

  it('keeps existing subscribers on their price until the stated date', () => {
    expect(price('HKD', T1, true)).toBe(9800);
    expect(price('HKD', T2 - 1, true)).toBe(9800);
    expect(price('HKD', T2, true)).toBe(10_800);
  });

  it('does not lower the renewal of someone who bought at the new price', () => {
    expect(price('HKD', T1 + DAY_MS, true, T1 + 1)).toBe(10_800);
    expect(price('HKD', T1 + DAY_MS, true, T1 - 1)).toBe(9800);
  });

  it('keeps someone who agreed to a new order before a change was scheduled on the old price until the stated date', () => {
    const agreed = (atMs: number, agreedAtMs: number) => selectPrice(versions, 'HKD', { atMs, existingSubscriber: false, agreedAtMs })?.amountMinor;
    expect(agreed(T1, T0)).toBe(9800);
    expect(agreed(T2 - 1, T0 + DAY_MS - 1)).toBe(9800);
    expect(agreed(T2, T0)).toBe(10_800);
    // Agreed once the change was known: the new-order price, from its effective date.
    expect(agreed(T1, T0 + DAY_MS)).toBe(10_800);
    expect(agreed(T1 - 1, T0 + DAY_MS)).toBe(9800);
  });

  it('lists current and announced prices', () => {
    expect(currentPrices(versions, T1).map((v) => [v.currency, v.amountMinor])).toEqual([['HKD', 10_800], ['USD', 1250]]);
    expect(scheduledPrices(versions, T0).map((v) => v.id)).toEqual(['prc_3']);
    expect(scheduledPrices(versions, T1)).toEqual([]);
  });

  it('checks a price change: no back-dating, order of versions, notice for rises only', () => {
    const hkd = versions.filter((v) => v.currency === 'HKD');
    const now = T2 + DAY_MS;
    const change = (amountMinor: number, effectiveAtMs: number, subscriberEffectiveAtMs: number) =>
      () => checkPriceChange('HK-LOCAL-30D', hkd, { amountMinor, effectiveAtMs, subscriberEffectiveAtMs }, now);
    expect(codeOf(change(0, now, now + PRICE_RISE_NOTICE_MS))).toBe('catalog.price_change_invalid');
    expect(codeOf(change(12_000, now - 1, now + PRICE_RISE_NOTICE_MS))).toBe('catalog.price_change_invalid');
    expect(codeOf(change(12_000, now + DAY_MS, now))).toBe('catalog.price_change_invalid');
    expect(codeOf(change(12_000, now, now + PRICE_RISE_NOTICE_MS - 1))).toBe('catalog.price_notice_too_short');
    expect(change(12_000, now, now + PRICE_RISE_NOTICE_MS)()).toEqual({ subscriberPriceChanges: true });
    // A cut may reach subscribers at once; the same price needs no notice at all.
    expect(change(8800, now, now)()).toEqual({ subscriberPriceChanges: true });
    expect(change(10_800, now, now)()).toEqual({ subscriberPriceChanges: false });
    // Nothing may slip in before an already scheduled change.
    expect(codeOf(() => checkPriceChange('HK-LOCAL-30D', hkd, { amountMinor: 9000, effectiveAtMs: T1 - DAY_MS, subscriberEffectiveAtMs: T1 }, T0))).toBe('catalog.price_change_invalid');
    // A first price in a new currency has no subscribers to tell.
    expect(checkPriceChange('HK-LOCAL-30D', [], { amountMinor: 1, effectiveAtMs: now, subscriberEffectiveAtMs: now }, now)).toEqual({ subscriberPriceChanges: false });
  });

  it('tells why a plan cannot be ordered', () => {
    const window = { retiredAtMs: null, availableFromMs: T1, availableUntilMs: T2 };
    expect(unavailabilityAt(window, T1 - 1)).toBe('not_yet_available');
    expect(unavailabilityAt(window, T1)).toBeUndefined();
    expect(unavailabilityAt(window, T2)).toBe('no_longer_available');
    expect(unavailabilityAt({ ...window, retiredAtMs: T1 + 1 }, T1 + 1)).toBe('retired');
    expect(unavailabilityAt({ retiredAtMs: null, availableFromMs: null, availableUntilMs: null }, 0)).toBeUndefined();
  });
});

describe('promotion discounts', () => {
  const percent = (bp: number): PromotionBenefit => ({ kind: 'percent_off', percentOffBasisPoints: bp });

  it('rounds percentages half away from zero and never exceeds the price', () => {
    expect(discountFor(percent(1000), 9800)).toBe(980);
    expect(discountFor(percent(1000), 155)).toBe(16);
    expect(discountFor(percent(1000), 154)).toBe(15);
    expect(discountFor(percent(1250), 390)).toBe(49);
    expect(discountFor(percent(10_000), 1234)).toBe(1234);
    expect(discountFor(percent(1000), 0)).toBe(0);
    expect(discountFor({ kind: 'amount_off', amountOffMinor: 500, currency: 'USD' }, 1250)).toBe(500);
    expect(discountFor({ kind: 'amount_off', amountOffMinor: 500, currency: 'USD' }, 350)).toBe(350);
    expect(discountFor({ kind: 'bonus_data', bonusDataBytes: GB_BYTES }, 1250)).toBe(0);
  });

  it('keeps 0 <= discount <= price for any price and rate', () => {
    let seed = 42;
    const next = (max: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % (max + 1);
    };
    const bad: unknown[] = [];
    for (let i = 0; i < 5000; i += 1) {
      const priceMinor = next(10_000_000);
      const benefit: PromotionBenefit = i % 2 === 0 ? percent(1 + next(9999)) : { kind: 'amount_off', amountOffMinor: 1 + next(20_000), currency: 'USD' };
      const discount = discountFor(benefit, priceMinor);
      if (!Number.isSafeInteger(discount) || discount < 0 || discount > priceMinor) bad.push({ priceMinor, benefit, discount });
    }
    expect(bad).toEqual([]);
  });
});

describe('promotion rules', () => {
  const promotion: Promotion = {
    id: 'pro_1', code: 'TRAVEL5', benefit: { kind: 'amount_off', amountOffMinor: 500, currency: 'USD' },
    startsAtMs: T0, endsAtMs: T0 + 30 * DAY_MS, maxTotal: 10, maxPerCustomer: 1, eligiblePlanCodes: ['JP-DATA-7D'],
    firstOrderOnly: true, redeemed: 0, texts: DEMO_PROMOTIONS[0]?.texts ?? { name: { en: '', 'zh-CN': '', 'zh-TW': '' }, description: { en: '', 'zh-CN': '', 'zh-TW': '' } },
  };
  const use = { planCode: 'JP-DATA-7D', currency: 'USD' as Currency, isFirstOrder: true, atMs: T0 + DAY_MS };

  it('refuses with one code per reason, in a stable order', () => {
    expect(() => checkPromotionRules(promotion, use, 0)).not.toThrow();
    expect(codeOf(() => checkPromotionRules(promotion, { ...use, atMs: T0 - 1 }, 0))).toBe('promotions.not_started');
    expect(codeOf(() => checkPromotionRules(promotion, { ...use, atMs: T0 + 30 * DAY_MS }, 0))).toBe('promotions.expired');
    expect(codeOf(() => checkPromotionRules(promotion, { ...use, planCode: 'EU-DATA-30D' }, 0))).toBe('promotions.not_eligible_plan');
    expect(codeOf(() => checkPromotionRules(promotion, { ...use, currency: 'HKD' }, 0))).toBe('promotions.currency_mismatch');
    expect(codeOf(() => checkPromotionRules(promotion, { ...use, isFirstOrder: false }, 0))).toBe('promotions.first_order_only');
    expect(codeOf(() => checkPromotionRules({ ...promotion, redeemed: 10 }, use, 0))).toBe('promotions.used_up');
    expect(codeOf(() => checkPromotionRules(promotion, use, 1))).toBe('promotions.customer_limit_reached');
    expect(() => checkPromotionRules({ ...promotion, maxTotal: null, maxPerCustomer: null, eligiblePlanCodes: null }, { ...use, planCode: 'X' }, 99)).not.toThrow();
  });

  it('checks definitions', () => {
    for (const def of DEMO_PROMOTIONS) expect(() => checkPromotionDefinition(def)).not.toThrow();
    const [welcome] = DEMO_PROMOTIONS;
    if (welcome === undefined) throw new Error('demo promotions missing');
    expect(codeOf(() => checkPromotionDefinition({ ...welcome, code: 'no spaces' }))).toBe('promotions.definition_invalid');
    expect(codeOf(() => checkPromotionDefinition({ ...welcome, benefit: { kind: 'percent_off', percentOffBasisPoints: 10_001 } }))).toBe('promotions.definition_invalid');
    expect(codeOf(() => checkPromotionDefinition({ ...welcome, endsAtMs: welcome.startsAtMs }))).toBe('promotions.definition_invalid');
    expect(codeOf(() => checkPromotionDefinition({ ...welcome, maxTotal: 0 }))).toBe('promotions.definition_invalid');
    expect(codeOf(() => checkPromotionDefinition({ ...welcome, eligiblePlanCodes: [] }))).toBe('promotions.definition_invalid');
  });
});

describe('the demo catalog', () => {
  const zoneCodes = new Set(DEMO_ZONES.map((z) => z.code));
  const bases = DEMO_PLANS.filter((p) => p.kind === 'base');

  it('holds together', () => {
    for (const zone of DEMO_ZONES) expect(() => checkZoneDefinition(zone)).not.toThrow();
    const baseCodes = new Set(bases.map((p) => p.code));
    for (const plan of DEMO_PLANS) expect(() => checkPlanDefinition(plan, zoneCodes, baseCodes), plan.code).not.toThrow();
    expect(DEMO_ZONES.find((z) => z.code === 'GLOBAL')?.countries.length).toBeGreaterThan(100);
  });

  it('refuses plan definitions that do not hold together', () => {
    const baseCodes = new Set(bases.map((p) => p.code));
    const byCode = (code: string): PlanDefinition => {
      const plan = DEMO_PLANS.find((p) => p.code === code);
      if (plan === undefined) throw new Error(`no demo plan ${code}`);
      return plan;
    };
    const check = (def: PlanDefinition) => () => checkPlanDefinition(def, zoneCodes, baseCodes);
    const local = byCode('HK-LOCAL-30D');
    const topUp = byCode('TOPUP-DATA-3GB-EU');
    expect(codeOf(check({ ...local, zoneCode: 'MARS' }))).toBe('catalog.zone_not_found');
    expect(codeOf(check({ ...local, code: 'lower-case' }))).toBe('catalog.definition_invalid');
    expect(codeOf(check({ ...local, validityDays: 0 }))).toBe('catalog.definition_invalid');
    expect(codeOf(check({ ...local, overage: null }))).toBe('catalog.definition_invalid');
    // Overage must be priced in exactly the currencies the plan is sold in.
    expect(codeOf(check({ ...local, prices: [...local.prices, { currency: 'GBP', amountMinor: 990 }] }))).toBe('catalog.definition_invalid');
    expect(codeOf(check({ ...local, prices: [{ currency: 'HKD', amountMinor: 9.5 }] }))).toBe('catalog.definition_invalid');
    expect(codeOf(check({ ...local, texts: { ...local.texts, terms: { ...local.texts.terms, 'zh-TW': ' ' } } }))).toBe('catalog.definition_invalid');
    expect(codeOf(check({ ...local, availableFromMs: T0, availableUntilMs: T0 }))).toBe('catalog.definition_invalid');
    expect(codeOf(check({ ...topUp, validityDays: 7 }))).toBe('catalog.definition_invalid');
    expect(codeOf(check({ ...topUp, addonFor: ['NO-SUCH-PLAN'] }))).toBe('catalog.definition_invalid');
    expect(codeOf(() => checkZoneDefinition({ code: 'EU', names: DEMO_ZONES[0]?.names ?? local.texts.name, countries: ['FR', 'UK'] }))).toBe('catalog.definition_invalid');
  });

  it('has at least eight plans that differ the way real ones do', () => {
    expect(bases.length).toBeGreaterThanOrEqual(8);
    expect(new Set(bases.map((p) => p.validityDays))).toEqual(new Set([1, 7, 15, 30]));
    expect(new Set(bases.map((p) => p.scope))).toEqual(new Set(['local', 'roaming']));
    expect(bases.some((p) => p.allowances.voiceSeconds === 0 && p.allowances.smsCount === 0)).toBe(true);
    expect(bases.some((p) => p.allowances.voiceSeconds > 0 && p.allowances.smsCount > 0)).toBe(true);
    expect(bases.some((p) => p.overage?.data.mode === 'blocked')).toBe(true);
    expect(bases.some((p) => p.overage?.data.mode === 'rated')).toBe(true);
    const currencies = new Set(DEMO_PLANS.flatMap((p) => p.prices.map((m) => m.currency)));
    for (const c of ['CNY', 'HKD', 'TWD', 'USD', 'EUR', 'GBP'] as const) expect(currencies.has(c), c).toBe(true);
    expect(DEMO_PLANS.filter((p) => p.kind === 'addon').length).toBeGreaterThanOrEqual(1);
  });

  it('speaks all three languages, with Chinese in Chinese', () => {
    const han = /\p{Script=Han}/u;
    const texts = [...DEMO_PLANS.flatMap((p: PlanDefinition) => [p.texts.name, p.texts.description, p.texts.terms]), ...DEMO_ZONES.map((z) => z.names)];
    for (const text of texts) {
      expect(text['zh-CN'], text.en).toMatch(han);
      expect(text['zh-TW'], text.en).toMatch(han);
      expect(text.en).not.toMatch(han);
    }
  });
});
