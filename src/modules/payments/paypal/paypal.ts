import { crc32 } from 'node:zlib';
import { z } from 'zod';
import { MINUTE_MS } from '../../../platform/clock.js';
import { assertMinor, currencyExponent, isCurrency, money, type Money } from '../../../platform/money.js';
import { NO_EXPIRY, type ProviderPayment, type ProviderStatus, type SavedMethodDetails } from '../payments.provider.js';

/**
 * PayPal's rules without I/O: amounts as PayPal writes them, Orders v2 states in ours, and the
 * message its webhook signatures cover. The provider (`paypal.provider.ts`) does the calls.
 */
export const PAYPAL_PROVIDER = 'paypal';
export const PAYPAL_METHOD = 'paypal';
/** The token the portal sends to start a PayPal checkout; any other token is a vaulted PayPal wallet (a saved method's reference). */
export const PAYPAL_CHECKOUT_TOKEN = 'paypal';
export const PAYPAL_WEBHOOK_TOLERANCE_MS = 5 * MINUTE_MS;
export const PAYPAL_AUTH_ALGO = 'SHA256withRSA';

/**
 * Our minor units as PayPal's decimal `value`. PayPal's decimals per currency match Roamline's
 * exponents for every currency Roamline sells in (JPY and TWD take no decimals at PayPal either).
 */
export function toPayPalAmount(value: Money): { currencyCode: string; value: string } {
  assertMinor(value.amountMinor);
  const exponent = currencyExponent(value.currency);
  if (exponent === 0) return { currencyCode: value.currency, value: String(value.amountMinor) };
  const digits = String(value.amountMinor).padStart(exponent + 1, '0');
  return { currencyCode: value.currency, value: `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}` };
}

/** PayPal's `{currency_code, value}` in our minor units; undefined when it is not an amount we could have asked for. */
export function fromPayPalAmount(currencyCode: string | undefined, value: string | undefined): Money | undefined {
  if (currencyCode === undefined || value === undefined || !isCurrency(currencyCode)) return undefined;
  const exponent = currencyExponent(currencyCode);
  const match = exponent === 0 ? /^(\d{1,15})$/.exec(value) : new RegExp(`^(\\d{1,15})\\.(\\d{${exponent}})$`).exec(value);
  if (match === null) return undefined;
  const minor = Number(`${match[1] ?? ''}${match[2] ?? ''}`);
  return Number.isSafeInteger(minor) ? money(minor, currencyCode) : undefined;
}

/**
 * A reported amount, strictly: absent stays undefined, but an amount Roamline cannot read exactly
 * throws (never read as "the amount we asked for", which would hide a mismatch).
 */
export function reportedAmount(currencyCode: string | undefined, value: string | undefined): Money | undefined {
  if (currencyCode === undefined && value === undefined) return undefined;
  const amount = fromPayPalAmount(currencyCode, value);
  if (amount === undefined) throw new Error(`PayPal reported an amount Roamline cannot read: ${String(value).slice(0, 32)} ${String(currencyCode).slice(0, 8)}`);
  return amount;
}

/** The message PayPal signs for a webhook: transmission id, time, our webhook id and the CRC32 of the raw body, in decimal. */
export function webhookSignedMessage(transmissionId: string, transmissionTime: string, webhookId: string, rawBody: Buffer): string {
  return `${transmissionId}|${transmissionTime}|${webhookId}|${crc32(rawBody)}`;
}

/** What Roamline reads of an order (the SDK's camelCase model, or a webhook's resource once renamed). */
export interface OrderView {
  readonly id: string;
  readonly status: string | undefined;
  readonly customId: string | undefined;
  readonly capture: { readonly id: string | undefined; readonly status: string | undefined; readonly amount: Money | undefined } | undefined;
  readonly actionUrl: string | undefined;
  readonly vault: { readonly id: string | undefined; readonly status: string | undefined } | undefined;
}

export function captureStatusOf(status: string | undefined): { status: ProviderStatus; failureCode?: string } {
  switch (status) {
    case 'COMPLETED': case 'REFUNDED': case 'PARTIALLY_REFUNDED': return { status: 'succeeded' };
    case 'DECLINED': return { status: 'failed', failureCode: 'capture_declined' };
    case 'FAILED': return { status: 'failed', failureCode: 'capture_failed' };
    default: return { status: 'pending' };
  }
}

/** A vaulted PayPal wallet as a saved method: PayPal wallets have no card number or expiry. */
export function savedWalletOf(order: OrderView): SavedMethodDetails | undefined {
  if (order.vault?.id === undefined || order.vault.status !== 'VAULTED') return undefined;
  return savedWalletOfToken(order.vault.id);
}

/**
 * A vaulted PayPal wallet (its payment token id) as a saved method. A wallet has no card digits and
 * does not expire: it shows the token's last four characters and an expiry far ahead, so that
 * auto-renew's expiry check accepts it.
 */
export function savedWalletOfToken(vaultId: string | undefined): SavedMethodDetails | undefined {
  if (vaultId === undefined || vaultId === '') return undefined;
  return { providerMethodRef: vaultId, brand: 'paypal', last4: vaultId.slice(-4), ...NO_EXPIRY };
}

/**
 * An order in our words: `COMPLETED` is the capture's outcome; `APPROVED` waits for our capture
 * (`pending`); `CREATED` and `PAYER_ACTION_REQUIRED` wait for the payer at PayPal; `VOIDED` is cancelled.
 */
export function paymentOfOrder(order: OrderView): ProviderPayment {
  const base = { providerPaymentId: order.id };
  switch (order.status) {
    case 'COMPLETED': {
      const outcome = captureStatusOf(order.capture?.status);
      const saved = outcome.status === 'succeeded' ? savedWalletOf(order) : undefined;
      return {
        ...base, ...outcome,
        ...(order.capture?.amount !== undefined ? { amount: order.capture.amount } : {}),
        ...(saved !== undefined ? { savedMethod: saved } : {}),
      };
    }
    case 'VOIDED': return { ...base, status: 'cancelled', failureCode: 'voided' };
    case 'CREATED': case 'PAYER_ACTION_REQUIRED':
      return { ...base, status: 'requires_action', ...(order.actionUrl !== undefined ? { actionUrl: order.actionUrl } : {}) };
    default: return { ...base, status: 'pending' };
  }
}

const amountSchema = z.object({ currency_code: z.string().max(3), value: z.string().max(32) });
const linkSchema = z.object({ href: z.string().max(2048), rel: z.string().max(64) });

const orderResource = z.object({
  id: z.string().min(1).max(64),
  status: z.string().max(40).optional(),
  links: z.array(linkSchema).max(20).optional(),
  purchase_units: z.array(z.object({
    custom_id: z.string().max(127).optional(),
    amount: amountSchema.optional(),
    payments: z.object({
      captures: z.array(z.object({ id: z.string().max(64).optional(), status: z.string().max(40).optional(), amount: amountSchema.optional() })).max(20).optional(),
    }).optional(),
  })).min(1).max(10),
});

const captureResource = z.object({
  id: z.string().min(1).max(64),
  status: z.string().max(40).optional(),
  amount: amountSchema.optional(),
  custom_id: z.string().max(127).optional(),
  supplementary_data: z.object({ related_ids: z.object({ order_id: z.string().min(1).max(64).optional() }).optional() }).optional(),
});

export const PayPalEventSchema = z.object({
  id: z.string().min(1).max(128),
  event_type: z.string().min(1).max(128),
  resource: z.record(z.string(), z.unknown()),
});

export interface PayPalEventFacts {
  readonly providerPaymentId: string;
  readonly paymentId: string | undefined;
  readonly status: ProviderStatus;
  readonly amount: Money | undefined;
  readonly failureCode: string | undefined;
}

function orderViewOfResource(resource: z.infer<typeof orderResource>): OrderView {
  const unit = resource.purchase_units[0];
  const capture = unit?.payments?.captures?.[0];
  return {
    id: resource.id, status: resource.status, customId: unit?.custom_id,
    capture: capture === undefined ? undefined : { id: capture.id, status: capture.status, amount: reportedAmount(capture.amount?.currency_code, capture.amount?.value) },
    actionUrl: resource.links?.find((l) => l.rel === 'payer-action' || l.rel === 'approve')?.href,
    vault: undefined,
  };
}

/**
 * What a verified event says about a payment; undefined for event types Roamline does not apply
 * (refunds, vault events); throws `Error` for a resource that is not what its type says.
 */
export function factsOfEvent(eventType: string, resource: unknown): PayPalEventFacts | undefined {
  if (eventType === 'CHECKOUT.ORDER.APPROVED' || eventType === 'CHECKOUT.ORDER.COMPLETED') {
    const order = orderViewOfResource(orderResource.parse(resource));
    // An approved order waits for our capture: "pending" (the platform asks PayPal, which captures).
    const answer = eventType === 'CHECKOUT.ORDER.APPROVED' ? { status: 'pending' as const } : paymentOfOrder(order);
    return {
      providerPaymentId: order.id, paymentId: order.customId, status: answer.status,
      amount: 'amount' in answer ? answer.amount : undefined, failureCode: 'failureCode' in answer ? answer.failureCode : undefined,
    };
  }
  const captureEvents: Record<string, true> = {
    'PAYMENT.CAPTURE.COMPLETED': true, 'PAYMENT.CAPTURE.PENDING': true, 'PAYMENT.CAPTURE.DECLINED': true, 'PAYMENT.CAPTURE.DENIED': true,
  };
  if (captureEvents[eventType] === true) {
    const capture = captureResource.parse(resource);
    const orderId = capture.supplementary_data?.related_ids?.order_id;
    if (orderId === undefined) throw new Error('capture event without its order id');
    const outcome = eventType === 'PAYMENT.CAPTURE.DENIED' ? { status: 'failed' as const, failureCode: 'capture_denied' } : captureStatusOf(capture.status);
    return {
      providerPaymentId: orderId, paymentId: capture.custom_id, status: outcome.status,
      amount: reportedAmount(capture.amount?.currency_code, capture.amount?.value), failureCode: outcome.failureCode,
    };
  }
  return undefined;
}
