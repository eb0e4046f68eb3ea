import { assert } from '../../platform/assert.js';
import type { Executor, Tx } from '../../platform/db/database.js';
import type { IdFactory } from '../../platform/ids.js';
import type { Clock } from '../../platform/clock.js';
import type { Line, Period } from './lines.js';
import {
  findLinesByIds, findPeriodsByOrders, insertPeriodsIfAbsent, listLatestPeriods, toLine, toPeriod, type LinePeriodTable,
} from './lines.repository.js';
import type { NewPeriod } from './lines.service.js';

/**
 * Told, in the transaction that adds them, about periods added to lines (by any order: a renewal by
 * hand, a new SIM, an automatic renewal). The renewals module schedules what follows a period's end
 * this way, in the same commit as the period itself. A throw rolls the whole change back.
 */
export type PeriodsAddedListener = (tx: Tx, periods: readonly Period[]) => Promise<void>;

/** What a renewal of a line follows: the line and its period that ends last. */
export interface LineRenewalState {
  readonly line: Line;
  readonly latest: Period | undefined;
}

export type AddPeriodResult =
  | { readonly ok: true; readonly period: Period; readonly added: boolean }
  | { readonly ok: false; readonly code: 'lines.period_already_renewed' };

/** The most periods one `addPeriods` call takes. */
export const MAX_PERIODS_PER_CALL = 5000;

/** Periods in batches: the same rules as `addPeriod`, with multi-row statements. */
export function createPeriodBatches(deps: { ids: IdFactory; clock: Clock }, notify: PeriodsAddedListener) {
  const { ids, clock } = deps;

  /** The renewal state of each line that exists, by line id (unknown ids are absent). */
  async function renewalStatesOf(executor: Executor, lineIds: readonly string[]): Promise<Map<string, LineRenewalState>> {
    const unique = [...new Set(lineIds)];
    const lines = await findLinesByIds(executor, unique);
    const latest = new Map<string, LinePeriodTable>();
    for (const row of await listLatestPeriods(executor, unique)) {
      const seen = latest.get(row.line_id);
      if (seen === undefined || row.starts_at > seen.starts_at) latest.set(row.line_id, row);
    }
    return new Map(lines.map((row) => {
      const period = latest.get(row.id);
      return [row.id, { line: toLine(row), latest: period === undefined ? undefined : toPeriod(period) }];
    }));
  }

  /**
   * Adds paid periods, each exactly once per order (a repeated order returns its period with
   * `added: false`); another order for a start already taken is refused for that item
   * (`lines.period_already_renewed`) while the others are added. Listeners hear of the added ones.
   */
  async function addPeriods(tx: Tx, inputs: readonly NewPeriod[]): Promise<AddPeriodResult[]> {
    assert(inputs.length <= MAX_PERIODS_PER_CALL, `at most ${MAX_PERIODS_PER_CALL} periods per call`);
    if (inputs.length === 0) return [];
    for (const input of inputs) {
      assert(Number.isSafeInteger(input.startsAtMs) && Number.isSafeInteger(input.endsAtMs) && input.startsAtMs < input.endsAtMs, 'a period ends after it starts');
      assert(input.planCode.length > 0 && input.orderId.length > 0, 'a period has a plan and an order');
    }
    assert(new Set(inputs.map((i) => i.orderId)).size === inputs.length, 'one period per order in a call');
    const before = new Map((await findPeriodsByOrders(tx, inputs.map((i) => i.orderId))).map((p) => [p.order_id, p]));
    const nowMs = clock.nowMs();
    const rows = new Map<string, LinePeriodTable>();
    for (const input of inputs) {
      if (before.has(input.orderId)) continue;
      rows.set(input.orderId, {
        id: ids('prd'), line_id: input.lineId, plan_code: input.planCode, starts_at: input.startsAtMs, ends_at: input.endsAtMs,
        order_id: input.orderId, created_at: nowMs,
      });
    }
    const inserted = await insertPeriodsIfAbsent(tx, [...rows.values()]);
    // Rows that were not inserted: a concurrent twin of the same order (return it) or another renewal of that start.
    const raced = new Map((await findPeriodsByOrders(tx, [...rows.values()].filter((r) => !inserted.has(r.id)).map((r) => r.order_id))).map((p) => [p.order_id, p]));
    const added: Period[] = [];
    const results = inputs.map((input): AddPeriodResult => {
      const existing = before.get(input.orderId) ?? raced.get(input.orderId);
      if (existing !== undefined) {
        assert(existing.line_id === input.lineId, `order ${input.orderId} already renewed another line`);
        return { ok: true, period: toPeriod(existing), added: false };
      }
      const row = rows.get(input.orderId);
      if (row === undefined || !inserted.has(row.id)) return { ok: false, code: 'lines.period_already_renewed' };
      const period = toPeriod(row);
      added.push(period);
      return { ok: true, period, added: true };
    });
    if (added.length > 0) await notify(tx, added);
    return results;
  }

  return { renewalStatesOf, addPeriods };
}
