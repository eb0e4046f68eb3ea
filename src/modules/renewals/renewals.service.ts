import { assert } from '../../platform/assert.js';
import { inTransaction, type Executor } from '../../platform/db/database.js';
import type { Language } from '../../platform/i18n.js';
import type { JobHandler, RecurringJob } from '../../platform/jobs/index.js';
import { formatMoney, isCurrency, type Currency } from '../../platform/money.js';
import type { RenewalPrice } from '../orders/index.js';
import type { OffSessionMethod } from '../payments/index.js';
import type { RenewalsDeps, RenewalsOptions } from './renewals.context.js';
import { renewalsErrors } from './renewals.errors.js';
import { formatInstant, noticesTo, orderUrl } from './renewals.notices.js';
import { chargeAtMs, type AttemptStatus, type DisabledReason } from './renewals.js';
import {
  cancelOpenAttempts, disablePolicies, findLatestAttemptOfLine, findPolicy, listAttempts, listEnabledPoliciesOfPlan, scheduleAttempt, upsertPolicy,
} from './renewals.repository.js';
import { SWEEP_JOB, createRunner } from './renewals.runner.js';
import { REMIND_JOB, createSchedule } from './renewals.schedule.js';

/** What a customer asks for: on (with what and how to pay) or off; `confirm` makes it happen. */
export interface AutoRenewInput {
  readonly enabled: boolean;
  readonly planCode?: string;
  readonly paymentMethodId?: string;
  readonly currency?: string;
  /** Without it, nothing changes: the answer shows what would be charged, and when (a dry run). */
  readonly confirm?: boolean;
  /** The total the customer saw; a different one refuses the change (`renewals.price_changed`). */
  readonly expectedTotalMinor?: number;
}

/** A line's auto-renew as its owner sees it. */
export interface AutoRenewView {
  readonly lineId: string;
  readonly enabled: boolean;
  /** False for a dry run (nothing was changed). */
  readonly confirmed: boolean;
  readonly planCode: string | null;
  readonly currency: Currency | null;
  readonly paymentMethod: OffSessionMethod | null;
  /** The next automatic charge: when, how much, and the period it buys. */
  readonly nextCharge: { readonly atMs: number; readonly price: RenewalPrice } | null;
  /** The renewal of the current period, once scheduled. */
  readonly renewal: {
    readonly status: AttemptStatus;
    readonly periodEndsAtMs: number;
    readonly failures: number;
    readonly lastFailureCode: string | null;
    readonly nextAttemptAtMs: number | null;
    /** Where the customer pays by hand (after a failure, or to confirm a payment with the bank). */
    readonly payUrl: string | null;
  } | null;
  readonly disabledReason: DisabledReason | null;
}

/** An enabled auto-renew policy naming a plan (`listPoliciesOfPlan`): the line, its owner, and when they confirmed it. */
export interface PlanPolicy {
  readonly lineId: string;
  readonly customerId: string;
  readonly confirmedAtMs: number;
}

/** The most policies one `listPoliciesOfPlan` page returns. */
export const MAX_PLAN_POLICIES_PAGE = 1000;

const FAILED_STATUSES: readonly AttemptStatus[] = ['retrying', 'failed', 'action_required', 'awaiting_outcome'];

/**
 * The currency asked for (or kept by the policy), else the one the line's latest period was paid in,
 * else the customer's own, when the plan is sold in it; else the plan's first.
 */
function currencyFor(asked: string | undefined, preferred: ReadonlyArray<string | null | undefined>, offered: readonly Currency[]): Currency {
  const sold = preferred.find((c): c is Currency => c !== null && c !== undefined && offered.includes(c as Currency));
  const pick = asked ?? sold ?? offered[0] ?? 'USD';
  assert(isCurrency(pick), `currency ${pick} is validated before`);
  return pick;
}

/** When a card stops working: the first instant of the month after its expiry month (UTC). */
function cardExpiresAtMs(method: OffSessionMethod): number {
  return Date.UTC(method.expYear, method.expMonth, 1);
}

/**
 * Auto-renew and reminders. `getAutoRenew` / `setAutoRenew` serve `GET|PUT /lines/{id}/auto-renew`;
 * the lines module tells `onPeriodsAdded` of every new period (wired here), which schedules the
 * next renewal attempt or the reminders; the `renewals.sweep` job (recurring) runs due attempts and
 * `renewals.remind` sends reminders.
 *
 * Errors: `request.not_found`, `renewals.line_not_renewable` (409), `renewals.plan_not_renewable`,
 * `renewals.payment_method_required`, `renewals.payment_method_invalid`,
 * `renewals.payment_method_not_off_session`, `renewals.payment_method_expires` (422),
 * `renewals.price_changed` (409), and the catalog's `catalog.plan_not_found`,
 * `catalog.currency_not_offered`, `catalog.plan_not_available`.
 */
export function createRenewalsService(deps: RenewalsDeps, options: RenewalsOptions = deps.config.renewals) {
  const { database, clock, lines, orders, payments, catalog, accounts, notifications, config } = deps;
  const db = database.db;
  const schedule = createSchedule(deps, options);
  const runner = createRunner(deps, options, schedule);
  lines.onPeriodsAdded(schedule.onPeriodsAdded);

  async function lineAndEnd(customerId: string, lineId: string) {
    const line = await lines.getLine(db, customerId, lineId);
    const latest = (await lines.renewalStatesOf(db, [lineId])).get(lineId)?.latest;
    return { line, latest };
  }

  async function getAutoRenew(customerId: string, lineId: string): Promise<AutoRenewView> {
    const { line, latest } = await lineAndEnd(customerId, lineId);
    const policy = await findPolicy(db, lineId);
    const attempt = await findLatestAttemptOfLine(db, lineId);
    const method = policy === undefined ? undefined : await payments.offSession.offSessionMethod(db, customerId, policy.payment_method_id);
    const renewable = line.status === 'active' || line.status === 'grace';
    const current = attempt !== undefined && latest !== undefined && attempt.period_end_at === latest.endsAtMs ? attempt : undefined;
    const waiting = current !== undefined && (current.status === 'scheduled' || current.status === 'retrying');
    let nextCharge: AutoRenewView['nextCharge'] = null;
    if (policy?.enabled === 1 && latest !== undefined && renewable && (current === undefined || waiting)) {
      const atMs = waiting && current.due_at !== null ? current.due_at : chargeAtMs(latest.endsAtMs, options.leadMs, clock.nowMs());
      const request = { lineId, customerId, planCode: policy.plan_code, currency: policy.currency, confirmedAtMs: policy.confirmed_at };
      const price = await orders.quoteRenewal(db, request, atMs).catch(() => undefined);
      if (price !== undefined) nextCharge = { atMs, price };
    }
    return {
      lineId, enabled: policy?.enabled === 1, confirmed: true, planCode: policy?.plan_code ?? null, currency: policy?.currency ?? null,
      paymentMethod: typeof method === 'object' ? method : null, nextCharge,
      renewal: current === undefined ? null : {
        status: current.status, periodEndsAtMs: current.period_end_at, failures: current.failures, lastFailureCode: current.last_failure_code,
        nextAttemptAtMs: current.status === 'scheduled' || current.status === 'retrying' ? current.due_at : null,
        payUrl: current.order_id !== null && FAILED_STATUSES.includes(current.status) ? orderUrl(config.publicUrl, current.order_id) : null,
      },
      disabledReason: policy?.disabled_reason ?? null,
    };
  }

  async function turnOff(customerId: string, lineId: string): Promise<AutoRenewView> {
    const { line, latest } = await lineAndEnd(customerId, lineId);
    const nowMs = clock.nowMs();
    await inTransaction(db, async (tx) => {
      if ((await disablePolicies(tx, [lineId], 'customer', nowMs)).length === 0) return;
      await cancelOpenAttempts(tx, lineId, nowMs);
      // From now on the traveller renews by hand, and is reminded.
      if (latest !== undefined) await schedule.scheduleReminders(tx, [{ lineId, periodEndMs: latest.endsAtMs }]);
      const customer = await accounts.profile.getCustomer(customerId, tx);
      for (const message of noticesTo(customer, 'renewals.auto_renew_disabled', { number: line.msisdn })) await notifications.queue(tx, message);
    });
    return getAutoRenew(customerId, lineId);
  }

  async function checkedMethod(customerId: string, paymentMethodId: string | undefined, chargeAt: number): Promise<OffSessionMethod> {
    if (paymentMethodId === undefined) throw renewalsErrors.paymentMethodRequired();
    const method = await payments.offSession.offSessionMethod(db, customerId, paymentMethodId);
    if (method === 'not_off_session') throw renewalsErrors.paymentMethodNotOffSession(paymentMethodId);
    if (typeof method === 'string') throw renewalsErrors.paymentMethodInvalid(paymentMethodId, method);
    if (cardExpiresAtMs(method) <= chargeAt) throw renewalsErrors.paymentMethodExpires(paymentMethodId, new Date(chargeAt).toISOString());
    return method;
  }

  /** Turns auto-renew on or off (see `AutoRenewInput`); a dry run changes nothing and shows the next charge. */
  async function setAutoRenew(customerId: string, lineId: string, input: AutoRenewInput): Promise<AutoRenewView> {
    if (!input.enabled) return turnOff(customerId, lineId);
    const { line, latest } = await lineAndEnd(customerId, lineId);
    if (latest === undefined || (line.status !== 'active' && line.status !== 'grace')) throw renewalsErrors.lineNotRenewable(lineId, line.status);
    const existing = await findPolicy(db, lineId);
    const plan = await catalog.getPlan(input.planCode ?? existing?.plan_code ?? latest.planCode);
    if (plan.kind !== 'base' || !plan.autoRenewable) throw renewalsErrors.planNotRenewable(plan.code);
    const customer = await accounts.profile.getCustomer(customerId);
    const paidIn = (await orders.findOrders(db, [latest.orderId])).get(latest.orderId)?.currency;
    const currency = currencyFor(input.currency ?? existing?.currency, [paidIn, customer.currency], plan.prices.map((p) => p.currency));
    const nowMs = clock.nowMs();
    const atMs = chargeAtMs(latest.endsAtMs, options.leadMs, nowMs);
    const method = await checkedMethod(customerId, input.paymentMethodId ?? existing?.payment_method_id, atMs);
    // Priced as of the confirmation this records: now, or, when an enabled policy is confirmed again
    // with the same plan and currency (another card), its first confirmation, so that the
    // protection from price changes the customer was told of is kept.
    const keeps = existing?.enabled === 1 && existing.plan_code === plan.code && existing.currency === currency;
    const confirmedAtMs = keeps ? existing.confirmed_at : nowMs;
    const price = await orders.quoteRenewal(db, { lineId, customerId, planCode: plan.code, currency, confirmedAtMs }, atMs);
    if (input.expectedTotalMinor !== undefined && input.expectedTotalMinor !== price.totalMinor) throw renewalsErrors.priceChanged(input.expectedTotalMinor, price.totalMinor);
    if (input.confirm !== true) {
      return {
        lineId, enabled: true, confirmed: false, planCode: plan.code, currency, paymentMethod: method, nextCharge: { atMs, price },
        renewal: null, disabledReason: null,
      };
    }
    await inTransaction(db, async (tx) => {
      await upsertPolicy(tx, {
        line_id: lineId, customer_id: customerId, enabled: 1, plan_code: plan.code, currency, payment_method_id: method.paymentMethodId,
        confirmed_total_minor: price.totalMinor, confirmed_at: confirmedAtMs, disabled_reason: null, created_at: nowMs, updated_at: nowMs,
      });
      // The renewal of the current period: scheduled, or tried again at once with the new settings after a failure.
      await scheduleAttempt(tx, schedule.attemptRow(lineId, customerId, latest.endsAtMs, nowMs));
      const language = customer.language as Language;
      for (const message of noticesTo(customer, 'renewals.auto_renew_enabled', {
        plan: plan.texts.name[language], number: line.msisdn,
        total: formatMoney({ amountMinor: price.totalMinor, currency }, language), chargeDate: formatInstant(atMs, language),
      })) await notifications.queue(tx, message);
    });
    return getAutoRenew(customerId, lineId);
  }

  /**
   * The enabled policies naming `planCode`, in line order after the line id `after`, at most `limit`
   * (1..1000, default 1000), read with the caller's executor (a price change's notices page through them).
   */
  async function listPoliciesOfPlan(executor: Executor, planCode: string, page: { limit?: number; after?: string } = {}): Promise<PlanPolicy[]> {
    const limit = Math.min(Math.max(1, page.limit ?? MAX_PLAN_POLICIES_PAGE), MAX_PLAN_POLICIES_PAGE);
    const rows = await listEnabledPoliciesOfPlan(executor, planCode, limit, page.after);
    return rows.map((r) => ({ lineId: r.line_id, customerId: r.customer_id, confirmedAtMs: r.confirmed_at }));
  }

  const recurringJobs: readonly RecurringJob[] = [{ kind: SWEEP_JOB, everyMs: options.sweepEveryMs }];

  return {
    getAutoRenew,
    setAutoRenew,
    /** Runs every due renewal attempt now (the sweep job's work); returns how many it handled. */
    runDue: runner.runDue,
    /** Attempts by status, latest first (back-office). */
    listAttempts: (status: AttemptStatus, limit: number) => listAttempts(db, status, Math.min(Math.max(1, limit), 200)),
    listPoliciesOfPlan,
    /** Enqueues the reminders of a line's period end (manual renewers). */
    scheduleReminders: schedule.scheduleReminders,
    jobHandlers: new Map<string, JobHandler>([[SWEEP_JOB, runner.sweepJob], [REMIND_JOB, schedule.remindJob]]),
    recurringJobs,
  };
}

export type RenewalsService = ReturnType<typeof createRenewalsService>;
