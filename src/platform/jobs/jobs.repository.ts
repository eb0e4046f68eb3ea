import { sql } from 'kysely';
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

export async function insertJob(db: Executor, row: JobTable): Promise<void> {
  await db.insertInto('job').values(row).onConflict((oc) => oc.column('dedupe_key').doNothing()).execute();
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
  return tx
    .updateTable('job')
    .set({ status: 'running', lease_until: nowMs + leaseMs, locked_by: workerId, attempts: sql<number>`attempts + 1`, updated_at: nowMs })
    .where('id', 'in', ids)
    .returningAll()
    .execute();
}

export async function completeJob(db: Executor, id: string, workerId: string, nowMs: number): Promise<void> {
  await db.updateTable('job')
    .set({ status: 'done', lease_until: null, updated_at: nowMs })
    .where('id', '=', id).where('locked_by', '=', workerId).where('status', '=', 'running')
    .execute();
}

export async function failJob(
  db: Executor, id: string, workerId: string, nowMs: number, error: string, retryAtMs: number | undefined,
): Promise<void> {
  await db.updateTable('job')
    .set({
      status: retryAtMs === undefined ? 'parked' : 'queued',
      run_at: retryAtMs ?? nowMs,
      lease_until: null,
      last_error: error.slice(0, 2000),
      updated_at: nowMs,
    })
    .where('id', '=', id).where('locked_by', '=', workerId).where('status', '=', 'running')
    .execute();
}

export async function listJobsByStatus(db: Executor, status: JobStatus, limit: number): Promise<JobRow[]> {
  return db.selectFrom('job').selectAll().where('status', '=', status).orderBy('run_at').limit(limit).execute();
}
