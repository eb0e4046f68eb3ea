import type { Language } from '../../platform/i18n.js';
import { DomainError } from '../../platform/errors.js';
import type { Currency } from '../../platform/money.js';
import type { Plan } from '../catalog/index.js';
import type { OrdersDeps, OrdersOptions } from './orders.context.js';
import { createFulfilment } from './orders.fulfilment.js';
import { renderReceipt } from './orders.receipt.js';
import { createOrdersCore, EXPIRE_ORDER_JOB, FULFIL_ORDER_JOB } from './orders.service.js';
import { createRenewalOrders } from './orders.renewals.js';

/**
 * Quotes, orders (idempotent creation, state machine `pending_payment -> paid -> fulfilled`, or
 * `cancelled | expired | failed | refunded`), exactly-once fulfilment and receipts. The payments
 * module reaches orders only through `gateway`.
 */
export function createOrdersService(deps: OrdersDeps, options: OrdersOptions = {}) {
  const core = createOrdersCore(deps, options);
  const fulfilment = createFulfilment(deps, core);
  const renewals = createRenewalOrders(deps, options);

  return {
    ...core,
    /** The payments gateway, with its batch form (`markOrdersPaid`: renewals settle in the payment's transaction). */
    gateway: { ...core.gateway, markOrdersPaid: renewals.markOrdersPaid },
    /** Auto-renew: opens priced renewal orders in batches (`orders.renewals.ts`). */
    openRenewalOrders: renewals.openRenewalOrders,
    /** Auto-renew's preview: what renewing the line with a plan costs and covers at an instant. */
    quoteRenewal: renewals.quoteRenewal,
    /** Cancels auto-renew orders still waiting for payment (the line was renewed another way). */
    cancelRenewalOrders: renewals.cancelRenewalOrders,
    /** Queues the expiry of unpaid auto-renew orders left to the customer to pay by hand. */
    scheduleRenewalExpiry: renewals.scheduleExpiry,
    /** Orders by id as other modules may see them (`OrderSummary`). */
    findOrders: renewals.findOrders,
    fulfil: fulfilment.fulfil,
    planOf: (code: string): Promise<Plan> => deps.catalog.getPlan(code),
    /** The receipt of a paid order, in the customer's language unless another is asked for. */
    async receipt(customerId: string, orderId: string, language?: Language): Promise<Buffer> {
      const { order } = await core.getOrder(customerId, orderId);
      if (order.paid_at === null) throw new DomainError('orders.receipt_unavailable', 'A receipt exists once the order is paid');
      const lang = language ?? (order.language as Language);
      const plan = await deps.catalog.getPlan(order.plan_code);
      const line = order.line_id === null ? undefined : await deps.lines.getLine(deps.database.db, customerId, order.line_id);
      return renderReceipt({
        orderId: order.id, language: lang, kind: order.kind, planName: plan.texts.name[lang],
        customer: order.contact_email ?? order.contact_phone ?? customerId, msisdn: line?.msisdn ?? null,
        currency: order.currency as Currency, listPriceMinor: order.list_price_minor, discountMinor: order.discount_minor,
        promotionCode: order.promotion_code, feesMinor: order.fees_minor, totalMinor: order.total_minor, taxMinor: order.tax_minor,
        taxRateBasisPoints: order.tax_rate_bp, taxCountry: order.tax_country, periodStartsAtMs: order.period_starts_at,
        periodEndsAtMs: order.period_ends_at, paidAtMs: order.paid_at, status: order.status,
      });
    },
    jobHandlers: new Map([[FULFIL_ORDER_JOB, fulfilment.fulfilJob], [EXPIRE_ORDER_JOB, fulfilment.expireJob]]),
  };
}

export type OrdersService = ReturnType<typeof createOrdersService>;
export type { OrdersDeps, OrdersOptions } from './orders.context.js';
export { ordersRoutes, type PaymentsOfOrder } from './orders.routes.js';
export { ordersMigrations } from './orders.migrations.js';
export { priceRenewal, MAX_RENEWAL_ORDERS, type RenewalOrderRequest, type RenewalOrderResult, type RenewalOrder, type RenewalPrice, type PaidOrder, type OrderSummary } from './orders.renewals.js';
export { ORDER_STATUSES, ORDER_TRANSITIONS, ORDER_ORIGINS, canMove, type OrderStatus, type OrderKind, type OrderOrigin } from './orders.js';
