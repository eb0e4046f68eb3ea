/**
 * Wire types of the API as the portal reads them (see the zod schemas of each module in src/modules
 * and /api/docs). Money is integer minor units plus an ISO 4217 currency; data is bytes, voice is
 * seconds, SMS a count; instants are ISO 8601 strings.
 */

export type Language = 'en' | 'zh-CN' | 'zh-TW';
export const LANGUAGES: readonly Language[] = ['en', 'zh-CN', 'zh-TW'];

export interface Me {
  readonly id: string;
  readonly name: string | null;
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly phone: string | null;
  readonly phoneVerified: boolean;
  readonly language: Language;
  readonly currency: string | null;
  readonly marketingOptIn: boolean;
  readonly createdAt: string;
}

export interface SignedIn {
  readonly customer: Me;
  readonly sessionExpiresAt: string;
}

export interface CodeSent {
  readonly status: 'code_sent';
  readonly channel: 'sms' | 'email';
  readonly sentTo: string;
}

export interface SessionView {
  readonly id: string;
  readonly current: boolean;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  readonly ip: string;
  readonly userAgent: string;
}

export interface MoneyView {
  readonly currency: string;
  readonly amountMinor: number;
}

export type Localized = Readonly<Record<Language, string>>;

export interface ZoneView {
  readonly code: string;
  readonly names: Localized;
  readonly countries: readonly string[];
}

export type OveragePolicyView =
  | { readonly mode: 'blocked' }
  | {
      readonly mode: 'rated';
      readonly incrementUnits: number;
      readonly unit: 'bytes' | 'seconds' | 'messages';
      readonly rates: ReadonlyArray<{ readonly zone: string; readonly prices: readonly MoneyView[] }>;
    };

export type MeteredKind = 'data' | 'voice' | 'sms';

export interface PlanView {
  readonly code: string;
  readonly kind: 'base' | 'addon';
  readonly scope: 'local' | 'roaming';
  readonly texts: { readonly name: Localized; readonly description: Localized; readonly terms: Localized };
  readonly validityDays: number | null;
  readonly allowances: { readonly dataBytes: number; readonly voiceSeconds: number; readonly smsCount: number };
  readonly coverage: ZoneView;
  readonly prices: readonly MoneyView[];
  readonly scheduledPrices: ReadonlyArray<MoneyView & { readonly effectiveAt: string }>;
  readonly overage: Readonly<Record<MeteredKind, OveragePolicyView>> | null;
  readonly autoRenewable: boolean;
  readonly addonFor: readonly string[] | null;
  readonly availability: { readonly orderable: boolean; readonly reason: string | null };
}

export type LineStatus = 'active' | 'grace' | 'expired' | 'inactive';

export interface LineSummary {
  readonly id: string;
  readonly msisdn: string;
  readonly iccid: string;
  readonly type: 'physical' | 'esim';
  readonly status: LineStatus;
  readonly planCode: string | null;
  readonly currentPeriod: { readonly planCode: string; readonly startsAt: string; readonly endsAt: string } | null;
  /** The plan of the current period or, once it has ended (grace, expired), of the last one. */
  readonly lastPlanCode: string | null;
  readonly validUntil: string | null;
  readonly validityLeft: { readonly seconds: number; readonly days: number };
  readonly graceEndsAt: string | null;
  readonly createdAt: string;
}

export interface AllowanceView {
  readonly kind: 'data' | 'voice' | 'sms' | 'money';
  readonly currency: string | null;
  readonly remaining: number;
  readonly used: number;
  readonly granted: number;
  readonly upcoming: number;
  readonly validUntil: string | null;
}

export interface EsimView {
  readonly activationCode: string;
  readonly smdpAddress: string;
  readonly matchingId: string;
}

export interface LineDetail extends LineSummary {
  readonly esim: EsimView | null;
  readonly allowances: readonly AllowanceView[];
}

/** `GET|PUT /lines/{id}/auto-renew`: a PUT without `confirm: true` is a preview and changes nothing. */
export interface AutoRenewView {
  readonly lineId: string;
  readonly enabled: boolean;
  readonly confirmed: boolean;
  readonly planCode: string | null;
  readonly currency: string | null;
  readonly paymentMethod: { readonly id: string; readonly brand: string; readonly last4: string; readonly expMonth: number; readonly expYear: number } | null;
  readonly nextCharge: {
    readonly at: string;
    readonly totalMinor: number;
    readonly taxMinor: number;
    readonly currency: string;
    readonly period: PeriodView;
  } | null;
  readonly renewal: {
    readonly status: string;
    readonly periodEndsAt: string;
    readonly failures: number;
    readonly lastFailureCode: string | null;
    readonly nextAttemptAt: string | null;
    readonly payUrl: string | null;
  } | null;
  readonly disabledReason: 'customer' | 'expired' | null;
}

interface UsageTotals {
  readonly served: number;
  readonly blocked: number;
}

/** `GET /lines/{id}/usage`: usage per UTC hour or day (bytes, seconds, messages). */
export type UsageGranularity = 'hour' | 'day';

export interface UsageChartView {
  readonly lineId: string;
  readonly granularity: UsageGranularity;
  /** The IANA zone whose days the points are (the browser's own, as asked). */
  readonly timeZone: string;
  readonly from: string;
  readonly to: string;
  readonly points: ReadonlyArray<{
    readonly start: string;
    readonly data: UsageTotals;
    readonly voice: UsageTotals;
    readonly sms: UsageTotals;
    readonly charges: readonly MoneyView[];
  }>;
}

export interface ShippingAddress {
  readonly name: string;
  readonly line1: string;
  readonly line2?: string;
  readonly city: string;
  readonly region?: string;
  readonly postalCode?: string;
  readonly country: string;
}

/** The amounts of a quote or an order: integer minor units of `currency`; prices include tax. */
export interface PriceSummary {
  readonly currency: string;
  readonly listPriceMinor: number;
  readonly discountMinor: number;
  readonly feesMinor: number;
  readonly taxMinor: number;
  readonly taxRateBasisPoints: number;
  readonly taxCountry: string;
  readonly totalMinor: number;
}

export interface PeriodView {
  readonly startsAt: string;
  readonly endsAt: string;
}

export type OrderKind = 'renewal' | 'topup' | 'new_sim';

export interface QuoteView extends PriceSummary {
  readonly kind: OrderKind;
  readonly planCode: string;
  readonly planName: Localized;
  readonly lineId: string | null;
  readonly promotion: { readonly code: string; readonly bonusDataBytes: number } | null;
  readonly period: PeriodView;
}

export type OrderStatus = 'pending_payment' | 'paid' | 'fulfilled' | 'cancelled' | 'failed' | 'expired' | 'refunded';

export interface PaymentSummaryView {
  readonly id: string;
  readonly status: string;
  readonly provider: string;
  readonly method: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly failureCode?: string;
  readonly actionUrl?: string;
  readonly createdAt: string;
}

export interface OrderView extends PriceSummary {
  readonly id: string;
  readonly kind: OrderKind;
  readonly status: OrderStatus;
  readonly planCode: string;
  readonly lineId: string | null;
  readonly promotionCode: string | null;
  readonly bonusDataBytes: number;
  readonly period: PeriodView | null;
  readonly newSim: { readonly type: string; readonly shippingAddress: Record<string, unknown> | null } | null;
  readonly contact: { readonly phone: string | null; readonly email: string | null };
  readonly lastPaymentFailure: string | null;
  readonly expiresAt: string;
  readonly paidAt: string | null;
  readonly fulfilledAt: string | null;
  readonly closedAt: string | null;
  readonly createdAt: string;
}

export interface OrderDetailView extends OrderView {
  readonly planName: Localized;
  readonly events: ReadonlyArray<{ readonly status: string; readonly at: string }>;
  readonly payments: readonly PaymentSummaryView[];
}

export interface PaymentView extends PaymentSummaryView {
  readonly orderId: string;
  readonly updatedAt: string;
}

export interface PaymentMethodView {
  readonly id: string;
  readonly provider: string;
  readonly brand: string;
  readonly last4: string;
  readonly expMonth: number;
  readonly expYear: number;
  readonly createdAt: string;
}

export interface OutboxMessage {
  readonly id: string;
  readonly channel: 'sms' | 'email';
  readonly to: string;
  readonly template: string;
  readonly language: string;
  readonly subject: string;
  readonly body: string;
  readonly status: string;
  readonly createdAt: string;
}
