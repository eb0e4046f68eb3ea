/**
 * Balances: buckets of data, voice, SMS and money, backed by an append-only double-entry ledger.
 *
 * Units: data in bytes, voice in seconds, SMS as a count, money in integer minor units of the
 * bucket's ISO 4217 currency. Instants are epoch milliseconds; a bucket is usable while
 * `validFromMs <= now < validUntilMs`.
 *
 * Guarantees (on SQLite and PostgreSQL):
 * - Every change to a bucket is one ledger transaction (`ltx_`) of postings (`pst_`) that add up to
 *   zero per line and unit, against the system accounts `grants`, `usage`, `expiry` and `refunds`.
 *   Ledger rows are never updated or deleted (store triggers refuse it).
 * - A bucket's `remaining` equals the sum of its postings and
 *   `granted = used + expired + refunded + remaining`; no amount ever goes below zero (guarded
 *   updates, plus a check constraint). `checkLedgerInvariants` verifies all of it.
 * - `grant` creates one bucket per idempotency key, ever, and enqueues its expiry job
 *   (`balances.expire`, run at `validUntilMs`, dedupe key `balances.expire:<bucketId>`) in the
 *   caller's transaction; `refundUnused` runs once per idempotency key; expiry writes off each
 *   bucket once however often it runs.
 * - Functions taking a `Tx` run inside the caller's transaction and commit or roll back with it;
 *   `expireDueBuckets` opens its own.
 *
 * Error codes: `request.idempotency_key_reused` (422) when a grant or refund key is repeated with
 * different parameters; `request.not_found` (404) from `debit`/`debitMany` for an unknown bucket.
 * A debit that cannot be served is not an error: it returns `{ ok: false, reason }`. Invalid
 * arguments (non-integer or non-positive amounts, bad validity, unknown kinds) are programmer
 * errors and fail an assertion.
 *
 * Usage charging (`createUsageService`, `usageRoutes`):
 * - `chargeRecords(records)` rates and charges up to 5,000 usage records and answers per record
 *   `charged | partially_charged | blocked | duplicate | rejected` with its draws.
 *   Rating: eligible buckets (the record's kind, active and valid at its START time, coverage holding
 *   its country) in draw order (soonest expiry, then priority); the rest at the overage rate of the
 *   plan of the line's period at the start time (first rate whose zone holds the country, per started
 *   increment) paid from money buckets of one currency, never below zero; the rest blocked. A line's
 *   records are rated in start-time order. Lines are charged in lanes (by line id; one on SQLite, four
 *   on PostgreSQL): a lane runs one store transaction at a time and takes into it the parts of every
 *   concurrent call queued meanwhile; each record is its own usage ledger transaction, kept in its row
 *   (its draws, `usage_record.draws`, are its bucket postings; its allowance units and charge its
 *   `usage` postings; the view `ledger_entry` reads them with `ledger_posting`), and a transaction
 *   debits each bucket drawn once, by the sum of its draws. A record's charge is atomic.
 *   The record id is the idempotency key (`usage_record` primary key): a record seen before, even in a
 *   concurrent batch, is `duplicate`.
 *   Rejections (`line_not_found`, `country_unknown`, `mcc_mnc_unknown`, `start_in_future`) are not
 *   stored. Thresholds: when a line's data or voice (or money, per currency) buckets usable now
 *   cross 80 % or 100 % used, one SMS in the customer's language per bucket and threshold
 *   (`usage_threshold` rows, job `balances.threshold_notice`).
 * - `usageChart(customerId, lineId, {fromMs, toMs, granularity, timeZone})`: totals per local hour
 *   or local day of an IANA zone (a day is 23 or 25 hours when the clocks change);
 *   `usage.range_invalid` (400) for an empty or too long range, `request.not_found` for another's line.
 */
import { createBalancesService } from './balances.service.js';

export { createBalancesService };
export type BalancesService = ReturnType<typeof createBalancesService>;
export type { BalancesDeps } from './balances.context.js';
export type { GrantResult, ListBucketsOptions, RefundInput, RefundResult, RefundedBucket } from './balances.service.js';
export type { DebitItem, DebitOptions, DebitReason, DebitResult } from './balances.debit.js';
export { MAX_DEBIT_ITEMS } from './balances.debit.js';
export { EXPIRE_JOB, expireJobDedupeKey } from './balances.expiry.js';
export { checkLedgerInvariants, LEDGER_VIOLATION_RULES, type LedgerViolation, type LedgerViolationRule } from './balances.invariants.js';
export { balancesMigrations } from './balances.migrations.js';
export {
  BUCKET_KINDS, BUCKET_SOURCES, BUCKET_STATUSES, SYSTEM_ACCOUNTS, compareDrawOrder, isUsable, unitOf,
  type BalanceSummary, type Bucket, type BucketKind, type BucketSource, type BucketStatus, type Coverage,
  type GrantInput, type LedgerUnit, type SystemAccount,
} from './balances.js';
export { MAX_RECORDS_PER_TRANSACTION, createUsageService, type UsageService } from './balances.usage.service.js';
export { usageRoutes } from './balances.usage.routes.js';
export { UsageRecordWire, toUsageRecordInput } from './balances.usage.schemas.js';
export {
  MAX_RECORDS_PER_BATCH, MAX_RECORDS_PER_REQUEST, REJECTION_REASONS, USAGE_KINDS, USAGE_STATUSES,
  type RejectionReason, type UsageDraw, type UsageKind, type UsageRecordInput, type UsageResult, type UsageStatus,
} from './balances.usage.js';
export { countryOfMccMnc } from './balances.mcc.js';
export { THRESHOLD_JOB } from './balances.usage.notices.js';
export type { UsageCatalog, UsageDeps, UsageLineRef, UsageLines, UsageNotices, UsagePeriodRef } from './balances.usage.ports.js';
export type { OverageRule } from './balances.rating.js';
