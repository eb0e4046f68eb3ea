import { z } from 'zod';
import { CURRENCIES } from '../../platform/money.js';
import { ATTEMPT_STATUSES } from './renewals.js';
import type { AutoRenewView as AutoRenewState } from './renewals.service.js';

export const LineIdParams = z.object({ id: z.string().regex(/^lin_[0-9A-Z]{26}$/, 'line id') }).strict();

export const AutoRenewBody = z.object({
  enabled: z.boolean(),
  planCode: z.string().trim().min(1).max(64).optional().describe('The base plan to renew with; by default the plan of the current period'),
  paymentMethodId: z.string().regex(/^pm_[0-9A-Z]{26}$/, 'saved payment method id').optional()
    .describe('A saved payment method that can be charged off-session (`GET /payment-methods`)'),
  currency: z.enum(CURRENCIES).optional().describe('By default the currency the line was last bought in, else the profile\'s, when the plan is sold in it'),
  confirm: z.boolean().default(false)
    .describe('Without `true` nothing changes: the answer shows the price and the date of the next charge, to show the customer first'),
  expectedTotalMinor: z.number().int().nonnegative().optional()
    .describe('The total the customer was shown; if the price is different now the change is refused (409 `renewals.price_changed`)'),
}).strict();

const iso = (ms: number): string => new Date(ms).toISOString();

export const AutoRenewView = z.object({
  lineId: z.string(),
  enabled: z.boolean(),
  confirmed: z.boolean().describe('False for a preview: nothing was changed'),
  planCode: z.string().nullable(),
  currency: z.string().nullable(),
  paymentMethod: z.object({ id: z.string(), brand: z.string(), last4: z.string(), expMonth: z.number().int(), expYear: z.number().int() }).nullable(),
  nextCharge: z.object({
    at: z.string().describe('When the saved method will be charged'),
    totalMinor: z.number().int(),
    taxMinor: z.number().int(),
    currency: z.string(),
    period: z.object({ startsAt: z.string(), endsAt: z.string() }).describe('The period it buys'),
  }).nullable(),
  renewal: z.object({
    status: z.enum(ATTEMPT_STATUSES),
    periodEndsAt: z.string(),
    failures: z.number().int(),
    lastFailureCode: z.string().nullable(),
    nextAttemptAt: z.string().nullable(),
    payUrl: z.string().nullable().describe('Where to pay by hand or confirm the payment with the bank'),
  }).nullable().describe('The renewal of the current period, once scheduled'),
  disabledReason: z.enum(['customer', 'expired']).nullable(),
});

export function toAutoRenewView(v: AutoRenewState): z.infer<typeof AutoRenewView> {
  return {
    lineId: v.lineId, enabled: v.enabled, confirmed: v.confirmed, planCode: v.planCode, currency: v.currency,
    paymentMethod: v.paymentMethod === null ? null : {
      id: v.paymentMethod.paymentMethodId, brand: v.paymentMethod.brand, last4: v.paymentMethod.last4,
      expMonth: v.paymentMethod.expMonth, expYear: v.paymentMethod.expYear,
    },
    nextCharge: v.nextCharge === null ? null : {
      at: iso(v.nextCharge.atMs), totalMinor: v.nextCharge.price.totalMinor, taxMinor: v.nextCharge.price.taxMinor, currency: v.nextCharge.price.currency,
      period: { startsAt: iso(v.nextCharge.price.periodStartsAtMs), endsAt: iso(v.nextCharge.price.periodEndsAtMs) },
    },
    renewal: v.renewal === null ? null : {
      status: v.renewal.status, periodEndsAt: iso(v.renewal.periodEndsAtMs), failures: v.renewal.failures, lastFailureCode: v.renewal.lastFailureCode,
      nextAttemptAt: v.renewal.nextAttemptAtMs === null ? null : iso(v.renewal.nextAttemptAtMs), payUrl: v.renewal.payUrl,
    },
    disabledReason: v.disabledReason,
  };
}
