import { DomainError } from '../../platform/errors.js';

/** Errors of the renewals module; codes are in the platform's one catalogue. */
export const renewalsErrors = {
  lineNotRenewable: (lineId: string, status: string) =>
    new DomainError('renewals.line_not_renewable', `The line is ${status}: auto-renew needs a line with a plan that is active or in grace`, { lineId, status }),
  planNotRenewable: (planCode: string) =>
    new DomainError('renewals.plan_not_renewable', `The plan ${planCode} cannot renew automatically`, { planCode }),
  paymentMethodRequired: () =>
    new DomainError('renewals.payment_method_required', 'Choose a saved payment method (paymentMethodId) to turn auto-renew on', { field: 'paymentMethodId' }),
  paymentMethodInvalid: (paymentMethodId: string, reason: 'not_found' | 'provider_unavailable') =>
    new DomainError('renewals.payment_method_invalid', reason === 'not_found'
      ? 'No such saved payment method'
      : 'The provider of this payment method is not available', { paymentMethodId, reason }),
  paymentMethodNotOffSession: (paymentMethodId: string) =>
    new DomainError('renewals.payment_method_not_off_session', 'This payment method cannot be charged while you are away; choose a saved card', { paymentMethodId }),
  paymentMethodExpires: (paymentMethodId: string, chargeAt: string) =>
    new DomainError('renewals.payment_method_expires', `This card expires before the next charge on ${chargeAt}; choose another one`, { paymentMethodId, chargeAt }),
  priceChanged: (expectedTotalMinor: number, totalMinor: number) =>
    new DomainError('renewals.price_changed', 'The price of the next renewal changed; review it and confirm again', { expectedTotalMinor, totalMinor }),
};
