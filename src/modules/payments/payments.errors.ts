import { DomainError } from '../../platform/errors.js';

/** Errors of the payments module; codes are in the platform's one catalogue. */
export const paymentsErrors = {
  orderNotPayable: (status: string) =>
    new DomainError('orders.not_payable', `The order is ${status}; only an order waiting for payment can be paid`, { status }),
  declined: (paymentId: string, failureCode: string) =>
    new DomainError('payments.declined', `The payment was declined (${failureCode}); try another payment method`, { paymentId, failureCode }),
  paymentMethodInvalid: (paymentId: string | undefined, failureCode: string) =>
    new DomainError('payments.payment_method_invalid', `The payment method cannot be used (${failureCode})`, { paymentId, failureCode }),
  tokenRequired: (method: string) =>
    new DomainError('request.invalid', `The payment method ${method} needs a paymentMethodToken or a paymentMethodId`, { method, field: 'paymentMethodToken' }),
  methodNotAvailable: (method: string) =>
    new DomainError('payments.method_not_available', `The payment method ${method} is not offered`, { method }),
  attemptInProgress: (paymentId: string | undefined) =>
    new DomainError('payments.attempt_in_progress', 'A payment for this order is already in progress; wait for its outcome', { paymentId }),
  idempotencyKeyReused: () =>
    new DomainError('request.idempotency_key_reused', 'This Idempotency-Key was already used with another request'),
  idempotencyInProgress: () =>
    new DomainError('request.idempotency_in_progress', 'A request with this Idempotency-Key is still in progress; retry shortly', {}, 2),
  webhookSignatureInvalid: () => new DomainError('payments.webhook_signature_invalid', 'The webhook signature is missing or does not match'),
  webhookStale: () => new DomainError('payments.webhook_stale', 'The webhook timestamp is outside the tolerance'),
  webhookPayloadInvalid: () => new DomainError('payments.webhook_payload_invalid', 'The webhook payload is not a valid event'),
  notRefundable: (paymentId: string, status: string) =>
    new DomainError('payments.not_refundable', `The payment is ${status}; only a payment that succeeded can be refunded`, { paymentId, status }),
  refundExceedsPayment: (paymentId: string, refundableMinor: number) =>
    new DomainError('payments.refund_exceeds_payment', `At most ${refundableMinor} minor units of this payment can still be refunded`, { paymentId, refundableMinor }),
};
