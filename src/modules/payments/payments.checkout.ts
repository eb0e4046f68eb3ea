import { assert } from '../../platform/assert.js';
import { inTransaction, isUniqueViolation, type Tx } from '../../platform/db/database.js';
import { NotFoundError } from '../../platform/errors.js';
import { enqueueJob } from '../../platform/jobs/index.js';
import { money } from '../../platform/money.js';
import { outcomeOf, type Outcome, type PaymentsDeps } from './payments.context.js';
import { paymentsErrors } from './payments.errors.js';
import type { PayableOrder } from './payments.gateway.js';
import { RECONCILE_MAX_ATTEMPTS, providerKeyForCancel, providerKeyForPayment } from './payments.js';
import type { Outcomes } from './payments.outcome.js';
import { withTimeout, type PaymentProvider } from './payments.provider.js';
import { findOpenPayment, findPaymentMethod, insertPayment, type PaymentRow } from './payments.repository.js';

export const RECONCILE_JOB = 'payments.reconcile';

export interface PayOrderInput {
  readonly customerId: string;
  readonly orderId: string;
  /** One of the offered methods (`sandbox` for the sandbox's test cards). */
  readonly method: string;
  /** A one-time token from the provider's client side; or `paymentMethodId` of a saved method. */
  readonly paymentMethodToken?: string;
  readonly paymentMethodId?: string;
  readonly savePaymentMethod?: boolean;
  /** The customer is absent (auto-renew charging a saved method). */
  readonly offSession?: boolean;
  /** The customer's IP address, passed to providers that need it (WeChat Pay H5). */
  readonly clientIp?: string;
}

type Opened = { readonly kind: 'created'; readonly payment: PaymentRow; readonly order: PayableOrder } | { readonly kind: 'open'; readonly payment: PaymentRow };

/**
 * Paying an order: (1) a short transaction records the intent (`created`, with the idempotency key
 * the provider will get) after checking the order is waiting for payment; (2) the provider is
 * called outside any transaction, bounded by a timeout — a throw or a timeout leaves the payment
 * `unknown` for the reconciliation job, which asks the provider and never pays again; (3) the
 * answer is recorded through the one outcome path.
 */
export function createCheckout(deps: PaymentsDeps, outcomes: Outcomes) {
  const { database, clock, ids, log, gateway, registry, config } = deps;
  const db = database.db;

  async function resolveToken(input: PayOrderInput, provider: PaymentProvider): Promise<string> {
    assert(input.paymentMethodToken === undefined || input.paymentMethodId === undefined, 'at most one of paymentMethodToken and paymentMethodId');
    if (input.paymentMethodToken !== undefined) return input.paymentMethodToken;
    // Redirect and QR methods (Alipay, WeChat Pay) have no token: the customer acts at the provider.
    if (input.paymentMethodId === undefined) return '';
    const saved = await findPaymentMethod(db, input.customerId, input.paymentMethodId ?? '');
    if (saved === undefined) throw new NotFoundError('payment method');
    if (saved.provider !== provider.name) throw paymentsErrors.paymentMethodInvalid(undefined, 'payment_method_of_another_provider');
    return saved.provider_method_ref;
  }

  async function open(tx: Tx, input: PayOrderInput, provider: PaymentProvider): Promise<Opened> {
    const order = await gateway.getPayableOrder(tx, input.customerId, input.orderId);
    if (order.status !== 'pending_payment') throw paymentsErrors.orderNotPayable(order.status);
    const existing = await findOpenPayment(tx, input.orderId);
    if (existing !== undefined) return { kind: 'open', payment: existing };
    const nowMs = clock.nowMs();
    const id = ids('pay');
    const payment: PaymentRow = {
      id, order_id: order.orderId, customer_id: input.customerId, provider: provider.name, method: input.method,
      amount_minor: order.totalMinor, currency: order.currency, status: 'created', idempotency_key: providerKeyForPayment(id),
      provider_payment_id: null, action_url: null, failure_code: null,
      save_method: input.savePaymentMethod === true ? 1 : 0, off_session: input.offSession === true ? 1 : 0,
      created_at: nowMs, updated_at: nowMs,
    };
    await insertPayment(tx, payment);
    // Queued with the intent: if this process dies before the answer is recorded, the job still
    // resolves the payment (and frees the order for another attempt) by asking the provider.
    await enqueueJob(tx, ids, clock, {
      kind: RECONCILE_JOB, payload: { paymentId: id }, runAtMs: nowMs + deps.settleAfterMs,
      dedupeKey: `${RECONCILE_JOB}:${id}`, maxAttempts: RECONCILE_MAX_ATTEMPTS,
    });
    return { kind: 'created', payment, order };
  }

  /**
   * An attempt waiting for the customer at the provider (3-D Secure) is cancelled there when the
   * customer starts another; the provider's answer (cancelled, or succeeded meanwhile) is recorded.
   */
  async function cancelWaitingAttempt(payment: PaymentRow, provider: PaymentProvider): Promise<void> {
    if (payment.status !== 'requires_action' || payment.provider_payment_id === null || payment.provider !== provider.name) {
      throw paymentsErrors.attemptInProgress(payment.id);
    }
    const providerPaymentId = payment.provider_payment_id;
    let outcome: Outcome;
    try {
      outcome = outcomeOf(await withTimeout(
        () => provider.cancelPayment({ idempotencyKey: providerKeyForCancel(payment.id), providerPaymentId }),
        deps.providerTimeoutMs, `${provider.name} cancel`,
      ));
    } catch (error) {
      log.warn({ err: error, paymentId: payment.id }, 'could not cancel the waiting payment attempt');
      throw paymentsErrors.attemptInProgress(payment.id);
    }
    await outcomes.record(payment.id, outcome);
  }

  async function openAttempt(input: PayOrderInput, provider: PaymentProvider): Promise<{ payment: PaymentRow; order: PayableOrder }> {
    for (let round = 0; ; round += 1) {
      let opened: Opened;
      try {
        opened = await inTransaction(db, (tx) => open(tx, input, provider));
      } catch (error) {
        // Two requests raced past the check: the partial unique index let only one attempt open.
        if (isUniqueViolation(error)) throw paymentsErrors.attemptInProgress(undefined);
        throw error;
      }
      if (opened.kind === 'created') return opened;
      if (round > 0) throw paymentsErrors.attemptInProgress(opened.payment.id);
      await cancelWaitingAttempt(opened.payment, provider);
    }
  }

  /** Pays the order once; returns the payment as recorded (a declined one is `failed`, not thrown). */
  async function payOrder(input: PayOrderInput): Promise<PaymentRow> {
    const provider = registry.forMethod(input.method);
    if (provider === undefined) throw paymentsErrors.methodNotAvailable(input.method);
    if (input.offSession === true && !provider.offSessionMethods.includes(input.method)) throw paymentsErrors.methodNotAvailable(input.method);
    if (input.paymentMethodToken === undefined && input.paymentMethodId === undefined && !(provider.tokenlessMethods ?? []).includes(input.method)) {
      throw paymentsErrors.tokenRequired(input.method);
    }
    const token = await resolveToken(input, provider);
    const { payment, order } = await openAttempt(input, provider);
    let outcome: Outcome;
    try {
      outcome = outcomeOf(await withTimeout(() => provider.createPayment({
        paymentId: payment.id, idempotencyKey: payment.idempotency_key, amount: money(payment.amount_minor, payment.currency),
        orderId: payment.order_id, customerId: payment.customer_id, paymentMethodToken: token,
        returnUrl: new URL(order.returnPath, config.publicUrl).toString(), language: order.language,
        savePaymentMethod: input.savePaymentMethod === true, offSession: input.offSession === true,
        method: payment.method, ...(input.clientIp !== undefined ? { clientIp: input.clientIp } : {}),
      }), deps.providerTimeoutMs, `${provider.name} create payment`));
    } catch (error) {
      // Whether the provider took the money is unknown: the reconciliation job (already queued)
      // asks it with the same key. Calling again here could charge twice.
      log.warn({ err: error, paymentId: payment.id, provider: provider.name }, 'payment outcome unknown; reconciliation will ask the provider');
      outcome = { status: 'unknown' };
    }
    return outcomes.record(payment.id, outcome);
  }

  return { payOrder };
}

export type Checkout = ReturnType<typeof createCheckout>;
