import { assert } from '../../platform/assert.js';
import { inTransaction, type Tx } from '../../platform/db/database.js';
import { enqueueJobs, type EnqueueJob, type JobHandler } from '../../platform/jobs/index.js';
import { unitOf } from './balances.js';
import type { LedgerPostingTable } from './balances.repository.js';
import {
  compareRatingBuckets, crossedThreshold, overageTermsFor, rateUsage,
  type OverageRule, type OverageTerms, type RatingBucket, type ThresholdPercent,
} from './balances.rating.js';
import {
  MAX_RECORDS_PER_BATCH, MAX_START_SKEW_MS, countryOfRecord, duplicate, normalizeMsisdn, rejected,
  type UsageDraw, type UsageKind, type UsageRecordInput, type UsageResult,
} from './balances.usage.js';
import { createUsageChart } from './balances.usage.chart.js';
import { THRESHOLD_JOB, createThresholdNoticeJob, thresholdJobDedupeKey, type ThresholdNotice } from './balances.usage.notices.js';
import {
  insertThresholds, usageStoreFor, type RatingBucketRow, type UsageRecordTable, type UsageStore, type UsageThresholdTable,
} from './balances.usage.repository.js';
import type { UsageDeps, UsageLineRef, UsagePeriodRef } from './balances.usage.ports.js';

/** Attempts of a batch whose writes met a concurrent change (a twin record id, a bucket drawn meanwhile). */
const MAX_CONFLICT_ATTEMPTS = 4;
const EMPTY: readonly RatingBucket[] = [];
/** Lines and period lists kept in memory at most (a few hundred bytes each). */
const CACHE_ENTRIES = 200_000;
/** How far back the periods read for rating reach (records older than this get no overage). */
const PERIOD_LOOKBACK_MS = 366 * 86_400_000;

interface Crossing {
  readonly lineId: string;
  readonly group: readonly RatingBucket[];
  readonly threshold: ThresholdPercent;
}

class UsageConflict extends Error {
  override readonly name = 'UsageConflict';
}

/** A record that passed the checks outside the transaction, with its line and country. */
interface Rateable {
  readonly index: number;
  readonly record: UsageRecordInput;
  readonly line: UsageLineRef;
  readonly country: string;
  readonly overage: OverageTerms | undefined;
}

/**
 * Charging of usage records (see `chargeRecords`). The catalog's plans and zones are cached for the
 * life of the service: zones and overage policies are never edited once defined.
 */
export function createUsageCharging(deps: UsageDeps) {
  const { database, clock, ids, lines, catalog } = deps;
  // Resolved on first use: a service built over a store that never charges needs no SQLite handle.
  let storeOf: UsageStore | undefined;
  const store = (): UsageStore => (storeOf ??= usageStoreFor(database));
  const overageCache = new Map<string, Readonly<Record<UsageKind, OverageRule>> | null>();
  const zoneCache = new Map<string, ReadonlySet<string>>();
  const coverageCache = new Map<string, ReadonlySet<string>>();
  // A line's number, SIM and owner never change, so a line once found is kept (bounded).
  const lineCache = new Map<string, UsageLineRef>();
  // Periods are only ever added, each starting no earlier than when it is added: the periods read
  // at `readAtMs` are all there are for instants before `readAtMs`.
  const periodCache = new Map<string, { readonly readAtMs: number; readonly periods: readonly UsagePeriodRef[] }>();

  function remember<K, V>(cache: Map<K, V>, key: K, value: V): void {
    if (cache.size >= CACHE_ENTRIES) cache.clear();
    cache.set(key, value);
  }

  /** Lines by number or ICCID: from the cache, the rest in one read. */
  async function findLines(records: ReadonlyArray<{ record: UsageRecordInput }>): Promise<(record: UsageRecordInput) => UsageLineRef | undefined> {
    const keyOf = (r: UsageRecordInput): string => (r.msisdn !== undefined ? normalizeMsisdn(r.msisdn) : `iccid:${r.iccid ?? ''}`);
    const msisdns = new Set<string>();
    const iccids = new Set<string>();
    for (const { record } of records) {
      if (lineCache.has(keyOf(record))) continue;
      if (record.msisdn !== undefined) msisdns.add(normalizeMsisdn(record.msisdn));
      else if (record.iccid !== undefined) iccids.add(record.iccid);
    }
    if (msisdns.size + iccids.size > 0) {
      for (const line of await lines.findLinesForUsage(database.db, { msisdns: [...msisdns], iccids: [...iccids] })) {
        if (msisdns.has(line.msisdn)) remember(lineCache, line.msisdn, line);
        if (iccids.has(line.iccid)) remember(lineCache, `iccid:${line.iccid}`, line);
      }
    }
    return (record) => lineCache.get(keyOf(record));
  }

  /** The periods of each line for its records' start times (cached while they are complete). */
  async function findPeriods(found: ReadonlyArray<{ record: UsageRecordInput; line: UsageLineRef }>, nowMs: number): Promise<Map<string, readonly UsagePeriodRef[]>> {
    const out = new Map<string, readonly UsagePeriodRef[]>();
    const missing = new Set<string>();
    for (const { record, line } of found) {
      const cached = periodCache.get(line.id);
      if (cached !== undefined && record.startedAtMs < cached.readAtMs && !missing.has(line.id)) out.set(line.id, cached.periods);
      else missing.add(line.id);
    }
    if (missing.size > 0) {
      const periods = await lines.listPeriodsForUsage(database.db, [...missing], nowMs - PERIOD_LOOKBACK_MS, nowMs + MAX_START_SKEW_MS);
      await loadCatalog(new Set(periods.map((p) => p.planCode)));
      const byLine = groupBy(periods, (p) => p.lineId);
      for (const lineId of missing) {
        const list = byLine.get(lineId) ?? [];
        out.set(lineId, list);
        // Complete for instants before the read began (a period added meanwhile starts after it).
        remember(periodCache, lineId, { readAtMs: nowMs, periods: list });
      }
    }
    return out;
  }

  async function loadCatalog(planCodes: Iterable<string>): Promise<void> {
    for (const code of planCodes) {
      if (overageCache.has(code)) continue;
      const overage = (await catalog.overageOf(code)) ?? null;
      overageCache.set(code, overage);
      for (const rule of overage === null ? [] : Object.values(overage)) {
        if (rule.mode !== 'rated') continue;
        for (const rate of rule.rates) {
          if (zoneCache.has(rate.zoneCode)) continue;
          zoneCache.set(rate.zoneCode, new Set((await catalog.zoneCountries(rate.zoneCode)) ?? []));
        }
      }
    }
  }

  function coverageOf(json: string): ReadonlySet<string> {
    let set = coverageCache.get(json);
    if (set === undefined) {
      if (coverageCache.size > 10_000) coverageCache.clear();
      set = new Set(JSON.parse(json) as string[]);
      coverageCache.set(json, set);
    }
    return set;
  }

  function toRatingBucket(row: RatingBucketRow): RatingBucket {
    const remaining = Number(row.remaining);
    return {
      id: row.id, kind: row.kind, currency: row.currency, granted: Number(row.granted), remainingBefore: remaining, remaining,
      validFromMs: Number(row.valid_from), validUntilMs: Number(row.valid_until), priority: Number(row.priority),
      countries: coverageOf(row.coverage_countries),
    };
  }

  /** Checks outside the transaction: country, start time, line; the rest wait in `results`. */
  async function prepare(records: readonly UsageRecordInput[], results: Array<UsageResult | undefined>, nowMs: number): Promise<Rateable[]> {
    const located: Array<{ index: number; record: UsageRecordInput; country: string }> = [];
    records.forEach((record, index) => {
      const where = countryOfRecord(record);
      if ('reason' in where) results[index] = rejected(record.recordId, where.reason);
      else if (record.startedAtMs > nowMs + MAX_START_SKEW_MS) results[index] = rejected(record.recordId, 'start_in_future');
      else located.push({ index, record, country: where.country });
    });
    if (located.length === 0) return [];
    const lineOf = await findLines(located);
    const found: Array<{ index: number; record: UsageRecordInput; country: string; line: UsageLineRef }> = [];
    for (const item of located) {
      const line = lineOf(item.record);
      if (line === undefined) results[item.index] = rejected(item.record.recordId, 'line_not_found');
      else found.push({ ...item, line });
    }
    if (found.length === 0) return [];
    const periodsByLine = await findPeriods(found, nowMs);
    const zoneCountries = (code: string): ReadonlySet<string> | undefined => zoneCache.get(code);
    return found.map((item) => {
      const plan = periodAtStart(periodsByLine.get(item.line.id), item.record.startedAtMs);
      const rule = plan === undefined ? undefined : overageCache.get(plan.planCode)?.[item.record.type];
      return { ...item, overage: overageTermsFor(rule ?? undefined, item.country, zoneCountries) };
    });
  }

  /** Rates and writes the batch in one transaction; throws `UsageConflict` to roll it back. */
  async function chargeInTransaction(tx: Tx, items: readonly Rateable[], nowMs: number): Promise<Map<number, UsageResult>> {
    let fromMs = Number.MAX_SAFE_INTEGER;
    let toMs = 0;
    for (const item of items) {
      fromMs = Math.min(fromMs, item.record.startedAtMs);
      toMs = Math.max(toMs, item.record.startedAtMs);
    }
    const lineIds = [...new Set(items.map((i) => i.line.id))];
    const bucketsByLine = groupBy((await store().loadBuckets(tx, lineIds, fromMs, toMs)).map((row) => ({ row, bucket: toRatingBucket(row) })), (b) => b.row.line_id);
    const sorted = new Map<string, RatingBucket[]>();
    for (const [lineId, list] of bucketsByLine) sorted.set(lineId, list.map((b) => b.bucket).sort(compareRatingBuckets));
    const recorded = await store().findRecorded(tx, items.map((i) => i.record.recordId));

    const out = new Map<number, UsageResult>();
    const records: UsageRecordTable[] = [];
    const transactions: Array<{ id: string; reference: string }> = [];
    const postings: LedgerPostingTable[] = [];
    const debits = new Map<string, number>();
    const seen = new Set<string>();
    const drawnLines = new Set<string>();
    for (const item of items) {
      const { record, line, country } = item;
      if (recorded.has(record.recordId) || seen.has(record.recordId)) {
        out.set(item.index, duplicate(record.recordId, line.id, country));
        continue;
      }
      seen.add(record.recordId);
      const rated = rateUsage(sorted.get(line.id) ?? EMPTY, { kind: record.type, quantity: record.quantity, country, startedAtMs: record.startedAtMs }, item.overage);
      let ltxId: string | null = null;
      const draws: UsageDraw[] = [];
      if (rated.draws.length > 0) {
        ltxId = ids('ltx');
        transactions.push({ id: ltxId, reference: record.recordId });
        drawnLines.add(line.id);
        // One bucket leg per draw and one `usage` counter leg per unit: balanced by construction.
        const counters: Array<{ unit: LedgerPostingTable['unit']; amount: number }> = [];
        for (const { bucket, amount } of rated.draws) {
          const unit = unitOf(bucket.kind, bucket.currency);
          postings.push({ id: ids('pst'), ltx_id: ltxId, line_id: line.id, account: 'bucket', bucket_id: bucket.id, unit, amount: -amount });
          const counter = counters.find((c) => c.unit === unit);
          if (counter === undefined) counters.push({ unit, amount });
          else counter.amount += amount;
          debits.set(bucket.id, (debits.get(bucket.id) ?? 0) + amount);
          draws.push({ bucketId: bucket.id, kind: bucket.kind, currency: bucket.currency, amount });
        }
        for (const c of counters) postings.push({ id: ids('pst'), ltx_id: ltxId, line_id: line.id, account: 'usage', bucket_id: null, unit: c.unit, amount: c.amount });
      }
      records.push({
        record_id: record.recordId, line_id: line.id, kind: record.type, quantity: record.quantity, country,
        started_at: record.startedAtMs, status: rated.status, allowance_units: rated.allowanceUnits,
        overage_units: rated.overageUnits, blocked_units: rated.blockedUnits, charge_minor: rated.charge?.amountMinor ?? null,
        currency: rated.charge?.currency ?? null, ltx_id: ltxId, created_at: nowMs,
      });
      out.set(item.index, {
        recordId: record.recordId, status: rated.status, lineId: line.id, country, allowanceUnits: rated.allowanceUnits,
        overageUnits: rated.overageUnits, blockedUnits: rated.blockedUnits, charge: rated.charge, draws,
      });
    }
    const debitList = [...debits].map(([bucketId, amount]) => ({ bucketId, amount }));
    const outcome = await store().write(tx, { records, debits: debitList, transactions, postings, createdAtMs: nowMs });
    if (outcome === 'conflict') throw new UsageConflict();
    const crossings: Crossing[] = [];
    for (const lineId of drawnLines) findCrossings(lineId, sorted.get(lineId) ?? EMPTY, nowMs, crossings);
    if (crossings.length > 0) await recordThresholds(tx, crossings, nowMs);
    return out;
  }

  /**
   * After a batch drew from a line: each kind (money: per currency) whose buckets usable now
   * crossed 80 % or 100 % used as a whole.
   */
  function findCrossings(lineId: string, buckets: readonly RatingBucket[], nowMs: number, out: Crossing[]): void {
    const groups = new Map<string, RatingBucket[]>();
    for (const b of buckets) {
      if (b.kind === 'sms' || b.validFromMs > nowMs || nowMs >= b.validUntilMs) continue;
      const key = b.kind === 'money' ? `money:${b.currency ?? ''}` : b.kind;
      const list = groups.get(key);
      if (list === undefined) groups.set(key, [b]);
      else list.push(b);
    }
    for (const group of groups.values()) {
      let granted = 0;
      let before = 0;
      let after = 0;
      for (const b of group) {
        granted += b.granted;
        before += b.remainingBefore;
        after += b.remaining;
      }
      const threshold = crossedThreshold(granted, before, after);
      if (threshold !== undefined) out.push({ lineId, group, threshold });
    }
  }

  /**
   * A row per bucket of each crossing group and threshold (the unique key makes it once), and,
   * for a crossing with a new row, the job that tells the customer.
   */
  async function recordThresholds(tx: Tx, crossings: readonly Crossing[], nowMs: number): Promise<void> {
    const rows: UsageThresholdTable[] = crossings.flatMap((c) => c.group.map((b) => ({
      bucket_id: b.id, threshold: c.threshold, line_id: c.lineId, created_at: nowMs, notified_at: null,
    })));
    const inserted = new Set(await insertThresholds(tx, rows));
    const jobs: EnqueueJob[] = [];
    for (const { lineId, group, threshold } of crossings) {
      const first = group.find((b) => inserted.has(`${b.id}:${threshold}`));
      if (first === undefined) continue;
      const payload: ThresholdNotice = { lineId, bucketId: first.id, kind: first.kind, currency: first.currency, threshold };
      jobs.push({ kind: THRESHOLD_JOB, payload, dedupeKey: thresholdJobDedupeKey(first.id, threshold) });
    }
    await enqueueJobs(tx, ids, clock, jobs);
  }

  /**
   * Rates and charges a batch of usage records (at most `MAX_RECORDS_PER_BATCH`), all in one
   * transaction, and answers per record in input order (see `UsageResult`). A record id already
   * stored, or twice in the batch, is `duplicate`; on PostgreSQL a twin committed by a concurrent
   * batch makes this batch roll back and run again, so it is `duplicate` too. The line's buckets are
   * locked (PostgreSQL) or the store is serialised (SQLite) while the batch draws, and every debit
   * is guarded, so concurrent batches never overdraw a bucket.
   */
  async function chargeRecords(records: readonly UsageRecordInput[]): Promise<UsageResult[]> {
    assert(records.length <= MAX_RECORDS_PER_BATCH, `at most ${MAX_RECORDS_PER_BATCH} records per batch`);
    const nowMs = clock.nowMs();
    const results: Array<UsageResult | undefined> = new Array<UsageResult | undefined>(records.length);
    const items = await prepare(records, results, nowMs);
    if (items.length > 0) {
      for (let attempt = 1; ; attempt += 1) {
        try {
          const rated = await inTransaction(database.db, (tx) => chargeInTransaction(tx, items, nowMs));
          for (const [index, result] of rated) results[index] = result;
          break;
        } catch (error) {
          if (!(error instanceof UsageConflict) || attempt >= MAX_CONFLICT_ATTEMPTS) throw error;
        }
      }
    }
    return results.map((r, i) => {
      assert(r !== undefined, `record ${i} got no result`);
      return r;
    });
  }

  return { chargeRecords };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list === undefined) map.set(k, [item]);
    else list.push(item);
  }
  return map;
}

function periodAtStart(periods: readonly UsagePeriodRef[] | undefined, atMs: number): UsagePeriodRef | undefined {
  return periods?.find((p) => p.startsAtMs <= atMs && atMs < p.endsAtMs);
}

/**
 * Usage from the network: `chargeRecords` (the one path of `POST /usage`, the CSV import and the
 * benchmark), `usageChart` (`GET /lines/{id}/usage`) and the threshold notice job.
 */
export function createUsageService(deps: UsageDeps) {
  const { chargeRecords } = createUsageCharging(deps);
  return {
    chargeRecords,
    usageChart: createUsageChart(deps),
    jobHandlers: new Map<string, JobHandler>([[THRESHOLD_JOB, createThresholdNoticeJob(deps)]]),
  };
}

export type UsageService = ReturnType<typeof createUsageService>;
