import { assert } from '../../platform/assert.js';
import { inTransaction, type Tx } from '../../platform/db/database.js';
import { enqueueJob } from '../../platform/jobs/index.js';
import { money, type Money } from '../../platform/money.js';
import type { Outcome, PaymentsDeps } from './payments.context.js';
import {
  FAILURE_AMOUNT_MISMATCH, REFUND_MAX_ATTEMPTS, amountMatches, applyOutcome, providerKeyForAutomaticRefund,
  type PaymentStatus, type RefundReason,
} from './payments.js';
import { withTimeout } from './payments.provider.js';
import {
  findPayment, findRefund, insertRefundOnce, succeededRefundsMinorOf, lockPayment, setProviderPaymentId, updatePaymentStatus, updateRefund,
  upsertPaymentMethod, type PaymentRow,
} from './payments.repository.js';

export const REFUND_JOB = 'payments.refund';
/**
 * `payments.save_method {paymentId}`: a payment that saves its method succeeded by a webhook (after
 * 3-D Secure, say), which does not carry the method's details; the job asks the provider for them.
 */
export const SAVE_METHOD_JOB = 'payments.save_method';
const SAVE_METHOD_MAX_ATTEMPTS = 6;

/**
 * The one path every answer about a payment goes through — the create call's, a cancellation's, a
 * webhook's, a reconciliation's — so they all end in the same state whatever their order. In one
 * transaction: the state machine decides; a success is matched against the order (amount and
 * currency) and marks it paid through the gateway; a success that cannot pay the order schedules
 * an automatic refund (the provider is called after the commit, never inside).
 */
export function createOutcomes(deps: PaymentsDeps) {
  const { database, clock, ids, log, gateway, registry } = deps;
  const db = database.db;

  async function scheduleRefund(tx: Tx, payment: PaymentRow, reason: RefundReason, amount: Money): Promise<string | undefined> {
    const nowMs = clock.nowMs();
    const { refund, created } = await insertRefundOnce(tx, {
      id: ids('rfd'), payment_id: payment.id, provider: payment.provider, reason,
      amount_minor: amount.amountMinor, currency: amount.currency, status: 'created',
      idempotency_key: providerKeyForAutomaticRefund(payment.id),
      provider_refund_id: null, failure_code: null, created_at: nowMs, updated_at: nowMs,
    });
    if (!created) return undefined;
    await enqueueJob(tx, ids, clock, {
      kind: REFUND_JOB, payload: { refundId: refund.id }, dedupeKey: `${REFUND_JOB}:${refund.id}`, maxAttempts: REFUND_MAX_ATTEMPTS,
    });
    return refund.id;
  }

  async function move(tx: Tx, payment: PaymentRow, to: PaymentStatus, outcome: Outcome, failureCode: string | null): Promise<void> {
    const updated = await updatePaymentStatus(tx, payment.id, payment.status, {
      status: to,
      provider_payment_id: payment.provider_payment_id ?? outcome.providerPaymentId ?? null,
      action_url: to === 'requires_action' ? outcome.actionUrl ?? null : null,
      failure_code: failureCode,
      updated_at: clock.nowMs(),
    });
    assert(updated === 1, `payment ${payment.id} changed under its lock`);
  }

  /** Success: pays the order when the amount matches, else closes the payment and gives the money back. */
  async function succeed(tx: Tx, payment: PaymentRow, outcome: Outcome): Promise<string | undefined> {
    const requested = money(payment.amount_minor, payment.currency);
    const captured = outcome.amount ?? requested;
    const order = await gateway.findPayableOrder(tx, payment.order_id);
    if (order !== undefined && !amountMatches({ amountMinor: order.totalMinor, currency: order.currency }, requested, outcome.amount)) {
      log.error({
        alert: 'payments.amount_mismatch', paymentId: payment.id, orderId: payment.order_id, provider: payment.provider,
        orderTotal: { amountMinor: order.totalMinor, currency: order.currency }, requested, captured,
      }, 'payment amount does not match the order: order not paid, money refunded');
      await move(tx, payment, 'failed', outcome, FAILURE_AMOUNT_MISMATCH);
      await gateway.notePaymentFailed(tx, payment.order_id, { paymentId: payment.id, failureCode: FAILURE_AMOUNT_MISMATCH });
      return scheduleRefund(tx, payment, 'amount_mismatch', captured);
    }
    await move(tx, payment, 'succeeded', outcome, null);
    if (payment.save_method === 1 && outcome.savedMethod !== undefined) {
      const method = outcome.savedMethod;
      await upsertPaymentMethod(tx, {
        id: ids('pm'), customer_id: payment.customer_id, provider: payment.provider, provider_method_ref: method.providerMethodRef, method: payment.method,
        brand: method.brand, last4: method.last4, exp_month: method.expMonth, exp_year: method.expYear, created_at: clock.nowMs(),
      });
    } else if (payment.save_method === 1) {
      await enqueueJob(tx, ids, clock, {
        kind: SAVE_METHOD_JOB, payload: { paymentId: payment.id }, dedupeKey: `${SAVE_METHOD_JOB}:${payment.id}`, maxAttempts: SAVE_METHOD_MAX_ATTEMPTS,
      });
    }
    const paid = order !== undefined
      && await gateway.markOrderPaid(tx, payment.order_id, { paymentId: payment.id, amountMinor: payment.amount_minor, currency: payment.currency });
    if (paid) return undefined;
    log.warn({ paymentId: payment.id, orderId: payment.order_id }, 'payment succeeded for an order that is no longer payable: refunding');
    return scheduleRefund(tx, payment, 'order_not_payable', captured);
  }

  async function decide(tx: Tx, paymentId: string, outcome: Outcome): Promise<string | undefined> {
    const payment = await lockPayment(tx, database.dialect, paymentId);
    assert(payment !== undefined, `payment ${paymentId} does not exist`);
    const decision = applyOutcome(payment.status, outcome.status);
    if (decision === 'ignore' || decision === 'refund_late_success') {
      if (payment.provider_payment_id === null && outcome.providerPaymentId !== undefined) {
        await setProviderPaymentId(tx, payment.id, outcome.providerPaymentId, clock.nowMs());
      }
      if (decision === 'ignore') return undefined;
      log.error({ alert: 'payments.late_success', paymentId, status: payment.status }, 'provider took money for a closed payment: refunding');
      return scheduleRefund(tx, payment, 'late_success', outcome.amount ?? money(payment.amount_minor, payment.currency));
    }
    if (decision === 'succeeded') return succeed(tx, payment, outcome);
    const failureCode = decision === 'failed' || decision === 'cancelled' ? outcome.failureCode ?? null : null;
    await move(tx, payment, decision, outcome, decision === 'failed' ? failureCode ?? 'declined' : failureCode);
    if (decision === 'failed') {
      await gateway.notePaymentFailed(tx, payment.order_id, { paymentId, failureCode: failureCode ?? 'declined' });
    }
    return undefined;
  }

  /** Once staff refunds have given back all the payment took, the order is refunded (and its unused allowances taken back). */
  async function closeRefundedOrder(payment: PaymentRow, refundId: string): Promise<void> {
    if (gateway.markOrderRefunded === undefined) return;
    const markOrderRefunded = gateway.markOrderRefunded.bind(gateway);
    await inTransaction(db, async (tx) => {
      if ((await succeededRefundsMinorOf(tx, payment.id)) < payment.amount_minor) return;
      await markOrderRefunded(tx, payment.order_id, { paymentId: payment.id, refundId });
    });
  }

  /**
   * Calls the provider for a scheduled refund, idempotently (the key is fixed when the refund is
   * recorded). Throws when the outcome is unknown, so the refund job retries; a refusal is recorded
   * and raised as an alert for staff.
   */
  async function runRefund(refundId: string): Promise<void> {
    const refund = await findRefund(db, refundId);
    if (refund === undefined || refund.status === 'succeeded' || refund.status === 'failed') return;
    const payment = await findPayment(db, refund.payment_id);
    assert(payment !== undefined, `refund ${refundId} has no payment`);
    const provider = registry.byName(refund.provider);
    if (provider === undefined) throw new Error(`payment provider ${refund.provider} is not configured; refund ${refundId} waits`);
    if (payment.provider_payment_id === null) throw new Error(`payment ${payment.id} has no provider reference yet; refund ${refundId} waits`);
    const providerPaymentId = payment.provider_payment_id;
    const answer = await withTimeout(() => provider.refund({
      providerPaymentId, amount: money(refund.amount_minor, refund.currency), idempotencyKey: refund.idempotency_key,
    }), deps.providerTimeoutMs, `${provider.name} refund`);
    await updateRefund(db, refund.id, {
      status: answer.status, provider_refund_id: answer.providerRefundId ?? null, failure_code: answer.failureCode ?? null, updated_at: clock.nowMs(),
    });
    if (answer.status === 'failed') {
      log.error({ alert: 'payments.refund_failed', refundId, paymentId: payment.id, failureCode: answer.failureCode }, 'the provider refused a refund');
    }
    if (refund.reason === 'requested' && answer.status === 'succeeded') await closeRefundedOrder(payment, refund.id);
    // Still processing at the provider (WeChat Pay answers PROCESSING): the job asks again with the same key.
    if (answer.status === 'pending') throw new Error(`refund ${refundId} is still pending at ${provider.name}`);
  }

  return {
    /** Applies an answer about the payment; returns the payment as it stands afterwards. */
    async record(paymentId: string, outcome: Outcome): Promise<PaymentRow> {
      const refundId = await inTransaction(db, (tx) => decide(tx, paymentId, outcome));
      if (refundId !== undefined) {
        // The refund job is already queued; trying at once only gives the money back sooner.
        await runRefund(refundId).catch((error: unknown) => log.warn({ err: error, refundId }, 'refund attempt failed; the job retries'));
      }
      const payment = await findPayment(db, paymentId);
      assert(payment !== undefined, `payment ${paymentId} disappeared`);
      return payment;
    },
    runRefund,
    /** `record`'s decision inside the caller's transaction (batches of off-session charges); returns a refund to run after commit. */
    decide,
    scheduleRefund,
  };
}

export type Outcomes = ReturnType<typeof createOutcomes>;
