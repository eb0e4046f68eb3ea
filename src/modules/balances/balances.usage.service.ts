import { assert } from '../../platform/assert.js';
import { inTransaction, type Executor, type Tx } from '../../platform/db/database.js';
import { enqueueJobs, sqliteEnqueueStatement, type EnqueueJob, type JobHandler } from '../../platform/jobs/index.js';
import { compareRatingBuckets, overageTermsFor, type OverageRule, type OverageTerms, type RatingBucket } from './balances.rating.js';
import { findCrossings, rateBatch, type Crossing, type Rateable } from './balances.usage.batch.js';
import {
  MAX_RECORDS_PER_BATCH, MAX_START_SKEW_MS, countryOfRecord, normalizeMsisdn, rejected,
  type UsageKind, type UsageRecordInput, type UsageResult,
} from './balances.usage.js';
import { createUsageChart } from './balances.usage.chart.js';
import { THRESHOLD_JOB, createThresholdNoticeJob, thresholdJobDedupeKey, type ThresholdNotice } from './balances.usage.notices.js';
import {
  insertThresholds, recordIdsOf, usageStoreFor, type RatingBucketRow, type ThresholdWrites, type UsageStore, type UsageThresholdTable, type WriterReply,
} from './balances.usage.repository.js';
import { createUsageWriter, type UsageWriter } from './balances.usage.pipeline.js';
import type { UsageDeps, UsageLineRef, UsagePeriodRef } from './balances.usage.ports.js';

/** Charging lanes on PostgreSQL (see `createUsageCharging`): transactions of one process that run at once. */
const LANES_POSTGRES = 4;
/**
 * Records one lane transaction takes from queued requests at most. On SQLite a commit costs the
 * pages it writes, which the records of a large transaction share (bucket and index pages of many
 * lines): measured on the store alone, 29 µs a record at 5,000 records a transaction, 13 µs at
 * 20,000. But the writer thread holds two transactions at once, and their requests wait for their
 * commit: too large, and every request in flight is in them while the main thread has nothing to
 * rate. With 10 requests of 5,000 in flight (the charging bench), 15,000 charged 45,000–53,000
 * records a second where 25,000 charged 38,000–40,000 and 10,000 about 43,000. Other queries of the
 * process wait for the writer's commit meanwhile (a fraction of a second). On PostgreSQL lanes run
 * at once and a transaction holds its buckets' locks until it commits: smaller.
 */
export const MAX_RECORDS_PER_TRANSACTION = { sqlite: 3 * MAX_RECORDS_PER_BATCH, postgres: 2 * MAX_RECORDS_PER_BATCH } as const;

interface Submission {
  readonly items: readonly Rateable[];
  readonly nowMs: number;
  /** With the results of `items`, in their order. */
  resolve(results: readonly UsageResult[]): void;
  reject(error: unknown): void;
}

/** A batch handed to the writer thread, with its results, answered once it commits. */
interface Sent {
  readonly taken: readonly Submission[];
  readonly results: readonly UsageResult[];
  readonly recordIds: readonly string[];
  readonly reply: Promise<WriterReply>;
}

/** Batches in flight to the writer thread at most: one committing, one rated and waiting. */
const WRITER_DEPTH = 2;

interface Lane {
  readonly queue: Submission[];
  running: boolean;
  /**
   * The active buckets of the lane's lines (each list in draw order) as the lane's last committed
   * transaction that read or charged them left them. Rating lowers their `remaining` in place from
   * `remainingBefore`; a transaction that does not commit drops its lines, one that commits makes
   * what it left the new `remainingBefore`.
   */
  readonly buckets: Map<string, readonly RatingBucket[]>;
  /** Where `bucket_change` is read from next; undefined when `buckets` is empty. */
  changesFrom: string | undefined;
  changesReadAtMs: number;
  prunedAtMs: number;
}

/** A line charging found, by number or ICCID, and its periods once read. */
interface HeldLine {
  readonly ref: UsageLineRef;
  /**
   * Periods are only ever added, each starting no earlier than when it is added: those read at
   * `periodsReadAtMs` are all there are for instants before it. Undefined until read.
   */
  periods: readonly UsagePeriodRef[] | undefined;
  periodsReadAtMs: number;
}

/** Lines, period lists and bucket lists kept in memory at most (a few hundred bytes each). */
const CACHE_ENTRIES = 200_000;
/** How long `bucket_change` rows are kept; a lane that has not read them for half of it forgets its buckets. */
const CHANGES_KEPT_MS = 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;
/** How far back the periods read for rating reach (records older than this get no overage). */
const PERIOD_LOOKBACK_MS = 366 * 86_400_000;

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
  // Bounded by plans × 3 kinds × ~250 countries.
  const termsCache = new Map<string, OverageTerms | undefined>();
  // A line's number, SIM and owner never change, so a line once found is kept (bounded), with its
  // periods once read (see `HeldLine`).
  const lineCache = new Map<string, HeldLine>();
  const cacheEntries = deps.cachedLines ?? CACHE_ENTRIES;

  /** The line of each record, by number or ICCID: from the cache, the rest in one read. */
  async function findLines(records: readonly UsageRecordInput[]): Promise<Array<HeldLine | undefined>> {
    // One key per record (a normalised number is a new string: made, and hashed, once).
    const keys = records.map((r) => (r.msisdn !== undefined ? normalizeMsisdn(r.msisdn) : `iccid:${r.iccid ?? ''}`));
    const out = keys.map((key) => lineCache.get(key));
    const msisdns = new Set<string>();
    const iccids = new Set<string>();
    records.forEach((record, k) => {
      if (out[k] !== undefined) return;
      if (record.msisdn !== undefined) msisdns.add(keys[k] as string);
      else if (record.iccid !== undefined) iccids.add(record.iccid);
    });
    if (msisdns.size + iccids.size === 0) return out;
    // Read here: kept for this batch even when the cache fills (and starts again) meanwhile.
    const read = new Map<string, HeldLine>();
    for (const ref of await lines.findLinesForUsage(database.db, { msisdns: [...msisdns], iccids: [...iccids] })) {
      const line: HeldLine = { ref, periods: undefined, periodsReadAtMs: 0 };
      if (msisdns.has(ref.msisdn)) read.set(ref.msisdn, line);
      if (iccids.has(ref.iccid)) read.set(`iccid:${ref.iccid}`, line);
    }
    for (const [key, line] of read) {
      if (lineCache.size >= cacheEntries) lineCache.clear();
      lineCache.set(key, line);
    }
    return keys.map((key, k) => out[k] ?? read.get(key));
  }

  /** Reads the periods of the lines that do not hold them for their records' start times. */
  async function readPeriods(found: ReadonlyArray<{ readonly record: UsageRecordInput; readonly held: HeldLine }>, nowMs: number): Promise<void> {
    const missing = new Map<string, HeldLine>();
    for (const { record, held } of found) {
      if (held.periods === undefined || record.startedAtMs >= held.periodsReadAtMs) missing.set(held.ref.id, held);
    }
    if (missing.size === 0) return;
    const periods = await lines.listPeriodsForUsage(database.db, [...missing.keys()], nowMs - PERIOD_LOOKBACK_MS, nowMs + MAX_START_SKEW_MS);
    await loadCatalog(new Set(periods.map((p) => p.planCode)));
    const byLine = groupBy(periods, (p) => p.lineId);
    for (const [lineId, held] of missing) {
      // Complete for instants before the read began (a period added meanwhile starts after it).
      held.periods = byLine.get(lineId) ?? [];
      held.periodsReadAtMs = nowMs;
    }
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

  /** The overage terms of a plan's kind in a country (from the caches `loadCatalog` filled). */
  function termsOf(planCode: string, kind: UsageKind, country: string): OverageTerms | undefined {
    const key = `${planCode}\u0000${kind}\u0000${country}`;
    if (termsCache.has(key)) return termsCache.get(key);
    const terms = overageTermsFor(overageCache.get(planCode)?.[kind] ?? undefined, country, (code) => zoneCache.get(code));
    termsCache.set(key, terms);
    return terms;
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
    const located: UsageRecordInput[] = [];
    const positions: number[] = [];
    const countries: string[] = [];
    records.forEach((record, index) => {
      const where = countryOfRecord(record);
      if ('reason' in where) results[index] = rejected(record.recordId, where.reason);
      else if (record.startedAtMs > nowMs + MAX_START_SKEW_MS) results[index] = rejected(record.recordId, 'start_in_future');
      else {
        located.push(record);
        positions.push(index);
        countries.push(where.country);
      }
    });
    if (located.length === 0) return [];
    const linesOf = await findLines(located);
    // One object per record from here on: the overage terms are set once the periods are known.
    const found: Array<{ -readonly [K in keyof Rateable]: Rateable[K] } & { readonly held: HeldLine }> = [];
    located.forEach((record, k) => {
      const held = linesOf[k];
      const index = positions[k] as number;
      if (held === undefined) results[index] = rejected(record.recordId, 'line_not_found');
      else found.push({ index, record, line: held.ref, country: countries[k] as string, overage: undefined, held });
    });
    if (found.length === 0) return [];
    await readPeriods(found, nowMs);
    for (const item of found) {
      const plan = periodAtStart(item.held.periods, item.record.startedAtMs);
      if (plan !== undefined) item.overage = termsOf(plan.planCode, item.record.type, item.country);
    }
    return found;
  }

  /**
   * Makes the lane hold the buckets of the items' lines as they are now, and returns what it holds:
   * it first drops those of lines listed in `bucket_change` since its last read, then reads those it
   * does not hold (see `UsageStore`).
   */
  async function holdBuckets(tx: Executor, lane: Lane, items: readonly Rateable[], nowMs: number): Promise<ReadonlyMap<string, readonly RatingBucket[]>> {
    if (nowMs - lane.changesReadAtMs > CHANGES_KEPT_MS / 2) {
      lane.buckets.clear();
      lane.changesFrom = undefined;
    }
    const changes = await store().readChanges(tx, lane.changesFrom);
    for (const lineId of changes.lineIds) lane.buckets.delete(lineId);
    lane.changesFrom = changes.next;
    lane.changesReadAtMs = nowMs;
    if (nowMs - lane.prunedAtMs >= PRUNE_EVERY_MS) {
      await store().pruneChanges(tx, CHANGES_KEPT_MS);
      lane.prunedAtMs = nowMs;
    }
    const missing = new Set<string>();
    for (const { line } of items) if (!lane.buckets.has(line.id)) missing.add(line.id);
    if (lane.buckets.size + missing.size > linesPerLane) {
      // Full: start again with this batch's lines only.
      lane.buckets.clear();
      for (const { line } of items) missing.add(line.id);
    }
    if (missing.size > 0) {
      const lineIds = [...missing];
      for (const [lineId, list] of bucketsOf(lineIds, await store().loadBuckets(tx, lineIds, false))) lane.buckets.set(lineId, list);
    }
    return lane.buckets;
  }

  /**
   * Rates and writes the batch in one transaction: the lane's buckets of the batch's lines (read
   * when it does not hold them) and one read of the record ids already stored, rating in memory,
   * then a few multi-row writes that keep nothing unless the buckets drawn from still hold
   * what they were rated on (see `UsageStore`). A twin that a concurrent batch stored meanwhile is
   * answered `duplicate` and the rest rated again on the same amounts; buckets that changed
   * meanwhile are read again, locked, and the batch rated again on them. Returns the results and
   * the buckets as the batch leaves them, for the lane to keep once the transaction commits.
   */
  async function chargeInTransaction(tx: Tx, lane: Lane, items: readonly Rateable[], nowMs: number): Promise<{ results: readonly UsageResult[]; buckets: ReadonlyMap<string, readonly RatingBucket[]> }> {
    const lineList = [...new Set(items.map((item) => item.line.id))];
    const recordIds = items.map((item) => item.record.recordId);
    const held = await holdBuckets(tx, lane, items, nowMs);
    let base = new Map(lineList.map((id) => {
      const list = held.get(id);
      assert(list !== undefined, 'the buckets of every line of the batch are held');
      return [id, list];
    }));
    const recorded = await store().findRecorded(tx, recordIds);
    let locked = false;
    for (;;) {
      // Rating lowers `remaining`; each round starts from the amounts as read (see `chargeTogether`).
      for (const list of base.values()) for (const b of list) b.remaining = b.remainingBefore;
      const batch = rateBatch(items, base, recorded, nowMs);
      const outcome = await store().write(tx, batch.writes);
      if (outcome.kind === 'changed') {
        // Locked rows cannot change before the commit, and SQLite's read is exact: this happens once at most.
        assert(!locked, 'a bucket changed after it was read locked in the same transaction');
        locked = true;
        base = bucketsOf(lineList, await store().loadBuckets(tx, lineList, database.dialect === 'postgres'));
        continue;
      }
      if (outcome.kind === 'duplicates') {
        // Each round knows of at least one more stored record, so this ends.
        assert(outcome.recordIds.size > 0, 'a round without new duplicates');
        for (const id of outcome.recordIds) recorded.add(id);
        continue;
      }
      const crossings = findCrossings(batch.groups);
      if (crossings.length > 0) await recordThresholds(tx, crossings, nowMs);
      return { results: batch.results, buckets: base };
    }
  }

  /** The rows' buckets per line of `lineIds` (none: an empty list), in draw order. */
  function bucketsOf(lineIds: readonly string[], rows: readonly RatingBucketRow[]): Map<string, readonly RatingBucket[]> {
    const byLine = new Map<string, RatingBucket[]>(lineIds.map((id) => [id, []]));
    for (const row of rows) byLine.get(row.line_id)?.push(toRatingBucket(row));
    for (const list of byLine.values()) if (list.length > 1) list.sort(compareRatingBuckets);
    return byLine;
  }

  /** A row per bucket of the crossing's group and threshold (the unique key makes it once). */
  function thresholdRows({ lineId, group, threshold }: Crossing, nowMs: number): UsageThresholdTable[] {
    return group.map((b) => ({ bucket_id: b.id, threshold, line_id: lineId, created_at: nowMs, notified_at: null }));
  }

  /** The job that tells the customer of a crossing, marking `bucket`'s row notified. */
  function thresholdJob({ lineId, threshold }: Crossing, bucket: RatingBucket): EnqueueJob {
    const payload: ThresholdNotice = { lineId, bucketId: bucket.id, kind: bucket.kind, currency: bucket.currency, threshold };
    return { kind: THRESHOLD_JOB, payload, dedupeKey: thresholdJobDedupeKey(bucket.id, threshold) };
  }

  /** The thresholds' rows and, for a crossing with a new row, the job that tells the customer. */
  async function recordThresholds(tx: Tx, crossings: readonly Crossing[], nowMs: number): Promise<void> {
    const inserted = new Set(await insertThresholds(tx, crossings.flatMap((c) => thresholdRows(c, nowMs))));
    const jobs: EnqueueJob[] = [];
    for (const crossing of crossings) {
      const first = crossing.group.find((b) => inserted.has(`${b.id}:${crossing.threshold}`));
      if (first !== undefined) jobs.push(thresholdJob(crossing, first));
    }
    await enqueueJobs(tx, ids, clock, jobs);
  }

  /** `recordThresholds` for the writer thread: the rows, and the job each would take if first new. */
  function thresholdWrites(crossings: readonly Crossing[], nowMs: number): ThresholdWrites[] {
    return crossings.map((c) => ({
      rows: thresholdRows(c, nowMs),
      notices: c.group.map((b) => sqliteEnqueueStatement(ids, clock.nowMs(), thresholdJob(c, b))),
    }));
  }

  /**
   * Lanes of lines: a line always charges in the same lane (by its id), and each lane runs one
   * transaction at a time, taking together every part of a concurrent request queued meanwhile. In
   * one process, lanes therefore never wait for each other's bucket locks, and concurrent requests
   * share commits. SQLite has one writer: one lane. Another process's batches are still kept apart by
   * the store (see `UsageStore`).
   */
  const laneCount = database.dialect === 'postgres' ? LANES_POSTGRES : 1;
  const maxPerTransaction = MAX_RECORDS_PER_TRANSACTION[database.dialect];
  const linesPerLane = Math.max(1, Math.floor(cacheEntries / laneCount));
  const lanes: Lane[] = Array.from({ length: laneCount }, () => ({
    queue: [], running: false, buckets: new Map(), changesFrom: undefined, changesReadAtMs: 0, prunedAtMs: 0,
  }));
  // SQLite on a file: a writer thread commits while this thread rates (see `createUsageWriter`).
  // Its connection waits for the lock as long as this one does.
  const writer = database.sqlite !== undefined && !database.sqlite.memory
    ? createUsageWriter(database.sqlite.name, Number(database.sqlite.pragma('busy_timeout', { simple: true }))) : undefined;
  // The writer's batches of this epoch are rated each on top of the one before (see `settle`).
  let epoch = 0;
  // Record ids of the batches in flight: a twin in a later batch is a duplicate.
  const inFlight = new Set<string>();

  /** The lane of a line, by the last of its id's random base32 characters. */
  function laneOf(lineId: string): Lane {
    return lanes[lineId.charCodeAt(lineId.length - 1) % laneCount] as Lane;
  }

  function submit(lane: Lane, items: Rateable[], nowMs: number): Promise<readonly UsageResult[]> {
    return new Promise((resolve, reject) => {
      lane.queue.push({ items, nowMs, resolve, reject });
      if (!lane.running) void drain(lane);
    });
  }

  /** Up to `maxPerTransaction` records of the lane's queue (at least one submission). */
  function take(lane: Lane): Submission[] {
    const taken: Submission[] = [];
    let size = 0;
    while (lane.queue.length > 0 && (taken.length === 0 || size + (lane.queue[0]?.items.length ?? 0) <= maxPerTransaction)) {
      const next = lane.queue.shift() as Submission;
      taken.push(next);
      size += next.items.length;
    }
    return taken;
  }

  async function drain(lane: Lane): Promise<void> {
    lane.running = true;
    const sent: Sent[] = [];
    while (lane.queue.length > 0 || sent.length > 0) {
      if (writer?.usable() === true && lane.queue.length > 0 && sent.length < WRITER_DEPTH) {
        const taken = take(lane);
        const one = await send(lane, taken).catch(() => undefined);
        if (one !== undefined) {
          sent.push(one);
          continue;
        }
        // Not sent (a read failed): alone, on this connection, once nothing is in flight.
        while (sent.length > 0) await settle(lane, sent);
        await chargeAlone(lane, taken);
      } else if (sent.length > 0) await settle(lane, sent);
      else await chargeAlone(lane, take(lane));
    }
    lane.running = false;
  }

  /** Charges the submissions in one transaction; when that fails, each alone, so that one's failure does not fail the others. */
  async function chargeAlone(lane: Lane, taken: readonly Submission[]): Promise<void> {
    try {
      await chargeTogether(lane, taken);
    } catch (error) {
      if (taken.length === 1) taken[0]?.reject(error);
      else for (const one of taken) await chargeTogether(lane, [one]).catch(one.reject);
    }
  }

  /**
   * Rates the submissions on the lane's buckets as the batches in flight leave them, and hands the
   * batch to the writer thread. The lane keeps the buckets as this batch leaves them at once (the
   * next batch rates on them); `settle` forgets them when a batch does not commit. Reads run
   * outside any transaction (SQLite's reads do not wait for the writer): the writer's guarded
   * debits find a bucket that changed since, and records stored since (see `UsageStore`).
   */
  async function send(lane: Lane, taken: readonly Submission[]): Promise<Sent> {
    const items = taken.length === 1 ? (taken[0] as Submission).items : taken.flatMap((one) => one.items);
    const nowMs = Math.max(...taken.map((one) => one.nowMs));
    const recordIds = items.map((item) => item.record.recordId);
    const held = await holdBuckets(database.db, lane, items, nowMs);
    const recorded = await store().findRecorded(database.db, recordIds);
    for (const id of recordIds) if (inFlight.has(id)) recorded.add(id);
    const batch = rateBatch(items, held, recorded, nowMs);
    const thresholds = thresholdWrites(findCrossings(batch.groups), nowMs);
    for (const bucket of batch.drawn) bucket.remainingBefore = bucket.remaining;
    const written = recordIdsOf(batch.writes.records);
    for (const id of written) inFlight.add(id);
    const reply = (writer as UsageWriter).write({ epoch, writes: batch.writes, thresholds });
    return { taken, results: batch.results, recordIds: written, reply };
  }

  /**
   * Answers the oldest batch in flight once the writer committed it. One that did not commit takes
   * the batches after it along (rated on top of it, the writer skips them): the lane forgets their
   * lines' buckets and charges each of them again on this thread's connection, which reads what
   * is stored, rates again and handles a changed bucket or a record stored meanwhile.
   */
  async function settle(lane: Lane, sent: Sent[]): Promise<void> {
    const oldest = sent.shift() as Sent;
    const reply = await oldest.reply;
    for (const id of oldest.recordIds) inFlight.delete(id);
    if (reply.kind === 'written') {
      answer(oldest.taken, oldest.results);
      return;
    }
    const again = [oldest, ...sent.splice(0)];
    for (const later of again.slice(1)) assert((await later.reply).kind !== 'written', 'the writer skips what follows a batch it did not commit');
    inFlight.clear();
    // Only these batches' lines hold amounts that did not commit.
    for (const one of again) for (const { items } of one.taken) for (const item of items) lane.buckets.delete(item.line.id);
    epoch += 1;
    for (const one of again) await chargeAlone(lane, one.taken);
  }

  /** Answers each submission with its own records' results (`rated` in the order of their items). */
  function answer(taken: readonly Submission[], rated: readonly UsageResult[]): void {
    let at = 0;
    for (const { items, resolve } of taken) {
      resolve(taken.length === 1 ? rated : rated.slice(at, at + items.length));
      at += items.length;
    }
  }

  /**
   * Charges the submissions in one transaction and answers each with its own records' results. The
   * lane keeps the buckets as the transaction left them only once it committed; when it did not, or
   * may not have, the lane forgets those lines' buckets.
   */
  async function chargeTogether(lane: Lane, taken: readonly Submission[]): Promise<void> {
    const merged = taken.length === 1 ? (taken[0] as Submission).items : taken.flatMap((one) => one.items);
    const nowMs = Math.max(...taken.map((one) => one.nowMs));
    let charged: Awaited<ReturnType<typeof chargeInTransaction>>;
    try {
      charged = await inTransaction(database.db, (tx) => chargeInTransaction(tx, lane, merged, nowMs));
    } catch (error) {
      for (const item of merged) lane.buckets.delete(item.line.id);
      throw error;
    }
    for (const [lineId, list] of charged.buckets) {
      for (const bucket of list) bucket.remainingBefore = bucket.remaining;
      lane.buckets.set(lineId, list);
    }
    answer(taken, charged.results);
  }

  /**
   * Rates and charges a batch of usage records (at most `MAX_RECORDS_PER_BATCH`) and answers per
   * record in input order (see `UsageResult`). A record's charge is atomic: its record (with its
   * draws, its ledger postings) and the debits commit together, in the transaction of its line's
   * lane. A record id already stored, or twice in the batch, is `duplicate`, also when a concurrent
   * batch stores it meanwhile.
   * Every debit requires the bucket to hold what it was rated on (and to cover it), and a batch whose
   * bucket changed since it was read rates again on the amounts it then reads locked, so concurrent
   * batches never overdraw a bucket. A line's records are rated in start-time order.
   */
  async function chargeRecords(records: readonly UsageRecordInput[]): Promise<UsageResult[]> {
    assert(records.length <= MAX_RECORDS_PER_BATCH, `at most ${MAX_RECORDS_PER_BATCH} records per batch`);
    const nowMs = clock.nowMs();
    const results: Array<UsageResult | undefined> = new Array<UsageResult | undefined>(records.length);
    const items = await prepare(records, results, nowMs);
    const byLane = groupBy(items, (item) => laneOf(item.line.id));
    await Promise.all([...byLane].map(async ([lane, list]) => {
      const rated = await submit(lane, list, nowMs);
      list.forEach((item, k) => {
        results[item.index] = rated[k];
      });
    }));
    const missing = results.findIndex((r) => r === undefined);
    assert(missing === -1, `record ${missing} got no result`);
    return results as UsageResult[];
  }

  return { chargeRecords };
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
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
