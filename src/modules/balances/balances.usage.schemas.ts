import { z } from 'zod';
import { MAX_QUANTITY, MAX_RECORDS_PER_REQUEST, REJECTION_REASONS, USAGE_KINDS, USAGE_STATUSES, type UsageRecordInput, type UsageResult } from './balances.usage.js';
import { USAGE_GRANULARITIES, type UsageChart } from './balances.usage.chart.js';
import { canonicalTimeZone } from '../../platform/time-zone.js';

/** One usage record as the network sends it (JSON body or a CSV row). */
export const UsageRecordWire = z.object({
  recordId: z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .describe('The network\'s id of the record: the idempotency key (a record id is charged once, ever)'),
  msisdn: z.string().regex(/^\+?[1-9]\d{6,14}$/, 'an E.164 number, with or without +').optional()
    .describe('The line\'s number; give `msisdn` or `iccid`'),
  iccid: z.string().regex(/^\d{18,22}$/, '18 to 22 digits').optional().describe('The SIM\'s ICCID; give `msisdn` or `iccid`'),
  type: z.enum(USAGE_KINDS),
  quantity: z.number().int().min(0).max(MAX_QUANTITY).describe('Bytes (data), seconds (voice) or messages (sms)'),
  country: z.string().regex(/^[A-Za-z]{2}$/, 'an ISO 3166-1 alpha-2 code').optional()
    .describe('Where it happened; give `country` or `mccMnc`'),
  mccMnc: z.string().regex(/^\d{3}[-\s]?\d{2,3}$/, 'MCC and MNC, e.g. 208-01').optional()
    .describe('The serving network (E.212), mapped to its country'),
  startedAt: z.iso.datetime({ offset: true }).describe('When the usage started: it is rated against what was valid then'),
}).strict().superRefine((record, ctx) => {
  if ((record.msisdn === undefined) === (record.iccid === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['msisdn'], message: 'give exactly one of msisdn and iccid' });
  }
  if ((record.country === undefined) === (record.mccMnc === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['country'], message: 'give exactly one of country and mccMnc' });
  }
});
export type UsageRecordWire = z.infer<typeof UsageRecordWire>;

export function toUsageRecordInput(wire: UsageRecordWire): UsageRecordInput {
  return {
    recordId: wire.recordId, type: wire.type, quantity: wire.quantity, startedAtMs: Date.parse(wire.startedAt),
    ...(wire.msisdn === undefined ? {} : { msisdn: wire.msisdn }),
    ...(wire.iccid === undefined ? {} : { iccid: wire.iccid }),
    ...(wire.country === undefined ? {} : { country: wire.country }),
    ...(wire.mccMnc === undefined ? {} : { mccMnc: wire.mccMnc }),
  };
}

export const UsageBody = z.object({
  records: z.array(UsageRecordWire).min(1).max(MAX_RECORDS_PER_REQUEST),
}).strict();

const Draw = z.object({
  bucketId: z.string(),
  kind: z.enum(['data', 'voice', 'sms', 'money']),
  currency: z.string().nullable(),
  amount: z.number().int().describe('In the bucket\'s unit (money: minor units)'),
});

export const UsageResultView = z.object({
  recordId: z.string(),
  status: z.enum(USAGE_STATUSES),
  reason: z.enum(REJECTION_REASONS).nullable().describe('Why a record was rejected'),
  lineId: z.string().nullable(),
  country: z.string().nullable(),
  allowanceUnits: z.number().int().describe('Served from allowances'),
  overageUnits: z.number().int().describe('Served at the plan\'s overage rate, paid from the balance'),
  blockedUnits: z.number().int().describe('Not served'),
  charge: z.object({ currency: z.string(), amountMinor: z.number().int() }).nullable().describe('What the overage cost'),
  draws: z.array(Draw).describe('What was taken from which bucket'),
});

export const UsageReply = z.object({
  results: z.array(UsageResultView).describe('One per record, in the order sent'),
  summary: z.object(Object.fromEntries(USAGE_STATUSES.map((s) => [s, z.number().int()])) as Record<(typeof USAGE_STATUSES)[number], z.ZodNumber>),
});

export function toUsageReply(results: readonly UsageResult[]): z.infer<typeof UsageReply> {
  const summary = { charged: 0, partially_charged: 0, blocked: 0, duplicate: 0, rejected: 0 };
  for (const r of results) summary[r.status] += 1;
  return {
    summary,
    results: results.map((r) => ({
      recordId: r.recordId, status: r.status, reason: r.reason ?? null, lineId: r.lineId ?? null, country: r.country ?? null,
      allowanceUnits: r.allowanceUnits, overageUnits: r.overageUnits, blockedUnits: r.blockedUnits, charge: r.charge,
      draws: r.draws.map((d) => ({ ...d })),
    })),
  };
}

export const UsageChartParams = z.object({ id: z.string().regex(/^lin_[0-9A-Z]{26}$/, 'line id') }).strict();
export const UsageChartQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional().describe('Default: a day (hour) or 30 days (day) before `to`'),
  to: z.iso.datetime({ offset: true }).optional().describe('Default: now'),
  granularity: z.enum(USAGE_GRANULARITIES).default('day').describe('Hours (at most 168 points) or days (at most 92) of `tz`'),
  // Canonical from here on (`asia/shanghai` is `Asia/Shanghai`).
  tz: z.string().max(64).optional()
    .transform((zone, ctx) => {
      const canonical = canonicalTimeZone(zone ?? 'UTC');
      if (canonical === undefined) ctx.addIssue({ code: 'custom', message: 'must be an IANA time zone, such as Asia/Shanghai' });
      return canonical ?? z.NEVER;
    })
    .describe('The IANA time zone whose hours and days the points are, e.g. the traveller\'s own (default UTC)'),
}).strict();

const Totals = z.object({ served: z.number().int(), blocked: z.number().int() });
export const UsageChartView = z.object({
  lineId: z.string(),
  granularity: z.enum(USAGE_GRANULARITIES),
  timeZone: z.string(),
  from: z.string(),
  to: z.string(),
  points: z.array(z.object({
    start: z.string(),
    data: Totals.describe('Bytes'),
    voice: Totals.describe('Seconds'),
    sms: Totals.describe('Messages'),
    charges: z.array(z.object({ currency: z.string(), amountMinor: z.number().int() })).describe('Overage paid'),
  })),
});

export function toUsageChartView(chart: UsageChart): z.infer<typeof UsageChartView> {
  return {
    lineId: chart.lineId, granularity: chart.granularity, timeZone: chart.timeZone,
    from: new Date(chart.fromMs).toISOString(), to: new Date(chart.toMs).toISOString(),
    points: chart.points.map((p) => ({ start: new Date(p.startMs).toISOString(), data: p.data, voice: p.voice, sms: p.sms, charges: [...p.charges] })),
  };
}
