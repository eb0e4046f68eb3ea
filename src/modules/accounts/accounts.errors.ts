import { DomainError } from '../../platform/errors.js';

/** Errors of the accounts module; codes are in the platform's one catalogue. */
export const accountsErrors = {
  contactInvalid: (field: string) => new DomainError('accounts.contact_invalid', 'The e-mail address or phone number is not valid', { field }),
  passwordTooShort: (min: number) => new DomainError('accounts.password_too_short', `The password must have at least ${min} characters`, { min }),
  passwordTooLong: (max: number) => new DomainError('accounts.password_too_long', `The password must have at most ${max} characters`, { max }),
  passwordTooCommon: () => new DomainError('accounts.password_too_common', 'This password is among the most common ones; choose another'),
  invalidCredentials: () => new DomainError('accounts.invalid_credentials', 'The contact or password is wrong'),
  notVerified: () => new DomainError('accounts.not_verified', 'Verify your contact first: register again to receive a new code'),
  signInLocked: (retryAfterSeconds: number) =>
    new DomainError('accounts.sign_in_locked', 'Too many failed sign-ins; try again later or sign in with a code', { retryAfterSeconds }, retryAfterSeconds),
  codeInvalid: () => new DomainError('accounts.code_invalid', 'The code is wrong, expired or already used'),
  codeExpired: () => new DomainError('accounts.code_expired', 'The code has expired; ask for a new one'),
  codeAttemptsExceeded: () => new DomainError('accounts.code_attempts_exceeded', 'Too many wrong tries; ask for a new code'),
  codeResendTooSoon: (retryAfterSeconds: number) =>
    new DomainError('accounts.code_resend_too_soon', `Wait ${retryAfterSeconds} s before asking for another code`, { retryAfterSeconds }, retryAfterSeconds),
  codeRateLimited: (retryAfterSeconds: number) =>
    new DomainError('accounts.code_rate_limited', 'Too many codes were requested; try again later', { retryAfterSeconds }, retryAfterSeconds),
  smsCountryNotAllowed: (country: string) =>
    new DomainError('accounts.sms_country_not_allowed', `SMS cannot be sent to numbers of ${country}`, { country }),
  smsRequired: () => new DomainError('accounts.sms_required', 'Sign-in codes are sent by SMS: give a mobile number'),
  contactUnchanged: () => new DomainError('accounts.contact_unchanged', 'The new contact is the same as the current one'),
};
