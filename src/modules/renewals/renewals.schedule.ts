import { inTransaction, type Tx } from '../../platform/db/database.js';
import type { Language } from '../../platform/i18n.js';
import { enqueueJobs, type JobHandler } from '../../platform/jobs/index.js';
import type { Period } from '../lines/index.js';
import type { RenewalsDeps, RenewalsOptions } from './renewals.context.js';
import { formatInstant, lineUrl, noticesTo } from './renewals.notices.js';
import { chargeAtMs, reminderTimes } from './renewals.js';
import { closeAttemptsOfLines, findPolicies, findPolicy, insertAttempts, type AttemptRow } from './renewals.repository.js';

/** `renewals.remind {lineId, periodEndMs, kind}`: a reminder before a period ends, or the notice that it ended. */
export const REMIND_JOB = 'renewals.remind';

type ReminderKind = 'before' | 'expired';

interface ReminderPayload {
  readonly lineId: string;
  readonly periodEndMs: number;
  readonly kind: ReminderKind;
}

/**
 * What follows a period's end, scheduled in the transaction that adds the period: for a line with
 * auto-renew on, the renewal attempt of its new end; for the others, the reminders and the expiry
 * notice (jobs whose dedupe keys make scheduling them twice harmless). Earlier open attempts of the
 * line close: the one whose order bought the period succeeded; the others were overtaken, and
 * their unpaid orders are cancelled so that a charge still in flight for one is refunded.
 */
export function createSchedule(deps: RenewalsDeps, options: RenewalsOptions) {
  /** The attempts each transaction closed as succeeded (the worker settling a batch skips them). */
  const succeededIn = new WeakMap<Tx, Set<string>>();

  const { ids, clock, database, lines, orders, payments, accounts, catalog, notifications, config } = deps;

  function attemptRow(lineId: string, customerId: string, periodEndMs: number, nowMs: number): AttemptRow {
    return {
      id: ids('ren'), line_id: lineId, customer_id: customerId, period_end_at: periodEndMs, status: 'scheduled',
      due_at: chargeAtMs(periodEndMs, options.leadMs, nowMs), claimed_by: null, failures: 0, errors: 0, order_id: null,
      last_failure_code: null, last_error: null, created_at: nowMs, updated_at: nowMs, closed_at: null,
    };
  }

  /** Enqueues the reminders and the expiry notice of each line's period end (those still ahead). */
  async function scheduleReminders(tx: Tx, items: ReadonlyArray<{ lineId: string; periodEndMs: number }>): Promise<void> {
    const nowMs = clock.nowMs();
    const job = (item: { lineId: string; periodEndMs: number }, kind: ReminderKind, runAtMs: number, tag: string) => ({
      kind: REMIND_JOB, payload: { lineId: item.lineId, periodEndMs: item.periodEndMs, kind } satisfies ReminderPayload, runAtMs,
      dedupeKey: `${REMIND_JOB}:${item.lineId}:${item.periodEndMs}:${tag}`,
    });
    await enqueueJobs(tx, ids, clock, items.flatMap((item) => [
      ...reminderTimes(item.periodEndMs, options.reminderOffsetsMs, nowMs).map((r) => job(item, 'before', r.atMs, `-${r.offsetMs}`)),
      ...(options.expiryNotice && item.periodEndMs > nowMs ? [job(item, 'expired', item.periodEndMs, 'end')] : []),
    ]));
  }

  async function onPeriodsAdded(tx: Tx, periods: readonly Period[]): Promise<void> {
    const nowMs = clock.nowMs();
    const latest = new Map<string, Period>();
    for (const p of periods) {
      const seen = latest.get(p.lineId);
      if (seen === undefined || p.endsAtMs > seen.endsAtMs) latest.set(p.lineId, p);
    }
    const lineIds = [...latest.keys()];
    const { succeeded, overtakenOrders: overtaken } = await closeAttemptsOfLines(tx, lineIds, periods.map((p) => p.orderId), nowMs);
    const closedHere = succeededIn.get(tx) ?? new Set<string>();
    for (const id of succeeded) closedHere.add(id);
    succeededIn.set(tx, closedHere);
    await orders.cancelRenewalOrders(tx, overtaken, 'renewed_otherwise');
    // A charge still in flight for one of them is settled by reconciliation (and refunded: its order is cancelled).
    await payments.offSession.followUp(tx, overtaken);
    const policies = await findPolicies(tx, lineIds);
    const automatic: AttemptRow[] = [];
    const manual: Array<{ lineId: string; periodEndMs: number }> = [];
    for (const [lineId, period] of latest) {
      const policy = policies.get(lineId);
      if (policy?.enabled === 1) automatic.push(attemptRow(lineId, policy.customer_id, period.endsAtMs, nowMs));
      else manual.push({ lineId, periodEndMs: period.endsAtMs });
    }
    await insertAttempts(tx, automatic);
    await scheduleReminders(tx, manual);
  }

  const remindJob: JobHandler = async (job) => {
    const { lineId, periodEndMs, kind } = job.payload as ReminderPayload;
    const nowMs = clock.nowMs();
    const state = (await lines.renewalStatesOf(database.db, [lineId])).get(lineId);
    // Renewed since (the period is no longer the last one), or a reminder that comes too late to help.
    if (state?.latest === undefined || state.latest.endsAtMs !== periodEndMs) return;
    if (kind === 'before' && nowMs >= periodEndMs) return;
    if ((await findPolicy(database.db, lineId))?.enabled === 1) return;
    const customer = await accounts.profile.getCustomer(state.line.customerId);
    const renewUrl = lineUrl(config.publicUrl, lineId);
    const messages = kind === 'before'
      ? noticesTo(customer, 'renewals.reminder', {
        plan: (await catalog.findPlan(state.latest.planCode))?.texts.name[customer.language as Language] ?? state.latest.planCode,
        number: state.line.msisdn, until: formatInstant(periodEndMs, customer.language as Language), renewUrl,
      })
      : noticesTo(customer, 'renewals.expired', { number: state.line.msisdn, renewUrl });
    await inTransaction(database.db, async (tx) => {
      for (const message of messages) await notifications.queue(tx, message);
    });
  };

  return { attemptRow, scheduleReminders, onPeriodsAdded, remindJob, succeededIn: (tx: Tx): ReadonlySet<string> => succeededIn.get(tx) ?? new Set() };
}

export type Schedule = ReturnType<typeof createSchedule>;
