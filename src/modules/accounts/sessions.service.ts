import type { Executor } from '../../platform/db/database.js';
import { randomToken, sha256Hex } from '../../platform/crypto.js';
import { SESSION_TOUCH_INTERVAL_MS } from './accounts.js';
import type { AccountsDeps, RequestMeta } from './accounts.context.js';
import { findSessionByTokenHash, insertSession, touchSession } from './accounts.repository.js';

export interface SessionPrincipal {
  readonly customerId: string;
  readonly sessionId: string;
}

/**
 * Sessions are random 256-bit tokens kept only as SHA-256 hashes. Each has an idle expiry (slid
 * forward on use) and an absolute expiry; revoked sessions stay for the audit trail.
 */
export function createSessionsService(deps: AccountsDeps) {
  const { clock, config, ids } = deps;

  return {
    /** Starts a new session (always a new token: sign-in never reuses one). Returns the token for the cookie. */
    async start(db: Executor, customerId: string, meta: RequestMeta): Promise<{ token: string; sessionId: string; expiresAtMs: number }> {
      const token = randomToken(32);
      const nowMs = clock.nowMs();
      const sessionId = ids('ses');
      const absoluteExpiresAtMs = nowMs + config.sessionAbsoluteMs;
      await insertSession(db, {
        id: sessionId,
        customer_id: customerId,
        token_hash: sha256Hex(token),
        created_at: nowMs,
        last_seen_at: nowMs,
        idle_expires_at: Math.min(nowMs + config.sessionIdleMs, absoluteExpiresAtMs),
        absolute_expires_at: absoluteExpiresAtMs,
        revoked_at: null,
        ip: meta.ip,
        user_agent: meta.userAgent.slice(0, 512),
      });
      return { token, sessionId, expiresAtMs: absoluteExpiresAtMs };
    },

    /** The principal of a live session, or undefined for an unknown, revoked or expired token. */
    async authenticate(db: Executor, token: string): Promise<SessionPrincipal | undefined> {
      if (token.length === 0 || token.length > 128) return undefined;
      const session = await findSessionByTokenHash(db, sha256Hex(token));
      const nowMs = clock.nowMs();
      if (session === undefined || session.revoked_at !== null) return undefined;
      if (session.idle_expires_at <= nowMs || session.absolute_expires_at <= nowMs) return undefined;
      if (nowMs - session.last_seen_at >= SESSION_TOUCH_INTERVAL_MS) {
        await touchSession(db, session.id, nowMs, Math.min(nowMs + config.sessionIdleMs, session.absolute_expires_at));
      }
      return { customerId: session.customer_id, sessionId: session.id };
    },
  };
}

export type SessionsService = ReturnType<typeof createSessionsService>;
