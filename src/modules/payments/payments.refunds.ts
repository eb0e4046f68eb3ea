import { inTransaction } from '../../platform/db/database.js';
import { NotFoundError } from '../../platform/errors.js';
import { enqueueJob } from '../../platform/jobs/index.js';
import type { PaymentsDeps } from './payments.context.js';
import { paymentsErrors } from './payments.errors.js';
import { REFUND_MAX_ATTEMPTS } from './payments.js';
import { REFUND_JOB, type Outcomes } from './payments.outcome.js';
import { findRefund, insertRefund, lockPayment, refundedMinorOf, type PaymentRefundRow } from './payments.repository.js';

/**
 * Staff refunds (back-office), full or partial: recorded with their own idempotency key and the
 * refund job in one transaction (the payment row locked, so concurrent refunds never give back
 * more than the payment took), then the provider is called after the commit, and the job retries
 * what stayed unknown. When refunds have given back everything, the order becomes `refunded` and
 * the allowances the customer has not used are taken back (`OrderGateway.markOrderRefunded`).
 *
 * Errors: `request.not_found`, `payments.not_refundable` (the payment did not succeed),
 * `payments.refund_exceeds_payment`.
 */
export function createRefunds(deps: PaymentsDeps, outcomes: Outcomes) {
  const { database, clock, ids, log } = deps;
  const db = database.db;

  async function refundPayment(paymentId: string, amountMinor: number): Promise<PaymentRefundRow> {
    const refundId = await inTransaction(db, async (tx) => {
      const payment = await lockPayment(tx, database.dialect, paymentId);
      if (payment === undefined) throw new NotFoundError('payment');
      if (payment.status !== 'succeeded') throw paymentsErrors.notRefundable(paymentId, payment.status);
      const refundableMinor = payment.amount_minor - (await refundedMinorOf(tx, paymentId));
      if (amountMinor > refundableMinor) throw paymentsErrors.refundExceedsPayment(paymentId, Math.max(0, refundableMinor));
      const id = ids('rfd');
      const nowMs = clock.nowMs();
      await insertRefund(tx, {
        id, payment_id: paymentId, provider: payment.provider, reason: 'requested', amount_minor: amountMinor, currency: payment.currency,
        status: 'created', idempotency_key: `rl_${id}`, provider_refund_id: null, failure_code: null, created_at: nowMs, updated_at: nowMs,
      });
      await enqueueJob(tx, ids, clock, { kind: REFUND_JOB, payload: { refundId: id }, dedupeKey: `${REFUND_JOB}:${id}`, maxAttempts: REFUND_MAX_ATTEMPTS });
      return id;
    });
    // The job is queued with the refund; calling now only gives the money back sooner.
    await outcomes.runRefund(refundId).catch((error: unknown) => log.warn({ err: error, refundId }, 'refund attempt failed; the job retries'));
    const refund = await findRefund(db, refundId);
    if (refund === undefined) throw new NotFoundError('refund');
    return refund;
  }

  return { refundPayment };
}
