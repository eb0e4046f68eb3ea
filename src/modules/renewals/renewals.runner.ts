import { hostname } from 'node:os';
import { randomToken } from '../../platform/crypto.js';
import { inTransaction, type Tx } from '../../platform/db/database.js';
import type { Language } from '../../platform/i18n.js';
import { backoffMs, type JobHandler } from '../../platform/jobs/index.js';
import type { CustomerRow } from '../accounts/index.js';
import type { LineRenewalState } from '../lines/index.js';
import type { OrderSummary } from '../orders/index.js';
import type { ChargeAnswer, OpenedCharge, RecordedCharge } from '../payments/index.js';
import type { RenewalsDeps, RenewalsOptions } from './renewals.context.js';
import { formatInstant, lineUrl, noticesTo, orderUrl } from './renewals.notices.js';
import { ATTEMPT_LEASE_MS, MAX_ATTEMPT_ERRORS, OUTCOME_CHECK_MS, decideAttempt, failureKind, nextRetryAtMs, type OpenAttemptStatus } from './renewals.js';
import {
  claimDueAttempts, disablePolicies, findPolicies, markCharging, updateClaimedAttempts, type AttemptRow, type PolicyRow,
} from './renewals.repository.js';

/** `renewals.sweep`: a recurring job that runs every due renewal attempt (see `createRunner`). */
export const SWEEP_JOB = 'renewals.sweep';

/** A payment failure found for a claimed attempt, and how to treat it (`failureKind` unless forced). */
interface Failure {
  readonly attempt: AttemptRow;
  readonly failureCode: string;
  readonly kind?: 'action' | 'final' | 'retry';
  readonly orderId: string | null;
}

/**
 * The renewal worker. Due attempts are claimed in batches (`FOR UPDATE SKIP LOCKED` on PostgreSQL,
 * so any number of workers share them) with a lease in the row itself; per batch, one transaction
 * decides each attempt and opens the orders and payments to charge, the provider calls run outside
 * any transaction and overlap (several batches in flight, up to `maxInFlight` calls), and one
 * transaction records every answer — the renewals that succeed get their period, allowances and
 * confirmation in that same commit. A worker that dies leaves its attempts claimed; when the lease
 * runs out another worker takes them up and asks the provider about the charges first, so a line
 * is charged and renewed once. A batch that fails is retried one attempt at a time, and an attempt
 * that keeps failing inside is parked.
 */
export function createRunner(deps: RenewalsDeps, options: RenewalsOptions) {
  const { database, clock, log, lines, orders, payments, accounts, catalog, notifications, config } = deps;
  const db = database.db;

  /** Customers, line states and plan names for the notices of a transaction, read once. */
  async function noticeContext(tx: Tx, attempts: readonly AttemptRow[], policies: ReadonlyMap<string, PolicyRow>) {
    const customers = await accounts.profile.getCustomers(tx, attempts.map((a) => a.customer_id));
    const states = await lines.renewalStatesOf(tx, attempts.map((a) => a.line_id));
    const planNames = new Map<string, Readonly<Record<Language, string>>>();
    for (const code of new Set([...policies.values()].map((p) => p.plan_code))) {
      const plan = await catalog.findPlan(code, tx);
      if (plan !== undefined) planNames.set(code, plan.texts.name);
    }
    return { customers, states, planNames };
  }

  async function queueNotices(tx: Tx, customer: CustomerRow | undefined, template: Parameters<typeof noticesTo>[1], params: Record<string, string>): Promise<void> {
    if (customer === undefined) return;
    for (const message of noticesTo(customer, template, params)) await notifications.queue(tx, message);
  }

  /** Moves failed attempts on: the customer's action, a retry, or no more tries; and tells the customer. */
  async function fail(tx: Tx, failures: readonly Failure[], token: string, policies: ReadonlyMap<string, PolicyRow>): Promise<void> {
    if (failures.length === 0) return;
    const nowMs = clock.nowMs();
    const { customers, states, planNames } = await noticeContext(tx, failures.map((f) => f.attempt), policies);
    for (const failure of failures) {
      const { attempt } = failure;
      const failures = attempt.failures + 1;
      const graceEndMs = attempt.period_end_at + lines.graceMs;
      const kind = failure.kind ?? failureKind(failure.failureCode);
      const retryAtMs = kind === 'retry' ? nextRetryAtMs({ failures, nowMs, periodEndMs: attempt.period_end_at, retryDelaysMs: options.retryDelaysMs }) : undefined;
      const status: OpenAttemptStatus = kind === 'action' ? 'action_required' : retryAtMs !== undefined ? 'retrying' : 'failed';
      const moved = await updateClaimedAttempts(tx, [attempt.id], token, {
        status, due_at: retryAtMs ?? graceEndMs, failures, last_failure_code: failure.failureCode.slice(0, 100),
      }, nowMs);
      if (!moved.has(attempt.id)) continue;
      const customer = customers.get(attempt.customer_id);
      const language = (customer?.language ?? 'en') as Language;
      const number = states.get(attempt.line_id)?.line.msisdn ?? '';
      const payUrl = failure.orderId !== null ? orderUrl(config.publicUrl, failure.orderId) : lineUrl(config.publicUrl, attempt.line_id);
      const planCode = policies.get(attempt.line_id)?.plan_code ?? '';
      const plan = planNames.get(planCode)?.[language] ?? planCode;
      if (status === 'action_required') await queueNotices(tx, customer, 'renewals.action_required', { number, payUrl });
      else if (status === 'retrying') await queueNotices(tx, customer, 'renewals.auto_renew_failed', { plan, number, payUrl, nextAttempt: formatInstant(retryAtMs ?? nowMs, language) });
      else {
        const until = nowMs < attempt.period_end_at ? attempt.period_end_at : graceEndMs;
        await queueNotices(tx, customer, 'renewals.auto_renew_failed_final', { plan, number, payUrl, until: formatInstant(until, language) });
      }
    }
  }

  /** The grace time ended unpaid: auto-renew turns off (the line expires by its periods) and the customer is told. */
  async function lapse(tx: Tx, attempts: readonly AttemptRow[], token: string, policies: ReadonlyMap<string, PolicyRow>): Promise<void> {
    if (attempts.length === 0) return;
    const nowMs = clock.nowMs();
    const moved = await updateClaimedAttempts(tx, attempts.map((a) => a.id), token, { status: 'lapsed', due_at: null }, nowMs);
    const mine = attempts.filter((a) => moved.has(a.id));
    const off = new Set(await disablePolicies(tx, mine.map((a) => a.line_id), 'expired', nowMs));
    const { customers, states } = await noticeContext(tx, mine.filter((a) => off.has(a.line_id)), policies);
    for (const attempt of mine.filter((a) => off.has(a.line_id))) {
      await queueNotices(tx, customers.get(attempt.customer_id), 'renewals.auto_renew_disabled', { number: states.get(attempt.line_id)?.line.msisdn ?? '' });
    }
  }

  /** Waits: the same claim moves each attempt to its status and next time (one statement per distinct pair). */
  async function wait(tx: Tx, items: ReadonlyArray<{ attempt: AttemptRow; status: OpenAttemptStatus; untilMs: number }>, token: string): Promise<void> {
    const nowMs = clock.nowMs();
    const groups = new Map<string, { status: OpenAttemptStatus; untilMs: number; ids: string[] }>();
    for (const item of items) {
      const key = `${item.status}@${item.untilMs}`;
      const group = groups.get(key) ?? { status: item.status, untilMs: item.untilMs, ids: [] };
      group.ids.push(item.attempt.id);
      groups.set(key, group);
    }
    for (const group of groups.values()) await updateClaimedAttempts(tx, group.ids, token, { status: group.status, due_at: group.untilMs }, nowMs);
  }

  interface Prepared {
    readonly opened: OpenedCharge[];
    readonly attemptOfOrder: Map<string, AttemptRow>;
    readonly policies: Map<string, PolicyRow>;
  }

  /** One transaction: decides every claimed attempt and opens the orders and payments of those to charge. */
  async function prepare(tx: Tx, claimed: readonly AttemptRow[], token: string): Promise<Prepared> {
    const nowMs = clock.nowMs();
    const states: Map<string, LineRenewalState> = await lines.renewalStatesOf(tx, claimed.map((a) => a.line_id));
    const policies = await findPolicies(tx, claimed.map((a) => a.line_id));
    const orderIds = claimed.flatMap((a) => (a.order_id === null ? [] : [a.order_id]));
    const orderMap: Map<string, OrderSummary> = await orders.findOrders(tx, orderIds);
    const paymentMap: Map<string, RecordedCharge> = await payments.offSession.latestPayments(tx, orderIds);
    const closes = new Map<'succeeded' | 'superseded' | 'cancelled', string[]>();
    const lapses: AttemptRow[] = [];
    const waits: Array<{ attempt: AttemptRow; status: OpenAttemptStatus; untilMs: number }> = [];
    const failures: Failure[] = [];
    const toCharge: AttemptRow[] = [];
    for (const attempt of claimed) {
      const order = attempt.order_id === null ? undefined : orderMap.get(attempt.order_id);
      const payment = attempt.order_id === null ? undefined : paymentMap.get(attempt.order_id);
      const decision = decideAttempt({
        status: attempt.status, periodEndMs: attempt.period_end_at, lineValidUntilMs: states.get(attempt.line_id)?.latest?.endsAtMs,
        policyEnabled: policies.get(attempt.line_id)?.enabled === 1, order, payment, nowMs, graceMs: lines.graceMs,
      });
      if (decision.kind === 'close') closes.set(decision.status, [...(closes.get(decision.status) ?? []), attempt.id]);
      else if (decision.kind === 'lapse') lapses.push(attempt);
      else if (decision.kind === 'wait') waits.push({ attempt, status: decision.status, untilMs: decision.untilMs });
      else if (decision.kind === 'failure') failures.push({ attempt, failureCode: decision.failureCode, orderId: attempt.order_id });
      else toCharge.push(attempt);
    }
    for (const [status, ids] of closes) await updateClaimedAttempts(tx, ids, token, { status, due_at: null }, nowMs);
    await lapse(tx, lapses, token, policies);
    await wait(tx, waits, token);

    // The order to charge: the attempt's own while it can still be paid, else a new one.
    const needOrder = toCharge.filter((a) => a.order_id === null || orderMap.get(a.order_id)?.status !== 'pending_payment');
    const opened = await orders.openRenewalOrders(tx, needOrder.map((a) => {
      const policy = policies.get(a.line_id);
      return { lineId: a.line_id, customerId: a.customer_id, planCode: policy?.plan_code ?? '', currency: policy?.currency ?? 'USD', expiresAtMs: a.period_end_at + lines.graceMs };
    }));
    const orderOf = new Map<string, string>();
    for (const a of toCharge) if (a.order_id !== null && !needOrder.includes(a)) orderOf.set(a.id, a.order_id);
    needOrder.forEach((a, i) => {
      const result = opened[i];
      if (result?.ok === true) orderOf.set(a.id, result.order.orderId);
      // A renewal that cannot be priced any more (the plan is no longer sold in this currency) cannot be charged.
      else failures.push({ attempt: a, failureCode: result?.error.code ?? 'renewal_not_priced', kind: 'final', orderId: null });
    });
    const chargeable = toCharge.filter((a) => orderOf.has(a.id));
    const attemptOfOrder = new Map(chargeable.map((a) => [orderOf.get(a.id) ?? '', a]));
    const charges = await payments.offSession.open(tx, chargeable.map((a) => ({
      orderId: orderOf.get(a.id) ?? '', customerId: a.customer_id, paymentMethodId: policies.get(a.line_id)?.payment_method_id ?? '',
    })));
    const ready: OpenedCharge[] = [];
    const later: Array<{ attempt: AttemptRow; status: OpenAttemptStatus; untilMs: number }> = [];
    for (const charge of charges) {
      const attempt = attemptOfOrder.get(charge.orderId);
      if (attempt === undefined) continue;
      if (charge.ok) ready.push(charge);
      else if (charge.reason === 'payment_method_missing' || charge.reason === 'method_not_available') failures.push({ attempt, failureCode: charge.reason, orderId: charge.orderId });
      // An attempt of the customer's own is open on the order (or it was just paid): look again later.
      else later.push({ attempt: { ...attempt, order_id: charge.orderId }, status: 'awaiting_outcome', untilMs: Math.min(attempt.period_end_at + lines.graceMs, nowMs + OUTCOME_CHECK_MS) });
    }
    // Every attempt with an order records it now; those that cannot be charged move on below.
    await markCharging(tx, chargeable.map((a) => ({ id: a.id, orderId: orderOf.get(a.id) ?? '' })), token, nowMs);
    await wait(tx, later, token);
    await fail(tx, failures.map((f) => ({ ...f, attempt: { ...f.attempt, order_id: f.orderId } })), token, policies);
    return { opened: ready, attemptOfOrder, policies };
  }

  /** One transaction: records every answer; what succeeded was renewed (and its attempt closed) in it. */
  async function settle(tx: Tx, answers: readonly ChargeAnswer[], prepared: Prepared, token: string): Promise<void> {
    const recorded = await payments.offSession.record(tx, answers);
    const nowMs = clock.nowMs();
    const failures: Failure[] = [];
    const waits: Array<{ attempt: AttemptRow; status: OpenAttemptStatus; untilMs: number }> = [];
    for (const r of recorded) {
      const attempt = prepared.attemptOfOrder.get(r.orderId);
      if (attempt === undefined) continue;
      const graceEndMs = attempt.period_end_at + lines.graceMs;
      if (r.status === 'failed' || r.status === 'cancelled') failures.push({ attempt, failureCode: r.failureCode ?? 'declined', orderId: r.orderId });
      else if (r.status === 'requires_action') failures.push({ attempt, failureCode: 'requires_action', kind: 'action', orderId: r.orderId });
      // Succeeded: closed by the period it added, unless the order is fulfilled later (then this
      // update, still under the claim, makes the worker look again); still open: the provider tells later.
      else waits.push({ attempt, status: 'awaiting_outcome', untilMs: Math.min(graceEndMs, nowMs + (r.status === 'succeeded' ? 60_000 : OUTCOME_CHECK_MS)) });
    }
    await wait(tx, waits, token);
    await fail(tx, failures, token, prepared.policies);
  }

  async function handle(claimed: readonly AttemptRow[], token: string): Promise<void> {
    const prepared = await inTransaction(db, (tx) => prepare(tx, claimed, token));
    if (prepared.opened.length === 0) return;
    const answers = await payments.offSession.charge(prepared.opened, prepared.opened.length);
    await inTransaction(db, (tx) => settle(tx, answers, prepared, token));
  }

  /** An attempt that failed inside (not a payment failure): retried with backoff, parked after a few. */
  async function recordError(attempt: AttemptRow, token: string, error: unknown): Promise<void> {
    const errors = attempt.errors + 1;
    const message = error instanceof Error ? error.message : String(error);
    const parked = errors >= MAX_ATTEMPT_ERRORS;
    log.error({ err: error, attemptId: attempt.id, lineId: attempt.line_id, errors, parked }, parked ? 'renewal attempt parked' : 'renewal attempt failed inside; retrying later');
    await updateClaimedAttempts(db, [attempt.id], token, {
      status: parked ? 'parked' : attempt.status, due_at: parked ? null : clock.nowMs() + backoffMs(errors), errors, last_error: message.slice(0, 2000),
    }, clock.nowMs());
  }

  /** Claims and handles one batch; returns how many attempts it claimed (0: nothing is due). */
  async function processBatch(token: string): Promise<number> {
    const nowMs = clock.nowMs();
    const claimed = await inTransaction(db, (tx) => claimDueAttempts(tx, database.dialect, token, nowMs, nowMs + ATTEMPT_LEASE_MS, options.batchSize));
    if (claimed.length === 0) return 0;
    try {
      await handle(claimed, token);
    } catch (error) {
      log.warn({ err: error, attempts: claimed.length }, 'renewal batch failed; handling its attempts one by one');
      for (const attempt of claimed) {
        try {
          await handle([attempt], token);
        } catch (inner) {
          await recordError(attempt, token, inner);
        }
      }
    }
    return claimed.length;
  }

  /**
   * Handles every attempt due now, with several batches in flight (up to `maxInFlight` provider
   * calls), until none is due or `signal` aborts; returns how many attempts it handled.
   */
  async function runDue(signal?: AbortSignal): Promise<number> {
    const token = `${hostname()}:${process.pid}:${randomToken(6)}`;
    const lanes = Math.max(1, Math.floor(options.maxInFlight / options.batchSize));
    let more = true;
    let total = 0;
    const lane = async (): Promise<void> => {
      while (more && signal?.aborted !== true) {
        const n = await processBatch(token);
        total += n;
        if (n === 0) more = false;
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
    return total;
  }

  const sweepJob: JobHandler = async (job) => {
    await runDue(job.signal);
  };

  return { runDue, sweepJob };
}

export type Runner = ReturnType<typeof createRunner>;
