import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../platform/assert.js';
import { ORDER_STATUSES, ORDER_TRANSITIONS, canMove, priceBreakdown } from './orders.js';

describe('order state machine', () => {
  it('allows exactly the transitions of the table', () => {
    const allowed = new Set(Object.entries(ORDER_TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => `${from}->${to}`)));
    for (const from of ORDER_STATUSES) {
      for (const to of ORDER_STATUSES) expect(canMove(from, to), `${from}->${to}`).toBe(allowed.has(`${from}->${to}`));
    }
  });

  it('moves a paid order only forward: fulfilled, failed or refunded', () => {
    expect(ORDER_TRANSITIONS.paid).toEqual(['fulfilled', 'failed', 'refunded']);
    expect(canMove('fulfilled', 'pending_payment')).toBe(false);
  });

  it('ends cancelled and expired orders for good', () => {
    expect(ORDER_TRANSITIONS.cancelled).toEqual([]);
    expect(ORDER_TRANSITIONS.expired).toEqual([]);
    expect(ORDER_TRANSITIONS.refunded).toEqual([]);
  });
});

describe('price breakdown', () => {
  const gbVat = (total: number) => Math.round((total * 2000) / 12000);

  it('adds fees after the discount and shows the tax contained in the total', () => {
    expect(priceBreakdown({ listPriceMinor: 2000, discountMinor: 200, feesMinor: 400, taxOf: gbVat })).toEqual({
      listPriceMinor: 2000, discountMinor: 200, feesMinor: 400, taxMinor: 367, totalMinor: 2200,
    });
  });

  it('allows a free order', () => {
    expect(priceBreakdown({ listPriceMinor: 500, discountMinor: 500, feesMinor: 0, taxOf: gbVat }).totalMinor).toBe(0);
  });

  it('refuses a discount above the price, negative amounts and fractions as programmer errors', () => {
    expect(() => priceBreakdown({ listPriceMinor: 500, discountMinor: 501, feesMinor: 0, taxOf: gbVat })).toThrow(AssertionError);
    expect(() => priceBreakdown({ listPriceMinor: -1, discountMinor: 0, feesMinor: 0, taxOf: gbVat })).toThrow(AssertionError);
    expect(() => priceBreakdown({ listPriceMinor: 10.5, discountMinor: 0, feesMinor: 0, taxOf: gbVat })).toThrow(AssertionError);
  });
});
