import type { Executor } from '../../platform/db/database.js';
import { NotFoundError } from '../../platform/errors.js';
import { findCustomerLine, findLineById, findLinesByNumbers, listPeriodsOverlapping, type LineTable } from './lines.repository.js';

/** A line as usage charging sees it. */
export interface LineForUsage {
  readonly id: string;
  readonly customerId: string;
  readonly msisdn: string;
  readonly iccid: string;
}

const toRef = (row: LineTable): LineForUsage => ({ id: row.id, customerId: row.customer_id, msisdn: row.msisdn, iccid: row.iccid });

/**
 * What the balances module's usage charging reads of lines (its `UsageLines` port): lines by number
 * or ICCID, the periods (and so the plans) in force at the records' start times, and ownership.
 */
export const linesForUsage = {
  async findLinesForUsage(executor: Executor, refs: { readonly msisdns: readonly string[]; readonly iccids: readonly string[] }): Promise<LineForUsage[]> {
    return (await findLinesByNumbers(executor, refs.msisdns, refs.iccids)).map(toRef);
  },
  async listPeriodsForUsage(executor: Executor, lineIds: readonly string[], fromMs: number, toMs: number) {
    return (await listPeriodsOverlapping(executor, lineIds, fromMs, toMs))
      .map((p) => ({ lineId: p.line_id, planCode: p.plan_code, startsAtMs: Number(p.starts_at), endsAtMs: Number(p.ends_at) }));
  },
  async findLineForUsage(executor: Executor, lineId: string): Promise<LineForUsage | undefined> {
    const row = await findLineById(executor, lineId);
    return row === undefined ? undefined : toRef(row);
  },
  async assertCustomerLine(executor: Executor, customerId: string, lineId: string): Promise<void> {
    if ((await findCustomerLine(executor, customerId, lineId)) === undefined) throw new NotFoundError('line');
  },
};
