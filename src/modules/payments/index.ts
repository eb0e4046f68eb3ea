/**
 * Payments: the provider interface, the payment state machine, webhooks, reconciliation, refunds of
 * payments that cannot pay their order, saved payment methods (saved while paying, or without paying
 * through a provider's setup: Stripe SetupIntent, PayPal Vault setup token, Alipay agreement), which
 * of them renew off-session (each provider's `offSessionMethods`), and the built-in `sandbox`
 * provider. Payments reach orders only through the `OrderGateway` given at wiring time.
 *
 * Error codes: `orders.not_payable`, `payments.declined`, `payments.payment_method_invalid`,
 * `payments.method_not_available`, `payments.attempt_in_progress`, `payments.webhook_signature_invalid`,
 * `payments.webhook_stale`, `payments.webhook_payload_invalid`, `request.idempotency_key_reused`,
 * `request.idempotency_in_progress`, `request.not_found`.
 */
export { createPaymentsService, paymentsFor, hasOpenPayment, type PaymentsService, type PaymentsOptions } from './payments.service.js';
export { paymentsRoutes } from './payments.routes.js';
export { paymentsMigrations } from './payments.migrations.js';
export type { OrderGateway, PayableOrder } from './payments.gateway.js';
export type { PayOrderInput } from './payments.checkout.js';
export type { OffSession, OffSessionMethod, OffSessionRefusal, OffSessionCharge, OpenedCharge, RefusedCharge, ChargeAnswer, RecordedCharge } from './payments.offsession.js';
export { MAX_OFF_SESSION_CHARGES } from './payments.offsession.js';
export type { PaymentView } from './payments.schemas.js';
export {
  PAYMENT_STATUSES, OPEN_STATUSES, TERMINAL_STATUSES, applyOutcome,
  type PaymentStatus, type OutcomeStatus, type OutcomeDecision,
} from './payments.js';
export type {
  PaymentProvider, CreateProviderPayment, ProviderPayment, ProviderLookup, ProviderRefund, ProviderEvent, SavedMethodDetails,
  ProviderSetupFlow, CreateProviderSetup, ProviderSetup,
} from './payments.provider.js';
export type { PaymentOption, PaymentFlow } from './payments.options.js';
export { SANDBOX_TOKENS, SANDBOX_SIGNATURE_HEADER, sandboxSignatureHeader, sandboxWebhookSecret } from './sandbox/sandbox.js';
/** Alipay and WeChat Pay method names (the portal renders `actionUrl` of `alipay_qr` and `wechatpay_native` as a QR code). */
export { ALIPAY_METHODS } from './alipay/alipay.js';
export { WECHATPAY_METHODS } from './wechatpay/wechatpay.js';
