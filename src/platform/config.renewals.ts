import { z } from 'zod';

/**
 * Settings of the renewal lifecycle: when auto-renew charges, how it retries, when manual
 * renewers are reminded, the grace time of an expired line, and how hard the renewal worker pushes.
 * `config.ts` merges these variables into its schema.
 */
const digits = z.string().regex(/^\d{1,15}$/, 'must be a whole number written in digits').transform(Number);
const HOUR_MS = 3_600_000;

/** `1,6,12`: whole hours separated by commas; `none` for an empty list. */
function hourList(what: string) {
  return z.string()
    .transform((value) => (value.trim() === 'none' ? [] : value.split(',').map((h) => h.trim())))
    .pipe(z.array(z.string().regex(/^\d{1,4}$/, `expected ${what} as whole hours separated by commas, or none`).transform(Number)
      .pipe(z.number().int().min(1).max(8760))).max(10, 'at most 10 entries'));
}

export const RENEWALS_ENV = {
  /** How long before the end of a period auto-renew charges the saved method. */
  ROAMLINE_RENEWAL_LEAD_HOURS: digits.pipe(z.number().int().min(1).max(720)).default(24),
  /** After a failed automatic charge, the next tries come this long after the previous failure (until the period ends). */
  ROAMLINE_RENEWAL_RETRY_HOURS: hourList('retry delays').default([1, 6, 12]),
  /** Reminders to travellers who renew by hand, this long before the end of the period. */
  ROAMLINE_RENEWAL_REMINDER_HOURS: hourList('reminder times').default([72, 24]),
  /** A notice when a period ends without a renewal. */
  ROAMLINE_RENEWAL_EXPIRY_NOTICE: z.enum(['true', 'false']).default('true'),
  /** How long a line stays in grace after its period ended (it can still be renewed; then it expires). */
  ROAMLINE_LINE_GRACE_HOURS: digits.pipe(z.number().int().min(0).max(8760)).default(72),
  /** Renewals handled per database transaction by the renewal worker. */
  ROAMLINE_RENEWAL_BATCH_SIZE: digits.pipe(z.number().int().min(1).max(2000)).default(250),
  /** Automatic charges in flight at the payment providers at once, per worker process. */
  ROAMLINE_RENEWAL_CONCURRENCY: digits.pipe(z.number().int().min(1).max(10_000)).default(1000),
  /** How often a worker looks for renewals that are due. */
  ROAMLINE_RENEWAL_SWEEP_SECONDS: digits.pipe(z.number().int().min(1).max(3600)).default(60),
};

type RenewalsEnv = { [K in keyof typeof RENEWALS_ENV]: z.infer<(typeof RENEWALS_ENV)[K]> };

export interface RenewalsConfig {
  readonly leadMs: number;
  /** Delay before each retry, after the previous failure; the list's length is the number of retries. */
  readonly retryDelaysMs: readonly number[];
  /** How long before the period's end each reminder goes, longest first. */
  readonly reminderOffsetsMs: readonly number[];
  readonly expiryNotice: boolean;
  readonly graceMs: number;
  readonly batchSize: number;
  readonly maxInFlight: number;
  readonly sweepEveryMs: number;
}

export function renewalsConfigFrom(e: RenewalsEnv): RenewalsConfig {
  return {
    leadMs: e.ROAMLINE_RENEWAL_LEAD_HOURS * HOUR_MS,
    retryDelaysMs: e.ROAMLINE_RENEWAL_RETRY_HOURS.map((h) => h * HOUR_MS),
    reminderOffsetsMs: [...new Set(e.ROAMLINE_RENEWAL_REMINDER_HOURS)].sort((a, b) => b - a).map((h) => h * HOUR_MS),
    expiryNotice: e.ROAMLINE_RENEWAL_EXPIRY_NOTICE === 'true',
    graceMs: e.ROAMLINE_LINE_GRACE_HOURS * HOUR_MS,
    batchSize: e.ROAMLINE_RENEWAL_BATCH_SIZE,
    maxInFlight: e.ROAMLINE_RENEWAL_CONCURRENCY,
    sweepEveryMs: e.ROAMLINE_RENEWAL_SWEEP_SECONDS * 1000,
  };
}
