import { describe, expect, it } from 'vitest';
import { AssertionError } from './assert.js';
import { allocate, formatMoney, money, mulDivRound } from './money.js';

/** Intl separates some symbols with no-break spaces; compare with plain ones. */
function plain(text: string): string {
  return text.replace(/\s/g, ' ');
}

describe('mulDivRound', () => {
  it('computes exact results without rounding', () => {
    expect(mulDivRound(1000, 3, 4)).toBe(750);
    expect(mulDivRound(0, 7, 3)).toBe(0);
  });

  it('rounds halves away from zero', () => {
    expect(mulDivRound(5, 1, 2)).toBe(3);
    expect(mulDivRound(15, 1, 10)).toBe(2);
    expect(mulDivRound(25, 1, 10)).toBe(3);
    expect(mulDivRound(-5, 1, 2)).toBe(-3);
    expect(mulDivRound(-25, 1, 10)).toBe(-3);
    expect(mulDivRound(5, -1, 2)).toBe(-3);
  });

  it('rounds other fractions to the nearest integer, also below zero', () => {
    expect(mulDivRound(14, 1, 10)).toBe(1);
    expect(mulDivRound(16, 1, 10)).toBe(2);
    expect(mulDivRound(-14, 1, 10)).toBe(-1);
    expect(mulDivRound(-16, 1, 10)).toBe(-2);
    expect(mulDivRound(100, 1, 3)).toBe(33);
    expect(mulDivRound(200, 1, 3)).toBe(67);
    expect(mulDivRound(-200, 1, 3)).toBe(-67);
  });

  it('keeps precision when the intermediate product passes 2^53', () => {
    // 9_007_199_254_740_991 * 999 / 1000 = 8_998_192_055_486_250.009 → rounds down.
    expect(mulDivRound(Number.MAX_SAFE_INTEGER, 999, 1000)).toBe(8_998_192_055_486_250);
    // 1_372_160_135_765_344.39…: Math.round(a * n / d) in floating point gives …345.
    expect(mulDivRound(2_678_351_034_234_278, 416, 812)).toBe(1_372_160_135_765_344);
  });

  it('refuses fractional amounts, a zero or negative denominator and unsafe results', () => {
    expect(() => mulDivRound(1.5, 1, 2)).toThrow(AssertionError);
    expect(() => mulDivRound(10, 1, 0)).toThrow(AssertionError);
    expect(() => mulDivRound(10, 1, -2)).toThrow(AssertionError);
    expect(() => mulDivRound(10, 0.5, 2)).toThrow(AssertionError);
    expect(() => mulDivRound(Number.MAX_SAFE_INTEGER, 3, 1)).toThrow(AssertionError);
  });
});

describe('allocate', () => {
  const sum = (parts: number[]): number => parts.reduce((a, b) => a + b, 0);

  it('splits proportionally when the amount divides evenly', () => {
    expect(allocate(100, [1, 1, 2])).toEqual([25, 25, 50]);
  });

  it('always sums to the whole amount, for every split', () => {
    const cases: Array<[number, number[]]> = [
      [100, [1, 1, 1]], [1, [1, 1, 1]], [2, [1, 1, 1]], [999, [3, 7]], [-10, [1, 1, 1]], [-1, [2, 3]],
      [0, [5, 5]], [1999, [30, 30, 40]], [Number.MAX_SAFE_INTEGER, [3, 7]], [12_345, [17, 0, 83, 1]],
    ];
    for (const [amount, weights] of cases) {
      const parts = allocate(amount, weights);
      expect(parts, `${amount} over ${weights.join(':')}`).toHaveLength(weights.length);
      expect(sum(parts), `${amount} over ${weights.join(':')}`).toBe(amount);
      expect(parts.every((p) => Number.isSafeInteger(p))).toBe(true);
    }
  });

  it('keeps every part within one minor unit of its exact share', () => {
    for (const [amount, weights] of [[100, [1, 1, 1]], [1999, [30, 30, 40]], [7, [1, 2, 4]]] as const) {
      const total = sum([...weights]);
      allocate(amount, weights).forEach((part, i) => {
        expect(Math.abs(part - (amount * (weights[i] ?? 0)) / total)).toBeLessThan(1);
      });
    }
  });

  it('refuses weights that add up to zero', () => {
    expect(() => allocate(10, [0, 0])).toThrow(AssertionError);
    expect(() => allocate(10, [])).toThrow(AssertionError);
  });

  it('gives nothing to a part whose weight is zero', () => {
    expect(allocate(1, [0, 1, 1])).toEqual([0, 1, 0]);
    expect(allocate(5, [1, 99])).toEqual([0, 5]);
    expect(allocate(-7, [1, 1])).toEqual([-4, -3]);
  });
});

describe('formatMoney', () => {
  it('places the decimal point by the currency exponent', () => {
    expect(formatMoney(money(1999, 'USD'), 'en-US')).toBe('$19.99');
    expect(formatMoney(money(5, 'USD'), 'en-US')).toBe('$0.05');
    expect(formatMoney(money(123_456, 'GBP'), 'en-GB')).toBe('£1,234.56');
    expect(plain(formatMoney(money(123_456, 'EUR'), 'de-DE'))).toBe('1.234,56 €');
  });

  it('shows no decimals for currencies counted in whole units', () => {
    expect(formatMoney(money(1999, 'JPY'), 'en-US')).toBe('¥1,999');
    expect(formatMoney(money(1999, 'TWD'), 'en-US')).toBe('NT$1,999');
  });

  it('formats negative amounts and zero', () => {
    expect(formatMoney(money(-1999, 'USD'), 'en-US')).toBe('-$19.99');
    expect(formatMoney(money(0, 'CNY'), 'en-US')).toBe('CN¥0.00');
  });

  it('tells dollars apart where the locale would otherwise be ambiguous', () => {
    expect(formatMoney(money(1999, 'USD'), 'zh-CN')).toBe('US$19.99');
    expect(formatMoney(money(1999, 'HKD'), 'en-US')).toBe('HK$19.99');
  });
});
