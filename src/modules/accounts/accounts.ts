import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { dictionary } from '@zxcvbn-ts/language-common';
import { z } from 'zod';
import { MINUTE_MS, SECOND_MS } from '../../platform/clock.js';
import { accountsErrors } from './accounts.errors.js';

/** A verified way to reach a customer: an e-mail address or an E.164 mobile number. */
export type Contact =
  | { readonly kind: 'email'; readonly value: string }
  | { readonly kind: 'phone'; readonly value: string; readonly country: string };

const emailSchema = z.email();

/**
 * Normalises what a person typed: e-mail addresses are lower-cased; phone numbers become E.164
 * (local formats are accepted with a country, e.g. `138 0013 8000` with `CN`). Only numbers that
 * can receive SMS (mobile, or fixed-or-mobile where the numbering plan cannot tell) are accepted.
 */
export function parseContact(input: string, country?: string): Contact {
  const trimmed = input.trim();
  if (trimmed.includes('@')) {
    const value = trimmed.toLowerCase();
    if (value.length > 254 || !emailSchema.safeParse(value).success) throw accountsErrors.contactInvalid('contact');
    return { kind: 'email', value };
  }
  const phone = parsePhoneNumberFromString(trimmed, country as CountryCode | undefined);
  if (phone === undefined || !phone.isValid() || phone.country === undefined) throw accountsErrors.contactInvalid('contact');
  const type = phone.getType();
  if (type !== undefined && type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') throw accountsErrors.contactInvalid('contact');
  return { kind: 'phone', value: phone.number, country: phone.country };
}

/** The part of a contact that is safe to show in a notice: `a***@example.com`, `+44******0123`. */
export function maskContact(contact: Contact): string {
  if (contact.kind === 'email') {
    const [local = '', domain = ''] = contact.value.split('@');
    return `${local.slice(0, 1)}***@${domain}`;
  }
  const v = contact.value;
  return `${v.slice(0, 3)}${'*'.repeat(Math.max(0, v.length - 7))}${v.slice(-4)}`;
}

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;
const COMMON_PASSWORDS = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));

/** Throws unless the password is 8–128 characters and not among the most common ones. */
export function checkPasswordPolicy(password: string): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) throw accountsErrors.passwordTooShort(PASSWORD_MIN_LENGTH);
  if (length > PASSWORD_MAX_LENGTH) throw accountsErrors.passwordTooLong(PASSWORD_MAX_LENGTH);
  if (COMMON_PASSWORDS.has(password.toLowerCase())) throw accountsErrors.passwordTooCommon();
}

export const CODE_PURPOSES = ['verify_contact', 'login', 'password_reset', 'change_contact', 'claim_line'] as const;
export type CodePurpose = (typeof CODE_PURPOSES)[number];

export const CODE_LENGTH = 6;
export const CODE_TTL_MS = 10 * MINUTE_MS;
export const CODE_MAX_ATTEMPTS = 5;
export const CODE_RESEND_INTERVAL_MS = 60 * SECOND_MS;
export const CODE_RATE_WINDOW_MS = 60 * MINUTE_MS;

/**
 * Password sign-in throttling. Per contact: from the 3rd failure each further try waits
 * 5 s, 10 s, 20 s, ... capped at 15 minutes, so a stranger can never lock the owner out for long
 * (and code sign-in and password reset stay open). Per IP: from the 20th failure, 1 minute
 * doubling up to an hour. Counters forget failures an hour after the last one.
 */
export const THROTTLE_WINDOW_MS = 60 * MINUTE_MS;

export function contactLockMs(failures: number): number {
  if (failures < 3) return 0;
  return Math.min(15 * MINUTE_MS, 5 * SECOND_MS * 2 ** (failures - 3));
}

export function ipLockMs(failures: number): number {
  if (failures < 20) return 0;
  return Math.min(60 * MINUTE_MS, MINUTE_MS * 2 ** (failures - 20));
}

/** How much of a session's idle window must pass before `last_seen_at` is written again. */
export const SESSION_TOUCH_INTERVAL_MS = MINUTE_MS;
