import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { assert } from '../assert.js';
import type { Clock } from '../clock.js';
import { inTransaction, type Database, type Executor } from '../db/database.js';
import { sqliteInsertStatement, type RowStatement } from '../db/bulk.js';
import type { IdFactory } from '../ids.js';
import { randomToken } from '../crypto.js';
import {
  DEFAULT_MAX_ATTEMPTS, backoffMs, recurringDedupeKey, slotStartMs,
  type EnqueueJob, type Job, type JobHandler, type RecurringJob,
} from './jobs.js';
import {
  JOB_INSERT, claimDueJobs, completeJobs, extendLeases, failJob, findLatestSlotStatus, insertJob, insertJobs, renewLease, type JobRow, type JobTable,
} from './jobs.repository.js';

function jobRow(ids: IdFactory, nowMs: number, job: EnqueueJob): JobTable {
  return {
    id: ids('job'),
    kind: job.kind,
    payload: JSON.stringify(job.payload ?? null),
    status: 'queued',
    run_at: job.runAtMs ?? nowMs,
    attempts: 0,
    max_attempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    lease_until: null,
    locked_by: null,
    last_error: null,
    dedupe_key: job.dedupeKey ?? null,
    created_at: nowMs,
    updated_at: nowMs,
  };
}

/** Enqueues a job with the caller's executor, so it commits or rolls back with the caller's change. */
export async function enqueueJob(db: Executor, ids: IdFactory, clock: Clock, job: EnqueueJob): Promise<void> {
  await insertJob(db, jobRow(ids, clock.nowMs(), job));
}

/**
 * The SQLite statement that enqueues `job` (skipped when its dedupe key is taken), for a caller
 * that writes on another connection of the same database (see `sqliteInsertStatement`).
 */
export function sqliteEnqueueStatement(ids: IdFactory, nowMs: number, job: EnqueueJob): RowStatement {
  return sqliteInsertStatement('job', jobRow(ids, nowMs, job), JOB_INSERT);
}

/** Enqueues many jobs in a few multi-row statements (same guarantees as `enqueueJob`, per job). */
export async function enqueueJobs(db: Executor, ids: IdFactory, clock: Clock, jobs: readonly EnqueueJob[]): Promise<void> {
  if (jobs.length === 0) return;
  const nowMs = clock.nowMs();
  await insertJobs(db, jobs.map((job) => jobRow(ids, nowMs, job)));
}

export interface JobRunnerOptions {
  readonly database: Database;
  readonly clock: Clock;
  readonly log: Logger;
  readonly handlers: ReadonlyMap<string, JobHandler>;
  /** Jobs that run once per slot (see `RecurringJob`); their kinds need a handler too. */
  readonly recurring?: readonly RecurringJob[];
  /** How long a claim holds without a heartbeat (default 60 s). */
  readonly leaseMs?: number;
  readonly batchSize?: number;
  /** The heartbeat stops extending a job after it ran this long (default 30 minutes): a hung handler loses its job. */
  readonly maxRunMs?: number;
  /** Real time between heartbeats (default a third of the lease). */
  readonly heartbeatMs?: number;
  /** Needed only with `recurring`: recurring slots are enqueued with ids from it. */
  readonly ids?: IdFactory;
}

/**
 * Runs due jobs. `runDue()` processes everything due now and returns how many ran (tests call it
 * with an injected clock); `start()` polls in the background until `stop()`.
 *
 * Guarantees: a job runs when due, at least once and normally exactly once (a worker that dies
 * after the handler committed and before the job is marked done makes it run again, so handlers
 * are idempotent); two workers never run a job at the same time while the first one lives (claims
 * are leases, kept alive by a heartbeat; `FOR UPDATE SKIP LOCKED` on PostgreSQL); a dead worker's
 * jobs are taken over when its lease runs out; a job that keeps failing is parked for staff.
 */
export class JobRunner {
  readonly workerId = `${hostname()}:${process.pid}:${randomToken(6)}`;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private abort = new AbortController();
  private seeded = false;

  constructor(private readonly options: JobRunnerOptions) {
    for (const recurring of options.recurring ?? []) {
      assert(options.handlers.has(recurring.kind), `recurring job ${recurring.kind} has no handler`);
      assert(Number.isSafeInteger(recurring.everyMs) && recurring.everyMs >= 1000, 'recurring jobs run at most once a second');
      assert(options.ids !== undefined, 'recurring jobs need an id factory');
    }
  }

  private get leaseMs(): number {
    return this.options.leaseMs ?? 60_000;
  }

  async runDue(maxBatches = 100): Promise<number> {
    await this.seedRecurring();
    let total = 0;
    for (let batch = 0; batch < maxBatches; batch += 1) {
      const ran = await this.runBatch();
      total += ran;
      if (ran === 0) break;
    }
    return total;
  }

  /**
   * When this runner first runs, starts the chain of every recurring job that has none waiting:
   * enqueues its current slot (the dedupe key makes it one job whichever workers do it). Later
   * slots are enqueued by the slot before them, so after downtime the pending slot runs once,
   * late, instead of once per missed slot.
   */
  private async seedRecurring(): Promise<void> {
    const { recurring = [], database, clock, ids } = this.options;
    if (this.seeded || recurring.length === 0 || ids === undefined) return;
    const nowMs = clock.nowMs();
    for (const r of recurring) {
      const latest = await findLatestSlotStatus(database.db, r.kind);
      if (latest === 'queued' || latest === 'running') continue;
      const slot = slotStartMs(nowMs, r.everyMs);
      await enqueueJob(database.db, ids, clock, {
        kind: r.kind, payload: { slotMs: slot }, runAtMs: slot, dedupeKey: recurringDedupeKey(r.kind, slot), ...(r.maxAttempts !== undefined ? { maxAttempts: r.maxAttempts } : {}),
      });
    }
    this.seeded = true;
  }

  /** Before a recurring job runs, the next slot after now is enqueued (missed slots are not). */
  private async enqueueNextSlot(kind: string): Promise<void> {
    const recurring = this.options.recurring?.find((r) => r.kind === kind);
    const { ids, clock, database } = this.options;
    if (recurring === undefined || ids === undefined) return;
    const next = slotStartMs(clock.nowMs(), recurring.everyMs) + recurring.everyMs;
    await enqueueJob(database.db, ids, clock, {
      kind, payload: { slotMs: next }, runAtMs: next, dedupeKey: recurringDedupeKey(kind, next),
      ...(recurring.maxAttempts !== undefined ? { maxAttempts: recurring.maxAttempts } : {}),
    });
  }

  private async runBatch(): Promise<number> {
    const { database, clock, batchSize = 20 } = this.options;
    const leaseMs = this.leaseMs;
    const claimedAtMs = clock.nowMs();
    const rows = await inTransaction(database.db, (tx) =>
      claimDueJobs(tx, database.dialect, this.workerId, claimedAtMs, leaseMs, batchSize));
    if (rows.length === 0) return 0;
    const stopHeartbeat = this.startHeartbeat();
    const done: JobRow[] = [];
    try {
      for (const row of rows) {
        // The batch shares one claim. A job whose claim is no longer fresh (earlier jobs ran long)
        // renews its own lease before it runs, so a job that another worker took meanwhile is not
        // run twice; a fresh claim is still held (the heartbeat keeps it) and saves that write.
        const nowMs = clock.nowMs();
        if (nowMs - claimedAtMs > leaseMs / 2 && !(await renewLease(database.db, row.id, this.workerId, nowMs + leaseMs, nowMs))) continue;
        if (await this.runOne(row)) done.push(row);
      }
      await this.complete(done);
    } finally {
      stopHeartbeat();
    }
    return rows.length;
  }

  private startHeartbeat(): () => void {
    const { database, clock, log, heartbeatMs, maxRunMs = 30 * 60_000 } = this.options;
    const timer = setInterval(() => {
      const nowMs = clock.nowMs();
      extendLeases(database.db, this.workerId, nowMs + this.leaseMs, nowMs, nowMs - maxRunMs)
        .catch((error: unknown) => log.warn({ err: error }, 'job heartbeat failed'));
    }, heartbeatMs ?? Math.max(1000, Math.floor(this.leaseMs / 3)));
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Marks the finished jobs of a batch done in one write; one whose lease was lost is reported. */
  private async complete(done: readonly JobRow[]): Promise<void> {
    if (done.length === 0) return;
    const { database, clock, log } = this.options;
    const completed = await completeJobs(database.db, done.map((r) => r.id), this.workerId, clock.nowMs());
    for (const row of done) {
      if (!completed.has(row.id)) log.warn({ jobId: row.id, kind: row.kind }, 'job finished after its lease was lost; result dropped');
    }
  }

  /** Runs one claimed job; true when it succeeded (it is then completed with its batch). */
  private async runOne(row: JobRow): Promise<boolean> {
    const { database, clock, log, handlers } = this.options;
    const handler = handlers.get(row.kind);
    if (handler === undefined) {
      // A kind nobody handles will not start working by retrying: a person must look at it.
      await failJob(database.db, row.id, this.workerId, clock.nowMs(), `no handler for job kind ${row.kind}`, undefined);
      log.error({ jobId: row.id, kind: row.kind }, 'job parked: no handler');
      return false;
    }
    try {
      const job: Job = {
        id: row.id, kind: row.kind, payload: JSON.parse(row.payload) as unknown,
        attempts: row.attempts, maxAttempts: row.max_attempts, runAtMs: row.run_at, signal: this.abort.signal,
      };
      await this.enqueueNextSlot(row.kind);
      await handler(job);
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const retryAtMs = row.attempts >= row.max_attempts ? undefined : clock.nowMs() + backoffMs(row.attempts);
      log.warn({ jobId: row.id, kind: row.kind, attempts: row.attempts, parked: retryAtMs === undefined, err: message }, 'job failed');
      await failJob(database.db, row.id, this.workerId, clock.nowMs(), message, retryAtMs);
      return false;
    }
  }

  start(intervalMs = 1000): void {
    if (this.abort.signal.aborted) this.abort = new AbortController();
    const tick = (): void => {
      this.running = this.runDue().catch((error: unknown) => {
        this.options.log.error({ err: error }, 'job runner tick failed');
        return 0;
      });
      void this.running.finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, intervalMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops polling, asks running handlers to wrap up (`job.signal`) and waits for the current run. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await this.running;
  }
}
