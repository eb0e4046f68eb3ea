import { assert } from '../../platform/assert.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../platform/clock.js';
import { DomainError } from '../../platform/errors.js';
import type { Currency } from '../../platform/money.js';
import { instantOfLocalTime, localTimeAt, utcMs } from '../../platform/time-zone.js';
import type { UsageKind } from './balances.usage.js';
import { selectUsageSlots } from './balances.usage.repository.js';
import type { UsageDeps } from './balances.usage.ports.js';

export const USAGE_GRANULARITIES = ['hour', 'day'] as const;
export type UsageGranularity = (typeof USAGE_GRANULARITIES)[number];

/** The most points one chart has: a week of hours, about three months of days. */
export const MAX_POINTS: Readonly<Record<UsageGranularity, number>> = { hour: 168, day: 92 };

export interface UsageTotals {
  /** Units served (from allowances and at the overage rate). */
  readonly served: number;
  /** Units that were blocked. */
  readonly blocked: number;
}

export interface UsagePoint {
  /** Start of the slot: the instant a local hour or a local day of the chart's time zone begins. */
  readonly startMs: number;
  readonly data: UsageTotals;
  readonly voice: UsageTotals;
  readonly sms: UsageTotals;
  /** Overage paid in the slot, per currency (empty when none). */
  readonly charges: ReadonlyArray<{ readonly currency: Currency; readonly amountMinor: number }>;
}

export interface UsageChart {
  readonly lineId: string;
  readonly granularity: UsageGranularity;
  /** The IANA zone whose hours and days the slots are. */
  readonly timeZone: string;
  /** Aligned down (from) and up (to) to whole slots. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly points: readonly UsagePoint[];
}

export function usageRangeInvalid(message: string): DomainError {
  return new DomainError('usage.range_invalid', message);
}

/** The start of the local hour of `timeZone` that `atMs` falls in (offsets are whole minutes). */
function hourStart(atMs: number, timeZone: string): number {
  const minuteStart = atMs - (((atMs % MINUTE_MS) + MINUTE_MS) % MINUTE_MS);
  return minuteStart - (localTimeAt(minuteStart, timeZone).minuteOfDay % 60) * MINUTE_MS;
}

/** The start of the local day of `timeZone` that `atMs` falls in, or of the day `daysLater` days after it. */
function dayStart(atMs: number, timeZone: string, daysLater = 0): number {
  const local = localTimeAt(atMs, timeZone);
  const date = new Date(utcMs(local.year, local.month, local.day + daysLater));
  return instantOfLocalTime(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), 0, timeZone);
}

/**
 * The bounds of the local hours or days of `timeZone` that cover `[fromMs, toMs)`: the first at or
 * before `fromMs`, the last at or after `toMs`, each slot from one bound to the next (a day is 23
 * or 25 hours long when the clocks change). Undefined when there would be more than `maxSlots`.
 */
export function slotBounds(fromMs: number, toMs: number, granularity: UsageGranularity, timeZone: string, maxSlots: number): number[] | undefined {
  const next = granularity === 'hour'
    ? (bound: number) => hourStart(bound + HOUR_MS, timeZone)
    : (bound: number) => dayStart(bound, timeZone, 1);
  const bounds = [granularity === 'hour' ? hourStart(fromMs, timeZone) : dayStart(fromMs, timeZone)];
  for (let last = bounds[0] as number; last < toMs; ) {
    if (bounds.length > maxSlots) return undefined;
    const bound = next(last);
    assert(bound > last, 'slots move forward');
    bounds.push(bound);
    last = bound;
  }
  return bounds;
}

/** The largest span of usage totals the store sums at once: one that every bound is a multiple of. */
function quantumOf(bounds: readonly number[]): number {
  return [DAY_MS, HOUR_MS, 15 * MINUTE_MS, MINUTE_MS].find((q) => bounds.every((b) => b % q === 0)) ?? 1;
}

/** The index of the slot (of `bounds`) that `atMs` falls in. */
function slotIndex(bounds: readonly number[], atMs: number): number {
  let low = 0;
  let high = bounds.length - 1;
  while (high - low > 1) {
    const middle = (low + high) >>> 1;
    if ((bounds[middle] as number) <= atMs) low = middle;
    else high = middle;
  }
  return low;
}

/**
 * The customer's usage of one line per local hour or local day of `timeZone` (a canonical IANA
 * zone), one point per slot of the range, zeros included.
 */
export function createUsageChart(deps: UsageDeps) {
  const { database, lines } = deps;
  return async function usageChart(
    customerId: string, lineId: string, query: { fromMs: number; toMs: number; granularity: UsageGranularity; timeZone: string },
  ): Promise<UsageChart> {
    const { granularity, timeZone } = query;
    if (!(query.fromMs < query.toMs)) throw usageRangeInvalid('`from` must be before `to`');
    const bounds = slotBounds(query.fromMs, query.toMs, granularity, timeZone, MAX_POINTS[granularity]);
    if (bounds === undefined) {
      throw usageRangeInvalid(`At most ${MAX_POINTS[granularity]} points per ${granularity}: shorten the range or use a coarser granularity`);
    }
    await lines.assertCustomerLine(database.db, customerId, lineId);
    const fromMs = bounds[0] as number;
    const toMs = bounds.at(-1) as number;
    // Summed per span that no bound cuts (an hour, or a quarter of an hour in zones such as
    // Asia/Kolkata), then per slot here.
    const rows = await selectUsageSlots(database.db, lineId, fromMs, toMs, quantumOf(bounds));
    const points = bounds.slice(0, -1).map((startMs) => ({
      startMs,
      totals: { data: { served: 0, blocked: 0 }, voice: { served: 0, blocked: 0 }, sms: { served: 0, blocked: 0 } } as Record<UsageKind, { served: number; blocked: number }>,
      charges: new Map<Currency, number>(),
    }));
    for (const row of rows) {
      const point = points[slotIndex(bounds, Number(row.slot))];
      if (point === undefined) continue;
      const totals = point.totals[row.kind];
      totals.served += Number(row.served);
      totals.blocked += Number(row.blocked);
      if (row.currency !== null && Number(row.charged) > 0) point.charges.set(row.currency, (point.charges.get(row.currency) ?? 0) + Number(row.charged));
    }
    return {
      lineId, granularity, timeZone, fromMs, toMs,
      points: points.map((p) => ({
        startMs: p.startMs, ...p.totals,
        charges: [...p.charges].map(([currency, amountMinor]) => ({ currency, amountMinor })),
      })),
    };
  };
}
