import type { Executor } from '../../platform/db/database.js';
import { hmacHex, constantTimeEqual, randomDigits } from '../../platform/crypto.js';
import type { Language } from '../../platform/i18n.js';
import type { TemplateName } from '../notifications/index.js';
import {
  CODE_LENGTH, CODE_MAX_ATTEMPTS, CODE_RATE_WINDOW_MS, CODE_RESEND_INTERVAL_MS, CODE_TTL_MS,
  type CodePurpose, type Contact,
} from './accounts.js';
import type { AccountsDeps, RequestMeta } from './accounts.context.js';
import { accountsErrors } from './accounts.errors.js';
import {
  consumeCode, countCodesSince, findLatestCode, findLatestCodeForCustomer, insertCode, recordCodeAttempt,
  type OneTimeCodeRow,
} from './accounts.repository.js';

const TEMPLATE_OF: Record<CodePurpose, TemplateName> = {
  verify_contact: 'accounts.verify_code',
  login: 'accounts.login_code',
  password_reset: 'accounts.reset_code',
  change_contact: 'accounts.contact_change_code',
  claim_line: 'lines.claim_code',
};

export interface IssueCode {
  readonly purpose: CodePurpose;
  readonly contact: Contact;
  /** Null when nobody owns the destination: the request is recorded (so limits apply the same) but no code is sent. */
  readonly customerId: string | null;
  readonly language: Language;
  readonly meta: RequestMeta;
  readonly payload?: unknown;
  /** Send this message instead of the code (e.g. "you already have an account"). */
  readonly replacementTemplate?: TemplateName;
}

function codeHash(secretKey: string, codeId: string, code: string): string {
  return hmacHex(secretKey, `${codeId}:${code}`);
}

/**
 * One-time codes: 6 digits from a CSPRNG, stored as an HMAC, single use, valid 10 minutes, at most
 * 5 tries, 60 s between codes to one destination, hourly caps per destination and per IP, and SMS
 * only to allowed countries. Every request counts against the limits whether or not the
 * destination belongs to anyone, so the answers never reveal who has an account.
 */
export function createCodesService(deps: AccountsDeps) {
  const { clock, config, ids, notifications } = deps;

  async function checkLimits(db: Executor, request: IssueCode): Promise<void> {
    const nowMs = clock.nowMs();
    if (request.contact.kind === 'phone' && !config.smsAllowedCountries.includes(request.contact.country)) {
      throw accountsErrors.smsCountryNotAllowed(request.contact.country);
    }
    const latest = await findLatestCode(db, request.purpose, request.contact.value);
    if (latest !== undefined && nowMs - latest.created_at < CODE_RESEND_INTERVAL_MS) {
      throw accountsErrors.codeResendTooSoon(Math.ceil((latest.created_at + CODE_RESEND_INTERVAL_MS - nowMs) / 1000));
    }
    const since = nowMs - CODE_RATE_WINDOW_MS;
    const checks: Array<['destination' | 'ip', string, number]> = [
      ['destination', request.contact.value, config.codeHourlyLimitPerDestination],
      ['ip', request.meta.ip, config.codeHourlyLimitPerIp],
    ];
    for (const [column, value, limit] of checks) {
      const { count, oldestAtMs } = await countCodesSince(db, column, value, since);
      if (count >= limit) {
        throw accountsErrors.codeRateLimited(Math.max(1, Math.ceil(((oldestAtMs ?? nowMs) + CODE_RATE_WINDOW_MS - nowMs) / 1000)));
      }
    }
  }

  /** Records a code request and, when the destination has an owner, queues the message in `db`'s transaction. */
  async function issue(db: Executor, request: IssueCode): Promise<void> {
    await checkLimits(db, request);
    const id = ids('otp');
    const code = randomDigits(CODE_LENGTH);
    const nowMs = clock.nowMs();
    await insertCode(db, {
      id,
      purpose: request.purpose,
      destination: request.contact.value,
      channel: request.contact.kind === 'phone' ? 'sms' : 'email',
      customer_id: request.replacementTemplate === undefined ? request.customerId : null,
      code_hash: codeHash(config.secretKey, id, code),
      attempts: 0,
      expires_at: nowMs + CODE_TTL_MS,
      consumed_at: null,
      payload: request.payload === undefined ? null : JSON.stringify(request.payload),
      ip: request.meta.ip,
      created_at: nowMs,
    });
    if (request.customerId === null) return;
    await notifications.queue(db, {
      channel: request.contact.kind === 'phone' ? 'sms' : 'email',
      to: request.contact.value,
      template: request.replacementTemplate ?? TEMPLATE_OF[request.purpose],
      language: request.language,
      params: request.replacementTemplate === undefined ? { code } : {},
      customerId: request.customerId,
      sensitive: request.replacementTemplate === undefined,
    });
  }

  /**
   * Checks a code against the newest one for the destination. Each check spends one of the code's
   * tries first (committed on its own, so a failed check still counts), which also makes parallel
   * guesses share the same five tries. Returns the row of a matching, unexpired, unused code; the
   * caller consumes it with `consume` in the transaction that applies its effect.
   */
  async function check(db: Executor, latest: OneTimeCodeRow | undefined, code: string): Promise<OneTimeCodeRow> {
    if (latest === undefined || latest.consumed_at !== null) throw accountsErrors.codeInvalid();
    if (latest.expires_at <= clock.nowMs()) throw accountsErrors.codeExpired();
    const attempt = await recordCodeAttempt(db, latest.id, CODE_MAX_ATTEMPTS);
    // A code another request used meanwhile is as invalid as one used before.
    if (attempt === 'consumed') throw accountsErrors.codeInvalid();
    if (attempt === 'exhausted') throw accountsErrors.codeAttemptsExceeded();
    const matches = /^\d{6}$/.test(code) && constantTimeEqual(latest.code_hash, codeHash(config.secretKey, latest.id, code));
    if (!matches || latest.customer_id === null) {
      throw latest.attempts + 1 >= CODE_MAX_ATTEMPTS ? accountsErrors.codeAttemptsExceeded() : accountsErrors.codeInvalid();
    }
    return latest;
  }

  return {
    issue,
    checkForDestination: async (db: Executor, purpose: CodePurpose, destination: string, code: string) =>
      check(db, await findLatestCode(db, purpose, destination), code),
    checkForCustomer: async (db: Executor, purpose: CodePurpose, customerId: string, code: string) =>
      check(db, await findLatestCodeForCustomer(db, purpose, customerId), code),
    /** Single use: throws `accounts.code_invalid` when another request consumed it first. */
    async consume(db: Executor, codeId: string): Promise<void> {
      if (!(await consumeCode(db, codeId, clock.nowMs()))) throw accountsErrors.codeInvalid();
    },
  };
}

export type CodesService = ReturnType<typeof createCodesService>;
