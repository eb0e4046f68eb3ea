import type { IncomingHttpHeaders } from 'node:http';
import { inTransaction } from '../../platform/db/database.js';
import { NotFoundError } from '../../platform/errors.js';
import { enqueueJob, type Job } from '../../platform/jobs/index.js';
import type { PaymentsDeps } from './payments.context.js';
import { APPLY_EVENT_MAX_ATTEMPTS } from './payments.js';
import type { Outcomes } from './payments.outcome.js';
import type { Setups } from './payments.setups.js';
import type { WebhookAcknowledgement } from './payments.provider.js';
import {
  deletePaymentMethodsByRef, findEvent, findPayment, findPaymentByProviderRef, insertEvent, markEventApplied, type PaymentRow,
} from './payments.repository.js';

export const APPLY_EVENT_JOB = 'payments.apply_event';
/**
 * `payments.refresh {paymentId}`: asks the provider once about a payment an event left `pending`
 * (PayPal's `CHECKOUT.ORDER.APPROVED`: the lookup captures the approved order); reconciliation
 * stays the safety net.
 */
export const REFRESH_JOB = 'payments.refresh';
const REFRESH_MAX_ATTEMPTS = 3;

/**
 * Webhooks: verified on their raw bytes by the provider, stored once per (provider, event id) with
 * the job that applies them in the same transaction, acknowledged, then applied by the job through
 * the one outcome path. A redelivery is acknowledged and changes nothing.
 */
export function createWebhooks(deps: PaymentsDeps, outcomes: Outcomes, setups: Setups) {
  const { database, clock, ids, log, registry } = deps;
  const db = database.db;

  async function receive(providerName: string, rawBody: Buffer, headers: IncomingHttpHeaders): Promise<{ duplicate: boolean; acknowledgement?: WebhookAcknowledgement }> {
    const provider = registry.byName(providerName);
    if (provider === undefined) throw new NotFoundError('payment provider');
    const event = await provider.parseWebhook(rawBody, headers);
    const acknowledgement = provider.webhookAcknowledgement;
    if (event === undefined) return { duplicate: false, ...(acknowledgement !== undefined ? { acknowledgement } : {}) };
    const { duplicate } = await inTransaction(db, async (tx) => {
      const id = ids('evt');
      const stored = await insertEvent(tx, {
        id, provider: provider.name, event_id: event.eventId, provider_payment_id: event.providerPaymentId,
        payment_ref: event.paymentId ?? null, status: event.status,
        amount_minor: event.amount?.amountMinor ?? null, currency: event.amount?.currency ?? null,
        failure_code: event.failureCode ?? null, payload: rawBody.toString('utf8'), kind: event.kind ?? 'payment', received_at: clock.nowMs(), applied_at: null,
      });
      if (stored) {
        await enqueueJob(tx, ids, clock, { kind: APPLY_EVENT_JOB, payload: { eventId: id }, dedupeKey: `${APPLY_EVENT_JOB}:${id}`, maxAttempts: APPLY_EVENT_MAX_ATTEMPTS });
      }
      return { duplicate: !stored };
    });
    return { duplicate, ...(acknowledgement !== undefined ? { acknowledgement } : {}) };
  }

  /** The payment an event is about: by our reference when the provider echoes it, else by the provider's id. */
  async function paymentOf(event: { provider: string; payment_ref: string | null; provider_payment_id: string }): Promise<PaymentRow | undefined> {
    if (event.payment_ref !== null) {
      const byRef = await findPayment(db, event.payment_ref);
      if (byRef !== undefined && byRef.provider === event.provider
        && (byRef.provider_payment_id === null || byRef.provider_payment_id === event.provider_payment_id)) return byRef;
    }
    return findPaymentByProviderRef(db, event.provider, event.provider_payment_id);
  }

  async function applyEvent(job: Job): Promise<void> {
    const { eventId } = job.payload as { eventId: string };
    const event = await findEvent(db, eventId);
    if (event === undefined || event.applied_at !== null) return;
    if (event.kind === 'setup') {
      await setups.applyEvent(event);
      await markEventApplied(db, event.id, clock.nowMs());
      return;
    }
    if (event.kind === 'method_detached') {
      // Forgotten like a method the customer removed (an auto-renew that named it fails with `payment_method_missing`).
      const forgotten = await inTransaction(db, async (tx) => {
        const count = await deletePaymentMethodsByRef(tx, event.provider, event.provider_payment_id);
        await markEventApplied(tx, event.id, clock.nowMs());
        return count;
      });
      log.info({ eventId: event.event_id, provider: event.provider, forgotten }, 'payment method removed at the provider');
      return;
    }
    const payment = await paymentOf(event);
    // The payment may not be recorded yet on this node's view; the retry finds it, or staff see the parked job.
    if (payment === undefined) throw new Error(`no payment for ${event.provider} event ${event.event_id} (${event.provider_payment_id})`);
    const after = await outcomes.record(payment.id, {
      status: event.status, providerPaymentId: event.provider_payment_id,
      ...(event.failure_code !== null ? { failureCode: event.failure_code } : {}),
      ...(event.amount_minor !== null && event.currency !== null ? { amount: { amountMinor: event.amount_minor, currency: event.currency } } : {}),
    });
    await markEventApplied(db, event.id, clock.nowMs());
    if (event.status === 'pending' && after.status === 'pending') {
      await enqueueJob(db, ids, clock, {
        kind: REFRESH_JOB, payload: { paymentId: payment.id }, dedupeKey: `${REFRESH_JOB}:${payment.id}:${event.id}`, maxAttempts: REFRESH_MAX_ATTEMPTS,
      });
    }
    log.info({ paymentId: payment.id, eventId: event.event_id, eventStatus: event.status, status: after.status }, 'payment event applied');
  }

  return { receive, applyEvent };
}

export type Webhooks = ReturnType<typeof createWebhooks>;
