import { sql } from 'kysely';
import { insertRows, type InsertRowsOptions } from '../db/bulk.js';
import type { Dialect, Executor, Tx } from '../db/database.js';
import type { JobStatus } from './jobs.js';

export interface JobTable {
  id: string;
  kind: string;
  payload: string;
  status: JobStatus;
  run_at: number;
  attempts: number;
  max_attempts: number;
  lease_until: number | null;
  locked_by: string | null;
  last_error: string | null;
  dedupe_key: string | null;
  created_at: number;
  updated_at: number;
}

declare module '../db/schema.js' {
  interface Tables {
    job: JobTable;
  }
}

export type JobRow = JobTable;

/**
 * Inserts one job; one whose dedupe key exists is skipped. Through `insertRows`' cached statement,
 * not the query builder: jobs are enqueued on every hot path (a message, a webhook, a charge).
 */
export async function insertJob(db: Executor, row: JobTable): Promise<void> {
  await insertRows(db, 'job', [row], JOB_INSERT);
}

/** Rows per multi-row statement: 13 columns each stays far below either store's parameter limit. */
const INSERT_CHUNK = 1000;

/** A job whose dedupe key is taken is skipped. */
export const JOB_INSERT: InsertRowsOptions = { onConflictDoNothing: ['dedupe_key'] };

/** Inserts many jobs in few statements; a row whose dedupe key exists is skipped, like `insertJob`. */
export async function insertJobs(db: Executor, rows: readonly JobTable[]): Promise<void> {
  await insertRows(db, 'job', rows, JOB_INSERT);
}

/**
 * Marks queued jobs with these dedupe keys done without running them (their work was done another
 * way in the caller's transaction); returns how many it cancelled. Running jobs are left alone.
 */
export async function cancelQueuedJobs(db: Executor, dedupeKeys: readonly string[], nowMs: number): Promise<number> {
  let cancelled = 0;
  for (let i = 0; i < dedupeKeys.length; i += INSERT_CHUNK) {
    const result = await db.updateTable('job')
      .set({ status: 'done', last_error: 'cancelled', updated_at: nowMs })
      .where('dedupe_key', 'in', dedupeKeys.slice(i, i + INSERT_CHUNK))
      // Wrapped so that SQLite looks the rows up by their unique dedupe key, not by the status index
      // (which, without statistics, it believes more selective, and which holds every queued job).
      .where(sql<string>`coalesce(status, '')`, '=', 'queued')
      .executeTakeFirst();
    cancelled += Number(result.numUpdatedRows);
  }
  return cancelled;
}

/**
 * Claims up to `limit` due jobs (queued and due, or running with an expired lease) for `workerId`.
 * On PostgreSQL `FOR UPDATE SKIP LOCKED` lets many workers claim in parallel; SQLite serialises
 * writers with `BEGIN IMMEDIATE`.
 */
export async function claimDueJobs(
  tx: Tx, dialect: Dialect, workerId: string, nowMs: number, leaseMs: number, limit: number,
): Promise<JobRow[]> {
  const due = tx
    .selectFrom('job')
    .select('id')
    .where((eb) => eb.or([
      eb.and([eb('status', '=', 'queued'), eb('run_at', '<=', nowMs)]),
      eb.and([eb('status', '=', 'running'), eb('lease_until', '<', nowMs)]),
    ]))
    .orderBy('run_at')
    .limit(limit)
    .$if(dialect === 'postgres', (qb) => qb.forUpdate().skipLocked());
  const ids = (await due.execute()).map((r) => r.id);
  if (ids.length === 0) return [];
  // A job whose worker died after its last allowed attempt is parked, not run again.
  await tx.updateTable('job')
    .set({ status: 'parked', lease_until: null, last_error: 'lease expired after the last attempt (worker died?)', updated_at: nowMs })
    .where('id', 'in', ids).where('status', '=', 'running').whereRef('attempts', '>=', 'max_attempts')
    .execute();
  const claimed = await tx
    .updateTable('job')
    .set({ status: 'running', lease_until: nowMs + leaseMs, locked_by: workerId, attempts: sql<number>`attempts + 1`, updated_at: nowMs })
    .where('id', 'in', ids).where('status', '!=', 'parked')
    .returningAll()
    .execute();
  return claimed.sort((a, b) => a.run_at - b.run_at || (a.id < b.id ? -1 : 1));
}

/**
 * Extends this worker's lease on a job just before running it; false when the lease was lost
 * (another worker reclaimed the job), in which case this worker must not run it.
 */
export async function renewLease(db: Executor, id: string, workerId: string, leaseUntilMs: number, nowMs: number): Promise<boolean> {
  const result = await db.updateTable('job')
    .set({ lease_until: leaseUntilMs, updated_at: nowMs })
    .where('id', '=', id).where('locked_by', '=', workerId).where('status', '=', 'running').where('lease_until', '>=', nowMs)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * The heartbeat of a live worker: extends the lease of every job it runs (or claimed and has not
 * finished), so a long handler is not taken over while its worker lives. Jobs claimed before
 * `claimedSinceMs` are left to expire: a handler that hangs cannot hold its job forever.
 */
export async function extendLeases(db: Executor, workerId: string, leaseUntilMs: number, nowMs: number, claimedSinceMs: number): Promise<number> {
  const result = await db.updateTable('job')
    .set({ lease_until: leaseUntilMs })
    .where('locked_by', '=', workerId).where('status', '=', 'running')
    .where('lease_until', '>=', nowMs).where('updated_at', '>=', claimedSinceMs)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Completes the jobs this worker still holds; returns the ids it completed (others were taken over). */
export async function completeJobs(db: Executor, ids: readonly string[], workerId: string, nowMs: number): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.updateTable('job')
    .set({ status: 'done', lease_until: null, updated_at: nowMs })
    .where('id', 'in', [...ids]).where('locked_by', '=', workerId).where('status', '=', 'running')
    .returning('id')
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** Puts a parked job back in the queue to run now, with a fresh set of attempts; false when it was not parked. */
export async function requeueParkedJob(db: Executor, id: string, nowMs: number): Promise<boolean> {
  const result = await db.updateTable('job')
    .set({ status: 'queued', run_at: nowMs, attempts: 0, lease_until: null, locked_by: null, updated_at: nowMs })
    .where('id', '=', id).where('status', '=', 'parked')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Returns false when this worker no longer held the job (its result is then dropped). */
export async function completeJob(db: Executor, id: string, workerId: string, nowMs: number): Promise<boolean> {
  const result = await db.updateTable('job')
    .set({ status: 'done', lease_until: null, updated_at: nowMs })
    .where('id', '=', id).where('locked_by', '=', workerId).where('status', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Requeues the job at `retryAtMs`, or parks it when that is undefined; false when no longer held. */
export async function failJob(
  db: Executor, id: string, workerId: string, nowMs: number, error: string, retryAtMs: number | undefined,
): Promise<boolean> {
  const result = await db.updateTable('job')
    .set({
      status: retryAtMs === undefined ? 'parked' : 'queued',
      run_at: retryAtMs ?? nowMs,
      lease_until: null,
      last_error: error.slice(0, 2000),
      updated_at: nowMs,
    })
    .where('id', '=', id).where('locked_by', '=', workerId).where('status', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The status of the latest slot of a recurring job (keys `<kind>@<fixed-width slot>` sort by time). */
export async function findLatestSlotStatus(db: Executor, kind: string): Promise<JobStatus | undefined> {
  const row = await db.selectFrom('job').select('status')
    .where('dedupe_key', '>=', `${kind}@`).where('dedupe_key', '<', `${kind}@:`)
    .orderBy('dedupe_key', 'desc').limit(1).executeTakeFirst();
  return row?.status;
}

export async function listJobsByStatus(db: Executor, status: JobStatus, limit: number): Promise<JobRow[]> {
  return db.selectFrom('job').selectAll().where('status', '=', status).orderBy('run_at').limit(limit).execute();
}
