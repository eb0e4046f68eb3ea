import type Stripe from 'stripe';
import { assert } from '../../../platform/assert.js';
import { currencyExponent, isCurrency, money, type Currency, type Money } from '../../../platform/money.js';
import type { ProviderPayment, ProviderStatus, SavedMethodDetails } from '../payments.provider.js';

/**
 * Stripe's rules without I/O: amounts in Stripe's units, PaymentIntent states in ours, where the
 * customer completes a step, and what a saved card shows. The provider (`stripe.provider.ts`)
 * does the calls.
 */
export const STRIPE_PROVIDER = 'stripe';
/** Our payment id in the PaymentIntent's metadata: webhooks and reconciliation find the payment by it. */
export const METADATA_PAYMENT_ID = 'roamline_payment_id';
export const METADATA_ORDER_ID = 'roamline_order_id';
export const METADATA_CUSTOMER_ID = 'roamline_customer_id';
/** Set on PaymentIntents charged with the customer absent (auto-renew). */
export const METADATA_OFF_SESSION = 'roamline_off_session';
/** Stripe's default tolerance for webhook timestamps, which the issue fixes at five minutes. */
export const STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300;
/** Stripe's error code for an off-session charge the card issuer wants the customer to authenticate. */
export const AUTHENTICATION_REQUIRED = 'authentication_required';

/**
 * Stripe's exponent per currency where it differs from ISO 4217 / ours. Stripe's documented special
 * case: TWD is charged as a two-decimal currency (NT$100 is `10000`), although Roamline prices it
 * in whole dollars (exponent 0, as Taiwan does in practice). JPY is zero-decimal at Stripe too.
 */
const STRIPE_EXPONENT: Partial<Record<Currency, number>> = { TWD: 2 };

function stripeExponent(currency: Currency): number {
  return STRIPE_EXPONENT[currency] ?? currencyExponent(currency);
}

/** Our minor units as Stripe's `amount` (integer in Stripe's smallest unit of the currency). */
export function toStripeAmount(value: Money): { amount: number; currency: string } {
  const scale = 10 ** (stripeExponent(value.currency) - currencyExponent(value.currency));
  assert(Number.isInteger(scale) && scale >= 1, `Stripe cannot take fewer decimals than Roamline for ${value.currency}`);
  const amount = value.amountMinor * scale;
  assert(Number.isSafeInteger(amount), 'Stripe amount overflows');
  return { amount, currency: value.currency.toLowerCase() };
}

/** Thrown when Stripe reports an amount Roamline cannot represent exactly (e.g. NT$0.50): only staff can tell what happened. */
export class StripeAmountError extends Error {
  override readonly name = 'StripeAmountError';
}

/** Stripe's `amount` and `currency` in our minor units; undefined for a currency Roamline does not sell in. */
export function fromStripeAmount(amount: number, currency: string): Money | undefined {
  const code = currency.toUpperCase();
  if (!isCurrency(code)) return undefined;
  const scale = 10 ** (stripeExponent(code) - currencyExponent(code));
  if (!Number.isSafeInteger(amount) || amount % scale !== 0) throw new StripeAmountError(`Stripe amount ${amount} ${currency} is not a whole number of Roamline units`);
  return money(amount / scale, code);
}

/** Where the customer completes the PaymentIntent's next action (3-D Secure page, Alipay, WeChat Pay QR page). */
export function actionUrlOf(intent: Stripe.PaymentIntent): string | undefined {
  const next = intent.next_action;
  if (next === null) return undefined;
  return next.redirect_to_url?.url
    ?? next.alipay_handle_redirect?.url
    ?? next.wechat_pay_display_qr_code?.hosted_instructions_url
    ?? undefined;
}

/** The reason a PaymentIntent's last attempt failed: the issuer's decline code, else Stripe's error code. */
export function failureCodeOf(error: { decline_code?: string | undefined; code?: string | undefined } | null | undefined): string {
  return error?.decline_code ?? error?.code ?? 'declined';
}

/** A PaymentIntent's status in our words. `requires_payment_method` after an attempt means that attempt failed. */
export function statusOf(intent: Stripe.PaymentIntent): ProviderStatus {
  switch (intent.status) {
    case 'succeeded': return 'succeeded';
    case 'canceled': return 'cancelled';
    case 'processing': return 'pending';
    // Roamline captures automatically; an authorised, uncaptured intent is still on its way.
    case 'requires_capture': return 'pending';
    case 'requires_action': return 'requires_action';
    case 'requires_confirmation': return 'pending';
    case 'requires_payment_method': return intent.last_payment_error === null ? 'pending' : 'failed';
    default: return 'pending';
  }
}

/** True for an off-session attempt the issuer refused until the customer authenticates. */
export function needsCustomerAuthentication(intent: Stripe.PaymentIntent): boolean {
  return intent.status === 'requires_payment_method' && intent.last_payment_error?.code === AUTHENTICATION_REQUIRED;
}

/** The card of a PaymentMethod as Roamline keeps it: brand, last 4 digits, expiry — never the number. */
export function savedCardOf(method: Stripe.PaymentMethod | string | null): SavedMethodDetails | undefined {
  if (method === null || typeof method === 'string' || method.type !== 'card' || method.card === undefined) return undefined;
  const { brand, last4, exp_month: expMonth, exp_year: expYear } = method.card;
  return { providerMethodRef: method.id, brand, last4, expMonth, expYear };
}

/** The PaymentIntent as the platform's answer: status, action URL, failure, amount taken, saved card. */
export function paymentOf(intent: Stripe.PaymentIntent): ProviderPayment {
  const status = statusOf(intent);
  const actionUrl = status === 'requires_action' ? actionUrlOf(intent) : undefined;
  const taken = status === 'succeeded' ? intent.amount_received : intent.amount;
  const amount = fromStripeAmount(taken, intent.currency);
  const saved = status === 'succeeded' && intent.setup_future_usage === 'off_session' ? savedCardOf(intent.payment_method) : undefined;
  return {
    status,
    providerPaymentId: intent.id,
    ...(actionUrl !== undefined ? { actionUrl } : {}),
    ...(status === 'failed' ? { failureCode: failureCodeOf(intent.last_payment_error) } : {}),
    ...(status === 'cancelled' ? { failureCode: intent.cancellation_reason ?? 'cancelled' } : {}),
    ...(amount !== undefined ? { amount } : {}),
    ...(saved !== undefined ? { savedMethod: saved } : {}),
  };
}

/** Refund states in ours: a refund Stripe still works on is `pending` (the job asks again only if we never heard). */
export function refundStatusOf(status: string | null): 'pending' | 'succeeded' | 'failed' {
  if (status === 'succeeded') return 'succeeded';
  if (status === 'failed' || status === 'canceled') return 'failed';
  return 'pending';
}

/** The PaymentIntent webhook events the platform applies; other event types are acknowledged and ignored. */
export const PAYMENT_INTENT_EVENTS = new Set([
  'payment_intent.succeeded', 'payment_intent.payment_failed', 'payment_intent.processing',
  'payment_intent.requires_action', 'payment_intent.canceled',
]);
