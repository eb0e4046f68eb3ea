import { z } from 'zod';
import { IDEMPOTENCY_KEY_PATTERN } from '../../platform/idempotency.js';
import { CURRENCIES } from '../../platform/money.js';
import { PAYMENT_STATUSES, REFUND_REASONS, REFUND_STATUSES } from './payments.js';
import type { PaymentMethodRow, PaymentRefundRow, PaymentRow } from './payments.repository.js';
import { SETUP_STATUSES, type PaymentSetupRow } from './payments.setups.repository.js';

const paymentMethodId = z.string().regex(/^pm_[0-9A-Z]{26}$/, 'payment method id');

export const OrderIdParams = z.object({ id: z.string().regex(/^ord_[0-9A-Z]{26}$/, 'order id') }).strict();
export const PaymentMethodIdParams = z.object({ id: paymentMethodId }).strict();
export const ProviderParams = z.object({ provider: z.string().regex(/^[a-z0-9_-]{1,40}$/, 'provider name') }).strict();

export const PayBody = z.object({
  method: z.string().min(1).max(40).describe('A payment method offered by this deployment, e.g. `sandbox`'),
  paymentMethodToken: z.string().min(1).max(255).optional()
    .describe('A one-time token from the provider; sandbox test cards: pm_sandbox_visa, pm_sandbox_declined, pm_sandbox_3ds, pm_sandbox_slow, pm_sandbox_timeout'),
  paymentMethodId: paymentMethodId.optional().describe('A saved payment method instead of a token'),
  savePaymentMethod: z.boolean().optional().describe('Keep the method for later payments and auto-renew'),
}).strict().refine((b) => b.paymentMethodToken === undefined || b.paymentMethodId === undefined, {
  // Redirect and QR methods (alipay_page, alipay_wap, alipay_qr, wechatpay_native, wechatpay_h5) need neither.
  message: 'give at most one of paymentMethodToken and paymentMethodId', path: ['paymentMethodToken'],
});
export type PayBody = z.infer<typeof PayBody>;

export const PayHeaders = z.looseObject({
  'idempotency-key': z.string().regex(IDEMPOTENCY_KEY_PATTERN, '8 to 128 letters, digits or _.:-').optional()
    .describe('Retrying with the same key and body answers with the same payment; never pays twice'),
});

export const RefundView = z.object({
  id: z.string(),
  status: z.enum(REFUND_STATUSES),
  reason: z.enum(REFUND_REASONS),
  amountMinor: z.number().int(),
  currency: z.enum(CURRENCIES),
});

export const PaymentView = z.object({
  id: z.string(),
  orderId: z.string(),
  status: z.enum(PAYMENT_STATUSES),
  provider: z.string(),
  method: z.string(),
  amountMinor: z.number().int(),
  currency: z.enum(CURRENCIES),
  actionUrl: z.string().optional().describe('Where the customer completes the provider’s step (status requires_action)'),
  failureCode: z.string().optional(),
  refund: RefundView.optional().describe('Money given back automatically (e.g. the order expired before the payment succeeded)'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type PaymentView = z.infer<typeof PaymentView>;

export const PaymentMethodView = z.object({
  id: z.string(),
  provider: z.string(),
  method: z.string().describe('The payment method it charges: card, paypal, alipay_agreement, sandbox'),
  brand: z.string(),
  last4: z.string(),
  expMonth: z.number().int(),
  expYear: z.number().int(),
  offSession: z.boolean().describe('It can be charged while the customer is away: auto-renew accepts it'),
  createdAt: z.string(),
});

export const SetupBody = z.object({
  provider: z.string().regex(/^[a-z0-9_-]{1,40}$/, 'provider name').describe('A provider that saves a method without a payment (see GET /payment-options)'),
  returnPath: z.string().regex(/^\/[A-Za-z0-9/_?=&%.-]{0,300}$/, 'a path of the portal').refine((p) => !p.startsWith('//'), 'a path of the portal').optional()
    .describe('Where the provider sends the customer back (default /account); `setup=<id>` is added'),
  paymentMethodToken: z.string().min(1).max(255).optional().describe('Sandbox only: a test card (pm_sandbox_visa)'),
}).strict();

export const SetupIdParams = z.object({ id: z.string().regex(/^set_[0-9A-Z]{26}$/, 'setup id') }).strict();

export const SetupView = z.object({
  id: z.string(),
  provider: z.string(),
  method: z.string(),
  status: z.enum(SETUP_STATUSES),
  actionUrl: z.string().optional().describe('The provider’s page where the customer enters or approves the method (status requires_action)'),
  clientSecret: z.string().optional().describe('Stripe: the SetupIntent client secret, in the answer that created it only'),
  failureCode: z.string().optional(),
  paymentMethodId: z.string().optional().describe('The saved method (status succeeded)'),
  createdAt: z.string(),
});

export function toSetupView(row: PaymentSetupRow, clientSecret?: string): z.infer<typeof SetupView> {
  return {
    id: row.id, provider: row.provider, method: row.method, status: row.status,
    ...(row.status === 'requires_action' && row.action_url !== null ? { actionUrl: row.action_url } : {}),
    ...(clientSecret !== undefined ? { clientSecret } : {}),
    ...(row.failure_code !== null ? { failureCode: row.failure_code } : {}),
    ...(row.payment_method_id !== null ? { paymentMethodId: row.payment_method_id } : {}),
    createdAt: iso(row.created_at),
  };
}

export const PaymentOptionsView = z.object({
  methods: z.array(z.object({
    method: z.string(), provider: z.string(),
    flow: z.enum(['test_cards', 'saved_only', 'redirect', 'qr', 'off_session_only']),
    device: z.enum(['any', 'desktop', 'mobile']),
    token: z.string().optional(),
    offSession: z.boolean(),
  })),
  providers: z.array(z.object({ provider: z.string(), saveWithoutPayment: z.boolean(), savedMethod: z.string().optional() })),
});

const iso = (ms: number): string => new Date(ms).toISOString();

export function toPaymentView(row: PaymentRow, refund?: PaymentRefundRow): PaymentView {
  return {
    id: row.id, orderId: row.order_id, status: row.status, provider: row.provider, method: row.method,
    amountMinor: row.amount_minor, currency: row.currency,
    ...(row.status === 'requires_action' && row.action_url !== null ? { actionUrl: row.action_url } : {}),
    ...(row.failure_code !== null ? { failureCode: row.failure_code } : {}),
    ...(refund !== undefined ? { refund: { id: refund.id, status: refund.status, reason: refund.reason, amountMinor: refund.amount_minor, currency: refund.currency } } : {}),
    createdAt: iso(row.created_at), updatedAt: iso(row.updated_at),
  };
}

export function toPaymentMethodView({ row, offSession }: { row: PaymentMethodRow; offSession: boolean }): z.infer<typeof PaymentMethodView> {
  return {
    id: row.id, provider: row.provider, method: row.method ?? row.provider, brand: row.brand, last4: row.last4,
    expMonth: row.exp_month, expYear: row.exp_year, offSession, createdAt: iso(row.created_at),
  };
}

export const PaymentIdParams = z.object({ id: z.string().regex(/^pay_[0-9A-Z]{26}$/, 'payment id') }).strict();

export const AdminRefundBody = z.object({
  amountMinor: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).describe('What to give back, in minor units of the payment’s currency (partial refunds allowed)'),
}).strict();

export const AdminRefundView = RefundView.extend({ paymentId: z.string(), failureCode: z.string().optional() });

export function toAdminRefundView(row: PaymentRefundRow): z.infer<typeof AdminRefundView> {
  return {
    id: row.id, paymentId: row.payment_id, status: row.status, reason: row.reason, amountMinor: row.amount_minor, currency: row.currency,
    ...(row.failure_code !== null ? { failureCode: row.failure_code } : {}),
  };
}
