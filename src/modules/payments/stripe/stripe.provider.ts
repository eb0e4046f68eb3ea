import Stripe from 'stripe';
import type { StripeConfig } from '../../../platform/config.card-payments.js';
import type { PlatformContext } from '../../../platform/context.js';
import type { Money } from '../../../platform/money.js';
import { paymentsErrors } from '../payments.errors.js';
import { FAILURE_PAYMENT_METHOD_INVALID } from '../payments.js';
import {
  ProviderUnavailableError, type CreateProviderPayment, type PaymentProvider, type ProviderEvent, type ProviderLookup,
  type ProviderPayment, type ProviderRefund,
} from '../payments.provider.js';
import { findStripeCustomer, insertStripeCustomer } from './stripe.repository.js';
import { SETUP_EVENTS, createStripeSetupFlow, setupEventOf } from './stripe.setup.js';
import {
  AUTHENTICATION_REQUIRED, METADATA_CUSTOMER_ID, METADATA_OFF_SESSION, METADATA_ORDER_ID, METADATA_PAYMENT_ID, PAYMENT_INTENT_EVENTS,
  STRIPE_PROVIDER, STRIPE_WEBHOOK_TOLERANCE_SECONDS, StripeAmountError, failureCodeOf, needsCustomerAuthentication, paymentOf,
  refundStatusOf, toStripeAmount,
} from './stripe.js';

/** Our idempotency key, in the PaymentIntent's metadata too: reconciliation searches by it when the create call's answer was lost. */
const METADATA_KEY = 'roamline_key';
const PAYMENT_METHOD_ID = /^pm_[A-Za-z0-9_]{3,200}$/;

type StripeErrorLike = Error & {
  readonly type?: string; readonly statusCode?: number; readonly code?: string; readonly decline_code?: string;
  readonly payment_intent?: Stripe.PaymentIntent;
};

/**
 * A Stripe error is a definite answer when Stripe refused the request itself (card declined: 402;
 * invalid request: 400/404). Anything else (network, timeout, 429, 5xx, wrong key) leaves the
 * outcome unknown, and the platform's reconciliation asks again.
 */
function definiteRefusal(error: unknown): StripeErrorLike | undefined {
  if (!(error instanceof Error)) return undefined;
  const e = error as StripeErrorLike;
  if (e.type === 'StripeCardError' || e.type === 'StripeInvalidRequestError') return e;
  return undefined;
}

function unavailable(what: string, error: unknown): ProviderUnavailableError {
  const detail = error instanceof Error ? `${(error as StripeErrorLike).type ?? error.name}: ${error.message}` : String(error);
  return new ProviderUnavailableError(`stripe ${what}: ${detail}`);
}

/**
 * Stripe, through its own SDK: PaymentIntents for `card`, `alipay` and `wechat_pay`, confirmed on
 * the server with a PaymentMethod that Stripe.js created in the browser (card numbers never reach
 * Roamline: PCI SAQ A). 3-D Secure, Alipay and WeChat Pay answer `requires_action` with the page
 * where the customer completes them. A card saved during a payment (`setup_future_usage`) is
 * charged off-session for renewals; when its issuer wants the customer, the same PaymentIntent is
 * confirmed again on-session and the customer completes it from the portal. Every write carries an
 * idempotency key derived from ours.
 */
export function createStripeProvider(ctx: PlatformContext, config: StripeConfig, timeoutMs: number): PaymentProvider {
  const { database, clock } = ctx;
  const stripe = new Stripe(config.secretKey, {
    maxNetworkRetries: 1,
    timeout: timeoutMs,
    telemetry: false,
    appInfo: { name: 'Roamline' },
    ...(config.apiBase !== undefined ? {
      host: config.apiBase.hostname,
      port: config.apiBase.port === '' ? (config.apiBase.protocol === 'https:' ? 443 : 80) : Number(config.apiBase.port),
      protocol: config.apiBase.protocol === 'https:' ? 'https' as const : 'http' as const,
    } : {}),
  });

  /** The Stripe Customer of our customer, created once (its cards are attached to it). */
  async function customerFor(customerId: string): Promise<string> {
    const known = await findStripeCustomer(database.db, customerId);
    if (known !== undefined) return known;
    const created = await stripe.customers.create({ metadata: { [METADATA_CUSTOMER_ID]: customerId } }, { idempotencyKey: `rl_${customerId}_customer` });
    return insertStripeCustomer(database.db, { customer_id: customerId, stripe_customer_id: created.id, created_at: clock.nowMs() });
  }

  function metadataOf(input: CreateProviderPayment): Record<string, string> {
    return {
      [METADATA_PAYMENT_ID]: input.paymentId, [METADATA_ORDER_ID]: input.orderId, [METADATA_CUSTOMER_ID]: input.customerId,
      [METADATA_KEY]: input.idempotencyKey, ...(input.offSession ? { [METADATA_OFF_SESSION]: 'true' } : {}),
    };
  }

  async function paramsFor(input: CreateProviderPayment, method: string): Promise<Stripe.PaymentIntentCreateParams> {
    const base = { ...toStripeAmount(input.amount), metadata: metadataOf(input), confirm: true };
    if (method === 'alipay') {
      return { ...base, allowed_payment_method_types: ['alipay'], payment_method_data: { type: 'alipay' }, return_url: input.returnUrl };
    }
    if (method === 'wechat_pay') {
      return { ...base, allowed_payment_method_types: ['wechat_pay'], payment_method_data: { type: 'wechat_pay' }, payment_method_options: { wechat_pay: { client: 'web' } } };
    }
    const customer = await customerFor(input.customerId);
    return {
      ...base, customer, payment_method: input.paymentMethodToken, allowed_payment_method_types: ['card'], expand: ['payment_method'],
      ...(input.offSession ? { off_session: true } : { return_url: input.returnUrl }),
      ...(input.savePaymentMethod && !input.offSession ? { setup_future_usage: 'off_session' as const } : {}),
    };
  }

  /**
   * The issuer refused an off-session charge until the customer authenticates: the PaymentIntent
   * is confirmed again, on-session with a return URL, so that Stripe answers with the 3-D Secure
   * page the customer opens from the portal (the auto-renew notice links to the order).
   */
  async function askCustomerToAuthenticate(intent: Stripe.PaymentIntent, input: CreateProviderPayment): Promise<ProviderPayment> {
    const method = typeof intent.payment_method === 'string' ? intent.payment_method : intent.payment_method?.id ?? input.paymentMethodToken;
    const confirmed = await stripe.paymentIntents.confirm(intent.id, { payment_method: method, return_url: input.returnUrl, expand: ['payment_method'] }, { idempotencyKey: `${input.idempotencyKey}_authenticate` });
    return paymentOf(confirmed);
  }

  async function refused(error: StripeErrorLike, input: CreateProviderPayment): Promise<ProviderPayment> {
    const intent = error.payment_intent;
    if (intent !== undefined && input.offSession && error.code === AUTHENTICATION_REQUIRED) return askCustomerToAuthenticate(intent, input);
    const invalid = error.type === 'StripeInvalidRequestError';
    return {
      status: 'failed',
      // A request Stripe refused before creating an intent has no Stripe id: our key stands for it (unique per payment).
      providerPaymentId: intent?.id ?? input.idempotencyKey,
      failureCode: invalid ? FAILURE_PAYMENT_METHOD_INVALID : failureCodeOf(error),
      amount: input.amount,
    };
  }

  async function createPayment(input: CreateProviderPayment): Promise<ProviderPayment> {
    const method = input.method ?? 'card';
    if (method === 'card' && !PAYMENT_METHOD_ID.test(input.paymentMethodToken)) {
      // Only a PaymentMethod made by Stripe.js is accepted: never anything that could be card data.
      return { status: 'failed', providerPaymentId: input.idempotencyKey, failureCode: FAILURE_PAYMENT_METHOD_INVALID };
    }
    let params: Stripe.PaymentIntentCreateParams;
    try {
      params = await paramsFor(input, method);
      const intent = await stripe.paymentIntents.create(params, { idempotencyKey: input.idempotencyKey });
      if (input.offSession && needsCustomerAuthentication(intent)) return askCustomerToAuthenticate(intent, input);
      return paymentOf(intent);
    } catch (error) {
      const refusal = definiteRefusal(error);
      if (refusal === undefined || refusal.statusCode === 409) throw unavailable('create payment', error);
      try {
        return await refused(refusal, input);
      } catch (again) {
        throw unavailable('authenticate payment', again);
      }
    }
  }

  /** The PaymentIntent by its id, or by our key in its metadata when the create call's answer was lost. */
  async function findIntent(idempotencyKey: string, providerPaymentId: string | undefined): Promise<Stripe.PaymentIntent | undefined> {
    try {
      if (providerPaymentId?.startsWith('pi_') === true) return await stripe.paymentIntents.retrieve(providerPaymentId, { expand: ['payment_method'] });
      const found = await stripe.paymentIntents.search({ query: `metadata['${METADATA_KEY}']:'${idempotencyKey}'`, limit: 1, expand: ['data.payment_method'] });
      return found.data[0];
    } catch (error) {
      const refusal = definiteRefusal(error);
      if (refusal?.statusCode === 404) return undefined;
      throw unavailable('get payment', error);
    }
  }

  async function getPayment(ref: { idempotencyKey: string; providerPaymentId?: string }): Promise<ProviderLookup> {
    const intent = await findIntent(ref.idempotencyKey, ref.providerPaymentId);
    return intent === undefined ? { found: false } : { found: true, ...paymentOf(intent) };
  }

  async function cancelPayment(ref: { idempotencyKey: string; providerPaymentId: string }): Promise<ProviderPayment> {
    try {
      return paymentOf(await stripe.paymentIntents.cancel(ref.providerPaymentId, { cancellation_reason: 'abandoned' }, { idempotencyKey: ref.idempotencyKey }));
    } catch (error) {
      // Stripe refuses to cancel an intent that succeeded (or is processing) meanwhile: its state is the answer.
      if (definiteRefusal(error) === undefined) throw unavailable('cancel payment', error);
      const intent = await findIntent(ref.idempotencyKey, ref.providerPaymentId);
      if (intent === undefined) throw unavailable('cancel payment', error);
      return paymentOf(intent);
    }
  }

  async function refund(input: { providerPaymentId: string; amount: Money; idempotencyKey: string }): Promise<ProviderRefund> {
    try {
      const created = await stripe.refunds.create({ payment_intent: input.providerPaymentId, amount: toStripeAmount(input.amount).amount }, { idempotencyKey: input.idempotencyKey });
      return { status: refundStatusOf(created.status), providerRefundId: created.id, ...(created.failure_reason ? { failureCode: created.failure_reason } : {}) };
    } catch (error) {
      const refusal = definiteRefusal(error);
      if (refusal === undefined || refusal.statusCode === 409) throw unavailable('refund', error);
      return { status: 'failed', providerRefundId: undefined, failureCode: refusal.code ?? 'refund_refused' };
    }
  }

  function verifiedEvent(rawBody: Buffer, header: string | string[] | undefined): Stripe.Event {
    if (typeof header !== 'string' || header.length > 4096) throw paymentsErrors.webhookSignatureInvalid();
    try {
      // Stripe's own check, on the raw bytes, against our clock (tests move it).
      return stripe.webhooks.constructEvent(rawBody, header, config.webhookSecret, STRIPE_WEBHOOK_TOLERANCE_SECONDS, undefined, clock.nowMs());
    } catch (error) {
      const e = error as StripeErrorLike;
      if (e.type !== 'StripeSignatureVerificationError') throw paymentsErrors.webhookPayloadInvalid();
      if (/tolerance/i.test(e.message)) throw paymentsErrors.webhookStale();
      throw paymentsErrors.webhookSignatureInvalid();
    }
  }

  async function parseWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): Promise<ProviderEvent | undefined> {
    const event = verifiedEvent(rawBody, headers['stripe-signature']);
    if (SETUP_EVENTS.has(event.type)) {
      const setup = setupEventOf(event);
      return setup === undefined ? undefined : { kind: 'setup', ...setup };
    }
    if (event.type === 'payment_method.detached') {
      // Removed at Stripe (by the customer's bank, Stripe's dashboard or an API call): it can no longer be charged.
      const method = event.data.object as Stripe.PaymentMethod;
      if (method.object !== 'payment_method' || typeof method.id !== 'string') throw paymentsErrors.webhookPayloadInvalid();
      return { kind: 'method_detached', eventId: event.id, providerPaymentId: method.id, status: 'cancelled' };
    }
    if (!PAYMENT_INTENT_EVENTS.has(event.type)) return undefined;
    const intent = event.data.object as Stripe.PaymentIntent;
    if (intent.object !== 'payment_intent' || typeof intent.id !== 'string') throw paymentsErrors.webhookPayloadInvalid();
    // An off-session attempt that needs the customer is not the end: the provider asks the customer (see above).
    if (event.type === 'payment_intent.payment_failed' && intent.last_payment_error?.code === AUTHENTICATION_REQUIRED
      && intent.metadata[METADATA_OFF_SESSION] === 'true') return undefined;
    let answer: ProviderPayment;
    try {
      answer = paymentOf(intent);
    } catch (error) {
      if (error instanceof StripeAmountError) throw paymentsErrors.webhookPayloadInvalid();
      throw error;
    }
    const paymentId = intent.metadata[METADATA_PAYMENT_ID];
    return {
      eventId: event.id, providerPaymentId: intent.id, status: answer.status,
      ...(paymentId !== undefined ? { paymentId } : {}),
      ...(answer.amount !== undefined ? { amount: answer.amount } : {}),
      ...(answer.failureCode !== undefined ? { failureCode: answer.failureCode } : {}),
    };
  }

  async function detachPaymentMethod(providerMethodRef: string): Promise<void> {
    try {
      await stripe.paymentMethods.detach(providerMethodRef, {}, { idempotencyKey: `rl_detach_${providerMethodRef}` });
    } catch (error) {
      // Already detached or unknown at Stripe: it can no longer be charged either way.
      if (definiteRefusal(error) === undefined) throw unavailable('detach payment method', error);
    }
  }

  return {
    name: STRIPE_PROVIDER,
    methods: config.methods,
    // Stripe's Alipay and WeChat Pay need the customer in their app for every payment.
    offSessionMethods: config.methods.filter((m) => m === 'card'),
    // The customer finishes these in Stripe's page or the wallet: no token from the portal.
    tokenlessMethods: config.methods.filter((m) => m !== 'card'),
    // A card is saved without paying through Stripe's hosted page (SetupIntent), then renews off-session.
    ...(config.methods.includes('card') ? { setup: createStripeSetupFlow(stripe, customerFor, unavailable) } : {}),
    createPayment, getPayment, cancelPayment, refund, parseWebhook, detachPaymentMethod,
  };
}
