import { MINUTE_MS, SECOND_MS } from '../../platform/clock.js';
import type { Money } from '../../platform/money.js';

/**
 * The payment state machine, declared as data.
 *
 * - `created`: the intent and its idempotency key are recorded; the provider may not have been called.
 * - `pending`: the provider accepted it and will tell the outcome later (webhook or reconciliation).
 * - `requires_action`: the customer must complete a step at the provider (3-D Secure, wallet app).
 * - `unknown`: the call timed out or failed with a 5xx: only the provider knows; a job asks it.
 * - `succeeded`, `failed`, `cancelled`: terminal; they never move again.
 *
 * Non-terminal states only move forward (created < unknown < requires_action < pending < terminal),
 * so deliveries that arrive out of order or twice end in the state one clean delivery gives.
 */
export const PAYMENT_STATUSES = ['created', 'pending', 'requires_action', 'unknown', 'succeeded', 'failed', 'cancelled'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const OPEN_STATUSES = ['created', 'pending', 'requires_action', 'unknown'] as const satisfies readonly PaymentStatus[];
export const TERMINAL_STATUSES = ['succeeded', 'failed', 'cancelled'] as const satisfies readonly PaymentStatus[];
export type OpenStatus = (typeof OPEN_STATUSES)[number];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

/** What an outcome (a provider answer, a webhook, a reconciliation) may say about a payment. */
export type OutcomeStatus = Exclude<PaymentStatus, 'created'>;

export const PAYMENT_TRANSITIONS: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  created: ['pending', 'requires_action', 'unknown', 'succeeded', 'failed'],
  unknown: ['pending', 'requires_action', 'succeeded', 'failed', 'cancelled'],
  requires_action: ['pending', 'succeeded', 'failed', 'cancelled'],
  pending: ['succeeded', 'failed', 'cancelled'],
  succeeded: [],
  failed: [],
  cancelled: [],
};

/**
 * What to do with an outcome: move to a state, ignore it (repeated, stale or out of order), or
 * `refund_late_success`: the provider took the money for a payment we already closed as failed or
 * cancelled. The payment stays closed (the order may have been paid otherwise) and the money goes
 * back to the customer.
 */
export type OutcomeDecision = PaymentStatus | 'ignore' | 'refund_late_success';

export function isTerminal(status: PaymentStatus): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly PaymentStatus[]).includes(status);
}

export function isOpen(status: PaymentStatus): status is OpenStatus {
  return (OPEN_STATUSES as readonly PaymentStatus[]).includes(status);
}

export function applyOutcome(current: PaymentStatus, outcome: OutcomeStatus): OutcomeDecision {
  if (PAYMENT_TRANSITIONS[current].includes(outcome)) return outcome;
  if (outcome === 'succeeded' && (current === 'failed' || current === 'cancelled')) return 'refund_late_success';
  return 'ignore';
}

/**
 * True when what the provider took is what the order costs: same currency, same amount of minor
 * units, and the payment was created for that amount. `captured` is undefined when the provider did
 * not report an amount; the amount we asked for then stands for it.
 */
export function amountMatches(order: Money, requested: Money, captured: Money | undefined): boolean {
  const taken = captured ?? requested;
  return order.currency === requested.currency && order.amountMinor === requested.amountMinor
    && taken.currency === order.currency && taken.amountMinor === order.amountMinor;
}

/** The provider's idempotency key for creating a payment: derived from ours, stable across retries. */
export function providerKeyForPayment(paymentId: string): string {
  return `rl_${paymentId}`;
}

/** One automatic refund per payment at most, whatever its reason: the key makes it so at the provider too. */
export function providerKeyForAutomaticRefund(paymentId: string): string {
  return `rl_${paymentId}_refund`;
}

export function providerKeyForCancel(paymentId: string): string {
  return `rl_${paymentId}_cancel`;
}

/** `requested`: staff refunded the payment (in full or in part) through the back-office. */
export const REFUND_REASONS = ['order_not_payable', 'amount_mismatch', 'late_success', 'requested'] as const;
export type RefundReason = (typeof REFUND_REASONS)[number];
export const REFUND_STATUSES = ['created', 'pending', 'succeeded', 'failed'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/** Failure codes the platform itself sets (providers add their own, e.g. `card_declined`). */
export const FAILURE_AMOUNT_MISMATCH = 'amount_mismatch';
export const FAILURE_NOT_SUBMITTED = 'not_submitted';
export const FAILURE_ACTION_EXPIRED = 'action_expired';
export const FAILURE_PAYMENT_METHOD_INVALID = 'payment_method_invalid';

/** Bounded waits (TigerBeetle style: a limit on everything). */
export const DEFAULT_PROVIDER_TIMEOUT_MS = 15 * SECOND_MS;
/**
 * Added to the provider timeout: after both, a payment still `created` has no call in flight any
 * more, and the reconciliation job may ask the provider about it.
 */
export const CALL_MARGIN_MS = 15 * SECOND_MS;
/** A payment the provider does not know after this never reached it; before, the call may still land. */
export const NOT_FOUND_GRACE_MS = 10 * MINUTE_MS;
/** A customer who has not completed the provider's step after this has abandoned it. */
export const ACTION_TTL_MS = 30 * MINUTE_MS;
export const RECONCILE_MAX_ATTEMPTS = 12;
export const REFUND_MAX_ATTEMPTS = 12;
export const APPLY_EVENT_MAX_ATTEMPTS = 10;
export const LIST_LIMIT = 50;
