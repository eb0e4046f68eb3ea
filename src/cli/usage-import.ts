import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { parse } from 'csv-parse';
import { UsageRecordWire, toUsageRecordInput, type UsageRecordInput, type UsageService, type UsageStatus } from '../modules/balances/index.js';

/**
 * `roamline usage import FILE.csv`: streams a CSV file of usage records of any size through the same
 * charging path as `POST /api/v1/usage`, in batches, with a progress bar on stderr.
 *
 * The header names the columns (any order): `record_id, msisdn | iccid, type, quantity,
 * country | mcc_mnc, started_at`. A row that is malformed or rejected is reported with its line
 * number and the rest are charged. Record ids are idempotency keys, so running the same file again
 * charges nothing twice (every row is then `duplicate`).
 */

export interface ImportOptions {
  readonly path: string;
  /** Records per charging batch. */
  readonly batchSize?: number;
  /** Batches being charged at once (default 8): on SQLite those that queue commit together. */
  readonly inFlight?: number;
  /** Where bad rows and the summary go (stderr and stdout of the command). */
  readonly report: (line: string) => void;
  readonly progress?: ProgressSink;
  /** Bad rows listed one by one at most; the rest are only counted. */
  readonly maxReported?: number;
}

export interface ImportSummary {
  readonly rows: number;
  /** Rows that were not a valid record (reported with their line numbers). */
  readonly invalid: number;
  readonly byStatus: Readonly<Record<UsageStatus, number>>;
}

export interface ProgressSink {
  update(doneBytes: number, totalBytes: number, rows: number): void;
  finish(): void;
}

const DEFAULT_BATCH = 1000;
const DEFAULT_IN_FLIGHT = 8;
const COLUMNS: Readonly<Record<string, keyof UsageRecordWire>> = {
  record_id: 'recordId', msisdn: 'msisdn', iccid: 'iccid', type: 'type', quantity: 'quantity',
  country: 'country', mcc_mnc: 'mccMnc', started_at: 'startedAt',
};

/** A CSV row (header name to text) as a wire record: empty cells are absent, the quantity a number. */
function toWire(row: Readonly<Record<string, string>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    const field = COLUMNS[column] ?? column;
    if (value === '') continue;
    out[field] = field === 'quantity' && /^\d+$/.test(value) ? Number(value) : value;
  }
  return out;
}

function describeIssues(error: { issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }> }): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || 'row'}: ${i.message}`).join('; ');
}

export async function importUsageFile(usage: UsageService, options: ImportOptions): Promise<ImportSummary> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const maxReported = options.maxReported ?? 1000;
  const totalBytes = (await stat(options.path)).size;
  const byStatus: Record<UsageStatus, number> = { charged: 0, partially_charged: 0, blocked: 0, duplicate: 0, rejected: 0 };
  let rows = 0;
  let invalid = 0;
  let reported = 0;
  const bad = (line: number, message: string): void => {
    reported += 1;
    if (reported <= maxReported) options.report(`line ${line}: ${message}`);
    else if (reported === maxReported + 1) options.report('(more bad rows are counted but not listed)');
  };

  const input = createReadStream(options.path);
  const parser = input.pipe(parse({
    columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
    bom: true, trim: true, skip_empty_lines: true, info: true, skip_records_with_error: true,
  }));
  parser.on('skip', (error: Error & { lines?: number }) => {
    rows += 1;
    invalid += 1;
    bad(error.lines ?? 0, `not a CSV row (${error.message})`);
  });

  let batch: UsageRecordInput[] = [];
  let lines: number[] = [];
  // Batches charged at once; a failed one stops the import once those in flight have ended.
  const inFlight = new Set<Promise<void>>();
  const maxInFlight = options.inFlight ?? DEFAULT_IN_FLIGHT;
  let failure: { readonly error: unknown } | undefined;
  const settle = async (all: boolean): Promise<void> => {
    if (all) await Promise.all(inFlight);
    else if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    if (failure !== undefined) {
      await Promise.all(inFlight);
      throw failure.error;
    }
  };
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const records = batch;
    const at = lines;
    batch = [];
    lines = [];
    const charging = usage.chargeRecords(records).then((results) => {
      results.forEach((result, i) => {
        byStatus[result.status] += 1;
        if (result.status === 'rejected') bad(at[i] ?? 0, `rejected (${result.reason ?? 'unknown'}) record ${result.recordId}`);
      });
      options.progress?.update(input.bytesRead, totalBytes, rows);
    }, (error: unknown) => {
      failure ??= { error };
    }).finally(() => inFlight.delete(charging));
    inFlight.add(charging);
    await settle(false);
  };

  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    rows += 1;
    const parsed = UsageRecordWire.safeParse(toWire(record));
    if (!parsed.success) {
      invalid += 1;
      bad(info.lines, describeIssues(parsed.error));
      continue;
    }
    batch.push(toUsageRecordInput(parsed.data));
    lines.push(info.lines);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  await settle(true);
  options.progress?.update(totalBytes, totalBytes, rows);
  options.progress?.finish();
  return { rows, invalid, byStatus };
}

/**
 * A progress bar on a terminal (redrawn in place), or a line every few seconds when stderr is not
 * one (a log file, CI).
 */
export function terminalProgress(stream: NodeJS.WriteStream, nowMs: () => number = Date.now): ProgressSink {
  const startedMs = nowMs();
  let lastMs = 0;
  const width = 30;
  return {
    update(doneBytes, totalBytes, rows) {
      const now = nowMs();
      const interval = stream.isTTY ? 100 : 5000;
      if (now - lastMs < interval && doneBytes < totalBytes) return;
      lastMs = now;
      const share = totalBytes === 0 ? 1 : Math.min(1, doneBytes / totalBytes);
      const filled = Math.round(share * width);
      const rate = Math.round(rows / Math.max(0.001, (now - startedMs) / 1000));
      const text = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(1)}%  ${rows.toLocaleString('en')} rows  ${rate.toLocaleString('en')} rows/s`;
      stream.write(stream.isTTY ? `\r${text}` : `${text}\n`);
    },
    finish() {
      if (stream.isTTY) stream.write('\n');
    },
  };
}

export function formatSummary(summary: ImportSummary, elapsedMs: number): string {
  const s = summary.byStatus;
  return [
    `rows: ${summary.rows}  (${(elapsedMs / 1000).toFixed(1)} s)`,
    `charged: ${s.charged}  partially charged: ${s.partially_charged}  blocked: ${s.blocked}`,
    `duplicate: ${s.duplicate}  rejected: ${s.rejected}  invalid: ${summary.invalid}`,
  ].join('\n');
}
