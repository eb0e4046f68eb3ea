import { describe, expect, it } from 'vitest';
import {
  OPEN_STATUSES, PAYMENT_STATUSES, PAYMENT_TRANSITIONS, TERMINAL_STATUSES, amountMatches, applyOutcome, isOpen, isTerminal,
  providerKeyForAutomaticRefund, providerKeyForPayment, type OutcomeDecision, type OutcomeStatus, type PaymentStatus,
} from './payments.js';

const OUTCOMES: readonly OutcomeStatus[] = ['pending', 'requires_action', 'unknown', 'succeeded', 'failed', 'cancelled'];

/** The expected decision for every (state, outcome) pair, written out in full. */
const EXPECTED: Record<PaymentStatus, Record<OutcomeStatus, OutcomeDecision>> = {
  created: { pending: 'pending', requires_action: 'requires_action', unknown: 'unknown', succeeded: 'succeeded', failed: 'failed', cancelled: 'ignore' },
  unknown: { pending: 'pending', requires_action: 'requires_action', unknown: 'ignore', succeeded: 'succeeded', failed: 'failed', cancelled: 'cancelled' },
  requires_action: { pending: 'pending', requires_action: 'ignore', unknown: 'ignore', succeeded: 'succeeded', failed: 'failed', cancelled: 'cancelled' },
  pending: { pending: 'ignore', requires_action: 'ignore', unknown: 'ignore', succeeded: 'succeeded', failed: 'failed', cancelled: 'cancelled' },
  succeeded: { pending: 'ignore', requires_action: 'ignore', unknown: 'ignore', succeeded: 'ignore', failed: 'ignore', cancelled: 'ignore' },
  failed: { pending: 'ignore', requires_action: 'ignore', unknown: 'ignore', succeeded: 'refund_late_success', failed: 'ignore', cancelled: 'ignore' },
  cancelled: { pending: 'ignore', requires_action: 'ignore', unknown: 'ignore', succeeded: 'refund_late_success', failed: 'ignore', cancelled: 'ignore' },
};

describe('payment state machine', () => {
  for (const state of PAYMENT_STATUSES) {
    for (const outcome of OUTCOMES) {
      it(`${state} + ${outcome} -> ${EXPECTED[state][outcome]}`, () => {
        expect(applyOutcome(state, outcome)).toBe(EXPECTED[state][outcome]);
      });
    }
  }

  it('classifies every state as exactly one of open or terminal', () => {
    for (const state of PAYMENT_STATUSES) expect(isOpen(state)).toBe(!isTerminal(state));
    expect([...OPEN_STATUSES, ...TERMINAL_STATUSES].sort()).toEqual([...PAYMENT_STATUSES].sort());
  });

  it('never leaves a terminal state and never returns to created', () => {
    for (const state of TERMINAL_STATUSES) expect(PAYMENT_TRANSITIONS[state]).toEqual([]);
    for (const state of PAYMENT_STATUSES) expect(PAYMENT_TRANSITIONS[state]).not.toContain('created');
  });

  it('ends in the same state whatever the order of the answers (every permutation of up to four)', () => {
    const rank = (s: PaymentStatus): number => ['created', 'unknown', 'requires_action', 'pending'].indexOf(s);
    const run = (answers: readonly OutcomeStatus[]): PaymentStatus => answers.reduce<PaymentStatus>((state, answer) => {
      const decision = applyOutcome(state, answer);
      return decision === 'ignore' || decision === 'refund_late_success' ? state : decision;
    }, 'created');
    const sequences = permutationsOf(['unknown', 'requires_action', 'pending', 'succeeded'] as const);
    for (const sequence of sequences) expect(run(sequence)).toBe('succeeded');
    // Without a terminal answer, the most advanced non-terminal state wins whatever the order.
    for (const sequence of permutationsOf(['unknown', 'requires_action', 'pending'] as const)) expect(run(sequence)).toBe('pending');
    for (const sequence of permutationsOf(['succeeded', 'failed', 'pending'] as const)) {
      // The first terminal answer decides; later ones are ignored (or refunded, never re-opened).
      const firstTerminal = sequence.find((s) => s === 'succeeded' || s === 'failed');
      expect(run(sequence)).toBe(firstTerminal);
    }
    expect(rank('pending')).toBeGreaterThan(rank('requires_action'));
  });
});

describe('amount matching', () => {
  const order = { amountMinor: 1999, currency: 'USD' as const };
  it('accepts the order total in its currency, reported or not', () => {
    expect(amountMatches(order, order, order)).toBe(true);
    expect(amountMatches(order, order, undefined)).toBe(true);
  });
  it('refuses another amount or currency, reported or requested', () => {
    expect(amountMatches(order, order, { amountMinor: 1998, currency: 'USD' })).toBe(false);
    expect(amountMatches(order, order, { amountMinor: 1999, currency: 'EUR' })).toBe(false);
    expect(amountMatches(order, { amountMinor: 999, currency: 'USD' }, undefined)).toBe(false);
    expect(amountMatches(order, { amountMinor: 1999, currency: 'HKD' }, order)).toBe(false);
  });
});

describe('keys', () => {
  it('derives provider keys from our ids', () => {
    expect(providerKeyForPayment('pay_1')).toBe('rl_pay_1');
    expect(providerKeyForAutomaticRefund('pay_1')).toBe('rl_pay_1_refund');
  });
});

function permutationsOf<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) => permutationsOf([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}
