import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { inTransaction, type Database, type Executor } from '../db/database.js';
import type { IdFactory } from '../ids.js';
import { randomToken } from '../crypto.js';
import { DEFAULT_MAX_ATTEMPTS, backoffMs, type EnqueueJob, type Job, type JobHandler } from './jobs.js';
import { claimDueJobs, completeJob, failJob, insertJob, renewLease, type JobRow } from './jobs.repository.js';

/** Enqueues a job with the caller's executor, so it commits or rolls back with the caller's change. */
export async function enqueueJob(db: Executor, ids: IdFactory, clock: Clock, job: EnqueueJob): Promise<void> {
  const nowMs = clock.nowMs();
  await insertJob(db, {
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
  });
}

export interface JobRunnerOptions {
  readonly database: Database;
  readonly clock: Clock;
  readonly log: Logger;
  readonly handlers: ReadonlyMap<string, JobHandler>;
  readonly leaseMs?: number;
  readonly batchSize?: number;
}

/**
 * Runs due jobs. `runDue()` processes everything due now and returns how many ran (tests call it
 * with an injected clock); `start()` polls in the background until `stop()`.
 */
export class JobRunner {
  readonly workerId = `${hostname()}:${process.pid}:${randomToken(6)}`;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(private readonly options: JobRunnerOptions) {}

  async runDue(maxBatches = 100): Promise<number> {
    let total = 0;
    for (let batch = 0; batch < maxBatches; batch += 1) {
      const ran = await this.runBatch();
      total += ran;
      if (ran === 0) break;
    }
    return total;
  }

  private async runBatch(): Promise<number> {
    const { database, clock, batchSize = 20, leaseMs = 60_000 } = this.options;
    const rows = await inTransaction(database.db, (tx) =>
      claimDueJobs(tx, database.dialect, this.workerId, clock.nowMs(), leaseMs, batchSize));
    for (const row of rows) {
      // The batch shares one claim; each job renews its own lease before it runs, so a job whose
      // lease ran out while earlier ones ran (and that another worker took) is not run twice.
      const nowMs = clock.nowMs();
      if (!(await renewLease(database.db, row.id, this.workerId, nowMs + leaseMs, nowMs))) continue;
      await this.runOne(row);
    }
    return rows.length;
  }

  private async runOne(row: JobRow): Promise<void> {
    const { database, clock, log, handlers } = this.options;
    const handler = handlers.get(row.kind);
    if (handler === undefined) {
      // A kind nobody handles will not start working by retrying: a person must look at it.
      await failJob(database.db, row.id, this.workerId, clock.nowMs(), `no handler for job kind ${row.kind}`, undefined);
      log.error({ jobId: row.id, kind: row.kind }, 'job parked: no handler');
      return;
    }
    try {
      const job: Job = {
        id: row.id, kind: row.kind, payload: JSON.parse(row.payload) as unknown,
        attempts: row.attempts, maxAttempts: row.max_attempts, runAtMs: row.run_at,
      };
      await handler(job);
      if (!(await completeJob(database.db, row.id, this.workerId, clock.nowMs()))) {
        log.warn({ jobId: row.id, kind: row.kind }, 'job finished after its lease was lost; result dropped');
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const retryAtMs = row.attempts >= row.max_attempts ? undefined : clock.nowMs() + backoffMs(row.attempts);
      log.warn({ jobId: row.id, kind: row.kind, attempts: row.attempts, parked: retryAtMs === undefined, err: message }, 'job failed');
      await failJob(database.db, row.id, this.workerId, clock.nowMs(), message, retryAtMs);
    }
  }

  start(intervalMs = 1000): void {
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

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
