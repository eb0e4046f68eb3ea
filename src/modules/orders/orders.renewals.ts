import { assert } from '../../platform/assert.js';
import type { Executor, Tx } from '../../platform/db/database.js';
import { DomainError, NotFoundError } from '../../platform/errors.js';
import type { Language } from '../../platform/i18n.js';
import { enqueueJobs } from '../../platform/jobs/index.js';
import { isCurrency, type Currency } from '../../platform/money.js';
import type { CustomerRow } from '../accounts/index.js';
import { selectPrice, taxIncluded, unavailabilityAt, type Plan } from '../catalog/index.js';
import { nextPeriod, type LineRenewalState } from '../lines/index.js';
import type { OrdersDeps, OrdersOptions } from './orders.context.js';
import { ordersErrors } from './orders.errors.js';
import { allowanceGrants, confirmationMessages } from './orders.fulfilment.js';
import { priceBreakdown, type OrderStatus } from './orders.js';
import { EXPIRE_ORDER_JOB, FULFIL_ORDER_JOB } from './orders.service.js';
import {
  findOrdersByIds, insertOrderEvents, insertOrders, lockOrders, moveOrder, moveOrders,
  type NewOrderRow, type OrderEventTable, type OrderRow,
} from './orders.repository.js';

/** A renewal that auto-renew places for a customer who is not there. */
export interface RenewalOrderRequest {
  readonly lineId: string;
  readonly customerId: string;
  readonly planCode: string;
  readonly currency: Currency;
  /**
   * When the customer confirmed this renewal and its price (the auto-renew policy). A switch to
   * another plan whose price change was scheduled after that pays the old price until the change's
   * stated date, as the plan's subscribers do: the customer is told of it like them.
   */
  readonly confirmedAtMs: number;
  /** Until when the order may be paid (by hand, after automatic attempts failed). */
  readonly expiresAtMs: number;
}

/** What a renewal costs and covers if it is bought at `atMs`. */
export interface RenewalPrice {
  readonly planCode: string;
  readonly currency: Currency;
  readonly listPriceMinor: number;
  readonly taxMinor: number;
  readonly totalMinor: number;
  readonly periodStartsAtMs: number;
  readonly periodEndsAtMs: number;
}

export interface RenewalOrder extends RenewalPrice {
  readonly orderId: string;
  readonly lineId: string;
  readonly customerId: string;
  readonly language: Language;
}

export type RenewalOrderResult = { readonly ok: true; readonly order: RenewalOrder } | { readonly ok: false; readonly error: DomainError };

export interface PaidOrder {
  readonly orderId: string;
  readonly paymentId: string;
  readonly amountMinor: number;
  readonly currency: Currency;
}

/** What other modules may know of an order (renewals follow the orders they placed). */
export interface OrderSummary {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly lineId: string | null;
  readonly totalMinor: number;
  readonly currency: Currency;
  readonly expiresAtMs: number;
  readonly lastPaymentFailure: string | null;
}

/** The most renewal orders one call opens or settles. */
export const MAX_RENEWAL_ORDERS = 2000;

/**
 * The price of renewing the line with `plan` at `atMs`: the existing-subscriber price when the
 * line already has this plan (so a price change reaches it only from the date its subscribers were
 * told), the new-order price otherwise, except that a change scheduled after the customer confirmed
 * the switch at `confirmedAtMs` reaches it only from that same date; tax is contained in it (prices
 * are tax-inclusive).
 */
export function priceRenewal(
  plan: Plan, state: LineRenewalState, currency: Currency, atMs: number, taxRateBasisPoints: number, confirmedAtMs: number,
): RenewalPrice | DomainError {
  if (plan.kind !== 'base' || plan.validityDays === null) return ordersErrors.planKindMismatch('base');
  const latest = state.latest;
  const existingSubscriber = latest?.planCode === plan.code;
  if (!existingSubscriber) {
    const why = unavailabilityAt(plan, atMs);
    if (why !== undefined) return new DomainError('catalog.plan_not_available', `The plan ${plan.code} cannot be ordered now (${why})`, { planCode: plan.code, reason: why });
  }
  const version = selectPrice(plan.prices, currency, existingSubscriber
    ? { atMs, existingSubscriber, ...(latest !== undefined ? { subscribedAtMs: latest.createdAtMs } : {}) }
    : { atMs, existingSubscriber, agreedAtMs: confirmedAtMs });
  if (version === undefined) return new DomainError('catalog.currency_not_offered', `The plan ${plan.code} is not sold in ${currency}`, { planCode: plan.code, currency });
  const period = nextPeriod({ periods: latest === undefined ? [] : [latest], atMs, validityDays: plan.validityDays });
  const breakdown = priceBreakdown({ listPriceMinor: version.amountMinor, discountMinor: 0, feesMinor: 0, taxOf: (total) => taxIncluded(total, taxRateBasisPoints) });
  return {
    planCode: plan.code, currency, listPriceMinor: breakdown.listPriceMinor, taxMinor: breakdown.taxMinor, totalMinor: breakdown.totalMinor,
    periodStartsAtMs: period.startsAtMs, periodEndsAtMs: period.endsAtMs,
  };
}

/**
 * Renewal orders in batches, for auto-renew: opening many orders in one transaction, and settling
 * many paid ones (`markOrdersPaid`, the payments gateway's batch form) with the period, the
 * allowances and the confirmation written in the same transaction as the payment.
 */
export function createRenewalOrders(deps: OrdersDeps, options: OrdersOptions) {
  const { database, clock, ids, catalog, lines, balances, notifications, accounts } = deps;

  async function plansOf(executor: Executor, codes: readonly string[]): Promise<Map<string, Plan>> {
    const plans = new Map<string, Plan>();
    for (const code of new Set(codes)) {
      const plan = await catalog.findPlan(code, executor);
      if (plan !== undefined) plans.set(code, plan);
    }
    return plans;
  }

  function taxCountryOf(customer: CustomerRow): string {
    return customer.phone_country ?? options.defaultTaxCountry ?? 'HK';
  }

  /** The price of one renewal at `atMs` (the auto-renew preview); throws what opening the order would refuse. */
  async function quoteRenewal(executor: Executor, request: Omit<RenewalOrderRequest, 'expiresAtMs'>, atMs: number): Promise<RenewalPrice> {
    const state = (await lines.renewalStatesOf(executor, [request.lineId])).get(request.lineId);
    if (state === undefined || state.line.customerId !== request.customerId) throw new NotFoundError('line');
    const plan = await catalog.getPlan(request.planCode, executor);
    const customer = await accounts.profile.getCustomer(request.customerId, executor);
    const price = priceRenewal(plan, state, request.currency, atMs, catalog.taxRateBasisPoints(taxCountryOf(customer)), request.confirmedAtMs);
    if (price instanceof DomainError) throw price;
    return price;
  }

  function orderRow(request: RenewalOrderRequest, price: RenewalPrice, customer: CustomerRow, taxRate: number, nowMs: number): NewOrderRow {
    return {
      id: ids('ord'), customer_id: request.customerId, kind: 'renewal', status: 'pending_payment', line_id: request.lineId, plan_code: price.planCode,
      currency: price.currency, list_price_minor: price.listPriceMinor, discount_minor: 0, fees_minor: 0, tax_minor: price.taxMinor,
      tax_rate_bp: taxRate, tax_country: taxCountryOf(customer), total_minor: price.totalMinor, promotion_id: null, promotion_code: null,
      bonus_data_bytes: 0, period_starts_at: price.periodStartsAtMs, period_ends_at: price.periodEndsAtMs, new_sim_type: null, shipping_address: null,
      contact_phone: customer.phone_verified_at !== null ? customer.phone : null,
      contact_email: customer.email_verified_at !== null ? customer.email : null,
      language: customer.language, last_payment_failure: null, expires_at: request.expiresAtMs,
      paid_at: null, fulfilled_at: null, closed_at: null, created_at: nowMs, updated_at: nowMs, origin: 'auto_renew',
    };
  }

  /**
   * Opens one `pending_payment` renewal order per request (origin `auto_renew`), priced now, in the
   * caller's transaction, with a few multi-row statements. Its expiry job comes with `scheduleExpiry`. A request that cannot be priced gets its
   * error (`request.not_found`, `catalog.plan_not_found`, `orders.plan_kind_mismatch`,
   * `catalog.plan_not_available`, `catalog.currency_not_offered`) and opens nothing; the others open.
   */
  async function openRenewalOrders(tx: Tx, requests: readonly RenewalOrderRequest[]): Promise<RenewalOrderResult[]> {
    assert(requests.length <= MAX_RENEWAL_ORDERS, `at most ${MAX_RENEWAL_ORDERS} renewal orders per call`);
    if (requests.length === 0) return [];
    const nowMs = clock.nowMs();
    const states = await lines.renewalStatesOf(tx, requests.map((r) => r.lineId));
    const customers = await accounts.profile.getCustomers(tx, requests.map((r) => r.customerId));
    const plans = await plansOf(tx, requests.map((r) => r.planCode));
    const rows: NewOrderRow[] = [];
    const results = requests.map((request): RenewalOrderResult => {
      const state = states.get(request.lineId);
      const customer = customers.get(request.customerId);
      if (state === undefined || customer === undefined || state.line.customerId !== request.customerId) return { ok: false, error: new NotFoundError('line') };
      const plan = plans.get(request.planCode);
      if (plan === undefined) return { ok: false, error: new DomainError('catalog.plan_not_found', `No plan ${request.planCode}`, { planCode: request.planCode }) };
      assert(isCurrency(request.currency), 'a renewal is in a supported currency');
      const taxRate = catalog.taxRateBasisPoints(taxCountryOf(customer));
      const price = priceRenewal(plan, state, request.currency, nowMs, taxRate, request.confirmedAtMs);
      if (price instanceof DomainError) return { ok: false, error: price };
      const row = orderRow(request, price, customer, taxRate, nowMs);
      rows.push(row);
      return { ok: true, order: { ...price, orderId: row.id, lineId: request.lineId, customerId: request.customerId, language: customer.language as Language } };
    });
    await insertOrders(tx, rows);
    // No expiry job yet: most renewals are paid at once. The caller, which follows each order, asks
    // for it (`scheduleExpiry`) when it leaves an order to the customer.
    await insertOrderEvents(tx, rows.map((row) => event(row.id, 'pending_payment', { origin: 'auto_renew' }, nowMs)));
    return results;
  }

  /** Queues the expiry job of unpaid renewal orders left to the customer (idempotent: one job per order ever). */
  async function scheduleExpiry(tx: Tx, orderIds: readonly string[]): Promise<void> {
    if (orderIds.length === 0) return;
    const open = (await findOrdersByIds(tx, [...new Set(orderIds)])).filter((o) => o.status === 'pending_payment');
    await enqueueJobs(tx, ids, clock, open.map((o) => ({
      kind: EXPIRE_ORDER_JOB, payload: { orderId: o.id }, runAtMs: o.expires_at, dedupeKey: `${EXPIRE_ORDER_JOB}:${o.id}`,
    })));
  }

  function event(orderId: string, status: string, detail: Record<string, unknown>, nowMs: number): OrderEventTable {
    return { id: ids('evt'), order_id: orderId, status, detail: JSON.stringify(detail), created_at: nowMs };
  }

  /**
   * Fulfils paid renewals in the caller's transaction: each order's period follows the line's latest
   * one (or starts now), its allowances are granted and its confirmation queued. Returns the orders
   * it could not place (another order took that period): they are left to the fulfilment job.
   */
  async function fulfilRenewals(tx: Tx, orders: readonly OrderRow[], paymentOf: ReadonlyMap<string, string>): Promise<OrderRow[]> {
    const nowMs = clock.nowMs();
    const states = new Map(await lines.renewalStatesOf(tx, orders.map((o) => o.line_id ?? '')));
    const plans = await plansOf(tx, orders.map((o) => o.plan_code));
    const placed = orders.map((order) => {
      const state = states.get(order.line_id ?? '');
      const plan = plans.get(order.plan_code);
      assert(state !== undefined && state.line.customerId === order.customer_id, `renewal ${order.id} is for a line of its customer`);
      assert(plan !== undefined && plan.validityDays !== null, `renewal ${order.id} has a base plan`);
      const period = nextPeriod({ periods: state.latest === undefined ? [] : [state.latest], atMs: nowMs, validityDays: plan.validityDays });
      // A second order for the same line in this batch follows the first one.
      states.set(state.line.id, { ...state, latest: { id: '', lineId: state.line.id, planCode: plan.code, ...period, orderId: order.id, createdAtMs: nowMs } });
      return { order, plan, state, period };
    });
    const added = await lines.addPeriods(tx, placed.map((p) => ({ lineId: p.state.line.id, planCode: p.plan.code, ...p.period, orderId: p.order.id })));
    const done = placed.filter((_, i) => added[i]?.ok === true);
    await balances.grantMany(tx, done.flatMap((p) => allowanceGrants(p.order, p.plan, p.state.line.id, p.period.startsAtMs, p.period.endsAtMs)));
    // The usual case: the period is the one quoted when the order opened; only late ones differ.
    const asQuoted = done.filter((p) => p.order.period_starts_at === p.period.startsAtMs && p.order.period_ends_at === p.period.endsAtMs);
    const moved = await moveOrders(tx, asQuoted.map((p) => p.order.id), ['pending_payment'], 'fulfilled', nowMs, { paid_at: nowMs, fulfilled_at: nowMs });
    assert(moved === asQuoted.length, 'renewal orders left pending_payment while being settled');
    for (const p of done.filter((x) => !asQuoted.includes(x))) {
      const ok = await moveOrder(tx, p.order.id, ['pending_payment'], 'fulfilled', nowMs, {
        paid_at: nowMs, fulfilled_at: nowMs, period_starts_at: p.period.startsAtMs, period_ends_at: p.period.endsAtMs,
      });
      assert(ok, `renewal ${p.order.id} left pending_payment while being settled`);
    }
    await insertOrderEvents(tx, done.flatMap((p) => [
      event(p.order.id, 'paid', { paymentId: paymentOf.get(p.order.id) }, nowMs),
      event(p.order.id, 'fulfilled', { lineId: p.state.line.id }, nowMs),
    ]));
    // An automatic renewal runs when its time comes, often in the customer's night, and nobody is
    // waiting for its confirmation: the SMS waits for the morning like the other renewal notices.
    await notifications.queueMany(tx, done.flatMap((p) => confirmationMessages(p.order, p.plan, p.state.line.msisdn, p.period.endsAtMs)));
    return placed.filter((_, i) => added[i]?.ok !== true).map((p) => p.order);
  }

  /**
   * The batch form of the gateway's `markOrderPaid`: marks the orders paid exactly once (a status
   * guard, under row locks on PostgreSQL) and returns the ids it paid. Renewals are fulfilled in
   * this same transaction; other orders (a new SIM needs stock) go to the fulfilment job as usual.
   * Throws `orders.amount_mismatch` when a payment does not match its order (payments checks first).
   */
  async function markOrdersPaid(tx: Tx, payments: readonly PaidOrder[]): Promise<Set<string>> {
    assert(payments.length <= MAX_RENEWAL_ORDERS, `at most ${MAX_RENEWAL_ORDERS} orders per call`);
    const paymentOf = new Map(payments.map((p) => [p.orderId, p.paymentId]));
    const orders = (await lockOrders(tx, database.dialect, [...paymentOf.keys()])).filter((o) => o.status === 'pending_payment');
    for (const order of orders) {
      const payment = payments.find((p) => p.orderId === order.id);
      if (payment === undefined || order.total_minor !== payment.amountMinor || order.currency !== payment.currency) throw ordersErrors.amountMismatch();
    }
    const inline = orders.filter((o) => o.kind === 'renewal' && o.line_id !== null);
    const unplaced = await fulfilRenewals(tx, inline, paymentOf);
    const byJob = [...orders.filter((o) => !inline.includes(o)), ...unplaced];
    const nowMs = clock.nowMs();
    await moveOrders(tx, byJob.map((o) => o.id), ['pending_payment'], 'paid', nowMs, { paid_at: nowMs });
    await insertOrderEvents(tx, byJob.map((o) => event(o.id, 'paid', { paymentId: paymentOf.get(o.id) }, nowMs)));
    await enqueueJobs(tx, ids, clock, byJob.map((o) => ({ kind: FULFIL_ORDER_JOB, payload: { orderId: o.id }, dedupeKey: `${FULFIL_ORDER_JOB}:${o.id}` })));
    return new Set(orders.map((o) => o.id));
  }

  /**
   * Cancels renewal orders still waiting for payment (the line was renewed another way first), in
   * the caller's transaction; a payment that still succeeds for one of them is refunded by payments.
   */
  async function cancelRenewalOrders(tx: Tx, orderIds: readonly string[], reason: string): Promise<number> {
    if (orderIds.length === 0) return 0;
    const nowMs = clock.nowMs();
    const open = (await lockOrders(tx, database.dialect, orderIds)).filter((o) => o.status === 'pending_payment' && o.kind === 'renewal');
    const moved = await moveOrders(tx, open.map((o) => o.id), ['pending_payment'], 'cancelled', nowMs, { closed_at: nowMs });
    assert(moved === open.length, 'renewal orders moved while locked');
    await insertOrderEvents(tx, open.map((o) => event(o.id, 'cancelled', { reason }, nowMs)));
    return moved;
  }

  /** Orders by id, as other modules may see them; unknown ids are absent. */
  async function findOrders(executor: Executor, orderIds: readonly string[]): Promise<Map<string, OrderSummary>> {
    const rows = await findOrdersByIds(executor, [...new Set(orderIds)]);
    return new Map(rows.map((o) => [o.id, {
      orderId: o.id, customerId: o.customer_id, status: o.status, lineId: o.line_id, totalMinor: o.total_minor,
      currency: o.currency as Currency, expiresAtMs: o.expires_at, lastPaymentFailure: o.last_payment_failure,
    }]));
  }

  return { openRenewalOrders, quoteRenewal, markOrdersPaid, cancelRenewalOrders, scheduleExpiry, findOrders };
}

export type RenewalOrders = ReturnType<typeof createRenewalOrders>;
