import { z } from 'zod';
import { CURRENCIES } from '../../platform/money.js';
import { ISO_COUNTRY } from '../../platform/http.js';
import type { Localized } from '../../platform/i18n.js';
import { ORDER_KINDS, ORDER_STATUSES } from './orders.js';
import type { Quote } from './orders.quotes.js';
import type { OrderEventRow, OrderRow } from './orders.repository.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const ShippingAddress = z.object({
  name: text(100), line1: text(200), line2: text(200).optional(), city: text(100), region: text(100).optional(),
  postalCode: text(20).optional(), country: ISO_COUNTRY,
}).strict();

export const QuoteBody = z.object({
  kind: z.enum(ORDER_KINDS),
  planCode: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{1,47}$/, 'plan code').transform((c) => c.toUpperCase()),
  currency: z.enum(CURRENCIES),
  lineId: z.string().regex(/^lin_[0-9A-Z]{26}$/, 'line id').optional(),
  newSim: z.discriminatedUnion('type', [
    z.object({ type: z.literal('esim') }).strict(),
    z.object({ type: z.literal('physical'), shippingAddress: ShippingAddress }).strict(),
  ]).optional(),
  promotionCode: z.string().trim().min(1).max(32).optional(),
  billingCountry: ISO_COUNTRY.optional(),
}).strict();

export const OrderBody = QuoteBody.extend({
  contact: z.object({ phone: z.string().trim().min(3).max(32).optional(), email: z.email().max(254).optional() }).strict().optional(),
}).strict();

export const OrderIdParams = z.object({ id: z.string().regex(/^ord_[0-9A-Z]{26}$/, 'order id') }).strict();
export const IdempotencyHeaders = z.object({ 'idempotency-key': z.string().min(8).max(128).optional() });
export const ListOrdersQuery = z.object({ before: z.string().regex(/^ord_[0-9A-Z]{26}$/).optional() }).strict();

const LocalizedText = z.object({ en: z.string(), 'zh-CN': z.string(), 'zh-TW': z.string() });
const Amounts = {
  currency: z.string(), listPriceMinor: z.number().int(), discountMinor: z.number().int(), feesMinor: z.number().int(),
  taxMinor: z.number().int(), taxRateBasisPoints: z.number().int(), taxCountry: z.string(), totalMinor: z.number().int(),
};
const Period = z.object({ startsAt: z.string(), endsAt: z.string() });

export const QuoteView = z.object({
  kind: z.enum(ORDER_KINDS), planCode: z.string(), planName: LocalizedText, lineId: z.string().nullable(), ...Amounts,
  promotion: z.object({ code: z.string(), bonusDataBytes: z.number().int() }).nullable(),
  period: Period,
});

export const OrderView = z.object({
  id: z.string(), kind: z.enum(ORDER_KINDS), status: z.enum(ORDER_STATUSES), planCode: z.string(), lineId: z.string().nullable(), ...Amounts,
  promotionCode: z.string().nullable(), bonusDataBytes: z.number().int(), period: Period.nullable(),
  newSim: z.object({ type: z.string(), shippingAddress: z.record(z.string(), z.unknown()).nullable() }).nullable(),
  contact: z.object({ phone: z.string().nullable(), email: z.string().nullable() }),
  lastPaymentFailure: z.string().nullable(),
  expiresAt: z.string(), paidAt: z.string().nullable(), fulfilledAt: z.string().nullable(), closedAt: z.string().nullable(), createdAt: z.string(),
});

/** A payment as the order status page shows it (the payments module provides them). */
export const PaymentSummary = z.object({
  id: z.string(), status: z.string(), provider: z.string(), method: z.string(), amountMinor: z.number().int(), currency: z.string(),
  failureCode: z.string().optional(), actionUrl: z.string().optional(), createdAt: z.string(),
});

export const OrderDetailView = OrderView.extend({
  planName: LocalizedText,
  events: z.array(z.object({ status: z.string(), at: z.string(), detail: z.record(z.string(), z.unknown()) })),
  payments: z.array(PaymentSummary),
});

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export function toQuoteView(q: Quote): z.infer<typeof QuoteView> {
  return {
    kind: q.kind, planCode: q.plan.code, planName: q.plan.texts.name, lineId: q.lineId, currency: q.currency,
    listPriceMinor: q.listPriceMinor, discountMinor: q.discountMinor, feesMinor: q.feesMinor, taxMinor: q.taxMinor,
    taxRateBasisPoints: q.taxRateBasisPoints, taxCountry: q.taxCountry, totalMinor: q.totalMinor,
    promotion: q.promotion === null ? null : { code: q.promotion.code, bonusDataBytes: q.promotion.bonusDataBytes },
    period: { startsAt: iso(q.periodStartsAtMs), endsAt: iso(q.periodEndsAtMs) },
  };
}

export function toOrderView(o: OrderRow): z.infer<typeof OrderView> {
  return {
    id: o.id, kind: o.kind, status: o.status, planCode: o.plan_code, lineId: o.line_id, currency: o.currency,
    listPriceMinor: o.list_price_minor, discountMinor: o.discount_minor, feesMinor: o.fees_minor, taxMinor: o.tax_minor,
    taxRateBasisPoints: o.tax_rate_bp, taxCountry: o.tax_country, totalMinor: o.total_minor,
    promotionCode: o.promotion_code, bonusDataBytes: o.bonus_data_bytes,
    period: o.period_starts_at === null || o.period_ends_at === null ? null : { startsAt: iso(o.period_starts_at), endsAt: iso(o.period_ends_at) },
    newSim: o.new_sim_type === null ? null : { type: o.new_sim_type, shippingAddress: o.shipping_address === null ? null : (JSON.parse(o.shipping_address) as Record<string, unknown>) },
    contact: { phone: o.contact_phone, email: o.contact_email }, lastPaymentFailure: o.last_payment_failure,
    expiresAt: iso(o.expires_at), paidAt: isoOrNull(o.paid_at), fulfilledAt: isoOrNull(o.fulfilled_at), closedAt: isoOrNull(o.closed_at), createdAt: iso(o.created_at),
  };
}

export function toOrderDetailView(o: OrderRow, planName: Localized, events: readonly OrderEventRow[], payments: z.infer<typeof PaymentSummary>[]): z.infer<typeof OrderDetailView> {
  return {
    ...toOrderView(o), planName,
    events: events.map((e) => ({ status: e.status, at: iso(e.created_at), detail: JSON.parse(e.detail) as Record<string, unknown> })),
    payments,
  };
}
