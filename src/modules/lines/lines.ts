import { DAY_MS, SECOND_MS } from '../../platform/clock.js';
import { assert } from '../../platform/assert.js';
import type { SimType } from '../provisioning/index.js';

/**
 * A line is one SIM (physical or eSIM) of a customer. Its service comes in periods of a base plan,
 * each `[startsAtMs, endsAtMs)`: a renewal starts when the latest period ends, or now when none is
 * active, so renewing early never loses time. The line's status is derived from its periods and
 * the clock, never stored.
 */
export interface Line {
  readonly id: string;
  readonly customerId: string;
  readonly iccid: string;
  /** E.164. */
  readonly msisdn: string;
  readonly type: SimType;
  readonly createdAtMs: number;
}

export interface Period {
  readonly id: string;
  readonly lineId: string;
  readonly planCode: string;
  readonly startsAtMs: number;
  /** Exclusive: the period is over at this instant. */
  readonly endsAtMs: number;
  /** The order that bought it; one period per order. */
  readonly orderId: string;
  readonly createdAtMs: number;
}

type Span = Pick<Period, 'startsAtMs' | 'endsAtMs'>;

/**
 * `active`: inside a period. `grace`: a period ended less than the grace time ago (the line keeps its
 * number and can still be renewed without losing it). `expired`: later than that. `inactive`: no
 * period has started yet (a claimed SIM without a plan).
 */
export const LINE_STATUSES = ['active', 'grace', 'expired', 'inactive'] as const;
export type LineStatus = (typeof LINE_STATUSES)[number];

/** How long a line stays in `grace` after its last period ends, unless configured otherwise. */
export const DEFAULT_GRACE_MS = 3 * DAY_MS;
/** The longest base-plan validity a period can have (a year and a day, for leap years). */
export const MAX_VALIDITY_DAYS = 366;

/** The period that contains `atMs`, if any. */
export function periodAt<P extends Span>(periods: readonly P[], atMs: number): P | undefined {
  return periods.find((p) => p.startsAtMs <= atMs && atMs < p.endsAtMs);
}

function latestEndMs(periods: readonly Span[]): number | undefined {
  let latest: number | undefined;
  for (const p of periods) if (latest === undefined || p.endsAtMs > latest) latest = p.endsAtMs;
  return latest;
}

/**
 * The renewal rule. The next period starts when the latest period ends if that is still ahead (so
 * renewing early never loses a day, and renewing twice queues a second period after the first),
 * otherwise now; it lasts `validityDays` whole days.
 */
export function nextPeriod(input: { periods: readonly Span[]; atMs: number; validityDays: number }): { startsAtMs: number; endsAtMs: number } {
  const { periods, atMs, validityDays } = input;
  assert(Number.isSafeInteger(atMs), 'atMs must be an integer instant');
  assert(Number.isInteger(validityDays) && validityDays >= 1 && validityDays <= MAX_VALIDITY_DAYS, `validityDays must be 1..${MAX_VALIDITY_DAYS}`);
  const latest = latestEndMs(periods);
  const startsAtMs = latest !== undefined && latest > atMs ? latest : atMs;
  return { startsAtMs, endsAtMs: startsAtMs + validityDays * DAY_MS };
}

/**
 * When the service paid so far runs out: the end of the active period, extended by the periods
 * queued right after it. Undefined when no period is active.
 */
export function validUntilMs(periods: readonly Span[], atMs: number): number | undefined {
  let until = periodAt(periods, atMs)?.endsAtMs;
  if (until === undefined) return undefined;
  for (;;) {
    const end: number = until;
    const queued = periods.find((p) => p.startsAtMs === end);
    if (queued === undefined) return until;
    until = queued.endsAtMs;
  }
}

/**
 * What is left until `validUntilMs`: whole seconds (rounded down) and days counted the way a
 * traveller counts them (rounded up: a 7-day plan bought a minute ago has 7 days left, one ending
 * in an hour has 1), zero when none.
 */
export function validityLeft(periods: readonly Span[], atMs: number): { seconds: number; days: number } {
  const until = validUntilMs(periods, atMs);
  if (until === undefined) return { seconds: 0, days: 0 };
  const seconds = Math.floor((until - atMs) / SECOND_MS);
  return { seconds, days: Math.ceil((until - atMs) / DAY_MS) };
}

/** The line's status at `atMs` (see `LINE_STATUSES`). */
export function lineStatusAt(input: { periods: readonly Span[]; atMs: number; graceMs: number }): LineStatus {
  const { periods, atMs, graceMs } = input;
  assert(Number.isSafeInteger(graceMs) && graceMs >= 0, 'graceMs must be a non-negative integer');
  if (periodAt(periods, atMs) !== undefined) return 'active';
  const ended = latestEndMs(periods.filter((p) => p.endsAtMs <= atMs));
  if (ended === undefined) return 'inactive';
  return atMs < ended + graceMs ? 'grace' : 'expired';
}

/** The period that started last by `atMs`: the current one, or once it has ended the last one. */
export function lastStartedPeriod<P extends Span>(periods: readonly P[], atMs: number): P | undefined {
  let last: P | undefined;
  for (const p of periods) if (p.startsAtMs <= atMs && (last === undefined || p.startsAtMs > last.startsAtMs)) last = p;
  return last;
}

/** When the grace time of the last ended period is over, while the line is in `grace`. */
export function graceEndsAtMs(input: { periods: readonly Span[]; atMs: number; graceMs: number }): number | undefined {
  if (lineStatusAt(input) !== 'grace') return undefined;
  const ended = latestEndMs(input.periods.filter((p) => p.endsAtMs <= input.atMs));
  return ended === undefined ? undefined : ended + input.graceMs;
}

/** What the balances module reports per unit for a line (`summarize`), as `GET /lines/{id}` shows it. */
export interface AllowanceSummary {
  readonly kind: 'data' | 'voice' | 'sms' | 'money';
  /** ISO 4217 for money, null otherwise. */
  readonly currency: string | null;
  /** Bytes, seconds, messages or minor units, usable now. */
  readonly remaining: number;
  readonly used: number;
  readonly granted: number;
  readonly earliestValidUntilMs: number | null;
  /** Granted in buckets that start later (e.g. a renewal bought early). */
  readonly upcoming: number;
}
