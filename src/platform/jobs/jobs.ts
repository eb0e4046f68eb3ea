/**
 * Database-backed jobs: enqueued in the same transaction as the change that causes them, claimed
 * with a lease, retried with backoff, parked when they keep failing.
 */
export const JOB_STATUSES = ['queued', 'running', 'done', 'parked'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface Job {
  readonly id: string;
  readonly kind: string;
  readonly payload: unknown;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly runAtMs: number;
  /**
   * Aborted when the worker is asked to stop: a long handler (a sweep over many rows) finishes the
   * unit of work it is in and returns; whatever it did not reach stays due for the next run.
   * Absent when a handler is called directly (tests).
   */
  readonly signal?: AbortSignal;
}

export interface EnqueueJob {
  readonly kind: string;
  readonly payload: unknown;
  /** When the job may run; now when absent. */
  readonly runAtMs?: number;
  /** At most one job with this key ever exists; enqueueing it again does nothing. */
  readonly dedupeKey?: string;
  readonly maxAttempts?: number;
}

export const DEFAULT_MAX_ATTEMPTS = 8;
const BASE_BACKOFF_MS = 5_000;
const MAX_BACKOFF_MS = 3_600_000;

/** Exponential backoff after the `attempts`-th failure: 5 s, 10 s, 20 s, ... capped at one hour. */
export function backoffMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.max(0, attempts - 1));
}

/** A job handler; throwing retries the job later, returning marks it done. */
export type JobHandler = (job: Job) => Promise<void>;

/**
 * A job that runs once per slot of `everyMs` (a sweep, a scheduler). Each slot is one job with the
 * dedupe key `<kind>@<slot start>`, so any number of workers enqueue it once; before it runs, the
 * next slot after the current time is enqueued. A system that was down for many slots therefore
 * runs the missed work once when it comes back, not once per missed slot; and a slot that keeps
 * failing is parked (visible to staff) while the following slots go on.
 */
export interface RecurringJob {
  readonly kind: string;
  readonly everyMs: number;
  /** Attempts of one slot before it is parked (default `DEFAULT_MAX_ATTEMPTS`). */
  readonly maxAttempts?: number;
}

/** The start of the slot of `everyMs` that contains `atMs`. */
export function slotStartMs(atMs: number, everyMs: number): number {
  return Math.floor(atMs / everyMs) * everyMs;
}

export function recurringDedupeKey(kind: string, slotMs: number): string {
  // Fixed width, so that the keys of one kind sort by time.
  return `${kind}@${String(slotMs).padStart(15, '0')}`;
}
