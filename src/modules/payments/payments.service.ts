import { assert } from '../../platform/assert.js';
import { NotFoundError } from '../../platform/errors.js';
import type { PlatformContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import { abandonIdempotent, beginIdempotent, completeIdempotent, requestHash, type IdempotencyRef } from '../../platform/idempotency.js';
import type { JobHandler } from '../../platform/jobs/index.js';
import { createCheckout, type PayOrderInput } from './payments.checkout.js';
import type { PaymentsDeps } from './payments.context.js';
import { paymentsErrors } from './payments.errors.js';
import type { OrderGateway } from './payments.gateway.js';
import { CALL_MARGIN_MS, DEFAULT_PROVIDER_TIMEOUT_MS, FAILURE_PAYMENT_METHOD_INVALID } from './payments.js';
import { createPaymentJobs } from './payments.jobs.js';
import { createSavedMethods } from './payments.methods.js';
import { createOutcomes } from './payments.outcome.js';
import { createOffSession } from './payments.offsession.js';
import { paymentOptions } from './payments.options.js';
import { createRefunds } from './payments.refunds.js';
import { SETUP_RECONCILE_JOB, createSetups } from './payments.setups.js';
import { chinaRailProviders } from './payments.china.js';
import { cardRailProviders } from './payments.cards.js';
import { createProviderRegistry, type PaymentProvider } from './payments.provider.js';
import { findOpenPayment, findPayment, listOrderPayments, listRefundsOfPayments, type PaymentRow } from './payments.repository.js';
import { toPaymentView, type PaymentView } from './payments.schemas.js';
import { createWebhooks, type Webhooks } from './payments.webhooks.js';
import { createSandboxProvider, type SandboxProvider } from './sandbox/sandbox.provider.js';

export interface PaymentsOptions {
  /** Upper bound of one provider call (default 15 s). */
  readonly providerTimeoutMs?: number;
  /** Providers besides those built from configuration (tests, or a deployment's own). */
  readonly extraProviders?: readonly PaymentProvider[];
  /** Makes every call to the sandbox provider answer this much later, like a remote PSP (tests, benchmarks). */
  readonly sandboxLatencyMs?: number;
}

/** The payments of an order for its status page, newest first, with any automatic refund. */
export async function paymentsFor(db: Executor, orderId: string): Promise<PaymentView[]> {
  const rows = await listOrderPayments(db, orderId);
  const refunds = await listRefundsOfPayments(db, rows.map((r) => r.id));
  return rows.map((row) => toPaymentView(row, refunds.find((r) => r.payment_id === row.id)));
}

/**
 * True while the order has an attempt whose outcome is not known yet (created, pending,
 * requires_action, unknown): orders may wait before expiring it (a success after expiry is refunded).
 */
export async function hasOpenPayment(db: Executor, orderId: string): Promise<boolean> {
  return (await findOpenPayment(db, orderId)) !== undefined;
}

/** A failed payment answers as a problem the portal can translate; the payment stays recorded as failed. */
function answerOf(payment: PaymentRow): PaymentRow {
  if (payment.status !== 'failed') return payment;
  const failureCode = payment.failure_code ?? 'declined';
  if (failureCode === FAILURE_PAYMENT_METHOD_INVALID) throw paymentsErrors.paymentMethodInvalid(payment.id, failureCode);
  throw paymentsErrors.declined(payment.id, failureCode);
}

export function createPaymentsService(ctx: PlatformContext, gateway: OrderGateway, options: PaymentsOptions = {}) {
  const db = ctx.database.db;
  const providerTimeoutMs = options.providerTimeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS;
  // The sandbox "sends" its webhooks to the same function the webhook route calls.
  let webhooks: Webhooks | undefined;
  const sandbox: SandboxProvider | undefined = ctx.config.paymentProviders.includes('sandbox')
    ? createSandboxProvider(ctx, (raw, headers) => {
      assert(webhooks !== undefined, 'webhooks are wired before any job runs');
      return webhooks.receive('sandbox', raw, headers);
    }, { latencyMs: options.sandboxLatencyMs ?? 0 })
    : undefined;
  const registry = createProviderRegistry([
    ...(sandbox !== undefined ? [sandbox] : []), ...chinaRailProviders(ctx, providerTimeoutMs), ...cardRailProviders(ctx, providerTimeoutMs),
    ...(options.extraProviders ?? []),
  ]);
  const deps: PaymentsDeps = { ...ctx, gateway, registry, providerTimeoutMs, settleAfterMs: providerTimeoutMs + CALL_MARGIN_MS };
  const outcomes = createOutcomes(deps);
  const setups = createSetups(deps);
  webhooks = createWebhooks(deps, outcomes, setups);
  const checkout = createCheckout(deps, outcomes);
  const offSession = createOffSession(deps, outcomes);
  const methods = createSavedMethods(deps);
  const refunds = createRefunds(deps, outcomes);

  async function viewOf(payment: PaymentRow): Promise<PaymentView> {
    const [refund] = await listRefundsOfPayments(db, [payment.id]);
    return toPaymentView(payment, refund);
  }

  /**
   * `POST /orders/{id}/payments`: pays the order, honouring an optional `Idempotency-Key` (per
   * customer, the platform's idempotency records). The key is marked done only once the provider
   * has answered and the answer is recorded, so a retry during the call gets
   * `request.idempotency_in_progress`, and a retry after it the same payment. A declined payment
   * throws `payments.declined` (402) or `payments.payment_method_invalid` (422) after it was
   * recorded as failed; its replay answers the same way. A request that fails before it opens a
   * payment frees its key; one that fails after is still safe to retry: the order's open payment
   * blocks a second charge (`payments.attempt_in_progress`).
   */
  async function submitPayment(input: PayOrderInput, idempotencyKey?: string): Promise<PaymentView> {
    if (idempotencyKey === undefined) return viewOf(answerOf(await checkout.payOrder(input)));
    const ref: IdempotencyRef = {
      scope: `payments.pay_order:${input.customerId}`,
      key: idempotencyKey,
      hash: requestHash({
        orderId: input.orderId, method: input.method, paymentMethodToken: input.paymentMethodToken ?? null,
        paymentMethodId: input.paymentMethodId ?? null, savePaymentMethod: input.savePaymentMethod === true,
      }),
    };
    const start = await beginIdempotent(db, ref, ctx.clock.nowMs());
    if (start.state === 'done') {
      const payment = await findPayment(db, start.resourceId);
      assert(payment !== undefined, `idempotency key bound to a missing payment ${start.resourceId}`);
      return viewOf(answerOf(payment));
    }
    let payment: PaymentRow;
    try {
      payment = await checkout.payOrder(input);
    } catch (error) {
      await abandonIdempotent(db, ref);
      throw error;
    }
    await completeIdempotent(db, ref, payment.id);
    return viewOf(answerOf(payment));
  }

  return {
    /** Methods a customer may choose here (a provider without configuration is not offered). */
    offeredMethods: (): string[] => registry.offeredMethods(),
    /** Pays an order (also off-session, for auto-renew); returns the payment, a declined one as `failed`. */
    payOrder: checkout.payOrder,
    /** Auto-renew: checks saved methods and charges them off-session in batches (`payments.offsession.ts`). */
    offSession,
    submitPayment,
    /** The order's payments; `request.not_found` for an order that is not this customer's. */
    async listOrderPayments(customerId: string, orderId: string): Promise<PaymentView[]> {
      const order = await gateway.findPayableOrder(db, orderId);
      if (order === undefined || order.customerId !== customerId) throw new NotFoundError('order');
      return paymentsFor(db, orderId);
    },
    /** Verifies, stores (once per event id) and queues a provider's webhook; see `payments.webhooks.ts`. */
    receiveWebhook: webhooks.receive,
    /** Staff refund of a succeeded payment, full or partial (`payments.refunds.ts`). */
    refundPayment: refunds.refundPayment,
    /** Saved methods with whether each can renew off-session (`offSession`). */
    listPaymentMethods: methods.list,
    deletePaymentMethod: methods.remove,
    /** Saving a method without paying (`payments.setups.ts`). */
    setups,
    /** What this deployment offers and how the portal takes a customer through each method. */
    paymentOptions: () => paymentOptions(registry),
    /** The sandbox provider when it is offered (its bank pages are served only then). */
    sandbox,
    jobHandlers: new Map<string, JobHandler>([
      ...createPaymentJobs(deps, outcomes, webhooks), [SETUP_RECONCILE_JOB, setups.reconcile], ...(sandbox?.jobHandlers ?? []),
    ]),
  };
}

export type PaymentsService = ReturnType<typeof createPaymentsService>;
