import { assert } from '../../platform/assert.js';
import { MINUTE_MS } from '../../platform/clock.js';

/**
 * Auto-renew and reminders, as data and pure rules (no I/O).
 *
 * A line with auto-renew on has one renewal attempt per period end (`renewal_attempt`, unique on
 * line and period end: at most one renewal per line and period, whatever runs twice). The attempt
 * is due `leadMs` before the end; then its order is opened and charged off-session; a failure is
 * retried after the configured delays until the period ends; when the bank wants the customer
 * (`authentication_required`) the customer completes the payment in the portal; at the end of the
 * grace time a line that was not renewed expires and auto-renew turns off. The attempt's `due_at`
 * is its only timer: when something is due, and, while a worker handles it, its lease.
 */
export const ATTEMPT_STATUSES = [
  'scheduled', 'charging', 'retrying', 'awaiting_outcome', 'action_required', 'failed',
  'succeeded', 'superseded', 'cancelled', 'lapsed', 'parked',
] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

/** Statuses that still have something due (`due_at` set); the others are closed for good. */
export const OPEN_ATTEMPT_STATUSES = ['scheduled', 'charging', 'retrying', 'awaiting_outcome', 'action_required', 'failed'] as const satisfies readonly AttemptStatus[];
export type OpenAttemptStatus = (typeof OPEN_ATTEMPT_STATUSES)[number];

/**
 * The attempt state machine, as data. `succeeded`: the period was bought (by this attempt's order,
 * or by hand); `superseded`: the line was renewed otherwise first; `cancelled`: auto-renew was turned
 * off; `lapsed`: the grace time ended unpaid; `parked`: it kept failing inside (staff look at it).
 */
export const ATTEMPT_TRANSITIONS: Readonly<Record<AttemptStatus, readonly AttemptStatus[]>> = {
  scheduled: ['charging', 'succeeded', 'superseded', 'cancelled', 'lapsed', 'failed', 'parked'],
  charging: ['succeeded', 'retrying', 'awaiting_outcome', 'action_required', 'failed', 'superseded', 'cancelled', 'parked'],
  retrying: ['charging', 'succeeded', 'superseded', 'cancelled', 'lapsed', 'failed', 'scheduled', 'parked'],
  awaiting_outcome: ['charging', 'succeeded', 'retrying', 'action_required', 'failed', 'superseded', 'cancelled', 'lapsed', 'parked'],
  action_required: ['succeeded', 'superseded', 'cancelled', 'lapsed', 'scheduled'],
  failed: ['succeeded', 'superseded', 'cancelled', 'lapsed', 'scheduled'],
  succeeded: [],
  superseded: [],
  cancelled: [],
  lapsed: [],
  parked: [],
};

export function isOpenAttempt(status: AttemptStatus): status is OpenAttemptStatus {
  return (OPEN_ATTEMPT_STATUSES as readonly AttemptStatus[]).includes(status);
}

/** How long a worker holds the attempts it claimed (a batch's calls are bounded by the provider timeout). */
export const ATTEMPT_LEASE_MS = 5 * MINUTE_MS;
/** How soon a charge whose outcome the provider will tell later (webhook, reconciliation) is looked at again. */
export const OUTCOME_CHECK_MS = 15 * MINUTE_MS;
/** Internal errors (not payment failures) an attempt survives before it is parked for staff. */
export const MAX_ATTEMPT_ERRORS = 5;

/** Why a policy was turned off. */
export const DISABLED_REASONS = ['customer', 'expired'] as const;
export type DisabledReason = (typeof DISABLED_REASONS)[number];

/** When auto-renew charges for a period ending at `periodEndMs` (now, if that time has passed). */
export function chargeAtMs(periodEndMs: number, leadMs: number, nowMs: number): number {
  return Math.max(nowMs, periodEndMs - leadMs);
}

/**
 * When to retry after the `failures`-th failed charge: `retryDelaysMs[failures - 1]` after now, if
 * that is still before the period ends; undefined when no retry is left.
 */
export function nextRetryAtMs(input: { failures: number; nowMs: number; periodEndMs: number; retryDelaysMs: readonly number[] }): number | undefined {
  assert(Number.isInteger(input.failures) && input.failures >= 1, 'a retry follows a failure');
  const delay = input.retryDelaysMs[input.failures - 1];
  if (delay === undefined) return undefined;
  const at = input.nowMs + delay;
  return at < input.periodEndMs ? at : undefined;
}

/** Failure codes after which charging the saved method again is pointless. */
const FINAL_FAILURES = new Set(['payment_method_invalid', 'payment_method_missing', 'method_not_available', 'expired_card', 'card_expired']);
/** Failure codes that mean the bank wants the customer to confirm the payment (3-D Secure, SCA). */
const ACTION_FAILURES = new Set(['authentication_required', 'requires_action']);

/** What a failed automatic charge leads to: the customer's action, no more tries, or a retry. */
export function failureKind(failureCode: string): 'action' | 'final' | 'retry' {
  if (ACTION_FAILURES.has(failureCode)) return 'action';
  if (FINAL_FAILURES.has(failureCode)) return 'final';
  return 'retry';
}

/** The instants of the reminders of a period ending at `periodEndMs` that are still ahead of `nowMs`. */
export function reminderTimes(periodEndMs: number, offsetsMs: readonly number[], nowMs: number): Array<{ atMs: number; offsetMs: number }> {
  return offsetsMs.map((offsetMs) => ({ atMs: periodEndMs - offsetMs, offsetMs })).filter((r) => r.atMs > nowMs);
}

/** What a worker found about a claimed attempt, gathered in its transaction. */
export interface AttemptFacts {
  readonly status: AttemptStatus;
  readonly periodEndMs: number;
  /** The end of the line's latest period; undefined when the line is gone or never had one. */
  readonly lineValidUntilMs: number | undefined;
  readonly policyEnabled: boolean;
  readonly order: { readonly status: string } | undefined;
  /** The latest payment of the attempt's order. */
  readonly payment: { readonly status: string; readonly failureCode: string | null } | undefined;
  readonly nowMs: number;
  readonly graceMs: number;
}

export type AttemptDecision =
  | { readonly kind: 'close'; readonly status: 'succeeded' | 'superseded' | 'cancelled' }
  | { readonly kind: 'lapse' }
  | { readonly kind: 'charge' }
  | { readonly kind: 'wait'; readonly status: OpenAttemptStatus; readonly untilMs: number }
  | { readonly kind: 'failure'; readonly failureCode: string };

/**
 * What to do with a claimed attempt. In order: a paid order closes it as succeeded; a line renewed
 * otherwise supersedes it; auto-renew turned off cancels it; the end of the grace time lapses it;
 * otherwise it is charged — or, when its order's payment is still open at the provider or a
 * failure waits for the customer, it waits; a payment that failed meanwhile (reconciliation) is a
 * failure like any other. An attempt that was late (the system was down) is charged once, late.
 */
export function decideAttempt(f: AttemptFacts): AttemptDecision {
  if (f.order !== undefined && (f.order.status === 'paid' || f.order.status === 'fulfilled')) return { kind: 'close', status: 'succeeded' };
  if (f.lineValidUntilMs === undefined) return { kind: 'close', status: 'cancelled' };
  if (f.lineValidUntilMs > f.periodEndMs) return { kind: 'close', status: 'superseded' };
  if (!f.policyEnabled) return { kind: 'close', status: 'cancelled' };
  const graceEndMs = f.periodEndMs + f.graceMs;
  if (f.nowMs >= graceEndMs) return { kind: 'lapse' };
  switch (f.status) {
    case 'action_required':
    case 'failed':
      return { kind: 'wait', status: f.status, untilMs: graceEndMs };
    case 'awaiting_outcome': {
      const payment = f.payment;
      if (payment === undefined) return { kind: 'charge' };
      if (payment.status === 'failed' || payment.status === 'cancelled') return { kind: 'failure', failureCode: payment.failureCode ?? 'declined' };
      if (payment.status === 'requires_action') return { kind: 'wait', status: 'action_required', untilMs: graceEndMs };
      if (payment.status === 'pending') return { kind: 'wait', status: 'awaiting_outcome', untilMs: Math.min(graceEndMs, f.nowMs + OUTCOME_CHECK_MS) };
      // Created or unknown: the answer was never recorded, the charge is taken up (the provider is asked first).
      return { kind: 'charge' };
    }
    default:
      return { kind: 'charge' };
  }
}
