import { pino } from 'pino';
import { beforeEach, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, MINUTE_MS, ManualClock, SECOND_MS } from '../../../src/platform/clock.js';
import { inTransaction } from '../../../src/platform/db/database.js';
import { platformMigrations } from '../../../src/platform/db/platform.migrations.js';
import { createIdFactory, type IdFactory } from '../../../src/platform/ids.js';
import {
  JOB_STATUSES, JobRunner, backoffMs, enqueueJob, listJobsByStatus,
  type EnqueueJob, type Job, type JobHandler, type JobRow, type JobRunnerOptions,
} from '../../../src/platform/jobs/index.js';
import { describeEachStore } from '../../support/stores.js';

const log = pino({ level: 'silent' });
const START_MS = Date.UTC(2026, 0, 1);

describeEachStore('platform jobs', { migrations: platformMigrations }, ({ getDb }) => {
  let clock: ManualClock;
  let ids: IdFactory;

  beforeEach(async () => {
    clock = new ManualClock(START_MS);
    ids = createIdFactory(clock);
    // The tests of this file share one database; each starts from an empty queue.
    await getDb().db.deleteFrom('job').execute();
  });

  function runner(
    handlers: Record<string, JobHandler>, options: Pick<JobRunnerOptions, 'leaseMs' | 'batchSize'> = {},
  ): JobRunner {
    return new JobRunner({ database: getDb(), clock, log, handlers: new Map(Object.entries(handlers)), ...options });
  }

  function enqueue(job: EnqueueJob): Promise<void> {
    return enqueueJob(getDb().db, ids, clock, job);
  }

  async function allJobs(): Promise<JobRow[]> {
    const byStatus = await Promise.all(JOB_STATUSES.map((status) => listJobsByStatus(getDb().db, status, 1000)));
    return byStatus.flat();
  }

  it('enqueues nothing when the enqueuing transaction rolls back', async () => {
    const { db } = getDb();
    await expect(inTransaction(db, async (tx) => {
      await enqueueJob(tx, ids, clock, { kind: 'test.rollback', payload: { n: 1 } });
      throw new Error('the change failed');
    })).rejects.toThrow('the change failed');
    expect(await allJobs()).toEqual([]);

    await inTransaction(db, (tx) => enqueueJob(tx, ids, clock, { kind: 'test.commit', payload: { n: 2 } }));
    const jobs = await allJobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({
      kind: 'test.commit', payload: '{"n":2}', status: 'queued', attempts: 0, run_at: START_MS, lease_until: null,
    });
  });

  it('keeps one job per dedupe key, also when enqueued concurrently', async () => {
    const renewal = { kind: 'test.dedupe', payload: { line: 'first' }, dedupeKey: 'renew:lin_1:2026-01' };
    await enqueue(renewal);
    await enqueue({ ...renewal, payload: { line: 'second' } });
    await Promise.all([1, 2, 3, 4].map(() => inTransaction(getDb().db, (tx) => enqueueJob(tx, ids, clock, renewal))));
    await enqueue({ ...renewal, dedupeKey: 'renew:lin_1:2026-02' });
    await enqueue({ kind: 'test.dedupe', payload: null });
    await enqueue({ kind: 'test.dedupe', payload: null });

    const jobs = await allJobs();
    expect(jobs.map((j) => j.dedupe_key).sort()).toEqual([null, null, 'renew:lin_1:2026-01', 'renew:lin_1:2026-02']);
    expect(jobs.find((j) => j.dedupe_key === renewal.dedupeKey)?.payload).toBe('{"line":"first"}');
  });

  it('runs the jobs that are due and leaves future ones until their time', async () => {
    const ran: string[] = [];
    const worker = runner({ 'test.record': async (job) => void ran.push(String(job.payload)) });
    await enqueue({ kind: 'test.record', payload: 'now' });
    await enqueue({ kind: 'test.record', payload: 'past', runAtMs: START_MS - MINUTE_MS });
    await enqueue({ kind: 'test.record', payload: 'later', runAtMs: START_MS + HOUR_MS });

    expect(await worker.runDue()).toBe(2);
    expect(ran.sort()).toEqual(['now', 'past']);
    expect(await worker.runDue()).toBe(0);
    clock.advance(HOUR_MS - 1);
    expect(await worker.runDue()).toBe(0);
    clock.advance(1);
    expect(await worker.runDue()).toBe(1);
    expect(ran).toContain('later');

    const done = await listJobsByStatus(getDb().db, 'done', 10);
    expect(done).toHaveLength(3);
    expect(done.every((j) => j.attempts === 1 && j.lease_until === null)).toBe(true);
  });

  it('claims the longest-due job first when it cannot take them all', async () => {
    const ran: string[] = [];
    const worker = runner({ 'test.record': async (job) => void ran.push(String(job.payload)) }, { batchSize: 1 });
    await enqueue({ kind: 'test.record', payload: 'b', runAtMs: START_MS - 2 * SECOND_MS });
    await enqueue({ kind: 'test.record', payload: 'c', runAtMs: START_MS - SECOND_MS });
    await enqueue({ kind: 'test.record', payload: 'a', runAtMs: START_MS - 3 * SECOND_MS });
    expect(await worker.runDue()).toBe(3);
    expect(ran).toEqual(['a', 'b', 'c']);
  });

  it('retries a failing job with growing backoff, then parks it after maxAttempts', async () => {
    let calls = 0;
    const worker = runner({
      'test.fail': async () => {
        calls += 1;
        throw new Error(`provider down (${calls})`);
      },
    });
    await enqueue({ kind: 'test.fail', payload: null, maxAttempts: 3 });

    expect(await worker.runDue()).toBe(1);
    let [job] = await listJobsByStatus(getDb().db, 'queued', 10);
    expect(job).toMatchObject({ attempts: 1, run_at: START_MS + backoffMs(1), last_error: 'provider down (1)', lease_until: null });

    clock.advance(backoffMs(1) - 1);
    expect(await worker.runDue()).toBe(0);
    clock.advance(1);
    expect(await worker.runDue()).toBe(1);
    [job] = await listJobsByStatus(getDb().db, 'queued', 10);
    expect(backoffMs(2)).toBeGreaterThan(backoffMs(1));
    expect(job).toMatchObject({ attempts: 2, run_at: clock.nowMs() + backoffMs(2), last_error: 'provider down (2)' });

    clock.advance(backoffMs(2));
    expect(await worker.runDue()).toBe(1);
    expect(await listJobsByStatus(getDb().db, 'queued', 10)).toEqual([]);
    const parked = await listJobsByStatus(getDb().db, 'parked', 10);
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ attempts: 3, last_error: 'provider down (3)', lease_until: null });

    clock.advance(DAY_MS);
    expect(await worker.runDue()).toBe(0);
    expect(calls).toBe(3);
  });

  it('completes a job that succeeds on a retry', async () => {
    let calls = 0;
    const worker = runner({
      'test.flaky': async () => {
        calls += 1;
        if (calls === 1) throw new Error('timeout');
      },
    });
    await enqueue({ kind: 'test.flaky', payload: null });
    expect(await worker.runDue()).toBe(1);
    clock.advance(backoffMs(1));
    expect(await worker.runDue()).toBe(1);
    const done = await listJobsByStatus(getDb().db, 'done', 10);
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ attempts: 2, last_error: 'timeout' });
  });

  it('reclaims a running job whose lease expired, and ignores the stale worker afterwards', async () => {
    const leaseMs = 30 * SECOND_MS;
    const stuck = deferred();
    const started = deferred();
    const workerA = runner({
      'test.lease': async () => {
        started.resolve();
        await stuck.promise;
        throw new Error('the stale worker fails late');
      },
    }, { leaseMs });
    const handledByB: Job[] = [];
    const workerB = runner({ 'test.lease': async (job) => void handledByB.push(job) }, { leaseMs });
    await enqueue({ kind: 'test.lease', payload: null });

    const runOfA = workerA.runDue();
    await started.promise;
    const [running] = await listJobsByStatus(getDb().db, 'running', 10);
    expect(running).toMatchObject({ attempts: 1, locked_by: workerA.workerId, lease_until: START_MS + leaseMs });

    expect(await workerB.runDue()).toBe(0);
    clock.advance(leaseMs);
    expect(await workerB.runDue()).toBe(0);
    clock.advance(1);
    expect(await workerB.runDue()).toBe(1);
    expect(handledByB.map((j) => j.attempts)).toEqual([2]);

    stuck.resolve();
    expect(await runOfA).toBe(1);
    const jobs = await allJobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ status: 'done', locked_by: workerB.workerId, attempts: 2, last_error: null });
  });

  it('does not run a job of its batch whose lease ran out while earlier jobs ran', async () => {
    const leaseMs = 30 * SECOND_MS;
    const ran: string[] = [];
    const workerA = runner({
      'test.slow': async (job) => {
        ran.push(`A:${String(job.payload)}`);
        // The first job takes longer than the lease; meanwhile worker B reclaims both jobs.
        if (job.payload === 1) {
          clock.advance(leaseMs + 1);
          expect(await workerB.runDue()).toBe(2);
        }
      },
    }, { leaseMs, batchSize: 2 });
    const workerB = runner({ 'test.slow': async (job) => void ran.push(`B:${String(job.payload)}`) }, { leaseMs });
    await enqueue({ kind: 'test.slow', payload: 1 });
    clock.advance(1);
    await enqueue({ kind: 'test.slow', payload: 2 });
    await workerA.runDue(1);
    // A does not go on to run job 2, which B has already done.
    expect(ran).toEqual(['A:1', 'B:1', 'B:2']);
  });

  it('parks a job whose worker died during its last attempt instead of running it again', async () => {
    await enqueue({ kind: 'test.crash', payload: null, maxAttempts: 1 });
    const workerA = runner({ 'test.crash': async () => new Promise<void>(() => undefined) }, { leaseMs: 10 * SECOND_MS });
    void workerA.runDue(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    clock.advance(11 * SECOND_MS);
    const calls: Job[] = [];
    expect(await runner({ 'test.crash': async (job) => void calls.push(job) }).runDue()).toBe(0);
    expect(calls).toHaveLength(0);
    const [parked] = await listJobsByStatus(getDb().db, 'parked', 10);
    expect(parked?.last_error).toMatch(/lease expired/);
  });

  it('parks a job of a kind nobody handles at once', async () => {
    await enqueue({ kind: 'test.unknown', payload: null });
    await runner({}).runDue();
    const [parked] = await listJobsByStatus(getDb().db, 'parked', 10);
    expect(parked).toMatchObject({ kind: 'test.unknown', attempts: 1 });
  });

  it('runs each job exactly once when two workers run at the same time', async () => {
    const runs = new Map<string, number>();
    const handler: JobHandler = async (job) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
    };
    for (let i = 0; i < 40; i += 1) await enqueue({ kind: 'test.parallel', payload: i });
    const workers = [runner({ 'test.parallel': handler }, { batchSize: 5 }), runner({ 'test.parallel': handler }, { batchSize: 5 })];

    const counts = await Promise.all(workers.map((w) => w.runDue()));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(40);
    expect(runs.size).toBe(40);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expect(await listJobsByStatus(getDb().db, 'done', 100)).toHaveLength(40);
  });
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
