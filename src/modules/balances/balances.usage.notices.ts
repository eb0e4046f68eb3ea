import { inTransaction } from '../../platform/db/database.js';
import type { Language } from '../../platform/i18n.js';
import type { JobHandler } from '../../platform/jobs/index.js';
import { GB_BYTES, MB_BYTES, formatMoney, type Currency } from '../../platform/money.js';
import type { TemplateName } from '../notifications/index.js';
import type { BucketKind } from './balances.js';
import type { ThresholdPercent } from './balances.rating.js';
import { selectLineSummary } from './balances.repository.js';
import { markThresholdNotified } from './balances.usage.repository.js';
import type { UsageDeps } from './balances.usage.ports.js';

/** The job that tells a customer a threshold was crossed (enqueued by the charging transaction). */
export const THRESHOLD_JOB = 'balances.threshold_notice';
export const thresholdJobDedupeKey = (bucketId: string, threshold: number): string => `${THRESHOLD_JOB}:${bucketId}:${threshold}`;

export interface ThresholdNotice {
  readonly lineId: string;
  /** The bucket whose threshold row the notice marks as sent. */
  readonly bucketId: string;
  readonly kind: BucketKind;
  readonly currency: Currency | null;
  readonly threshold: ThresholdPercent;
}

export function thresholdTemplate(kind: BucketKind, threshold: ThresholdPercent): TemplateName | undefined {
  switch (kind) {
    case 'data': return threshold === 100 ? 'balances.data_100' : 'balances.data_80';
    case 'voice': return threshold === 100 ? 'balances.voice_100' : 'balances.voice_80';
    case 'money': return threshold === 100 ? 'balances.money_empty' : 'balances.money_low';
    case 'sms': return undefined;
  }
}

const MINUTES: Readonly<Record<Language, string>> = { en: 'min', 'zh-CN': '分钟', 'zh-TW': '分鐘' };

/** `1.5 GB`, `820 MB`, `12 min`, `$3.20`: what is left, for people. */
export function formatRemaining(kind: BucketKind, amount: number, currency: Currency | null, language: Language): string {
  const number = (value: number, digits: number) => new Intl.NumberFormat(language, { maximumFractionDigits: digits }).format(value);
  switch (kind) {
    case 'data': return amount >= GB_BYTES ? `${number(amount / GB_BYTES, 1)} GB` : `${number(Math.floor(amount / MB_BYTES), 0)} MB`;
    case 'voice': return `${number(Math.floor(amount / 60), 0)} ${MINUTES[language]}`;
    case 'sms': return number(amount, 0);
    case 'money': return currency === null ? number(amount, 0) : formatMoney({ amountMinor: amount, currency }, language);
  }
}

/**
 * `balances.threshold_notice`: sends the SMS to the line's number in the customer's language, at
 * most once per threshold row (a guarded update in the same transaction as the message), however
 * often the job runs.
 */
export function createThresholdNoticeJob(deps: UsageDeps): JobHandler {
  const { database, clock, lines, notices } = deps;
  return async (job) => {
    const notice = job.payload as ThresholdNotice;
    const template = thresholdTemplate(notice.kind, notice.threshold);
    if (notices === undefined || template === undefined) return;
    const line = await lines.findLineForUsage(database.db, notice.lineId);
    if (line === undefined) return;
    const nowMs = clock.nowMs();
    const language = await notices.languageOf(line.customerId);
    const summary = (await selectLineSummary(database.db, line.id, nowMs))
      .find((s) => s.kind === notice.kind && s.currency === notice.currency);
    const params = {
      number: line.msisdn,
      remaining: formatRemaining(notice.kind, Number(summary?.remaining ?? 0), notice.currency, language),
      until: summary?.earliest_valid_until === null || summary === undefined ? '-'
        : `${new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(Number(summary.earliest_valid_until))} UTC`,
    };
    await inTransaction(database.db, async (tx) => {
      if (!(await markThresholdNotified(tx, notice.bucketId, notice.threshold, nowMs))) return;
      await notices.queue(tx, { channel: 'sms', to: line.msisdn, template, language, params, customerId: line.customerId });
    });
  };
}
