import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../platform/clock.js';
import type { CustomerRow } from '../accounts/index.js';
import type { Plan, PriceVersion } from './catalog.js';
import { noticeParams, priceNoticesTo, subscriberSteps, type NoticeableChange } from './price-changes.js';

const T0 = Date.UTC(2026, 10, 27, 9, 0, 0);
const version = (id: string, currency: PriceVersion['currency'], amountMinor: number, effectiveAtMs: number, subscriberEffectiveAtMs = effectiveAtMs): PriceVersion =>
  ({ id, currency, amountMinor, effectiveAtMs, subscriberEffectiveAtMs, scheduledAtMs: T0 });

const name = { en: 'Japan 7 days', 'zh-CN': '日本 7 天', 'zh-TW': '日本 7 天' };
const planWith = (prices: PriceVersion[]): Plan => ({ code: 'JP-7D', texts: { name, description: name, terms: name }, prices } as unknown as Plan);

function customer(overrides: Partial<CustomerRow> = {}): CustomerRow {
  return {
    id: 'cus_1', status: 'active', email: 'a@example.com', email_verified_at: T0, phone: '+85261234567', phone_country: 'HK', phone_verified_at: T0,
    password_hash: '', name: null, language: 'en', currency: null, marketing_opt_in: 0, created_at: T0, updated_at: T0, ...overrides,
  } as CustomerRow;
}

describe('price change notices', () => {
  const change = [version('prc_new_hkd', 'HKD', 11_800, T0 + DAY_MS, T0 + 40 * DAY_MS), version('prc_new_usd', 'USD', 1500, T0 + DAY_MS, T0 + 40 * DAY_MS), version('prc_new_eur', 'EUR', 1100, T0 + DAY_MS, T0 + 40 * DAY_MS)];
  const plan = planWith([version('prc_hkd', 'HKD', 9800, T0 - DAY_MS), version('prc_usd', 'USD', 1250, T0 - DAY_MS), ...change]);

  it('tells subscribers the price they pay before the stated date and after it, leaving out currencies that do not change for them', () => {
    expect(subscriberSteps(plan, change)).toEqual([
      { currency: 'HKD', oldAmountMinor: 9800, newAmountMinor: 11_800 },
      { currency: 'USD', oldAmountMinor: 1250, newAmountMinor: 1500 },
    ]);
    expect(subscriberSteps(planWith([version('a', 'HKD', 9800, T0), version('b', 'HKD', 9800, T0 + DAY_MS)]), [version('b', 'HKD', 9800, T0 + DAY_MS)])).toEqual([]);
  });

  it('shows the customer\'s currency when the change has it, every changed currency otherwise, in their language', () => {
    const noticeable: NoticeableChange = { id: 'pch_1', plan, effectiveAtMs: T0 + DAY_MS, subscriberEffectiveAtMs: T0 + 40 * DAY_MS, steps: subscriberSteps(plan, change) };
    expect(noticeParams(noticeable, { currency: 'USD' }, 'en')).toEqual({ plan: 'Japan 7 days', oldPrice: '$12.50', newPrice: '$15.00', effective: 'January 6, 2027 at 9:00 AM UTC' });
    expect(noticeParams(noticeable, { currency: null }, 'en')).toMatchObject({ oldPrice: 'HK$98.00 / $12.50', newPrice: 'HK$118.00 / $15.00' });
    expect(noticeParams(noticeable, { currency: 'GBP' }, 'zh-TW').plan).toBe('日本 7 天');
    expect(noticeParams(noticeable, { currency: 'GBP' }, 'zh-TW').effective).toContain('2027');

    const both = priceNoticesTo(customer({ language: 'zh-CN' }), noticeable);
    expect(both.map((m) => [m.channel, m.to, m.language, m.respectQuietHours ?? false])).toEqual([
      ['email', 'a@example.com', 'zh-CN', false], ['sms', '+85261234567', 'zh-CN', true],
    ]);
    expect(priceNoticesTo(customer({ phone_verified_at: null }), noticeable).map((m) => m.channel)).toEqual(['email']);
    expect(priceNoticesTo(customer({ email_verified_at: null, phone_verified_at: null }), noticeable)).toEqual([]);
    expect(priceNoticesTo(customer(), { ...noticeable, steps: [] })).toEqual([]);
  });
});
