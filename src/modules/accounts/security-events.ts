import type { Executor } from '../../platform/db/database.js';
import type { Clock } from '../../platform/clock.js';
import type { IdFactory } from '../../platform/ids.js';
import type { RequestMeta } from './accounts.context.js';
import { insertSecurityEvent } from './accounts.repository.js';

export const SECURITY_EVENT_KINDS = [
  'registered', 'contact_verified', 'sign_in', 'sign_in_failed', 'sign_in_locked', 'code_sent',
  'sign_out', 'sign_out_all', 'password_reset', 'password_changed', 'contact_change_requested', 'contact_changed',
] as const;
export type SecurityEventKind = (typeof SECURITY_EVENT_KINDS)[number];

/** Records a security event with time, IP and user agent; `detail` must never hold a secret. */
export async function recordSecurityEvent(
  db: Executor, ids: IdFactory, clock: Clock,
  kind: SecurityEventKind, customerId: string | null, meta: RequestMeta, detail: Record<string, string | number> = {},
): Promise<void> {
  await insertSecurityEvent(db, {
    id: ids('sev'),
    customer_id: customerId,
    kind,
    ip: meta.ip,
    user_agent: meta.userAgent.slice(0, 512),
    detail: JSON.stringify(detail),
    created_at: clock.nowMs(),
  });
}
