import { hostname } from 'node:os';
import { randomToken } from '../../platform/crypto.js';
import { inTransaction, type Tx } from '../../platform/db/database.js';
import type { Language } from '../../platform/i18n.js';
import { backoffMs, type JobHandler } from '../../platform/jobs/index.js';
import type { CustomerRow } from '../accounts/index.js';
import type { OutgoingMessage } from '../notifications/index.js';
import type { ChargeAnswer, OpenedCharge } from '../payments/index.js';
import type { RenewalsDeps, RenewalsOptions } from './renewals.context.js';
import type { Schedule } from './renewals.schedule.js';
import { formatInstant, lineUrl, noticesTo, orderUrl } from './renewals.notices.js';
import {
  ATTEMPT_LEASE_MS, MAX_ATTEMPT_ERRORS, OUTCOME_CHECK_MS, decideAttempt, failureKind, nextRetryAtMs, type OpenAttemptStatus,
} from './renewals.js';
import {
  disablePolicies, findPolicies, lockDueAttempts, markCharging, updateClaimedAttempts, updateLockedAttempts,
  type AttemptPatch, type AttemptRow, type PolicyRow,
} from './renewals.repository.js';

/** `renewals.sweep`: a recurring job that runs every due renewal attempt (see `createRunner`). */
export const SWEEP_JOB = 'renewals.sweep';

/** Moves attempts on: under the row locks of the claiming transaction, or under the worker's claim later. */
type Write = (ids: readonly string[], patch: AttemptPatch) => Promise<Set<string>>;

/** A payment failure found for an attempt, and how to treat it (`failureKind` unless forced). */
interface Failure {
  readonly attempt: AttemptRow;
  readonly failureCode: string;
  readonly kind?: 'action' | 'final' | 'retry';
  readonly orderId: string | null;
}

interface Waiting {
  readonly attempt: AttemptRow;
  readonly status: OpenAttemptStatus;
  readonly untilMs: number;
}

interface Prepared {
  readonly opened: OpenedCharge[];
  readonly attemptOfOrder: Map<string, AttemptRow>;
  readonly policies: Map<string, PolicyRow>;
}

/**
 * The renewal worker. Due attempts are taken in batches (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so
 * any number of workers share them). Per batch, one transaction locks them, decides each, opens the
 * orders and payments to charge and claims those for this worker with a lease in the row itself;
 * the provider calls run outside any transaction and overlap (several batches in flight, up to
 * `maxInFlight` calls); one transaction records every answer — renewals that succeed get their
 * period, allowances and confirmation in that same commit, which also claims the lane's next batch
 * (one commit per batch: on both stores the commit, waiting for the disk, is the dear part). A
 * worker that dies leaves its charges claimed; when the lease runs out another worker takes them
 * up and asks the provider about each first, so a line is charged and renewed once. A batch that fails is retried one attempt at a
 * time, and an attempt that keeps failing inside is parked (status `parked`, `last_error`).
 */
export function createRunner(deps: RenewalsDeps, options: RenewalsOptions, schedule: Pick<Schedule, 'succeededIn'>) {
  const { database, clock, log, lines, orders, payments, accounts, catalog, notifications, config } = deps;
  const db = database.db;

  /** Customers, line states and plan names for notices, read once per transaction. */
  async function noticeContext(tx: Tx, attempts: readonly AttemptRow[], policies: ReadonlyMap<string, PolicyRow>) {
    const customers = await accounts.profile.getCustomers(tx, attempts.map((a) => a.customer_id));
    const states = await lines.renewalStatesOf(tx, attempts.map((a) => a.line_id));
    const planNames = new Map<string, Readonly<Record<Language, string>>>();
    for (const code of new Set(attempts.map((a) => policies.get(a.line_id)?.plan_code ?? ''))) {
      const plan = code === '' ? undefined : await catalog.findPlan(code, tx);
      if (plan !== undefined) planNames.set(code, plan.texts.name);
    }
    return { customers, states, planNames };
  }

  /** Collects notices and queues them together (one multi-row write per transaction). */
  function noticeBatch() {
    const messages: OutgoingMessage[] = [];
    return {
      add(customer: CustomerRow | undefined, template: Parameters<typeof noticesTo>[1], params: Record<string, string>): void {
        if (customer !== undefined) messages.push(...noticesTo(customer, template, params));
      },
      flush: (tx: Tx): Promise<unknown> => notifications.queueMany(tx, messages),
    };
  }

  /** Moves failed attempts on — the customer's action, a retry, or no more tries — and tells the customer. */
  async function fail(tx: Tx, write: Write, failures: readonly Failure[], policies: ReadonlyMap<string, PolicyRow>): Promise<void> {
    if (failures.length === 0) return;
    const nowMs = clock.nowMs();
    const { customers, states, planNames } = await noticeContext(tx, failures.map((f) => f.attempt), policies);
    const notices = noticeBatch();
    const leftToCustomer: string[] = [];
    for (const failure of failures) {
      const { attempt } = failure;
      const failures = attempt.failures + 1;
      const graceEndMs = attempt.period_end_at + lines.graceMs;
      const kind = failure.kind ?? failureKind(failure.failureCode);
      const retryAtMs = kind === 'retry' ? nextRetryAtMs({ failures, nowMs, periodEndMs: attempt.period_end_at, retryDelaysMs: options.retryDelaysMs }) : undefined;
      const status: OpenAttemptStatus = kind === 'action' ? 'action_required' : retryAtMs !== undefined ? 'retrying' : 'failed';
      const moved = await write([attempt.id], { status, due_at: retryAtMs ?? graceEndMs, failures, last_failure_code: failure.failureCode.slice(0, 100) });
      if (!moved.has(attempt.id)) continue;
      if (failure.orderId !== null) leftToCustomer.push(failure.orderId);
      const customer = customers.get(attempt.customer_id);
      const language = (customer?.language ?? 'en') as Language;
      const number = states.get(attempt.line_id)?.line.msisdn ?? '';
      const payUrl = failure.orderId !== null ? orderUrl(config.publicUrl, failure.orderId) : lineUrl(config.publicUrl, attempt.line_id);
      const planCode = policies.get(attempt.line_id)?.plan_code ?? '';
      const plan = planNames.get(planCode)?.[language] ?? planCode;
      if (status === 'action_required') notices.add(customer, 'renewals.action_required', { number, payUrl });
      else if (status === 'retrying') notices.add(customer, 'renewals.auto_renew_failed', { plan, number, payUrl, nextAttempt: formatInstant(retryAtMs ?? nowMs, language) });
      else {
        const until = nowMs < attempt.period_end_at ? attempt.period_end_at : graceEndMs;
        notices.add(customer, 'renewals.auto_renew_failed_final', { plan, number, payUrl, until: formatInstant(until, language) });
      }
    }
    await notices.flush(tx);
    // The customer may pay these orders by hand until they expire.
    await orders.scheduleRenewalExpiry(tx, leftToCustomer);
  }

  /** The grace time ended unpaid: auto-renew turns off (the line expires by its periods) and the customer is told. */
  async function lapse(tx: Tx, write: Write, attempts: readonly AttemptRow[], policies: ReadonlyMap<string, PolicyRow>): Promise<void> {
    if (attempts.length === 0) return;
    const nowMs = clock.nowMs();
    const moved = await write(attempts.map((a) => a.id), { status: 'lapsed', due_at: null });
    const mine = attempts.filter((a) => moved.has(a.id));
    const off = new Set(await disablePolicies(tx, mine.map((a) => a.line_id), 'expired', nowMs));
    const told = mine.filter((a) => off.has(a.line_id));
    const { customers, states } = await noticeContext(tx, told, policies);
    const notices = noticeBatch();
    for (const attempt of told) notices.add(customers.get(attempt.customer_id), 'renewals.auto_renew_disabled', { number: states.get(attempt.line_id)?.line.msisdn ?? '' });
    await notices.flush(tx);
  }

  /** Moves attempts to their status and next time: one statement per distinct pair. */
  async function wait(write: Write, items: readonly Waiting[]): Promise<void> {
    const groups = new Map<string, { status: OpenAttemptStatus; untilMs: number; ids: string[] }>();
    for (const item of items) {
      const key = `${item.status}@${item.untilMs}`;
      const group = groups.get(key) ?? { status: item.status, untilMs: item.untilMs, ids: [] };
      group.ids.push(item.attempt.id);
      groups.set(key, group);
    }
    for (const group of groups.values()) await write(group.ids, { status: group.status, due_at: group.untilMs });
  }

  /**
   * In the transaction that locked the attempts: decides each one (see `decideAttempt`), closes,
   * lapses or reschedules those that are not charged, and opens the orders and payments of the
   * others, claiming them for this worker (`charging`, with a lease).
   */
  async function prepare(tx: Tx, locked: readonly AttemptRow[], token: string): Promise<Prepared> {
    const nowMs = clock.nowMs();
    const write: Write = (ids, patch) => updateLockedAttempts(tx, ids, patch, nowMs);
    const states = await lines.renewalStatesOf(tx, locked.map((a) => a.line_id));
    const policies = await findPolicies(tx, locked.map((a) => a.line_id));
    const orderIds = locked.flatMap((a) => (a.order_id === null ? [] : [a.order_id]));
    const orderMap = await orders.findOrders(tx, orderIds);
    const paymentMap = await payments.offSession.latestPayments(tx, orderIds);
    const closes = new Map<'succeeded' | 'superseded' | 'cancelled', AttemptRow[]>();
    const lapses: AttemptRow[] = [];
    const waits: Waiting[] = [];
    const failures: Failure[] = [];
    const toCharge: AttemptRow[] = [];
    for (const attempt of locked) {
      const decision = decideAttempt({
        status: attempt.status, periodEndMs: attempt.period_end_at, lineValidUntilMs: states.get(attempt.line_id)?.latest?.endsAtMs,
        policyEnabled: policies.get(attempt.line_id)?.enabled === 1, nowMs, graceMs: lines.graceMs,
        order: attempt.order_id === null ? undefined : orderMap.get(attempt.order_id),
        payment: attempt.order_id === null ? undefined : paymentMap.get(attempt.order_id),
      });
      if (decision.kind === 'close') closes.set(decision.status, [...(closes.get(decision.status) ?? []), attempt]);
      else if (decision.kind === 'lapse') lapses.push(attempt);
      else if (decision.kind === 'wait') waits.push({ attempt, status: decision.status, untilMs: decision.untilMs });
      else if (decision.kind === 'failure') failures.push({ attempt, failureCode: decision.failureCode, orderId: attempt.order_id });
      else toCharge.push(attempt);
    }
    for (const [status, attempts] of closes) {
      await write(attempts.map((a) => a.id), { status, due_at: null });
      const unpaid = attempts.flatMap((a) => (a.order_id === null ? [] : [a.order_id]));
      // Orders this worker stops following: any charge still open on them is reconciled; unpaid ones expire.
      await payments.offSession.followUp(tx, unpaid);
      await orders.scheduleRenewalExpiry(tx, unpaid);
    }
    await lapse(tx, write, lapses, policies);
    await wait(write, waits);

    // The order to charge: the attempt's own while it can still be paid, else a new one.
    const orderOf = new Map<string, string>();
    const needOrder: AttemptRow[] = [];
    for (const a of toCharge) {
      if (a.order_id !== null && orderMap.get(a.order_id)?.status === 'pending_payment') orderOf.set(a.id, a.order_id);
      else needOrder.push(a);
    }
    const opened = await orders.openRenewalOrders(tx, needOrder.map((a) => {
      const policy = policies.get(a.line_id);
      return {
        lineId: a.line_id, customerId: a.customer_id, planCode: policy?.plan_code ?? '', currency: policy?.currency ?? 'USD',
        confirmedAtMs: policy?.confirmed_at ?? nowMs, expiresAtMs: a.period_end_at + lines.graceMs,
      };
    }));
    needOrder.forEach((a, i) => {
      const result = opened[i];
      if (result?.ok === true) orderOf.set(a.id, result.order.orderId);
      // A renewal that cannot be priced any more (the plan is no longer sold in this currency) cannot be charged.
      else failures.push({ attempt: a, failureCode: result?.error.code ?? 'renewal_not_priced', kind: 'final', orderId: null });
    });
    const chargeable = toCharge.filter((a) => orderOf.has(a.id));
    const attemptOfOrder = new Map(chargeable.map((a) => [orderOf.get(a.id) ?? '', a]));
    await markCharging(tx, chargeable.map((a) => ({ id: a.id, orderId: orderOf.get(a.id) ?? '' })), token, nowMs + ATTEMPT_LEASE_MS, nowMs);
    const charges = await payments.offSession.open(tx, chargeable.map((a) => ({
      orderId: orderOf.get(a.id) ?? '', customerId: a.customer_id, paymentMethodId: policies.get(a.line_id)?.payment_method_id ?? '',
    })));
    const ready: OpenedCharge[] = [];
    const later: Waiting[] = [];
    for (const charge of charges) {
      const attempt = attemptOfOrder.get(charge.orderId);
      if (attempt === undefined) continue;
      if (charge.ok) ready.push(charge);
      else if (charge.reason === 'payment_method_missing' || charge.reason === 'method_not_available') failures.push({ attempt, failureCode: charge.reason, orderId: charge.orderId });
      // An attempt of the customer's own is open on the order (or it was just paid): look again later.
      else later.push({ attempt, status: 'awaiting_outcome', untilMs: Math.min(attempt.period_end_at + lines.graceMs, nowMs + OUTCOME_CHECK_MS) });
    }
    await wait(write, later);
    await fail(tx, write, failures, policies);
    return { opened: ready, attemptOfOrder, policies };
  }

  /** Records every answer; what succeeded was renewed (and its attempt closed) in this same transaction. */
  async function settle(tx: Tx, answers: readonly ChargeAnswer[], prepared: Prepared, token: string): Promise<void> {
    const recorded = await payments.offSession.record(tx, answers);
    // Renewals fulfilled in this transaction closed their attempts already (through the period they added).
    const closed = schedule.succeededIn(tx);
    const nowMs = clock.nowMs();
    const write: Write = (ids, patch) => updateClaimedAttempts(tx, ids, token, patch, nowMs);
    const failures: Failure[] = [];
    const waits: Waiting[] = [];
    for (const r of recorded) {
      const attempt = prepared.attemptOfOrder.get(r.orderId);
      if (attempt === undefined || closed.has(attempt.id)) continue;
      const graceEndMs = attempt.period_end_at + lines.graceMs;
      if (r.status === 'failed' || r.status === 'cancelled') failures.push({ attempt, failureCode: r.failureCode ?? 'declined', orderId: r.orderId });
      else if (r.status === 'requires_action') failures.push({ attempt, failureCode: 'requires_action', kind: 'action', orderId: r.orderId });
      // Succeeded: the period it added closed the attempt, unless the order is fulfilled later (then
      // this update, still under the claim, has the worker look again); still open: the provider tells later.
      else waits.push({ attempt, status: 'awaiting_outcome', untilMs: Math.min(graceEndMs, nowMs + (r.status === 'succeeded' ? 60_000 : OUTCOME_CHECK_MS)) });
    }
    await wait(write, waits);
    await fail(tx, write, failures, prepared.policies);
  }

  /** Settles the answers together, or one by one when that fails (a charge left unsettled is taken up after its lease). */
  async function settleAll(answers: readonly ChargeAnswer[], prepared: Prepared, token: string): Promise<void> {
    try {
      await inTransaction(db, (tx) => settle(tx, answers, prepared, token));
    } catch (error) {
      log.warn({ err: error, answers: answers.length }, 'settling a renewal batch failed; settling one by one');
      for (const answer of answers) {
        await inTransaction(db, (tx) => settle(tx, [answer], prepared, token)).catch(async (inner: unknown) => {
          const attempt = prepared.attemptOfOrder.get(answer.orderId);
          if (attempt !== undefined) await recordError(attempt, token, inner);
        });
      }
    }
  }

  /** Locks (with `lock`), prepares, charges and settles; returns the attempts it locked. */
  async function handle(lock: (tx: Tx) => Promise<AttemptRow[]>, token: string, seen: (rows: AttemptRow[]) => void): Promise<number> {
    let count = 0;
    const prepared = await inTransaction(db, async (tx) => {
      const locked = await lock(tx);
      seen(locked);
      count = locked.length;
      return locked.length === 0 ? undefined : prepare(tx, locked, token);
    });
    if (prepared === undefined || prepared.opened.length === 0) return count;
    const answers = await payments.offSession.charge(prepared.opened, prepared.opened.length);
    await settleAll(answers, prepared, token);
    return count;
  }

  /** An attempt that failed inside (not a payment failure): tried again with backoff, parked after a few. */
  async function recordError(attempt: AttemptRow, token: string, error: unknown): Promise<void> {
    const errors = attempt.errors + 1;
    const parked = errors >= MAX_ATTEMPT_ERRORS;
    const nowMs = clock.nowMs();
    log.error({ err: error, attemptId: attempt.id, lineId: attempt.line_id, errors, parked }, parked ? 'renewal attempt parked' : 'renewal attempt failed inside; trying again later');
    const message = error instanceof Error ? error.message : String(error);
    await inTransaction(db, async (tx) => {
      const [row] = await lockDueAttempts(tx, database.dialect, Number.MAX_SAFE_INTEGER, 1, attempt.id);
      // Only while it is still this worker's, or nobody's: another worker may have taken it up meanwhile.
      if (row === undefined || (row.claimed_by !== null && row.claimed_by !== token && (row.due_at ?? 0) > nowMs)) return;
      await updateLockedAttempts(tx, [row.id], {
        status: parked ? 'parked' : row.status, due_at: parked ? null : nowMs + backoffMs(errors), errors, last_error: message.slice(0, 2000),
      }, nowMs);
      if (parked && row.order_id !== null) await payments.offSession.followUp(tx, [row.order_id]);
    });
  }

  /** Takes one batch of due attempts through; returns how many it took (0: nothing is due). */
  async function processBatch(token: string): Promise<number> {
    const nowMs = clock.nowMs();
    let batch: AttemptRow[] = [];
    try {
      return await handle((tx) => lockDueAttempts(tx, database.dialect, nowMs, options.batchSize), token, (rows) => {
        batch = rows;
      });
    } catch (error) {
      if (batch.length === 0) throw error;
      log.warn({ err: error, attempts: batch.length }, 'renewal batch failed; handling its attempts one by one');
      for (const attempt of batch) {
        try {
          await handle((tx) => lockDueAttempts(tx, database.dialect, nowMs, 1, attempt.id), token, () => undefined);
        } catch (inner) {
          await recordError(attempt, token, inner);
        }
      }
      return batch.length;
    }
  }

  /** A batch whose provider answers are back and wait to be recorded. */
  interface Answered {
    readonly answers: readonly ChargeAnswer[];
    readonly prepared: Prepared;
  }

  /**
   * One commit for two steps of a lane: records the answers of its previous batch and, unless
   * `lockMore` is false, locks and prepares its next batch (a commit is the dear part of a batch on
   * either store: it waits for the disk). Returns the next batch's charges and how many attempts it
   * locked. When that transaction fails, the two steps are taken apart, each with its own fallback
   * (`settleAll`, then `processBatch`, which charges and settles what it locks itself).
   */
  async function settleAndPrepare(answered: Answered | undefined, lockMore: boolean, token: string): Promise<{ prepared?: Prepared; count: number }> {
    const nowMs = clock.nowMs();
    let count = 0;
    try {
      const prepared = await inTransaction(db, async (tx) => {
        if (answered !== undefined) await settle(tx, answered.answers, answered.prepared, token);
        if (!lockMore) return undefined;
        const locked = await lockDueAttempts(tx, database.dialect, nowMs, options.batchSize);
        count = locked.length;
        return locked.length === 0 ? undefined : prepare(tx, locked, token);
      });
      return prepared === undefined ? { count } : { prepared, count };
    } catch (error) {
      log.warn({ err: error, answers: answered?.answers.length ?? 0 }, 'settling a renewal batch with the next one failed; taking them apart');
      if (answered !== undefined) await settleAll(answered.answers, answered.prepared, token);
      return { count: lockMore ? await processBatch(token) : 0 };
    }
  }

  /**
   * Handles every attempt due now, with several batches in flight (up to `maxInFlight` provider
   * calls), until none is due or `signal` aborts; returns how many attempts it handled. Each lane
   * commits once per batch: the answers of its previous batch with the claim of its next one.
   */
  async function runDue(signal?: AbortSignal): Promise<number> {
    const token = `${hostname()}:${process.pid}:${randomToken(6)}`;
    const lanes = Math.max(1, Math.floor(options.maxInFlight / options.batchSize));
    let more = true;
    let total = 0;
    const lane = async (): Promise<void> => {
      let answered: Answered | undefined;
      for (;;) {
        const lockMore = more && signal?.aborted !== true;
        if (!lockMore && answered === undefined) return;
        const next = await settleAndPrepare(answered, lockMore, token);
        answered = undefined;
        total += next.count;
        if (lockMore && next.count === 0) more = false;
        if (next.prepared !== undefined && next.prepared.opened.length > 0) {
          answered = { answers: await payments.offSession.charge(next.prepared.opened, next.prepared.opened.length), prepared: next.prepared };
        }
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
