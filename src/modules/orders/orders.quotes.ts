import type { Executor } from '../../platform/db/database.js';
import type { Currency } from '../../platform/money.js';
import { taxIncluded as taxIncludedOf, type Plan } from '../catalog/index.js';
import type { OrdersDeps, OrdersOptions } from './orders.context.js';
import { ordersErrors } from './orders.errors.js';
import { PHYSICAL_SIM_SHIPPING_MINOR, priceBreakdown, type NewSim, type OrderKind, type PriceBreakdown } from './orders.js';
import { hasPaidOrder } from './orders.repository.js';

export interface QuoteRequest {
  readonly kind: OrderKind;
  readonly planCode: string;
  readonly currency: Currency;
  readonly lineId?: string;
  readonly newSim?: NewSim;
  readonly promotionCode?: string;
  /** Where the customer is billed, for the tax rate; defaults to the country of their phone. */
  readonly billingCountry?: string;
}

export interface Quote extends PriceBreakdown {
  readonly kind: OrderKind;
  readonly plan: Plan;
  readonly currency: Currency;
  readonly lineId: string | null;
  readonly taxCountry: string;
  readonly taxRateBasisPoints: number;
  readonly promotion: { readonly id: string; readonly code: string; readonly bonusDataBytes: number } | null;
  /** The exact period the purchase covers if it were paid at `atMs`. */
  readonly periodStartsAtMs: number;
  readonly periodEndsAtMs: number;
}

/**
 * Prices a purchase without changing anything: list price (new or existing-subscriber price),
 * promotion, fees, the tax contained in the total, and the period it would cover.
 */
export function createQuoting(deps: OrdersDeps, options: OrdersOptions) {
  const { catalog, lines, accounts } = deps;

  function checkPlanKind(plan: Plan, kind: OrderKind): void {
    const expected = kind === 'topup' ? 'addon' : 'base';
    if (plan.kind !== expected) throw ordersErrors.planKindMismatch(expected);
  }

  async function periodOf(db: Executor, request: QuoteRequest, plan: Plan, atMs: number): Promise<{ startsAtMs: number; endsAtMs: number; existingSubscriber: boolean }> {
    if (request.kind === 'new_sim') {
      return { startsAtMs: atMs, endsAtMs: atMs + (plan.validityDays ?? 0) * 86_400_000, existingSubscriber: false };
    }
    const lineId = request.lineId ?? '';
    const current = await lines.currentPeriod(db, lineId, atMs);
    if (request.kind === 'topup') {
      if (current === undefined) throw ordersErrors.noActivePeriod();
      if (plan.addonFor !== null && !plan.addonFor.includes(current.planCode)) throw ordersErrors.planKindMismatch('addon');
      return { startsAtMs: atMs, endsAtMs: current.endsAtMs, existingSubscriber: false };
    }
    const next = await lines.nextPeriodFor(db, lineId, { atMs, validityDays: plan.validityDays ?? 0 });
    return { ...next, existingSubscriber: current?.planCode === plan.code };
  }

  return async function quote(db: Executor, customerId: string, request: QuoteRequest, atMs: number): Promise<Quote> {
    if (request.kind === 'new_sim' && request.newSim === undefined) throw ordersErrors.newSimRequired();
    if (request.kind !== 'new_sim' && request.lineId === undefined) throw ordersErrors.lineRequired();
    const plan = await catalog.getPlan(request.planCode);
    checkPlanKind(plan, request.kind);
    // Someone else's line answers exactly like an unknown one.
    if (request.lineId !== undefined && request.kind !== 'new_sim') await lines.getLine(db, customerId, request.lineId);
    const period = await periodOf(db, request, plan, atMs);
    const price = await catalog.priceFor(plan.code, request.currency, { atMs, existingSubscriber: period.existingSubscriber });
    const promotion = request.promotionCode === undefined ? null : await catalog.checkPromotion(db, {
      code: request.promotionCode, customerId, planCode: plan.code, currency: request.currency,
      listPriceMinor: price.amountMinor, isFirstOrder: !(await hasPaidOrder(db, customerId)), atMs,
    });
    const customer = await accounts.profile.getCustomer(customerId);
    const taxCountry = request.billingCountry ?? customer.phone_country ?? options.defaultTaxCountry ?? 'HK';
    const taxRate = catalog.taxRateBasisPoints(taxCountry);
    const feesMinor = request.newSim?.type === 'physical' ? PHYSICAL_SIM_SHIPPING_MINOR[request.currency] : 0;
    const breakdown = priceBreakdown({
      listPriceMinor: price.amountMinor,
      discountMinor: promotion?.discountMinor ?? 0,
      feesMinor,
      taxOf: (totalMinor) => taxIncludedOf(totalMinor, taxRate),
    });
    return {
      ...breakdown, kind: request.kind, plan, currency: request.currency, lineId: request.lineId ?? null,
      taxCountry, taxRateBasisPoints: taxRate,
      promotion: promotion === null ? null : { id: promotion.promotionId, code: promotion.code, bonusDataBytes: promotion.bonusDataBytes },
      periodStartsAtMs: period.startsAtMs, periodEndsAtMs: period.endsAtMs,
    };
  };
}

export type Quoting = ReturnType<typeof createQuoting>;
