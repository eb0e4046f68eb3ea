import { DomainError } from '../../platform/errors.js';

/** Errors of the catalog (zones, plans, prices); codes are in the platform's one catalogue. */
export const catalogErrors = {
  planNotFound: (code: string) => new DomainError('catalog.plan_not_found', `No plan has the code ${code}`, { planCode: code }),
  planNotAvailable: (code: string, reason: 'retired' | 'not_yet_available' | 'no_longer_available') =>
    new DomainError('catalog.plan_not_available', `The plan ${code} cannot be ordered now (${reason.replaceAll('_', ' ')})`, { planCode: code, reason }),
  currencyUnknown: (currency: string) =>
    new DomainError('catalog.currency_unknown', `${currency} is not a currency we sell in`, { currency }),
  currencyNotOffered: (code: string, currency: string) =>
    new DomainError('catalog.currency_not_offered', `The plan ${code} is not sold in ${currency}`, { planCode: code, currency }),
  countryUnknown: (country: string) =>
    new DomainError('catalog.country_unknown', `${country} is not an ISO 3166 country code (use two letters, e.g. JP)`, { country }),
  zoneNotFound: (code: string) => new DomainError('catalog.zone_not_found', `No zone has the code ${code}`, { zoneCode: code }),
  definitionInvalid: (problem: string) => new DomainError('catalog.definition_invalid', problem, { problem }),
  codeTaken: (code: string) => new DomainError('catalog.code_taken', `The code ${code} is already used`, { code }),
  priceChangeInvalid: (problem: string) => new DomainError('catalog.price_change_invalid', problem, { problem }),
  retirementInvalid: (problem: string) => new DomainError('catalog.retirement_invalid', problem, { problem }),
  priceNoticeTooShort: (planCode: string, earliestMs: number) =>
    new DomainError('catalog.price_notice_too_short',
      `A price rise for existing subscribers of ${planCode} needs notice: it can apply to them from ${new Date(earliestMs).toISOString()} at the earliest`,
      { planCode, earliestSubscriberEffectiveAt: new Date(earliestMs).toISOString() }),
};

/** Why a promotion code was refused; each reason has its own stable code. */
export const promotionErrors = {
  notFound: (code: string) => new DomainError('promotions.not_found', `There is no promotion code ${code}`, { code }),
  notStarted: (code: string, startsAtMs: number) =>
    new DomainError('promotions.not_started', `The code ${code} can be used from ${new Date(startsAtMs).toISOString()}`, { code, startsAt: new Date(startsAtMs).toISOString() }),
  expired: (code: string) => new DomainError('promotions.expired', `The code ${code} has expired`, { code }),
  notEligiblePlan: (code: string, planCode: string) =>
    new DomainError('promotions.not_eligible_plan', `The code ${code} does not apply to the plan ${planCode}`, { code, planCode }),
  firstOrderOnly: (code: string) => new DomainError('promotions.first_order_only', `The code ${code} is for a first order only`, { code }),
  usedUp: (code: string) => new DomainError('promotions.used_up', `The code ${code} has been used as many times as it can be`, { code }),
  customerLimitReached: (code: string) =>
    new DomainError('promotions.customer_limit_reached', `You have already used the code ${code} as many times as allowed`, { code }),
  currencyMismatch: (code: string, currency: string, orderCurrency: string) =>
    new DomainError('promotions.currency_mismatch', `The code ${code} takes an amount off in ${currency}; this order is in ${orderCurrency}`, { code, currency, orderCurrency }),
  codeTaken: (code: string) => new DomainError('promotions.code_taken', `The promotion code ${code} already exists`, { code }),
  definitionInvalid: (problem: string) => new DomainError('promotions.definition_invalid', problem, { problem }),
};
