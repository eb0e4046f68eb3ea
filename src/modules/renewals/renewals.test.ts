import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../platform/clock.js';
import {
  ATTEMPT_STATUSES, ATTEMPT_TRANSITIONS, OPEN_ATTEMPT_STATUSES, OUTCOME_CHECK_MS, chargeAtMs, decideAttempt, failureKind, nextRetryAtMs, reminderTimes,
  type AttemptFacts,
} from './renewals.js';

const END = Date.UTC(2026, 11, 27, 9, 0, 0);
const GRACE = 3 * DAY_MS;
const facts = (over: Partial<AttemptFacts> = {}): AttemptFacts => ({
  status: 'scheduled', periodEndMs: END, lineValidUntilMs: END, policyEnabled: true, order: undefined, payment: undefined,
  nowMs: END - 24 * HOUR_MS, graceMs: GRACE, ...over,
});

describe('when auto-renew charges and retries', () => {
  it('charges the lead time before the end, or now when that has passed', () => {
    expect(chargeAtMs(END, 24 * HOUR_MS, END - 3 * DAY_MS)).toBe(END - 24 * HOUR_MS);
    expect(chargeAtMs(END, 24 * HOUR_MS, END - 2 * HOUR_MS)).toBe(END - 2 * HOUR_MS);
  });

  it('retries after each configured delay while the period lasts, then stops', () => {
    const retry = (failures: number, nowMs: number) => nextRetryAtMs({ failures, nowMs, periodEndMs: END, retryDelaysMs: [HOUR_MS, 6 * HOUR_MS, 12 * HOUR_MS] });
    const first = END - 24 * HOUR_MS;
    expect(retry(1, first)).toBe(first + HOUR_MS);
    expect(retry(2, first + HOUR_MS)).toBe(first + 7 * HOUR_MS);
    expect(retry(3, first + 7 * HOUR_MS)).toBe(first + 19 * HOUR_MS);
    expect(retry(4, first + 19 * HOUR_MS)).toBeUndefined();
    expect(retry(1, END - 30 * 60_000)).toBeUndefined();
    expect(() => retry(0, first)).toThrow();
  });

  it('sorts failures into the customer\'s action, no more tries, and retries', () => {
    expect(failureKind('authentication_required')).toBe('action');
    expect(failureKind('payment_method_missing')).toBe('final');
    expect(failureKind('payment_method_invalid')).toBe('final');
    expect(failureKind('card_declined')).toBe('retry');
    expect(failureKind('insufficient_funds')).toBe('retry');
  });

  it('reminds only ahead of now', () => {
    expect(reminderTimes(END, [72 * HOUR_MS, 24 * HOUR_MS], END - 4 * DAY_MS).map((r) => r.atMs)).toEqual([END - 72 * HOUR_MS, END - 24 * HOUR_MS]);
    expect(reminderTimes(END, [72 * HOUR_MS, 24 * HOUR_MS], END - 2 * DAY_MS).map((r) => r.atMs)).toEqual([END - 24 * HOUR_MS]);
    expect(reminderTimes(END, [], END - 4 * DAY_MS)).toEqual([]);
  });
});

describe('the attempt state machine', () => {
  it('lists every status, open ones move on, closed ones never do', () => {
    for (const status of ATTEMPT_STATUSES) {
      const open = (OPEN_ATTEMPT_STATUSES as readonly string[]).includes(status);
      expect(ATTEMPT_TRANSITIONS[status].length > 0, status).toBe(open);
    }
  });

  it('closes as succeeded once the order is paid, whatever else', () => {
    for (const status of ['paid', 'fulfilled']) {
      expect(decideAttempt(facts({ order: { status }, lineValidUntilMs: END + 30 * DAY_MS, policyEnabled: false }))).toEqual({ kind: 'close', status: 'succeeded' });
    }
  });

  it('is superseded when the line was renewed another way, and cancelled when auto-renew is off or the line is gone', () => {
    expect(decideAttempt(facts({ lineValidUntilMs: END + 7 * DAY_MS }))).toEqual({ kind: 'close', status: 'superseded' });
    expect(decideAttempt(facts({ policyEnabled: false }))).toEqual({ kind: 'close', status: 'cancelled' });
    expect(decideAttempt(facts({ lineValidUntilMs: undefined }))).toEqual({ kind: 'close', status: 'cancelled' });
  });

  it('charges when due, also late (after downtime) until the grace time ends, then lapses', () => {
    expect(decideAttempt(facts())).toEqual({ kind: 'charge' });
    expect(decideAttempt(facts({ status: 'retrying', nowMs: END + DAY_MS }))).toEqual({ kind: 'charge' });
    expect(decideAttempt(facts({ status: 'charging', nowMs: END - HOUR_MS }))).toEqual({ kind: 'charge' });
    expect(decideAttempt(facts({ nowMs: END + GRACE }))).toEqual({ kind: 'lapse' });
    expect(decideAttempt(facts({ status: 'failed', nowMs: END + GRACE }))).toEqual({ kind: 'lapse' });
  });

  it('waits for the customer or the provider, and counts a failure found meanwhile', () => {
    expect(decideAttempt(facts({ status: 'action_required' }))).toEqual({ kind: 'wait', status: 'action_required', untilMs: END + GRACE });
    expect(decideAttempt(facts({ status: 'failed' }))).toEqual({ kind: 'wait', status: 'failed', untilMs: END + GRACE });
    const awaiting = (payment: AttemptFacts['payment']) => decideAttempt(facts({ status: 'awaiting_outcome', order: { status: 'pending_payment' }, payment }));
    expect(awaiting({ status: 'pending', failureCode: null })).toEqual({ kind: 'wait', status: 'awaiting_outcome', untilMs: END - 24 * HOUR_MS + OUTCOME_CHECK_MS });
    expect(awaiting({ status: 'requires_action', failureCode: null })).toEqual({ kind: 'wait', status: 'action_required', untilMs: END + GRACE });
    expect(awaiting({ status: 'failed', failureCode: 'card_declined' })).toEqual({ kind: 'failure', failureCode: 'card_declined' });
    expect(awaiting({ status: 'unknown', failureCode: null })).toEqual({ kind: 'charge' });
    expect(awaiting(undefined)).toEqual({ kind: 'charge' });
  });
});
