import { z } from 'zod';
import { LANGUAGES } from '../../platform/i18n.js';
import { CURRENCIES } from '../../platform/money.js';
import { ISO_COUNTRY } from '../../platform/http.js';
import type { CustomerRow, SecurityEventRow, SessionRow } from './accounts.repository.js';

const contact = z.string().trim().min(3).max(254).describe('E-mail address, or mobile number in E.164 or local format (then give `country`)');
const password = z.string().min(1).max(1024).describe('8 to 128 characters; the most common passwords are refused');
const code = z.string().trim().min(1).max(16).describe('The 6-digit code that was sent');

export const ContactBody = z.object({ contact, country: ISO_COUNTRY.optional() }).strict();
export const RegisterBody = z.object({
  contact, country: ISO_COUNTRY.optional(), password,
  name: z.string().trim().min(1).max(100).optional(),
  language: z.enum(LANGUAGES).optional(),
}).strict();
export const VerifyBody = z.object({ contact, country: ISO_COUNTRY.optional(), code }).strict();
export const LoginBody = z.object({ contact, country: ISO_COUNTRY.optional(), password }).strict();
export const ResetConfirmBody = z.object({ contact, country: ISO_COUNTRY.optional(), code, newPassword: password }).strict();
export const LogoutBody = z.object({ allSessions: z.boolean().default(false) }).strict().default({ allSessions: false });
export const PatchMeBody = z.object({
  name: z.string().trim().min(1).max(100).nullable().optional(),
  language: z.enum(LANGUAGES).optional(),
  currency: z.enum(CURRENCIES).nullable().optional(),
  marketingOptIn: z.boolean().optional(),
}).strict();
export const PasswordChangeBody = z.object({ currentPassword: password, newPassword: password }).strict();
export const ContactChangeBody = z.object({ contact, country: ISO_COUNTRY.optional(), password }).strict();
export const ContactChangeVerifyBody = z.object({ code }).strict();
export const SessionIdParams = z.object({ id: z.string().regex(/^ses_[0-9A-Z]{26}$/, 'session id') }).strict();

export const CodeRequestedReply = z.object({
  status: z.literal('code_sent'),
  channel: z.enum(['sms', 'email']),
  sentTo: z.string(),
});

export const Me = z.object({
  id: z.string(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  emailVerified: z.boolean(),
  phone: z.string().nullable(),
  phoneVerified: z.boolean(),
  language: z.enum(LANGUAGES),
  currency: z.string().nullable(),
  marketingOptIn: z.boolean(),
  createdAt: z.string(),
});

export const SignedInReply = z.object({ customer: Me, sessionExpiresAt: z.string() });

export const SessionView = z.object({
  id: z.string(), current: z.boolean(), createdAt: z.string(), lastSeenAt: z.string(), ip: z.string(), userAgent: z.string(),
});

export const SecurityEventView = z.object({
  id: z.string(), kind: z.string(), at: z.string(), ip: z.string(), userAgent: z.string(), detail: z.record(z.string(), z.unknown()),
});

const iso = (ms: number): string => new Date(ms).toISOString();

export function toMe(row: CustomerRow): z.infer<typeof Me> {
  return {
    id: row.id, name: row.name, email: row.email, emailVerified: row.email_verified_at !== null,
    phone: row.phone, phoneVerified: row.phone_verified_at !== null,
    language: row.language as z.infer<typeof Me>['language'], currency: row.currency,
    marketingOptIn: row.marketing_opt_in === 1, createdAt: iso(row.created_at),
  };
}

export function toSessionView(row: SessionRow, currentSessionId: string): z.infer<typeof SessionView> {
  return { id: row.id, current: row.id === currentSessionId, createdAt: iso(row.created_at), lastSeenAt: iso(row.last_seen_at), ip: row.ip, userAgent: row.user_agent };
}

export function toSecurityEventView(row: SecurityEventRow): z.infer<typeof SecurityEventView> {
  return { id: row.id, kind: row.kind, at: iso(row.created_at), ip: row.ip, userAgent: row.user_agent, detail: JSON.parse(row.detail) as Record<string, unknown> };
}
