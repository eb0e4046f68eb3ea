import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { SECOND_MS } from '../../../platform/clock.js';
import { constantTimeEqual, hmacHex } from '../../../platform/crypto.js';
import { CURRENCIES } from '../../../platform/money.js';
import { paymentsErrors } from '../payments.errors.js';
import type { ProviderStatus, SavedMethodDetails } from '../payments.provider.js';

/**
 * The sandbox provider's rules, without I/O: which test token does what, and how its webhooks are
 * signed. It behaves like a remote card PSP so that every path of the platform can be exercised
 * without one: immediate success, decline, a customer step (3-D Secure), a late answer by webhook,
 * and a call whose answer is lost.
 */
export const SANDBOX_TOKENS = {
  visa: 'pm_sandbox_visa',
  declined: 'pm_sandbox_declined',
  threeDs: 'pm_sandbox_3ds',
  slow: 'pm_sandbox_slow',
  timeout: 'pm_sandbox_timeout',
} as const;

export const SANDBOX_METHOD = 'sandbox';
/** How long after the create call `pm_sandbox_slow` settles and its webhook is sent. */
export const SANDBOX_SLOW_DELAY_MS = 3 * SECOND_MS;
export const SANDBOX_SIGNATURE_HEADER = 'roamline-sandbox-signature';
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export type SandboxChargeStatus = ProviderStatus;

export interface SandboxPlan {
  readonly status: SandboxChargeStatus;
  readonly failureCode: string | null;
  /** The create call records the charge and then "loses" the answer (it throws a timeout). */
  readonly loseAnswer: boolean;
  /** When the charge settles by itself later (then a webhook follows). */
  readonly settleAfterMs: number | undefined;
}

/** What a token does. Unknown tokens are refused as `payment_method_invalid`. */
export function planSandboxCharge(token: string, offSession: boolean): SandboxPlan {
  const plan = (status: SandboxChargeStatus, failureCode: string | null = null): SandboxPlan =>
    ({ status, failureCode, loseAnswer: false, settleAfterMs: undefined });
  switch (token) {
    case SANDBOX_TOKENS.visa: return plan('succeeded');
    case SANDBOX_TOKENS.declined: return plan('failed', 'card_declined');
    // Off-session, nobody is there to complete the bank's step.
    case SANDBOX_TOKENS.threeDs: return offSession ? plan('failed', 'authentication_required') : plan('requires_action');
    case SANDBOX_TOKENS.slow: return { ...plan('pending'), settleAfterMs: SANDBOX_SLOW_DELAY_MS };
    case SANDBOX_TOKENS.timeout: return { ...plan('succeeded'), loseAnswer: true };
    default: return plan('failed', 'payment_method_invalid');
  }
}

/** The card the sandbox keeps when `pm_sandbox_visa` is saved; other tokens cannot be saved. */
export function sandboxSavedMethod(token: string, nowMs: number): SavedMethodDetails | undefined {
  if (token !== SANDBOX_TOKENS.visa) return undefined;
  return { providerMethodRef: token, brand: 'visa', last4: '4242', expMonth: 12, expYear: new Date(nowMs).getUTCFullYear() + 3 };
}

/** The sandbox's webhook signing secret, derived from the server secret (nothing more to configure). */
export function sandboxWebhookSecret(secretKey: string): string {
  return hmacHex(secretKey, 'roamline:payments:sandbox:webhook-secret');
}

/** HMAC-SHA-256 over `${timestamp}.${raw body}`, hex. */
export function signSandboxPayload(secret: string, timestampSeconds: number, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.`, 'utf8').update(rawBody).digest('hex');
}

/** The `Roamline-Sandbox-Signature` header value: `t=<unix seconds>,v1=<hex>`. */
export function sandboxSignatureHeader(secret: string, timestampSeconds: number, rawBody: Buffer | string): string {
  return `t=${timestampSeconds},v1=${signSandboxPayload(secret, timestampSeconds, rawBody)}`;
}

/**
 * Checks the signature first (the timestamp is signed too, so it cannot be altered), then that the
 * timestamp is within five minutes of now, which bounds replays of a captured delivery.
 */
export function verifySandboxSignature(secret: string, header: string | undefined, rawBody: Buffer, nowMs: number): void {
  if (header === undefined || header.length > 1024) throw paymentsErrors.webhookSignatureInvalid();
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value = ''] = part.trim().split('=', 2);
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === undefined || signatures.length === 0) throw paymentsErrors.webhookSignatureInvalid();
  const expected = signSandboxPayload(secret, timestamp, rawBody);
  // Every listed signature is compared (a sender rotating its secret may list two).
  const matched = signatures.map((s) => constantTimeEqual(s, expected)).includes(true);
  if (!matched) throw paymentsErrors.webhookSignatureInvalid();
  if (Math.abs(Math.floor(nowMs / 1000) - timestamp) > WEBHOOK_TOLERANCE_SECONDS) throw paymentsErrors.webhookStale();
}

export const SandboxEventSchema = z.object({
  id: z.string().min(1).max(200),
  type: z.string().min(1).max(100),
  created: z.number().int().nonnegative(),
  data: z.object({
    chargeId: z.string().min(1).max(100),
    paymentRef: z.string().min(1).max(100),
    status: z.enum(['pending', 'requires_action', 'succeeded', 'failed', 'cancelled']),
    amountMinor: z.number().int().nonnegative(),
    currency: z.enum(CURRENCIES),
    failureCode: z.string().max(100).nullable(),
  }),
});
export type SandboxEvent = z.infer<typeof SandboxEventSchema>;

/** Event ids are per charge and status: a resent event keeps its id, as a real PSP's redelivery does. */
export function sandboxEventId(chargeId: string, status: SandboxChargeStatus): string {
  return `evt_sbx_${chargeId}_${status}`;
}
