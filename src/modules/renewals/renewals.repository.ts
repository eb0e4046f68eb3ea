import { sql } from 'kysely';
import { insertRows } from '../../platform/db/bulk.js';
import type { Dialect, Executor, Tx } from '../../platform/db/database.js';
import type { Currency } from '../../platform/money.js';
import { OPEN_ATTEMPT_STATUSES, type AttemptStatus, type DisabledReason } from './renewals.js';

export interface AutoRenewalTable {
  line_id: string;
  customer_id: string;
  enabled: number;
  plan_code: string;
  currency: Currency;
  payment_method_id: string;
  /** The total the customer saw when confirming (the price may change later, with notice). */
  confirmed_total_minor: number;
  confirmed_at: number;
  disabled_reason: DisabledReason | null;
  created_at: number;
  updated_at: number;
}

export interface RenewalAttemptTable {
  id: string;
  line_id: string;
  customer_id: string;
  /** The end of the period this attempt renews (the start of the period it buys, when on time). */
  period_end_at: number;
  status: AttemptStatus;
  /** When something is due next (and, while a worker holds it, the end of its lease); null once closed. */
  due_at: number | null;
  claimed_by: string | null;
  failures: number;
  errors: number;
  order_id: string | null;
  last_failure_code: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  closed_at: number | null;
}

declare module '../../platform/db/schema.js' {
  interface Tables {
    auto_renewal: AutoRenewalTable;
    renewal_attempt: RenewalAttemptTable;
  }
}

export type PolicyRow = AutoRenewalTable;
export type AttemptRow = RenewalAttemptTable;

const BATCH_ROWS = 1000;

function chunked<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH_ROWS) out.push(items.slice(i, i + BATCH_ROWS));
  return out;
}

// Policies

export async function findPolicy(db: Executor, lineId: string): Promise<PolicyRow | undefined> {
  return db.selectFrom('auto_renewal').selectAll().where('line_id', '=', lineId).executeTakeFirst();
}

export async function findPolicies(db: Executor, lineIds: readonly string[]): Promise<Map<string, PolicyRow>> {
  const rows: PolicyRow[] = [];
  for (const chunk of chunked([...new Set(lineIds)])) rows.push(...await db.selectFrom('auto_renewal').selectAll().where('line_id', 'in', chunk).execute());
  return new Map(rows.map((r) => [r.line_id, r]));
}

/** Enabled policies naming `planCode`, in line order after `after`, at most `limit`. */
export async function listEnabledPoliciesOfPlan(db: Executor, planCode: string, limit: number, after?: string): Promise<PolicyRow[]> {
  return db.selectFrom('auto_renewal').selectAll()
    .where('plan_code', '=', planCode).where('enabled', '=', 1)
    .$if(after !== undefined, (qb) => qb.where('line_id', '>', after ?? ''))
    .orderBy('line_id').limit(limit).execute();
}

export async function upsertPolicy(db: Executor, row: PolicyRow): Promise<void> {
  await db.insertInto('auto_renewal').values(row)
    .onConflict((oc) => oc.column('line_id').doUpdateSet({
      enabled: row.enabled, plan_code: row.plan_code, currency: row.currency, payment_method_id: row.payment_method_id,
      confirmed_total_minor: row.confirmed_total_minor, confirmed_at: row.confirmed_at, disabled_reason: row.disabled_reason, updated_at: row.updated_at,
    }))
    .execute();
}

/** Turns the policies of these lines off (when on); returns the lines it turned off. */
export async function disablePolicies(db: Executor, lineIds: readonly string[], reason: DisabledReason, nowMs: number): Promise<string[]> {
  const off: string[] = [];
  for (const chunk of chunked(lineIds)) {
    const rows = await db.updateTable('auto_renewal').set({ enabled: 0, disabled_reason: reason, updated_at: nowMs })
      .where('line_id', 'in', chunk).where('enabled', '=', 1).returning('line_id').execute();
    off.push(...rows.map((r) => r.line_id));
  }
  return off;
}

// Attempts

/** Inserts attempts; one for a line and period end that exists already is skipped. */
export async function insertAttempts(db: Executor, rows: readonly AttemptRow[]): Promise<void> {
  await insertRows(db, 'renewal_attempt', rows, { onConflictDoNothing: ['line_id', 'period_end_at'] });
}

/**
 * Schedules the attempt of a line's period end again: inserts it, or — when auto-renew was turned
 * back on, or the customer changed the payment method after a failure — reopens the existing one.
 */
export async function scheduleAttempt(db: Executor, row: AttemptRow): Promise<void> {
  await db.insertInto('renewal_attempt').values(row)
    .onConflict((oc) => oc.columns(['line_id', 'period_end_at'])
      .doUpdateSet({ status: 'scheduled', due_at: row.due_at, claimed_by: null, closed_at: null, errors: 0, updated_at: row.updated_at })
      .where('renewal_attempt.status', 'in', ['cancelled', 'failed', 'action_required', 'retrying', 'scheduled']))
    .execute();
}

export async function findOpenAttemptOfLine(db: Executor, lineId: string): Promise<AttemptRow | undefined> {
  return db.selectFrom('renewal_attempt').selectAll().where('line_id', '=', lineId).where('closed_at', 'is', null)
    .orderBy('period_end_at', 'desc').limit(1).executeTakeFirst();
}

export async function findLatestAttemptOfLine(db: Executor, lineId: string): Promise<AttemptRow | undefined> {
  return db.selectFrom('renewal_attempt').selectAll().where('line_id', '=', lineId).orderBy('period_end_at', 'desc').limit(1).executeTakeFirst();
}

/**
 * Locks up to `limit` due attempts, longest due first, for the caller's transaction: on PostgreSQL
 * rows another worker holds are skipped (`FOR UPDATE SKIP LOCKED`); SQLite serialises writers. The
 * caller moves every one of them on (its `due_at` to the future) before it commits.
 */
export async function lockDueAttempts(tx: Tx, dialect: Dialect, nowMs: number, limit: number, id?: string): Promise<AttemptRow[]> {
  return tx.selectFrom('renewal_attempt').selectAll()
    .where('due_at', '<=', nowMs)
    .$if(id !== undefined, (qb) => qb.where('id', '=', id ?? ''))
    .orderBy('due_at').orderBy('id').limit(limit)
    .$if(dialect === 'postgres', (qb) => qb.forUpdate().skipLocked())
    .execute();
}

/** Moves attempts the caller holds locked in its transaction (see `lockDueAttempts`); returns the ids it moved. */
export async function updateLockedAttempts(db: Executor, ids: readonly string[], patch: AttemptPatch, nowMs: number): Promise<Set<string>> {
  const closed = patch.due_at === null;
  for (const chunk of chunked(ids)) {
    await db.updateTable('renewal_attempt')
      .set({ ...patch, claimed_by: null, updated_at: nowMs, ...(closed ? { closed_at: nowMs } : {}) })
      .where('id', 'in', chunk).where('closed_at', 'is', null).execute();
  }
  return new Set(ids);
}

export interface AttemptPatch {
  readonly status: AttemptStatus;
  readonly due_at: number | null;
  readonly failures?: number;
  readonly errors?: number;
  readonly last_failure_code?: string | null;
  readonly last_error?: string | null;
}

/** Moves attempts this claim still holds; returns the ids it moved (another worker took the others). */
export async function updateClaimedAttempts(
  db: Executor, ids: readonly string[], claimToken: string, patch: AttemptPatch, nowMs: number,
): Promise<Set<string>> {
  const moved = new Set<string>();
  const closed = patch.due_at === null;
  for (const chunk of chunked(ids)) {
    const rows = await db.updateTable('renewal_attempt')
      .set({ ...patch, updated_at: nowMs, ...(closed ? { claimed_by: null, closed_at: nowMs } : {}) })
      .where('id', 'in', chunk).where('claimed_by', '=', claimToken).where('closed_at', 'is', null)
      .returning('id').execute();
    for (const row of rows) moved.add(row.id);
  }
  return moved;
}

/**
 * Claims locked attempts for `claimToken` until `leaseUntilMs` as `charging`, with their orders (one
 * statement): a charge that is not settled when the lease runs out comes due again and is taken up.
 */
export async function markCharging(
  db: Executor, items: ReadonlyArray<{ id: string; orderId: string }>, claimToken: string, leaseUntilMs: number, nowMs: number,
): Promise<void> {
  for (const chunk of chunked(items)) {
    const orderCase = sql<string>`case id ${sql.join(chunk.map((i) => sql`when ${i.id} then ${i.orderId}`), sql` `)} end`;
    await db.updateTable('renewal_attempt').set({ status: 'charging', order_id: orderCase, claimed_by: claimToken, due_at: leaseUntilMs, updated_at: nowMs })
      .where('id', 'in', chunk.map((i) => i.id)).execute();
  }
}

/**
 * Closes the open attempts of these lines after periods were added to them: the attempt whose order
 * bought a period `succeeded`, any other `superseded`. Returns the order ids of the superseded ones.
 */
export async function closeAttemptsOfLines(
  db: Executor, lineIds: readonly string[], paidOrderIds: readonly string[], nowMs: number,
): Promise<{ succeeded: string[]; overtakenOrders: string[] }> {
  const closed = { due_at: null, claimed_by: null, closed_at: nowMs, updated_at: nowMs } as const;
  const succeeded: string[] = [];
  for (const chunk of chunked(paidOrderIds)) {
    const rows = await db.updateTable('renewal_attempt').set({ ...closed, status: 'succeeded' })
      .where('order_id', 'in', chunk).where('closed_at', 'is', null).returning('id').execute();
    for (const row of rows) succeeded.push(row.id);
  }
  const overtakenOrders: string[] = [];
  for (const chunk of chunked([...new Set(lineIds)])) {
    const rows = await db.updateTable('renewal_attempt').set({ ...closed, status: 'superseded' })
      .where('line_id', 'in', chunk).where('closed_at', 'is', null).returning('order_id').execute();
    for (const row of rows) if (row.order_id !== null) overtakenOrders.push(row.order_id);
  }
  return { succeeded, overtakenOrders };
}

/** Closes the open attempts of a line as cancelled (auto-renew turned off), except one being charged right now. */
export async function cancelOpenAttempts(db: Executor, lineId: string, nowMs: number): Promise<number> {
  const result = await db.updateTable('renewal_attempt')
    .set({ status: 'cancelled', due_at: null, claimed_by: null, closed_at: nowMs, updated_at: nowMs })
    .where('line_id', '=', lineId).where('closed_at', 'is', null).where('status', '!=', 'charging')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function listAttempts(db: Executor, status: AttemptStatus, limit: number): Promise<AttemptRow[]> {
  return db.selectFrom('renewal_attempt').selectAll().where('status', '=', status).orderBy('updated_at', 'desc').limit(limit).execute();
}

export { OPEN_ATTEMPT_STATUSES };
