import type { IncomingHttpHeaders } from 'node:http';
import { assert } from '../../platform/assert.js';
import type { Language } from '../../platform/i18n.js';
import type { Money } from '../../platform/money.js';

/**
 * The extension point every payment service provider (PSP) implements: the built-in `sandbox`
 * now; Stripe, PayPal, Alipay and WeChat Pay next. Rules every implementation keeps:
 *
 * - It is never called inside a database transaction (the platform records the intent first,
 *   calls, then records the outcome), and it may be slow or fail: the platform bounds each call
 *   with a timeout and treats a throw or a timeout as "outcome unknown".
 * - Every write carries the `idempotencyKey` the platform derives from its own ids; sending the
 *   same key again must never move money twice (PSPs' idempotency headers, or the order reference
 *   for PSPs that deduplicate by merchant order number such as Alipay's `out_trade_no`).
 * - It throws only when the outcome is not known (network, timeout, 5xx). A definite refusal is an
 *   answer: `{ status: 'failed', failureCode }`.
 */
export interface PaymentProvider {
  /** The name in `ROAMLINE_PAYMENT_PROVIDERS` and in the webhook path `/webhooks/{name}`. */
  readonly name: string;
  /** The `method` values a customer may choose for this provider (e.g. `card`, `alipay`). */
  readonly methods: readonly string[];
  /** The methods that can be charged with the customer absent (saved methods, auto-renew). */
  readonly offSessionMethods: readonly string[];
  /**
   * Methods paid on the provider's page or by scanning a QR code: the request carries neither a
   * token nor a saved method (e.g. `alipay_qr`, `wechatpay_native`). Others require one.
   */
  readonly tokenlessMethods?: readonly string[];
  createPayment(input: CreateProviderPayment): Promise<ProviderPayment>;
  /**
   * The payment as the provider sees it, for reconciliation: by our key, or by the provider's id
   * once known. `{ found: false }` means the provider never received the create call.
   */
  getPayment(ref: ProviderPaymentRef): Promise<ProviderLookup>;
  /** Cancels a payment that waits for the customer; answers the payment's state afterwards (it may have succeeded meanwhile). */
  cancelPayment(input: ProviderPaymentRef & { readonly providerPaymentId: string }): Promise<ProviderPayment>;
  refund(input: { readonly providerPaymentId: string; readonly amount: Money; readonly idempotencyKey: string }): Promise<ProviderRefund>;
  /**
   * Verifies a webhook on its raw bytes (signature and timestamp tolerance) and reads its event.
   * Throws `payments.webhook_signature_invalid`, `payments.webhook_stale` or
   * `payments.webhook_payload_invalid`; never trusts a field it did not verify. Answers `undefined`
   * for a genuine event that says nothing the platform applies (e.g. Stripe's `charge.updated`):
   * it is acknowledged, so the provider stops resending it, and not stored.
   */
  parseWebhook(rawBody: Buffer, headers: IncomingHttpHeaders): Promise<ProviderEvent | undefined>;
  /** Removes a saved payment method at the provider (it can no longer be charged). */
  detachPaymentMethod(providerMethodRef: string): Promise<void>;
  /**
   * Saving a method without a payment (Stripe SetupIntent through a Stripe-hosted page, an Alipay
   * agreement signed on Alipay's page, a sandbox test card). Absent: methods are saved only while
   * paying (`savePaymentMethod`).
   */
  readonly setup?: ProviderSetupFlow;
  /**
   * The answer the provider expects to a webhook it may stop resending (stored or a duplicate),
   * when it wants a particular one: Alipay's notify wants the text `success`. Without it the route
   * answers JSON `{received, duplicate}` with 200.
   */
  readonly webhookAcknowledgement?: WebhookAcknowledgement;
}

/** Saving a payment method without paying: the provider's own step, then its verified answer. */
export interface ProviderSetupFlow {
  /** The `method` a method saved this way charges (one of the provider's `methods`, e.g. `card`, `alipay_agreement`). */
  readonly method: string;
  /** Starts the setup; same rules as `createPayment` (idempotent by key, throws only when the outcome is unknown). */
  createSetup(input: CreateProviderSetup): Promise<ProviderSetup>;
  /** The setup as the provider sees it now; undefined when the provider does not know it. */
  getSetup(ref: { readonly idempotencyKey: string; readonly providerSetupId: string | undefined }): Promise<ProviderSetup | undefined>;
}

export interface CreateProviderSetup {
  /** Our setup id (`set_...`): sent as the provider's reference, so its webhook can name it. */
  readonly setupId: string;
  readonly idempotencyKey: string;
  readonly customerId: string;
  /** Absolute URL where the provider sends the customer back after its page. */
  readonly returnUrl: string;
  readonly language: Language;
  /** A one-time token, for providers whose method is made on the client (the sandbox's test cards). */
  readonly paymentMethodToken?: string;
}

export interface ProviderSetup {
  readonly status: 'requires_action' | 'succeeded' | 'failed' | 'cancelled';
  readonly providerSetupId: string;
  /** The provider's page where the customer enters or approves the method (`requires_action`). */
  readonly actionUrl?: string;
  /** Stripe's SetupIntent client secret, for a portal that confirms it with Stripe's own fields. */
  readonly clientSecret?: string;
  readonly failureCode?: string;
  /** What is kept of the method once the setup succeeded: never a card number. */
  readonly savedMethod?: SavedMethodDetails;
}

export interface WebhookAcknowledgement {
  readonly contentType: string;
  readonly body: string;
}

export interface CreateProviderPayment {
  /** Our payment id: sent as the provider's merchant reference / metadata, so webhooks can name it. */
  readonly paymentId: string;
  readonly idempotencyKey: string;
  readonly amount: Money;
  readonly orderId: string;
  readonly customerId: string;
  readonly paymentMethodToken: string;
  /** Absolute URL where the provider sends the customer back after its own page. */
  readonly returnUrl: string;
  readonly language: Language;
  readonly savePaymentMethod: boolean;
  /** The customer is not present (auto-renew): a method that needs the customer fails instead. */
  readonly offSession: boolean;
  /** The method the customer chose, one of this provider's `methods` (e.g. `alipay_qr` or `wechatpay_h5`). */
  readonly method?: string;
  /** The customer's IP address as this server saw it (WeChat Pay H5 requires it); absent off-session. */
  readonly clientIp?: string;
}

export type ProviderStatus = 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'cancelled';

export interface ProviderPayment {
  readonly status: ProviderStatus;
  readonly providerPaymentId: string;
  /** Where the customer completes the provider's step (`requires_action` only). */
  readonly actionUrl?: string;
  readonly failureCode?: string;
  /** What the provider says it took (or will take); compared with the order before it is paid. */
  readonly amount?: Money;
  /** When the customer asked to save the method and the provider kept it. Never a card number. */
  readonly savedMethod?: SavedMethodDetails;
}

export interface SavedMethodDetails {
  /** The provider's reference to charge it again (e.g. a Stripe `pm_...`). */
  readonly providerMethodRef: string;
  readonly brand: string;
  readonly last4: string;
  readonly expMonth: number;
  readonly expYear: number;
}

/** The expiry shown for saved methods that do not expire (PayPal wallets, Alipay agreements without an end). */
export const NO_EXPIRY = { expMonth: 12, expYear: 2099 } as const;

export interface ProviderPaymentRef {
  readonly idempotencyKey: string;
  readonly providerPaymentId?: string;
}

export type ProviderLookup = ({ readonly found: true } & ProviderPayment) | { readonly found: false };

export interface ProviderRefund {
  readonly status: 'pending' | 'succeeded' | 'failed';
  readonly providerRefundId: string | undefined;
  readonly failureCode?: string;
}

export type PaymentEventKind = 'payment' | 'setup' | 'method_detached';

/** A verified webhook event, reduced to what the platform applies. */
export interface ProviderEvent {
  /**
   * `setup`: the event is about a setup (`providerPaymentId` is then the provider's setup id and
   * `paymentId` our setup id); applying it asks the provider for the setup's state.
   * `method_detached`: a saved payment method was removed at the provider (`providerPaymentId` is
   * the provider's method reference; `status` is `cancelled`); applying it forgets the method.
   * Default `payment`.
   */
  readonly kind?: PaymentEventKind;
  /** The provider's event id: the deduplication key (with the provider's name). */
  readonly eventId: string;
  readonly providerPaymentId: string;
  /** Our payment id when the provider echoes our reference (it may arrive before the create call returns). */
  readonly paymentId?: string;
  readonly status: ProviderStatus;
  readonly amount?: Money;
  readonly failureCode?: string;
}

/** Thrown (by the platform's timeout, or by a provider) when the outcome of a call is unknown. */
export class ProviderUnavailableError extends Error {
  override readonly name = 'ProviderUnavailableError';
}

/** Bounds a provider call: after `timeoutMs` the caller stops waiting (the call itself may still land). */
export async function withTimeout<T>(call: () => Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProviderUnavailableError(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([call(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The providers offered by this deployment, by name and by method. */
export interface ProviderRegistry {
  byName(name: string): PaymentProvider | undefined;
  forMethod(method: string): PaymentProvider | undefined;
  /** Methods a customer may choose, in the order the providers were configured. */
  offeredMethods(): string[];
  /** The providers, in the order they were configured. */
  providers(): readonly PaymentProvider[];
}

export function createProviderRegistry(providers: readonly PaymentProvider[]): ProviderRegistry {
  const byName = new Map<string, PaymentProvider>();
  const byMethod = new Map<string, PaymentProvider>();
  for (const provider of providers) {
    assert(!byName.has(provider.name), `payment provider ${provider.name} registered twice`);
    byName.set(provider.name, provider);
    for (const method of provider.methods) {
      assert(!byMethod.has(method), `payment method ${method} offered by two providers`);
      byMethod.set(method, provider);
    }
  }
  return {
    byName: (name) => byName.get(name),
    forMethod: (method) => byMethod.get(method),
    offeredMethods: () => [...byMethod.keys()],
    providers: () => [...byName.values()],
  };
}
