import { DAY_MS, HOUR_MS } from '../../platform/clock.js';
import { DomainError } from '../../platform/errors.js';
import type { Currency } from '../../platform/money.js';
import type { UsageKind } from './balances.usage.js';
import { selectUsageSlots } from './balances.usage.repository.js';
import type { UsageDeps } from './balances.usage.ports.js';

export const USAGE_GRANULARITIES = ['hour', 'day'] as const;
export type UsageGranularity = (typeof USAGE_GRANULARITIES)[number];

const SLOT_MS: Readonly<Record<UsageGranularity, number>> = { hour: HOUR_MS, day: DAY_MS };
/** The most points one chart has: a week of hours, about three months of days. */
export const MAX_POINTS: Readonly<Record<UsageGranularity, number>> = { hour: 168, day: 92 };

export interface UsageTotals {
  /** Units served (from allowances and at the overage rate). */
  readonly served: number;
  /** Units that were blocked. */
  readonly blocked: number;
}

export interface UsagePoint {
  /** Start of the slot (UTC hour or UTC day). */
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
  /** Aligned down (from) and up (to) to whole slots. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly points: readonly UsagePoint[];
}

export function usageRangeInvalid(message: string): DomainError {
  return new DomainError('usage.range_invalid', message);
}

/** The customer's usage of one line per hour or per day, one point per slot of the range, zeros included. */
export function createUsageChart(deps: UsageDeps) {
  const { database, lines } = deps;
  return async function usageChart(customerId: string, lineId: string, query: { fromMs: number; toMs: number; granularity: UsageGranularity }): Promise<UsageChart> {
    const slotMs = SLOT_MS[query.granularity];
    const fromMs = Math.floor(query.fromMs / slotMs) * slotMs;
    const toMs = Math.ceil(query.toMs / slotMs) * slotMs;
    if (!(query.fromMs < query.toMs)) throw usageRangeInvalid('`from` must be before `to`');
    const count = (toMs - fromMs) / slotMs;
    if (count > MAX_POINTS[query.granularity]) {
      throw usageRangeInvalid(`At most ${MAX_POINTS[query.granularity]} points per ${query.granularity}: shorten the range or use a coarser granularity`);
    }
    await lines.assertCustomerLine(database.db, customerId, lineId);
    const rows = await selectUsageSlots(database.db, lineId, fromMs, toMs, slotMs);
    const points = Array.from({ length: count }, (_, i) => ({
      startMs: fromMs + i * slotMs,
      totals: { data: { served: 0, blocked: 0 }, voice: { served: 0, blocked: 0 }, sms: { served: 0, blocked: 0 } } as Record<UsageKind, { served: number; blocked: number }>,
      charges: new Map<Currency, number>(),
    }));
    for (const row of rows) {
      const point = points[(Number(row.slot) - fromMs) / slotMs];
      if (point === undefined) continue;
      const totals = point.totals[row.kind];
      totals.served += Number(row.served);
      totals.blocked += Number(row.blocked);
      if (row.currency !== null && Number(row.charged) > 0) point.charges.set(row.currency, (point.charges.get(row.currency) ?? 0) + Number(row.charged));
    }
    return {
      lineId, granularity: query.granularity, fromMs, toMs,
      points: points.map((p) => ({
        startMs: p.startMs, ...p.totals,
        charges: [...p.charges].map(([currency, amountMinor]) => ({ currency, amountMinor })),
      })),
    };
  };
}
