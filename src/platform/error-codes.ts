/**
 * The one catalogue of stable error codes: each maps to an HTTP status and a title. A module's
 * errors use these codes; a code missing here does not compile. Codes never change meaning once
 * published: clients (and the portal's translations) key on them.
 */
export const ERROR_CODES = {
  // Request shape and platform
  'request.invalid': { status: 400, title: 'The request is not valid' },
  'request.malformed_json': { status: 400, title: 'The request body is not valid JSON' },
  'request.too_large': { status: 413, title: 'The request body is too large' },
  'request.unsupported_media_type': { status: 415, title: 'Unsupported content type' },
  'request.not_found': { status: 404, title: 'No such resource' },
  'request.method_not_allowed': { status: 405, title: 'Method not allowed' },
  'request.rate_limited': { status: 429, title: 'Too many requests' },
  'request.csrf_failed': { status: 403, title: 'Missing or invalid CSRF token' },
  'request.idempotency_key_reused': { status: 422, title: 'The idempotency key was used with another request' },
  'request.idempotency_in_progress': { status: 409, title: 'A request with this idempotency key is still in progress' },
  'auth.required': { status: 401, title: 'Sign-in required' },
  'auth.api_key_invalid': { status: 401, title: 'Missing or invalid API key' },
  'auth.api_key_forbidden': { status: 403, title: 'This API key may not use this route' },
  'internal.error': { status: 500, title: 'Internal error' },
  'internal.unavailable': { status: 503, title: 'Service unavailable' },

  // accounts
  'accounts.contact_invalid': { status: 400, title: 'The e-mail address or phone number is not valid' },
  'accounts.contact_taken': { status: 409, title: 'The e-mail address or phone number is already registered' },
  'accounts.password_too_short': { status: 400, title: 'The password is too short' },
  'accounts.password_too_long': { status: 400, title: 'The password is too long' },
  'accounts.password_too_common': { status: 400, title: 'The password is too common' },
  'accounts.invalid_credentials': { status: 401, title: 'Wrong sign-in details' },
  'accounts.not_verified': { status: 403, title: 'The contact has not been verified yet' },
  'accounts.sign_in_locked': { status: 429, title: 'Too many failed sign-ins' },
  'accounts.code_invalid': { status: 400, title: 'The code is wrong, expired or already used' },
  'accounts.code_expired': { status: 400, title: 'The code has expired' },
  'accounts.code_attempts_exceeded': { status: 400, title: 'Too many wrong tries for this code' },
  'accounts.code_resend_too_soon': { status: 429, title: 'Wait before asking for another code' },
  'accounts.code_rate_limited': { status: 429, title: 'Too many codes requested' },
  'accounts.sms_country_not_allowed': { status: 422, title: 'SMS cannot be sent to this country' },
  'accounts.sms_required': { status: 422, title: 'Sign-in codes are sent by SMS to a phone number' },
  'accounts.contact_unchanged': { status: 409, title: 'The new contact is the same as the current one' },

  // provisioning
  'provisioning.esim_pool_empty': { status: 503, title: 'No eSIM profile is available right now' },
  'provisioning.physical_stock_empty': { status: 503, title: 'No physical SIM is in stock right now' },
  'provisioning.sim_unavailable': { status: 409, title: 'The SIM is already assigned or cannot be assigned' },
  'provisioning.sim_record_invalid': { status: 400, title: 'A SIM record of the batch is not valid' },

  // lines
  'lines.msisdn_invalid': { status: 400, title: 'The phone number is not a valid mobile number' },
  'lines.sim_not_claimable': { status: 409, title: 'This number cannot be claimed' },
  'lines.period_already_renewed': { status: 409, title: 'The line was already renewed for this period' },

  // catalog
  'catalog.plan_not_found': { status: 404, title: 'No such plan' },
  'catalog.plan_not_available': { status: 422, title: 'The plan cannot be ordered now' },
  'catalog.currency_unknown': { status: 400, title: 'Unsupported currency' },
  'catalog.currency_not_offered': { status: 422, title: 'The plan is not sold in this currency' },
  'catalog.country_unknown': { status: 400, title: 'Unknown country code' },
  'catalog.zone_not_found': { status: 404, title: 'No such zone' },
  'catalog.definition_invalid': { status: 422, title: 'The zone or plan definition is not valid' },
  'catalog.code_taken': { status: 409, title: 'The code is already used' },
  'catalog.price_change_invalid': { status: 422, title: 'The price change is not valid' },
  'catalog.price_notice_too_short': { status: 422, title: 'A price rise needs more notice for existing subscribers' },
  'catalog.retirement_invalid': { status: 422, title: 'The plan cannot be retired at that date' },

  // promotions
  'promotions.not_found': { status: 422, title: 'Unknown promotion code' },
  'promotions.not_started': { status: 422, title: 'The promotion has not started yet' },
  'promotions.expired': { status: 422, title: 'The promotion has expired' },
  'promotions.not_eligible_plan': { status: 422, title: 'The promotion does not apply to this plan' },
  'promotions.first_order_only': { status: 422, title: 'The promotion is for a first order only' },
  'promotions.used_up': { status: 422, title: 'The promotion has been fully used' },
  'promotions.customer_limit_reached': { status: 422, title: 'You have used this promotion as often as allowed' },
  'promotions.currency_mismatch': { status: 422, title: 'The promotion is for another currency' },
  'promotions.code_taken': { status: 409, title: 'The promotion code already exists' },
  'promotions.definition_invalid': { status: 422, title: 'The promotion definition is not valid' },

  // orders
  'orders.not_payable': { status: 409, title: 'The order cannot be paid in its current state' },
  'orders.not_cancellable': { status: 409, title: 'The order cannot be cancelled in its current state' },
  'orders.line_required': { status: 400, title: 'The line to renew or top up is missing' },
  'orders.new_sim_required': { status: 400, title: 'The new SIM details are missing' },
  'orders.plan_kind_mismatch': { status: 422, title: 'This plan cannot be bought this way' },
  'orders.no_active_period': { status: 409, title: 'The line has no active plan to top up' },
  'orders.contact_required': { status: 400, title: 'A contact for the confirmation is missing' },
  'orders.amount_mismatch': { status: 409, title: 'The payment does not match the order total' },
  'orders.receipt_unavailable': { status: 409, title: 'The order has no receipt yet' },

  // payments
  'payments.declined': { status: 402, title: 'The payment was declined' },
  'payments.payment_method_invalid': { status: 422, title: 'The payment method cannot be used' },
  'payments.method_not_available': { status: 422, title: 'This payment method is not offered' },
  'payments.attempt_in_progress': { status: 409, title: 'A payment for this order is already in progress' },
  'payments.webhook_signature_invalid': { status: 400, title: 'The webhook signature is not valid' },
  'payments.webhook_stale': { status: 400, title: 'The webhook is too old or from the future' },
  'payments.webhook_payload_invalid': { status: 400, title: 'The webhook payload is not valid' },
  'payments.not_refundable': { status: 409, title: 'Only a payment that succeeded can be refunded' },
  'payments.refund_exceeds_payment': { status: 422, title: 'The refunds would exceed what the payment took' },

  // renewals
  'renewals.line_not_renewable': { status: 409, title: 'The line cannot renew automatically in its current state' },
  'renewals.plan_not_renewable': { status: 422, title: 'This plan cannot renew automatically' },
  'renewals.payment_method_required': { status: 422, title: 'Auto-renew needs a saved payment method' },
  'renewals.payment_method_invalid': { status: 422, title: 'The saved payment method cannot be used' },
  'renewals.payment_method_not_off_session': { status: 422, title: 'The payment method cannot be charged while the customer is away' },
  'renewals.payment_method_expires': { status: 422, title: 'The card expires before the next charge' },
  'renewals.price_changed': { status: 409, title: 'The price of the next renewal changed' },

  // usage (balances)
  'usage.range_invalid': { status: 400, title: 'The time range of the usage chart is not valid' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function statusOf(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}
