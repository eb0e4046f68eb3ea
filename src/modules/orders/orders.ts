import type { Currency } from '../../platform/money.js';
import { assert } from '../../platform/assert.js';
import { MINUTE_MS } from '../../platform/clock.js';

/** The order state machine, as data: a status may move only to the ones listed for it. */
export const ORDER_STATUSES = ['pending_payment', 'paid', 'fulfilled', 'cancelled', 'failed', 'expired', 'refunded'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending_payment: ['paid', 'cancelled', 'expired', 'failed'],
  paid: ['fulfilled', 'failed', 'refunded'],
  fulfilled: ['refunded'],
  cancelled: [],
  failed: ['refunded'],
  expired: [],
  refunded: [],
};

export function canMove(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

/** `renewal` buys the next period of a base plan; `topup` adds an add-on to the current period; `new_sim` buys a SIM with its first period. */
export const ORDER_KINDS = ['renewal', 'topup', 'new_sim'] as const;
export type OrderKind = (typeof ORDER_KINDS)[number];

/** Who placed an order: the customer (`customer`), or auto-renew charging a saved method (`auto_renew`). */
export const ORDER_ORIGINS = ['customer', 'auto_renew'] as const;
export type OrderOrigin = (typeof ORDER_ORIGINS)[number];

export type NewSim =
  | { readonly type: 'esim' }
  | { readonly type: 'physical'; readonly shippingAddress: ShippingAddress };

export interface ShippingAddress {
  readonly name: string;
  readonly line1: string;
  readonly line2?: string;
  readonly city: string;
  readonly region?: string;
  readonly postalCode?: string;
  readonly country: string;
}

/** Unpaid orders expire after this long unless configured otherwise. */
export const DEFAULT_ORDER_TTL_MS = 30 * MINUTE_MS;

/** Shipping a physical SIM, per currency, in minor units (tax included). eSIMs ship for free. */
export const PHYSICAL_SIM_SHIPPING_MINOR: Readonly<Record<Currency, number>> = {
  CNY: 1500, HKD: 3000, TWD: 120, USD: 500, EUR: 500, GBP: 400, JPY: 600,
};

export interface PriceBreakdown {
  readonly listPriceMinor: number;
  readonly discountMinor: number;
  readonly feesMinor: number;
  /** The tax contained in the total (prices are tax-inclusive). */
  readonly taxMinor: number;
  readonly totalMinor: number;
}

/**
 * The arithmetic of a quote, in integer minor units: total = list − discount + fees, and the tax
 * shown is the part of that total that is tax at `taxRateBasisPoints` (1 bp = 0.01 %).
 */
export function priceBreakdown(input: {
  listPriceMinor: number; discountMinor: number; feesMinor: number; taxOf: (totalMinor: number) => number;
}): PriceBreakdown {
  const { listPriceMinor, discountMinor, feesMinor } = input;
  assert(Number.isSafeInteger(listPriceMinor) && listPriceMinor >= 0, 'list price must be a non-negative integer');
  assert(Number.isSafeInteger(discountMinor) && discountMinor >= 0 && discountMinor <= listPriceMinor, 'discount must be between 0 and the list price');
  assert(Number.isSafeInteger(feesMinor) && feesMinor >= 0, 'fees must be a non-negative integer');
  const totalMinor = listPriceMinor - discountMinor + feesMinor;
  return { listPriceMinor, discountMinor, feesMinor, taxMinor: input.taxOf(totalMinor), totalMinor };
}
