import { pino } from 'pino';
import { beforeEach, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS, ManualClock, SECOND_MS } from '../../../src/platform/clock.js';
import { inTransaction } from '../../../src/platform/db/database.js';
import { platformMigrations } from '../../../src/platform/db/platform.migrations.js';
import { createIdFactory, type IdFactory } from '../../../src/platform/ids.js';
import {
  JobRunner, cancelQueuedJobs, enqueueJobs, listJobsByStatus, requeueParkedJob,
  type JobHandler, type JobRunnerOptions, type RecurringJob,
} from '../../../src/platform/jobs/index.js';
import { describeEachStore } from '../../support/stores.js';

const log = pino({ level: 'silent' });
const START_MS = Date.UTC(2026, 0, 1, 0, 0, 30);

describeEachStore('platform jobs: batches, recurring slots, heartbeats, parking', { migrations: platformMigrations }, ({ getDb }) => {
  let clock: ManualClock;
  let ids: IdFactory;

  beforeEach(async () => {
    clock = new ManualClock(START_MS);
    ids = createIdFactory(clock);
    await getDb().db.deleteFrom('job').execute();
  });

  function runner(handlers: Record<string, JobHandler>, options: Partial<Omit<JobRunnerOptions, 'database' | 'clock' | 'log' | 'handlers'>> = {}): JobRunner {
    return new JobRunner({ database: getDb(), clock, log, handlers: new Map(Object.entries(handlers)), ids, ...options });
  }

  const jobsOf = (kind: string) => getDb().db.selectFrom('job').selectAll().where('kind', '=', kind).orderBy('run_at').execute();

  it('enqueues many jobs in one call, in the caller\'s transaction, one per dedupe key', async () => {
    const { db } = getDb();
    await expect(inTransaction(db, async (tx) => {
      await enqueueJobs(tx, ids, clock, [{ kind: 'test.bulk', payload: 0 }]);
      throw new Error('rolled back');
    })).rejects.toThrow('rolled back');
    const many = Array.from({ length: 2500 }, (_, i) => ({ kind: 'test.bulk', payload: i, dedupeKey: `bulk:${i % 2000}`, runAtMs: START_MS + i }));
    await inTransaction(db, (tx) => enqueueJobs(tx, ids, clock, many));
    await enqueueJobs(db, ids, clock, [{ kind: 'test.bulk', payload: 'again', dedupeKey: 'bulk:7' }, { kind: 'test.bulk', payload: 'new' }]);
    const rows = await jobsOf('test.bulk');
    expect(rows).toHaveLength(2001);
    expect(rows.find((r) => r.dedupe_key === 'bulk:7')?.payload).toBe('7');
  });

  it('cancels queued jobs by dedupe key and leaves running and other jobs alone', async () => {
    const { db } = getDb();
    await enqueueJobs(db, ids, clock, [1, 2, 3].map((n) => ({ kind: 'test.cancel', payload: n, dedupeKey: `c:${n}` })));
    await db.updateTable('job').set({ status: 'running' }).where('dedupe_key', '=', 'c:3').execute();
    expect(await cancelQueuedJobs(db, ['c:1', 'c:3', 'c:9'], clock.nowMs())).toBe(1);
    const rows = (await jobsOf('test.cancel')).sort((a, b) => String(a.dedupe_key).localeCompare(String(b.dedupe_key)));
    expect(rows.map((r) => [r.dedupe_key, r.status])).toEqual([['c:1', 'done'], ['c:2', 'queued'], ['c:3', 'running']]);
  });

  it('runs a recurring job once per slot, and once (late) after downtime, not once per missed slot', async () => {
    const runs: number[] = [];
    const every: RecurringJob = { kind: 'test.sweep', everyMs: MINUTE_MS };
    const handlers = { 'test.sweep': async () => void runs.push(clock.nowMs()) };
    const worker = runner(handlers, { recurring: [every] });
    await worker.runDue();
    expect(runs).toEqual([START_MS]);
    await worker.runDue();
    expect(runs).toHaveLength(1);
    clock.advance(30 * SECOND_MS);
    await worker.runDue();
    expect(runs).toHaveLength(2);
    // Down for three hours: the pending slot runs once when the worker comes back.
    clock.advance(3 * HOUR_MS);
    await worker.runDue();
    expect(runs).toHaveLength(3);
    const queued = (await jobsOf('test.sweep')).filter((j) => j.status === 'queued');
    expect(queued.map((j) => j.run_at)).toEqual([Math.floor(clock.nowMs() / MINUTE_MS) * MINUTE_MS + MINUTE_MS]);
    // Another worker process that starts now does not add a run of its own for a slot that exists.
    await runner(handlers, { recurring: [every] }).runDue();
    expect(runs).toHaveLength(3);
  });

  it('keeps a recurring job going while one of its slots keeps failing and is parked for staff', async () => {
    const ran: number[] = [];
    const worker = runner({
      'test.flaky': async (job) => {
        const { slotMs } = job.payload as { slotMs: number };
        if (slotMs === Math.floor(START_MS / MINUTE_MS) * MINUTE_MS) throw new Error('this slot is broken');
        ran.push(slotMs);
      },
    }, { recurring: [{ kind: 'test.flaky', everyMs: MINUTE_MS, maxAttempts: 2 }] });
    await worker.runDue();
    for (let i = 0; i < 3; i += 1) {
      clock.advance(MINUTE_MS);
      await worker.runDue();
    }
    expect(ran).toHaveLength(3);
    const parked = await listJobsByStatus(getDb().db, 'parked', 10);
    expect(parked.map((j) => [j.kind, j.attempts, j.last_error])).toEqual([['test.flaky', 2, 'this slot is broken']]);
  });

  it('keeps the lease of a long job alive with heartbeats, and lets a hung one go after maxRunMs', async () => {
    const leaseMs = 10 * SECOND_MS;
    let release!: () => void;
    const started = new Promise<void>((resolve) => {
      release = resolve;
    });
    let finish!: () => void;
    const hold = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const long = runner({ 'test.long': async () => { release(); await hold; } }, { leaseMs, heartbeatMs: 20 });
    await enqueueJobs(getDb().db, ids, clock, [{ kind: 'test.long', payload: null }]);
    const running = long.runDue(1);
    await started;
    // Time passes beyond the lease while the handler runs; the heartbeats keep extending it.
    for (let step = 0; step < 3; step += 1) {
      clock.advance(leaseMs / 2);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const other: string[] = [];
    expect(await runner({ 'test.long': async () => void other.push('ran') }, { leaseMs }).runDue()).toBe(0);
    finish();
    await running;
    expect(other).toEqual([]);
    expect((await jobsOf('test.long'))[0]?.status).toBe('done');

    // A handler that never returns: after maxRunMs its heartbeat stops and another worker takes the job.
    const hung = runner({ 'test.hung': () => new Promise<void>(() => undefined) }, { leaseMs, heartbeatMs: 20, maxRunMs: leaseMs });
    await enqueueJobs(getDb().db, ids, clock, [{ kind: 'test.hung', payload: null }]);
    void hung.runDue(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    clock.advance(3 * leaseMs);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const taken: string[] = [];
    expect(await runner({ 'test.hung': async () => void taken.push('ran') }, { leaseMs }).runDue()).toBe(1);
    expect(taken).toEqual(['ran']);
  });

  it('puts a parked job back in the queue for staff, with fresh attempts', async () => {
    await enqueueJobs(getDb().db, ids, clock, [{ kind: 'test.parked', payload: null, maxAttempts: 1 }]);
    await runner({ 'test.parked': async () => { throw new Error('broken'); } }).runDue();
    const [parked] = await listJobsByStatus(getDb().db, 'parked', 10);
    expect(parked?.kind).toBe('test.parked');
    expect(await requeueParkedJob(getDb().db, parked?.id ?? '', clock.nowMs())).toBe(true);
    expect(await requeueParkedJob(getDb().db, parked?.id ?? '', clock.nowMs())).toBe(false);
    const ran: string[] = [];
    await runner({ 'test.parked': async () => void ran.push('ok') }).runDue();
    expect(ran).toEqual(['ok']);
  });

  it('asks running handlers to wrap up when the worker stops', async () => {
    let aborted = false;
    let started!: () => void;
    const begun = new Promise<void>((resolve) => {
      started = resolve;
    });
    const worker = runner({
      'test.stop': async (job) => {
        started();
        await new Promise<void>((resolve) => job.signal?.addEventListener('abort', () => resolve()));
        aborted = job.signal?.aborted === true;
      },
    });
    await enqueueJobs(getDb().db, ids, clock, [{ kind: 'test.stop', payload: null }]);
    worker.start(10);
    await begun;
    await worker.stop();
    expect(aborted).toBe(true);
  });
});
