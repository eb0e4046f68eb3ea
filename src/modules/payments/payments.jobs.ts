import type { Job, JobHandler } from '../../platform/jobs/index.js';
import { outcomeOf, type Outcome, type PaymentsDeps } from './payments.context.js';
import { ACTION_TTL_MS, FAILURE_ACTION_EXPIRED, FAILURE_NOT_SUBMITTED, NOT_FOUND_GRACE_MS, isOpen, isTerminal, providerKeyForCancel } from './payments.js';
import { RECONCILE_JOB } from './payments.checkout.js';
import { REFUND_JOB, SAVE_METHOD_JOB, type Outcomes } from './payments.outcome.js';
import { withTimeout, type PaymentProvider } from './payments.provider.js';
import { findPayment, upsertPaymentMethod, type PaymentRow } from './payments.repository.js';
import { APPLY_EVENT_JOB, REFRESH_JOB, type Webhooks } from './payments.webhooks.js';

/**
 * `payments.reconcile {paymentId}` resolves a payment that is not closed by asking the provider
 * (by our idempotency key) — never by paying again. While the provider still has it open the job
 * throws, so the runner retries with backoff and finally parks it for staff (GET /admin/jobs).
 * A payment the provider never received (after a grace period) fails as `not_submitted`; a
 * customer step abandoned for `ACTION_TTL_MS` is cancelled.
 */
export function createPaymentJobs(deps: PaymentsDeps, outcomes: Outcomes, webhooks: Webhooks): Map<string, JobHandler> {
  const { database, clock, registry, ids } = deps;

  async function askProvider(payment: PaymentRow, provider: PaymentProvider, ageMs: number): Promise<Outcome | undefined> {
    const lookup = await withTimeout(() => provider.getPayment({
      idempotencyKey: payment.idempotency_key, ...(payment.provider_payment_id !== null ? { providerPaymentId: payment.provider_payment_id } : {}),
    }), deps.providerTimeoutMs, `${provider.name} get payment`);
    if (!lookup.found) {
      if (ageMs < NOT_FOUND_GRACE_MS) return undefined;
      return { status: 'failed', failureCode: FAILURE_NOT_SUBMITTED };
    }
    if (lookup.status === 'requires_action' && ageMs >= ACTION_TTL_MS) {
      const cancelled = await withTimeout(() => provider.cancelPayment({
        idempotencyKey: providerKeyForCancel(payment.id), providerPaymentId: lookup.providerPaymentId,
      }), deps.providerTimeoutMs, `${provider.name} cancel`);
      return { ...outcomeOf(cancelled), ...(cancelled.status === 'cancelled' ? { failureCode: FAILURE_ACTION_EXPIRED } : {}) };
    }
    return outcomeOf(lookup);
  }

  async function reconcile(job: Job): Promise<void> {
    const { paymentId } = job.payload as { paymentId: string };
    const payment = await findPayment(database.db, paymentId);
    if (payment === undefined || isTerminal(payment.status)) return;
    const provider = registry.byName(payment.provider);
    if (provider === undefined) throw new Error(`payment provider ${payment.provider} is not configured; payment ${paymentId} waits`);
    const ageMs = clock.nowMs() - payment.created_at;
    if (payment.status === 'created' && ageMs < deps.settleAfterMs) throw new Error(`payment ${paymentId}: the create call may still be in flight`);
    const outcome = await askProvider(payment, provider, ageMs);
    if (outcome === undefined) throw new Error(`payment ${paymentId} is not known to ${provider.name} yet`);
    const after = await outcomes.record(paymentId, outcome);
    if (isOpen(after.status)) throw new Error(`payment ${paymentId} is still ${after.status} at ${provider.name}`);
  }

  /** The provider's current answer about a payment; undefined when the payment is closed or the provider is gone. */
  async function lookup(paymentId: string): Promise<{ payment: PaymentRow; answer: Awaited<ReturnType<PaymentProvider['getPayment']>> } | undefined> {
    const payment = await findPayment(database.db, paymentId);
    const provider = payment === undefined ? undefined : registry.byName(payment.provider);
    if (payment === undefined || provider === undefined) return undefined;
    const answer = await withTimeout(() => provider.getPayment({
      idempotencyKey: payment.idempotency_key, ...(payment.provider_payment_id !== null ? { providerPaymentId: payment.provider_payment_id } : {}),
    }), deps.providerTimeoutMs, `${provider.name} get payment`);
    return { payment, answer };
  }

  async function refresh(job: Job): Promise<void> {
    const { paymentId } = job.payload as { paymentId: string };
    const current = await findPayment(database.db, paymentId);
    if (current === undefined || isTerminal(current.status)) return;
    const found = await lookup(paymentId);
    if (found?.answer.found === true) await outcomes.record(paymentId, outcomeOf(found.answer));
  }

  async function saveMethod(job: Job): Promise<void> {
    const { paymentId } = job.payload as { paymentId: string };
    const found = await lookup(paymentId);
    if (found === undefined || !found.answer.found || found.payment.status !== 'succeeded') return;
    const method = found.answer.savedMethod;
    if (method === undefined) return;
    await upsertPaymentMethod(database.db, {
      id: ids('pm'), customer_id: found.payment.customer_id, provider: found.payment.provider, provider_method_ref: method.providerMethodRef, method: found.payment.method,
      brand: method.brand, last4: method.last4, exp_month: method.expMonth, exp_year: method.expYear, created_at: clock.nowMs(),
    });
  }

  async function refund(job: Job): Promise<void> {
    const { refundId } = job.payload as { refundId: string };
    await outcomes.runRefund(refundId);
  }

  return new Map<string, JobHandler>([
    [RECONCILE_JOB, reconcile],
    [REFUND_JOB, refund],
    [APPLY_EVENT_JOB, webhooks.applyEvent],
    [REFRESH_JOB, refresh],
    [SAVE_METHOD_JOB, saveMethod],
  ]);
}
