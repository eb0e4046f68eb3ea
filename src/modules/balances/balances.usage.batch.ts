import { crossedThreshold, rateUsage, type OverageTerms, type RatingBucket, type ThresholdPercent } from './balances.rating.js';
import { duplicate, type UsageDraw, type UsageRecordInput, type UsageResult } from './balances.usage.js';
import type { UsageLineRef } from './balances.usage.ports.js';
import { appendRecord, type RecordValues, type UsageWrites } from './balances.usage.repository.js';

/**
 * Rating of one batch in memory (no I/O): the records grouped per line, each line's records in
 * start-time order against the line's buckets as read in the batch's transaction, and what the
 * batch writes. Each record is its own usage ledger transaction, held in its row: its draws are
 * the bucket postings, its allowance units and its charge the `usage` postings (see the view
 * `ledger_entry`); the buckets take one debit each per batch, the sum of their draws.
 */

/** A record that passed the checks outside the transaction, with its line, country and overage terms. */
export interface Rateable {
  /** Its position in the caller's batch. */
  readonly index: number;
  readonly record: UsageRecordInput;
  readonly line: UsageLineRef;
  readonly country: string;
  readonly overage: OverageTerms | undefined;
}

/** The buckets of one kind (money: of one currency) of a line that a batch drew from, for thresholds. */
export interface DrawnGroup {
  readonly lineId: string;
  readonly buckets: readonly RatingBucket[];
}

export interface RatedBatch {
  /** In the order of the items rated. */
  readonly results: readonly UsageResult[];
  readonly writes: UsageWrites;
  readonly groups: readonly DrawnGroup[];
  /** The buckets drawn from: only theirs of the buckets rated on have a lower `remaining`. */
  readonly drawn: readonly RatingBucket[];
}

export interface Crossing {
  readonly lineId: string;
  readonly group: readonly RatingBucket[];
  readonly threshold: ThresholdPercent;
}

const EMPTY: readonly RatingBucket[] = [];

/** The group a bucket belongs to for thresholds: its kind, or `money:<currency>`; none for SMS. */
function groupKey(bucket: RatingBucket): string | undefined {
  if (bucket.kind === 'sms') return undefined;
  return bucket.kind === 'money' ? `money:${bucket.currency ?? ''}` : bucket.kind;
}

/**
 * Rates `items` (records of the batch not yet known to be duplicates) against `bucketsByLine`
 * (each list sorted in draw order; their `remaining` is lowered as records draw). `recorded` holds
 * the record ids already stored; a record id stored or seen earlier in the batch is `duplicate`.
 */
export function rateBatch(
  items: readonly Rateable[], bucketsByLine: ReadonlyMap<string, readonly RatingBucket[]>, recorded: ReadonlySet<string>, nowMs: number,
): RatedBatch {
  const results = new Array<UsageResult>(items.length);
  // Positions in `items`, per line.
  const byLine = new Map<string, number[]>();
  const seen = new Set<string>();
  items.forEach((item, at) => {
    const { recordId } = item.record;
    if (recorded.has(recordId) || seen.has(recordId)) {
      results[at] = duplicate(recordId, item.line.id, item.country);
      return;
    }
    seen.add(recordId);
    const list = byLine.get(item.line.id);
    if (list === undefined) byLine.set(item.line.id, [at]);
    else list.push(at);
  });
  const records: RecordValues = [];
  const debits: Array<UsageWrites['debits'][number]> = [];
  const drawn: RatingBucket[] = [];
  const groups: DrawnGroup[] = [];
  for (const [lineId, list] of byLine) {
    // Array sort is stable: records that started at the same instant keep their order.
    if (list.length > 1) list.sort((a, b) => (items[a] as Rateable).record.startedAtMs - (items[b] as Rateable).record.startedAtMs);
    const buckets = bucketsByLine.get(lineId) ?? EMPTY;
    const lineDrawn = new Map<RatingBucket, number>();
    for (const at of list) {
      const item = items[at] as Rateable;
      const { record, country } = item;
      const rated = rateUsage(buckets, { kind: record.type, quantity: record.quantity, country, startedAtMs: record.startedAtMs }, item.overage);
      const draws: UsageDraw[] = [];
      let stored: string | null = null;
      if (rated.draws.length > 0) {
        const pairs: Array<[string, number]> = [];
        for (const { bucket, amount } of rated.draws) {
          lineDrawn.set(bucket, (lineDrawn.get(bucket) ?? 0) + amount);
          draws.push({ bucketId: bucket.id, kind: bucket.kind, currency: bucket.currency, amount });
          pairs.push([bucket.id, amount]);
        }
        stored = JSON.stringify(pairs);
      }
      appendRecord(records, record.recordId, lineId, record.type, record.quantity, country, record.startedAtMs, rated.status,
        rated.allowanceUnits, rated.overageUnits, rated.blockedUnits, rated.charge?.amountMinor ?? null, rated.charge?.currency ?? null,
        stored);
      results[at] = {
        recordId: record.recordId, status: rated.status, lineId, country, allowanceUnits: rated.allowanceUnits,
        overageUnits: rated.overageUnits, blockedUnits: rated.blockedUnits, charge: rated.charge, draws,
      };
    }
    if (lineDrawn.size > 0) {
      // A bucket is one line's: its debit is complete once the line is rated.
      for (const [bucket, amount] of lineDrawn) {
        debits.push({ bucketId: bucket.id, amount, remainingBefore: bucket.remainingBefore });
        drawn.push(bucket);
      }
      for (const group of drawnGroups(lineId, buckets, lineDrawn, nowMs)) {
        groups.push(group);
        // A bucket of the group not drawn from takes a debit of nothing that holds only while it has
        // what it was rated on: another process may have drawn from it meanwhile, and the group's
        // used share (its thresholds) would be reckoned on an amount it no longer has.
        for (const bucket of group.buckets) {
          if (!lineDrawn.has(bucket)) debits.push({ bucketId: bucket.id, amount: 0, remainingBefore: bucket.remainingBefore });
        }
      }
    }
  }
  return { results, writes: { records, debits, createdAtMs: nowMs }, groups, drawn };
}

/** The groups (kind, or money per currency) of buckets usable now that the line drew from. */
function drawnGroups(lineId: string, buckets: readonly RatingBucket[], lineDrawn: ReadonlyMap<RatingBucket, number>, nowMs: number): DrawnGroup[] {
  const keys = new Set<string>();
  for (const bucket of lineDrawn.keys()) {
    const key = groupKey(bucket);
    if (key !== undefined) keys.add(key);
  }
  if (keys.size === 0) return [];
  const byKey = new Map<string, RatingBucket[]>();
  for (const b of buckets) {
    const key = groupKey(b);
    if (key === undefined || !keys.has(key) || b.validFromMs > nowMs || nowMs >= b.validUntilMs) continue;
    const list = byKey.get(key);
    if (list === undefined) byKey.set(key, [b]);
    else list.push(b);
  }
  return [...byKey.values()].map((list) => ({ lineId, buckets: list }));
}

/** The groups whose used share crossed 80 % or 100 % with this batch. */
export function findCrossings(groups: readonly DrawnGroup[]): Crossing[] {
  const out: Crossing[] = [];
  for (const { lineId, buckets } of groups) {
    let granted = 0;
    let before = 0;
    let after = 0;
    for (const b of buckets) {
      granted += b.granted;
      before += b.remainingBefore;
      after += b.remaining;
    }
    const threshold = crossedThreshold(granted, before, after);
    if (threshold !== undefined) out.push({ lineId, group: buckets, threshold });
  }
  return out;
}
