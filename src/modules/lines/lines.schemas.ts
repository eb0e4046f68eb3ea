import { z } from 'zod';
import { ISO_COUNTRY } from '../../platform/http.js';
import type { AllowanceSummary } from './lines.js';
import type { LineView } from './lines.service.js';

const msisdn = z.string().trim().min(3).max(32).describe('The SIM\'s mobile number, in E.164 (`+85251000101`) or local format with `country`');
const code = z.string().trim().min(1).max(16).describe('The 6-digit code sent by SMS to the SIM');

export const ClaimBody = z.object({ msisdn, country: ISO_COUNTRY.optional() }).strict();
export const ClaimVerifyBody = z.object({ msisdn, country: ISO_COUNTRY.optional(), code }).strict();
export const LineIdParams = z.object({ id: z.string().regex(/^lin_[0-9A-Z]{26}$/, 'line id') }).strict();
export const ListLinesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  after: z.string().regex(/^lin_[0-9A-Z]{26}$/, 'line id').optional().describe('The `nextCursor` of the previous page'),
}).strict();

export const ClaimRequestedReply = z.object({ status: z.literal('code_sent'), channel: z.literal('sms'), sentTo: z.string() });

const PeriodView = z.object({ planCode: z.string(), startsAt: z.string(), endsAt: z.string() });

const EsimView = z.object({
  activationCode: z.string().describe('`LPA:1$<SM-DP+ address>$<matching id>`: scan as a QR code, or type in'),
  smdpAddress: z.string(),
  matchingId: z.string(),
});

export const LineSummaryView = z.object({
  id: z.string(),
  msisdn: z.string(),
  iccid: z.string(),
  type: z.enum(['physical', 'esim']),
  status: z.enum(['active', 'grace', 'expired', 'inactive']),
  planCode: z.string().nullable().describe('The plan of the current period'),
  currentPeriod: PeriodView.nullable(),
  lastPlanCode: z.string().nullable().describe('The plan of the current period or, once it has ended (grace, expired), of the last one: what a renewal offers; null before the first period'),
  validUntil: z.string().nullable().describe('End of the current period and of the periods bought after it'),
  validityLeft: z.object({ seconds: z.number().int(), days: z.number().int().describe('Days left, rounded up (a plan ending in an hour has 1)') }),
  graceEndsAt: z.string().nullable().describe('While in grace: when the line expires'),
  createdAt: z.string(),
});

export const AllowanceView = z.object({
  kind: z.enum(['data', 'voice', 'sms', 'money']),
  currency: z.string().nullable(),
  remaining: z.number().int().describe('Bytes, seconds, messages or minor units'),
  used: z.number().int(),
  granted: z.number().int(),
  upcoming: z.number().int().describe('Granted in periods that start later'),
  validUntil: z.string().nullable(),
});

export const LineDetailView = LineSummaryView.extend({ esim: EsimView.nullable(), allowances: z.array(AllowanceView) });

const iso = (ms: number | undefined | null): string | null => (ms === undefined || ms === null ? null : new Date(ms).toISOString());

export function toLineSummaryView(line: LineView): z.infer<typeof LineSummaryView> {
  const period = line.currentPeriod;
  return {
    id: line.id, msisdn: line.msisdn, iccid: line.iccid, type: line.type, status: line.status,
    planCode: period?.planCode ?? null, lastPlanCode: line.lastPlanCode ?? null,
    currentPeriod: period === undefined ? null : { planCode: period.planCode, startsAt: new Date(period.startsAtMs).toISOString(), endsAt: new Date(period.endsAtMs).toISOString() },
    validUntil: iso(line.validUntilMs), validityLeft: line.validityLeft, graceEndsAt: iso(line.graceEndsAtMs),
    createdAt: new Date(line.createdAtMs).toISOString(),
  };
}

export function toLineDetailView(line: LineView, allowances: readonly AllowanceSummary[]): z.infer<typeof LineDetailView> {
  return {
    ...toLineSummaryView(line),
    esim: line.esim === undefined ? null : { ...line.esim },
    allowances: allowances.map((a) => ({
      kind: a.kind, currency: a.currency, remaining: a.remaining, used: a.used, granted: a.granted, upcoming: a.upcoming,
      validUntil: iso(a.earliestValidUntilMs),
    })),
  };
}
