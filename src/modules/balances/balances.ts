import { assert } from '../../platform/assert.js';
import { UNIT_KINDS, isCurrency, type Currency, type UnitKind } from '../../platform/money.js';

/**
 * Buckets and their double-entry ledger: types and pure rules (no I/O).
 *
 * A bucket holds one unit: data in bytes, voice in seconds, SMS as a count, or money in minor units
 * of one currency. Every change to a bucket is a ledger transaction whose postings balance per line
 * and unit; the other side of a bucket posting is one of the system accounts below.
 */
export const BUCKET_KINDS = UNIT_KINDS;
export type BucketKind = UnitKind;

export const BUCKET_SOURCES = ['order', 'promotion', 'adjustment'] as const;
export type BucketSource = (typeof BUCKET_SOURCES)[number];

/** `active` until written off at expiry (`expired`) or taken back by a refund (`refunded`); both are final. */
export const BUCKET_STATUSES = ['active', 'expired', 'refunded'] as const;
export type BucketStatus = (typeof BUCKET_STATUSES)[number];

/**
 * The counter-accounts of bucket postings. Signs: `grants` only goes down (it is where granted units
 * come from); `usage`, `expiry` and `refunds` only go up.
 */
export const SYSTEM_ACCOUNTS = ['grants', 'usage', 'expiry', 'refunds'] as const;
export type SystemAccount = (typeof SYSTEM_ACCOUNTS)[number];
/** A posting is either on a bucket (`bucket`, with its id) or on a system account. */
export type LedgerAccount = 'bucket' | SystemAccount;

export const LEDGER_TRANSACTION_KINDS = ['grant', 'usage', 'expiry', 'refund'] as const;
export type LedgerTransactionKind = (typeof LEDGER_TRANSACTION_KINDS)[number];

/** The system account on the other side of a bucket posting, per ledger transaction kind. */
export const COUNTER_ACCOUNT: Readonly<Record<LedgerTransactionKind, SystemAccount>> = {
  grant: 'grants', usage: 'usage', expiry: 'expiry', refund: 'refunds',
};

/** What postings balance in: `data`, `voice`, `sms`, or `money:<ISO 4217>` (one unit per currency). */
export type LedgerUnit = Exclude<BucketKind, 'money'> | `money:${Currency}`;

export function unitOf(kind: BucketKind, currency: Currency | null): LedgerUnit {
  if (kind === 'money') {
    assert(currency !== null, 'a money bucket needs a currency');
    return `money:${currency}`;
  }
  assert(currency === null, `a ${kind} bucket has no currency`);
  return kind;
}

export interface Coverage {
  /** The catalog zone the bucket came from, e.g. `EU`. */
  readonly zoneCode: string;
  /** ISO 3166-1 alpha-2 countries where the bucket may be used. */
  readonly countries: readonly string[];
}

export interface GrantInput {
  readonly lineId: string;
  readonly kind: BucketKind;
  /** In the kind's unit: bytes, seconds, SMS, or minor units of `currency`. A positive integer. */
  readonly amount: number;
  /** Required for `money`, absent for the other kinds. */
  readonly currency?: Currency;
  readonly validFromMs: number;
  /** Exclusive: the bucket is usable while `validFromMs <= now < validUntilMs`, and expires at `validUntilMs`. */
  readonly validUntilMs: number;
  readonly coverage: Coverage;
  /** Among buckets expiring at the same instant, the smaller number is drawn first. */
  readonly priority: number;
  readonly source: BucketSource;
  /** The order, promotion or adjustment that granted it (e.g. `ord_...`); `refundUnused` finds buckets by it. */
  readonly sourceId: string;
  /** One bucket per key, ever: a repeat returns the bucket of the first call. */
  readonly idempotencyKey: string;
}

/** A bucket as the service shows it. Amounts are in the bucket's unit. */
export interface Bucket {
  readonly id: string;
  readonly lineId: string;
  readonly kind: BucketKind;
  readonly currency: Currency | null;
  readonly unit: LedgerUnit;
  readonly status: BucketStatus;
  readonly granted: number;
  readonly used: number;
  readonly expired: number;
  readonly refunded: number;
  /** Always `granted - used - expired - refunded`, never below zero. */
  readonly remaining: number;
  readonly validFromMs: number;
  readonly validUntilMs: number;
  readonly coverage: Coverage;
  readonly priority: number;
  readonly source: BucketSource;
  readonly sourceId: string;
  readonly createdAtMs: number;
  /** When it was expired or refunded. */
  readonly closedAtMs: number | null;
}

const MAX_KEY_LENGTH = 200;
const MAX_COUNTRIES = 300;
const COUNTRY = /^[A-Z]{2}$/;

function isNonNegativeInteger(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

export function assertPositiveAmount(amount: number): void {
  assert(Number.isSafeInteger(amount) && amount > 0, `amount must be a positive integer, got ${amount}`);
}

/**
 * Checks a grant request. Its callers build it from the catalog or a validated request, so a bad
 * one is a programmer error.
 */
export function assertValidGrant(input: GrantInput): void {
  assert(input.lineId.length > 0 && input.lineId.length <= MAX_KEY_LENGTH, 'lineId must be a non-empty id');
  assert((BUCKET_KINDS as readonly string[]).includes(input.kind), `unknown bucket kind ${input.kind}`);
  assertPositiveAmount(input.amount);
  if (input.kind === 'money') {
    assert(input.currency !== undefined && isCurrency(input.currency), 'a money grant needs a supported currency');
  } else {
    assert(input.currency === undefined, `a ${input.kind} grant takes no currency`);
  }
  assert(isNonNegativeInteger(input.validFromMs) && isNonNegativeInteger(input.validUntilMs), 'validity must be epoch milliseconds');
  assert(input.validFromMs < input.validUntilMs, 'validFromMs must be before validUntilMs');
  assert(input.coverage.zoneCode.length > 0 && input.coverage.zoneCode.length <= 64, 'coverage.zoneCode must be a zone code');
  const { countries } = input.coverage;
  assert(countries.length > 0 && countries.length <= MAX_COUNTRIES, 'coverage.countries must list 1 to 300 countries');
  assert(countries.every((c) => COUNTRY.test(c)), 'coverage.countries must be ISO 3166-1 alpha-2 codes');
  assert(Number.isSafeInteger(input.priority), 'priority must be an integer');
  assert((BUCKET_SOURCES as readonly string[]).includes(input.source), `unknown bucket source ${input.source}`);
  assert(input.sourceId.length > 0 && input.sourceId.length <= MAX_KEY_LENGTH, 'sourceId must be a non-empty id');
  assert(input.idempotencyKey.length > 0 && input.idempotencyKey.length <= MAX_KEY_LENGTH, 'idempotencyKey must have 1 to 200 characters');
}

/** Countries are stored sorted and without repeats, so equal coverages compare equal. */
export function normalizeCountries(countries: readonly string[]): string[] {
  return [...new Set(countries)].sort();
}

/** True when a repeated grant asks for the same bucket as the first one (the key was not reused for another). */
export function isSameGrant(bucket: Bucket, input: GrantInput): boolean {
  return bucket.lineId === input.lineId
    && bucket.kind === input.kind
    && bucket.currency === (input.currency ?? null)
    && bucket.granted === input.amount
    && bucket.validFromMs === input.validFromMs
    && bucket.validUntilMs === input.validUntilMs
    && bucket.source === input.source
    && bucket.sourceId === input.sourceId;
}

/** Whether usage may draw from the bucket at `atMs`. */
export function isUsable(bucket: Pick<Bucket, 'status' | 'validFromMs' | 'validUntilMs'>, atMs: number): boolean {
  return bucket.status === 'active' && bucket.validFromMs <= atMs && atMs < bucket.validUntilMs;
}

/** The order in which usage draws from eligible buckets: the one expiring first, then by priority, then the oldest. */
export function compareDrawOrder(a: Bucket, b: Bucket): number {
  return a.validUntilMs - b.validUntilMs || a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** What `GET /lines/{id}` shows per unit: totals of the buckets usable now, and what starts later. */
export interface BalanceSummary {
  readonly kind: BucketKind;
  readonly currency: Currency | null;
  readonly unit: LedgerUnit;
  /** Of the buckets usable at the time asked. */
  readonly remaining: number;
  readonly used: number;
  readonly granted: number;
  /** The soonest end of validity among the buckets usable now; null when only future buckets exist. */
  readonly earliestValidUntilMs: number | null;
  /** Granted in buckets that start later (e.g. a renewal bought early). */
  readonly upcoming: number;
}

const KIND_ORDER: Readonly<Record<BucketKind, number>> = { data: 0, voice: 1, sms: 2, money: 3 };

/** Sorts summaries data, voice, SMS, then money by currency. */
export function compareSummaries(a: BalanceSummary, b: BalanceSummary): number {
  return KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0);
}
