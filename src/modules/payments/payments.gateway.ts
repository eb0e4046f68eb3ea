import type { Executor, Tx } from '../../platform/db/database.js';
import type { Currency } from '../../platform/money.js';

/**
 * What the payments module needs from orders, injected at wiring time (src/app/services.ts) so that
 * payments never reads the orders module's tables and orders never calls a provider.
 */
export interface PayableOrder {
  readonly orderId: string;
  readonly customerId: string;
  /** `pending_payment` is the only state a new payment may start from. */
  readonly status: string;
  readonly totalMinor: number;
  readonly currency: Currency;
  readonly language: 'en' | 'zh-CN' | 'zh-TW';
  /** Where the customer returns after a provider's page (the portal's order status page). */
  readonly returnPath: string;
}

export interface OrderGateway {
  /** The order of this customer, or `request.not_found` (also for another customer's order). */
  getPayableOrder(db: Executor, customerId: string, orderId: string): Promise<PayableOrder>;
  /** The order by id alone, for webhooks and reconciliation; undefined when unknown. */
  findPayableOrder(db: Executor, orderId: string): Promise<PayableOrder | undefined>;
  /** Optional batch form of `findPayableOrder` (unknown ids are absent). Absent: called one by one. */
  findPayableOrders?(db: Executor, orderIds: readonly string[]): Promise<Map<string, PayableOrder>>;
  /**
   * Marks the order paid and fulfils it, exactly once however often it is called: the payments
   * module calls it in the transaction that records the payment's success, after it matched the
   * amount and currency. Returns false when the order was no longer payable (e.g. expired or
   * cancelled meanwhile), so the payment can be refunded.
   */
  markOrderPaid(tx: Tx, orderId: string, payment: { paymentId: string; amountMinor: number; currency: Currency }): Promise<boolean>;
  /** Records that a payment attempt failed (the order stays payable; the status page shows why). */
  notePaymentFailed(tx: Tx, orderId: string, payment: { paymentId: string; failureCode: string }): Promise<void>;
  /**
   * Optional batch form of `markOrderPaid` (off-session charges settle in batches): the same
   * guarantees for each payment; returns the ids of the orders it paid. Absent: called one by one.
   */
  markOrdersPaid?(tx: Tx, payments: ReadonlyArray<{ orderId: string; paymentId: string; amountMinor: number; currency: Currency }>): Promise<Set<string>>;
  /**
   * Optional: the order's payment was refunded in full (staff refund through the back-office). The
   * order moves to `refunded` and what the customer has not used of its allowances is taken back,
   * exactly once however often it is called. Absent: the order is left as it is.
   */
  markOrderRefunded?(tx: Tx, orderId: string, refund: { paymentId: string; refundId: string }): Promise<void>;
}
