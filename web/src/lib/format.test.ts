import { describe, expect, it } from 'vitest';
import { countryName, formatBytes, formatMoney, formatPeriod, percent } from './format';
import { matchesLength, priceIn } from './plans';
import type { PlanView } from '../api/types';

describe('formatting for people', () => {
  it('formats integer minor units with the currency\'s own decimals', () => {
    expect(formatMoney(1999, 'USD', 'en')).toBe('$19.99');
    expect(formatMoney(499, 'TWD', 'zh-TW')).toBe('$499');
    expect(formatMoney(600, 'JPY', 'en')).toBe('¥600');
    expect(formatMoney(9800, 'HKD', 'zh-CN')).toBe('HK$98.00');
    expect(formatMoney(12345, 'CNY', 'zh-CN')).toBe('¥123.45');
  });

  it('shows data in binary units as the plans count them', () => {
    expect(formatBytes(5 * 1024 ** 3, 'en')).toBe('5 GB');
    expect(formatBytes(1.5 * 1024 ** 3, 'en')).toBe('1.5 GB');
    expect(formatBytes(300 * 1024 ** 2, 'en')).toBe('300 MB');
  });

  it('names countries in the reader\'s language', () => {
    expect(countryName('JP', 'en')).toBe('Japan');
    expect(countryName('JP', 'zh-CN')).toBe('日本');
    expect(countryName('KR', 'zh-TW')).toBe('南韓');
  });

  it('writes a period as one range with the time zone', () => {
    const text = formatPeriod('2026-11-27T09:00:00.000Z', '2026-12-04T09:00:00.000Z', 'en');
    expect(text).toContain('Nov 27');
    expect(text).toContain('Dec 4');
    expect(text).toMatch(/UTC|GMT/);
  });

  it('clamps bar percentages', () => {
    expect(percent(5, 10)).toBe(50);
    expect(percent(11, 10)).toBe(100);
    expect(percent(1, 0)).toBe(0);
  });

  it('picks the price in the chosen currency and filters by length', () => {
    const plan = { validityDays: 7, prices: [{ currency: 'HKD', amountMinor: 9800 }, { currency: 'USD', amountMinor: 1250 }] } as unknown as PlanView;
    expect(priceIn(plan, 'USD')).toEqual({ currency: 'USD', amountMinor: 1250 });
    expect(priceIn(plan, 'EUR')).toEqual({ currency: 'HKD', amountMinor: 9800 });
    expect(matchesLength(plan, 'week')).toBe(true);
    expect(matchesLength(plan, 'short')).toBe(false);
  });
});
