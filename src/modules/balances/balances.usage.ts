import { isIsoCountry } from '../catalog/index.js';
import type { Currency } from '../../platform/money.js';
import type { BucketKind } from './balances.js';
import { countryOfMccMnc } from './balances.mcc.js';

/**
 * Usage records from the network and their rated results: types and pure rules (no I/O).
 *
 * Units: data in bytes, voice in seconds, SMS as a count; money in minor units; instants in epoch ms.
 */

export const USAGE_KINDS = ['data', 'voice', 'sms'] as const;
export type UsageKind = (typeof USAGE_KINDS)[number];

/**
 * `charged`: all of it was served (from allowances and/or overage); `partially_charged`: some was
 * served, the rest blocked; `blocked`: nothing could be served; `duplicate`: the record id was seen
 * before, nothing was charged; `rejected`: not rated at all (see `REJECTION_REASONS`), not recorded,
 * so it may be sent again once the cause is fixed.
 */
export const USAGE_STATUSES = ['charged', 'partially_charged', 'blocked', 'duplicate', 'rejected'] as const;
export type UsageStatus = (typeof USAGE_STATUSES)[number];
/** The statuses stored on a usage record (duplicates and rejections are not stored). */
export type RatedStatus = Extract<UsageStatus, 'charged' | 'partially_charged' | 'blocked'>;

export const REJECTION_REASONS = [
  /** No line has this MSISDN or ICCID. */
  'line_not_found',
  /** The country is not an assigned ISO 3166-1 alpha-2 code. */
  'country_unknown',
  /** The MCC-MNC maps to no country (unknown, test or international network). */
  'mcc_mnc_unknown',
  /** The start time is later than now (beyond a small clock skew). */
  'start_in_future',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** Records per call of `chargeRecords` (the HTTP API takes at most `MAX_RECORDS_PER_REQUEST`). */
export const MAX_RECORDS_PER_BATCH = 5000;
export const MAX_RECORDS_PER_REQUEST = 1000;
/** Clocks of network elements run a little ahead of ours; later than this is refused. */
export const MAX_START_SKEW_MS = 5 * 60_000;
/** The largest quantity one record may carry (10 TB of data, 115 days of a call): far above any real record. */
export const MAX_QUANTITY = 10_000_000_000_000;

/** A usage record as the network reports it (already shape-checked by the wire schema or the CSV reader). */
export interface UsageRecordInput {
  /** The network's record id: the idempotency key (a record id is charged once, ever). */
  readonly recordId: string;
  /** E.164, with or without the `+`. Exactly one of `msisdn` and `iccid`. */
  readonly msisdn?: string;
  readonly iccid?: string;
  readonly type: UsageKind;
  /** Bytes, seconds or messages; a non-negative integer. */
  readonly quantity: number;
  /** ISO 3166-1 alpha-2; exactly one of `country` and `mccMnc`. */
  readonly country?: string;
  /** The serving network, e.g. `208-01` or `20801`. */
  readonly mccMnc?: string;
  readonly startedAtMs: number;
}

/** Where one record's units came from. `amount` is in the bucket's unit (money: minor units). */
export interface UsageDraw {
  readonly bucketId: string;
  readonly kind: BucketKind;
  readonly currency: Currency | null;
  readonly amount: number;
}

export interface UsageResult {
  readonly recordId: string;
  readonly status: UsageStatus;
  /** Only for `rejected`. */
  readonly reason?: RejectionReason;
  readonly lineId?: string;
  readonly country?: string;
  /** Units served from allowance buckets. */
  readonly allowanceUnits: number;
  /** Units served at the overage rate (paid from a money bucket). */
  readonly overageUnits: number;
  /** Units that could not be served. */
  readonly blockedUnits: number;
  /** What the overage cost, or null when none. */
  readonly charge: { readonly currency: Currency; readonly amountMinor: number } | null;
  readonly draws: readonly UsageDraw[];
}

/** `+85251000101` from `85251000101`, `+852 5100 0101` or `+85251000101`. */
export function normalizeMsisdn(value: string): string {
  const digits = value.replace(/[\s-]/g, '');
  return digits.startsWith('+') ? digits : `+${digits}`;
}

/** The ISO country where the record happened, or why there is none. */
export function countryOfRecord(record: Pick<UsageRecordInput, 'country' | 'mccMnc'>): { country: string } | { reason: RejectionReason } {
  if (record.country !== undefined) {
    const country = record.country.toUpperCase();
    return isIsoCountry(country) ? { country } : { reason: 'country_unknown' };
  }
  const country = countryOfMccMnc(record.mccMnc ?? '');
  return country === undefined ? { reason: 'mcc_mnc_unknown' } : { country };
}

export function rejected(recordId: string, reason: RejectionReason): UsageResult {
  return { recordId, status: 'rejected', reason, allowanceUnits: 0, overageUnits: 0, blockedUnits: 0, charge: null, draws: [] };
}

export function duplicate(recordId: string, lineId: string, country: string): UsageResult {
  return { recordId, status: 'duplicate', lineId, country, allowanceUnits: 0, overageUnits: 0, blockedUnits: 0, charge: null, draws: [] };
}
