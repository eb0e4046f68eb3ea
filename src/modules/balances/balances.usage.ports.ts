import type { Executor, Tx } from '../../platform/db/database.js';
import type { Language } from '../../platform/i18n.js';
import type { TemplateName } from '../notifications/index.js';
import type { BalancesDeps } from './balances.context.js';
import type { OverageRule } from './balances.rating.js';
import type { UsageKind } from './balances.usage.js';

/**
 * What charging needs from other modules, as small interfaces wired in `src/app/services.ts` (and
 * replaced by plain fakes in focused tests).
 */

export interface UsageLineRef {
  readonly id: string;
  readonly customerId: string;
  /** E.164 with `+`. */
  readonly msisdn: string;
  readonly iccid: string;
}

export interface UsagePeriodRef {
  readonly lineId: string;
  readonly planCode: string;
  readonly startsAtMs: number;
  /** Exclusive. */
  readonly endsAtMs: number;
}

/** The lines module. */
export interface UsageLines {
  /** Lines with any of these numbers (E.164) or ICCIDs; each list at most a batch long. */
  findLinesForUsage(executor: Executor, refs: { readonly msisdns: readonly string[]; readonly iccids: readonly string[] }): Promise<UsageLineRef[]>;
  /** Periods of these lines that contain some instant of `[fromMs, toMs]`. */
  listPeriodsForUsage(executor: Executor, lineIds: readonly string[], fromMs: number, toMs: number): Promise<UsagePeriodRef[]>;
  findLineForUsage(executor: Executor, lineId: string): Promise<UsageLineRef | undefined>;
  /** Throws `request.not_found` unless the line is the customer's. */
  assertCustomerLine(executor: Executor, customerId: string, lineId: string): Promise<void>;
}

/** The catalog: a plan's overage policy per kind, and a zone's countries. Both never change once defined. */
export interface UsageCatalog {
  overageOf(planCode: string): Promise<Readonly<Record<UsageKind, OverageRule>> | undefined>;
  zoneCountries(zoneCode: string): Promise<readonly string[] | undefined>;
}

export interface UsageNoticeMessage {
  readonly channel: 'sms';
  readonly to: string;
  readonly template: TemplateName;
  readonly language: Language;
  readonly params: Readonly<Record<string, string>>;
  readonly customerId: string;
}

/** Accounts (the customer's language) and notifications (queue a message in a transaction). */
export interface UsageNotices {
  languageOf(customerId: string): Promise<Language>;
  queue(tx: Tx, message: UsageNoticeMessage): Promise<unknown>;
}

export interface UsageDeps extends BalancesDeps {
  readonly lines: UsageLines;
  readonly catalog: UsageCatalog;
  /** Without it, thresholds are still recorded but nobody is told (focused tests). */
  readonly notices?: UsageNotices;
  /**
   * Lines charging holds in memory at most (200,000 unless set; tests set a few): their numbers, their
   * periods, and their buckets (shared by its lanes).
   */
  readonly cachedLines?: number;
}
