import { inTransaction, type Executor, type Tx } from '../../platform/db/database.js';
import { DomainError, NotFoundError } from '../../platform/errors.js';
import { parseContact } from '../accounts/index.js';
import { requestHash, withIdempotency } from '../../platform/idempotency.js';
import { enqueueJob } from '../../platform/jobs/index.js';
import type { Language } from '../../platform/i18n.js';
import type { Currency } from '../../platform/money.js';
import type { OrderGateway, PayableOrder } from '../payments/payments.gateway.js';
import type { OrdersDeps, OrdersOptions } from './orders.context.js';
import { ordersErrors } from './orders.errors.js';
import { DEFAULT_ORDER_TTL_MS, type OrderStatus, type ShippingAddress } from './orders.js';
import { createQuoting, type QuoteRequest } from './orders.quotes.js';
import {
  findCustomerOrder, findOrder, findOrdersByIds, insertOrder, insertOrderEvent, listCustomerOrders, listOrderEvents, lockOrder, moveOrder,
  updateOrder, type OrderEventRow, type OrderRow,
} from './orders.repository.js';

export const EXPIRE_ORDER_JOB = 'orders.expire';
export const FULFIL_ORDER_JOB = 'orders.fulfil';
const ORDERS_PAGE_LIMIT = 50;
/** More time for an order whose payment is still in flight when it would expire. */
const PAYMENT_IN_FLIGHT_GRACE_MS = 10 * 60_000;

export interface CreateOrderRequest extends QuoteRequest {
  readonly contact?: { readonly phone?: string; readonly email?: string };
}

/** Quotes, orders and their state machine; also the `OrderGateway` the payments module uses. */
export function createOrdersCore(deps: OrdersDeps, options: OrdersOptions = {}) {
  const { database, clock, ids, accounts } = deps;
  const db = database.db;
  const quote = createQuoting(deps, options);
  const ttlMs = options.orderTtlMs ?? DEFAULT_ORDER_TTL_MS;

  async function recordEvent(tx: Executor, orderId: string, status: OrderStatus | 'payment_failed', detail: Record<string, unknown> = {}): Promise<void> {
    await insertOrderEvent(tx, { id: ids('evt'), order_id: orderId, status, detail: JSON.stringify(detail), created_at: clock.nowMs() });
  }

  /** Moves a paid order on to fulfilment, in the caller's transaction (exactly once by the status guard). */
  async function markPaid(tx: Tx, orderId: string, paymentId: string): Promise<boolean> {
    const nowMs = clock.nowMs();
    if (!(await moveOrder(tx, orderId, ['pending_payment'], 'paid', nowMs, { paid_at: nowMs }))) return false;
    await recordEvent(tx, orderId, 'paid', { paymentId });
    await enqueueJob(tx, ids, clock, { kind: FULFIL_ORDER_JOB, payload: { orderId }, dedupeKey: `${FULFIL_ORDER_JOB}:${orderId}` });
    return true;
  }

  async function contactsOf(customerId: string, request: CreateOrderRequest): Promise<{ phone: string | null; email: string | null; language: Language }> {
    const customer = await accounts.profile.getCustomer(customerId);
    const given = (value: string | undefined, kind: 'phone' | 'email'): string | undefined => {
      if (value === undefined) return undefined;
      const contact = parseContact(value);
      if (contact.kind !== kind) throw new DomainError('accounts.contact_invalid', `contact.${kind} is not a valid ${kind === 'phone' ? 'mobile number' : 'e-mail address'}`);
      return contact.value;
    };
    const phone = given(request.contact?.phone, 'phone') ?? (customer.phone_verified_at !== null ? customer.phone : null);
    const email = given(request.contact?.email, 'email') ?? (customer.email_verified_at !== null ? customer.email : null);
    if (phone === null && email === null) throw ordersErrors.contactRequired();
    return { phone, email, language: customer.language as Language };
  }

  async function createOrder(customerId: string, request: CreateOrderRequest, idempotencyKey: string | undefined): Promise<{ order: OrderRow; replayed: boolean }> {
    const ref = idempotencyKey === undefined ? undefined : { scope: `orders:${customerId}`, key: idempotencyKey, hash: requestHash(request) };
    const { resourceId, replayed } = await withIdempotency(db, ref, clock.nowMs(), async (complete) => {
      const contacts = await contactsOf(customerId, request);
      // Pricing only reads; what must hold under concurrency (promotion limits, exactly one order
      // per key) is enforced by the writes of the transaction below.
      const q = await quote(db, customerId, request, clock.nowMs());
      return inTransaction(db, async (tx) => {
        const nowMs = clock.nowMs();
        const orderId = ids('ord');
        await insertOrder(tx, {
          id: orderId, customer_id: customerId, kind: q.kind, status: 'pending_payment', line_id: q.lineId, plan_code: q.plan.code,
          currency: q.currency, list_price_minor: q.listPriceMinor, discount_minor: q.discountMinor, fees_minor: q.feesMinor,
          tax_minor: q.taxMinor, tax_rate_bp: q.taxRateBasisPoints, tax_country: q.taxCountry, total_minor: q.totalMinor,
          promotion_id: q.promotion?.id ?? null, promotion_code: q.promotion?.code ?? null, bonus_data_bytes: q.promotion?.bonusDataBytes ?? 0,
          period_starts_at: q.periodStartsAtMs, period_ends_at: q.periodEndsAtMs,
          new_sim_type: request.newSim?.type ?? null,
          shipping_address: request.newSim?.type === 'physical' ? JSON.stringify(request.newSim.shippingAddress satisfies ShippingAddress) : null,
          contact_phone: contacts.phone, contact_email: contacts.email, language: contacts.language, last_payment_failure: null,
          expires_at: nowMs + ttlMs, paid_at: null, fulfilled_at: null, closed_at: null, created_at: nowMs, updated_at: nowMs,
        });
        await recordEvent(tx, orderId, 'pending_payment');
        // The code is counted now (a reservation) and given back if the order is cancelled or expires.
        if (q.promotion !== null) await deps.catalog.redeemPromotion(tx, { promotionId: q.promotion.id, customerId, orderId, atMs: nowMs });
        await enqueueJob(tx, ids, clock, { kind: EXPIRE_ORDER_JOB, payload: { orderId }, runAtMs: nowMs + ttlMs, dedupeKey: `${EXPIRE_ORDER_JOB}:${orderId}` });
        if (q.totalMinor === 0) await markPaid(tx, orderId, 'free');
        await complete(tx, orderId);
        return orderId;
      });
    });
    const order = await findOrder(db, resourceId);
    if (order === undefined) throw new NotFoundError('order');
    return { order, replayed };
  }

  /** Ends an unpaid order (cancelled by the customer or expired) and gives a reserved promotion back. */
  async function closeUnpaid(orderId: string, to: 'cancelled' | 'expired', customerId?: string): Promise<OrderRow> {
    return inTransaction(db, async (tx) => {
      const order = await lockOrder(tx, database.dialect, orderId);
      if (order === undefined || (customerId !== undefined && order.customer_id !== customerId)) throw new NotFoundError('order');
      if (order.status !== 'pending_payment') {
        if (to === 'cancelled') throw ordersErrors.notCancellable(order.status);
        return order;
      }
      const nowMs = clock.nowMs();
      // A job that runs early (clocks differ between nodes) retries later rather than losing the expiry.
      if (to === 'expired' && order.expires_at > nowMs) throw new Error(`order ${orderId} is not due to expire yet`);
      if (to === 'expired' && (await options.hasOpenPayment?.(tx, orderId)) === true) {
        const expiresAtMs = nowMs + PAYMENT_IN_FLIGHT_GRACE_MS;
        await updateOrder(tx, orderId, { expires_at: expiresAtMs, updated_at: nowMs });
        await enqueueJob(tx, ids, clock, { kind: EXPIRE_ORDER_JOB, payload: { orderId }, runAtMs: expiresAtMs, dedupeKey: `${EXPIRE_ORDER_JOB}:${orderId}:${expiresAtMs}` });
        return order;
      }
      await moveOrder(tx, orderId, ['pending_payment'], to, nowMs, { closed_at: nowMs });
      await deps.catalog.releasePromotion(tx, orderId);
      await recordEvent(tx, orderId, to);
      return (await findOrder(tx, orderId)) ?? order;
    });
  }

  const toPayable = (order: OrderRow): PayableOrder => ({
    orderId: order.id, customerId: order.customer_id, status: order.status, totalMinor: order.total_minor,
    currency: order.currency as Currency, language: order.language as Language, returnPath: `/orders/${order.id}`,
  });

  const gateway: OrderGateway = {
    async getPayableOrder(executor, customerId, orderId) {
      const order = await findCustomerOrder(executor, customerId, orderId);
      if (order === undefined) throw new NotFoundError('order');
      if (order.status === 'pending_payment' && order.expires_at <= clock.nowMs()) throw ordersErrors.notPayable('expired');
      return toPayable(order);
    },
    async findPayableOrder(executor, orderId) {
      const order = await findOrder(executor, orderId);
      return order === undefined ? undefined : toPayable(order);
    },
    async findPayableOrders(executor, orderIds) {
      return new Map((await findOrdersByIds(executor, [...new Set(orderIds)])).map((order) => [order.id, toPayable(order)]));
    },
    async markOrderPaid(tx, orderId, payment) {
      const order = await lockOrder(tx, database.dialect, orderId);
      if (order === undefined) return false;
      if (order.total_minor !== payment.amountMinor || order.currency !== payment.currency) throw ordersErrors.amountMismatch();
      return markPaid(tx, orderId, payment.paymentId);
    },
    async notePaymentFailed(tx, orderId, payment) {
      await updateOrder(tx, orderId, { last_payment_failure: payment.failureCode, updated_at: clock.nowMs() });
      await recordEvent(tx, orderId, 'payment_failed', { paymentId: payment.paymentId, failureCode: payment.failureCode });
    },
    /** Full staff refund: the order ends `refunded` and its unused allowances are taken back, once. */
    async markOrderRefunded(tx, orderId, refund) {
      const nowMs = clock.nowMs();
      if (!(await moveOrder(tx, orderId, ['paid', 'fulfilled', 'failed'], 'refunded', nowMs, { closed_at: nowMs }))) return;
      await recordEvent(tx, orderId, 'refunded', { paymentId: refund.paymentId, refundId: refund.refundId });
      await deps.balances.refundUnused(tx, { sourceId: orderId, idempotencyKey: `order:${orderId}:refund` });
    },
  };

  return {
    gateway,
    quote: (customerId: string, request: QuoteRequest) => quote(db, customerId, request, clock.nowMs()),
    createOrder,
    async getOrder(customerId: string, orderId: string): Promise<{ order: OrderRow; events: OrderEventRow[] }> {
      const order = await findCustomerOrder(db, customerId, orderId);
      if (order === undefined) throw new NotFoundError('order');
      return { order, events: await listOrderEvents(db, orderId) };
    },
    listOrders: (customerId: string, beforeId?: string): Promise<OrderRow[]> => listCustomerOrders(db, customerId, ORDERS_PAGE_LIMIT, beforeId),
    cancelOrder: (customerId: string, orderId: string): Promise<OrderRow> => closeUnpaid(orderId, 'cancelled', customerId),
    expireOrder: (orderId: string): Promise<OrderRow> => closeUnpaid(orderId, 'expired'),
    recordEvent,
  };
}

export type OrdersCore = ReturnType<typeof createOrdersCore>;
