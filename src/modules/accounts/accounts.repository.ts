import type { Executor } from '../../platform/db/database.js';
import type { CodePurpose } from './accounts.js';

export interface CustomerTable {
  id: string;
  status: 'pending' | 'active';
  email: string | null;
  email_verified_at: number | null;
  phone: string | null;
  phone_country: string | null;
  phone_verified_at: number | null;
  password_hash: string;
  name: string | null;
  language: string;
  currency: string | null;
  marketing_opt_in: number;
  created_at: number;
  updated_at: number;
}

export interface SessionTable {
  id: string;
  customer_id: string;
  token_hash: string;
  created_at: number;
  last_seen_at: number;
  idle_expires_at: number;
  absolute_expires_at: number;
  revoked_at: number | null;
  ip: string;
  user_agent: string;
}

export interface OneTimeCodeTable {
  id: string;
  purpose: CodePurpose;
  destination: string;
  channel: 'sms' | 'email';
  customer_id: string | null;
  code_hash: string;
  attempts: number;
  expires_at: number;
  consumed_at: number | null;
  payload: string | null;
  ip: string;
  created_at: number;
}

export interface SecurityEventTable {
  id: string;
  customer_id: string | null;
  kind: string;
  ip: string;
  user_agent: string;
  detail: string;
  created_at: number;
}

export interface SignInThrottleTable {
  key: string;
  failures: number;
  last_failure_at: number;
  locked_until: number;
}

declare module '../../platform/db/schema.js' {
  interface Tables {
    customer: CustomerTable;
    session: SessionTable;
    one_time_code: OneTimeCodeTable;
    security_event: SecurityEventTable;
    sign_in_throttle: SignInThrottleTable;
  }
}

export type CustomerRow = CustomerTable;
export type SessionRow = SessionTable;
export type OneTimeCodeRow = OneTimeCodeTable;
export type SecurityEventRow = SecurityEventTable;

// Customers

export async function insertCustomer(db: Executor, row: CustomerTable): Promise<void> {
  await db.insertInto('customer').values(row).execute();
}

export async function findCustomerById(db: Executor, id: string): Promise<CustomerRow | undefined> {
  return db.selectFrom('customer').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The customers with these ids that exist (at most 1000 ids per call). */
export async function findCustomersByIds(db: Executor, ids: readonly string[]): Promise<CustomerRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('customer').selectAll().where('id', 'in', [...ids]).execute();
}

export async function findCustomerByContact(db: Executor, kind: 'email' | 'phone', value: string): Promise<CustomerRow | undefined> {
  return db.selectFrom('customer').selectAll().where(kind, '=', value).executeTakeFirst();
}

export async function updateCustomer(db: Executor, id: string, patch: Partial<Omit<CustomerTable, 'id'>>): Promise<void> {
  await db.updateTable('customer').set(patch).where('id', '=', id).execute();
}

// Sessions

export async function insertSession(db: Executor, row: SessionTable): Promise<void> {
  await db.insertInto('session').values(row).execute();
}

export async function findSessionByTokenHash(db: Executor, tokenHash: string): Promise<SessionRow | undefined> {
  return db.selectFrom('session').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function touchSession(db: Executor, id: string, nowMs: number, idleExpiresAtMs: number): Promise<void> {
  await db.updateTable('session').set({ last_seen_at: nowMs, idle_expires_at: idleExpiresAtMs })
    .where('id', '=', id).where('revoked_at', 'is', null).execute();
}

export async function revokeSession(db: Executor, customerId: string, sessionId: string, nowMs: number): Promise<number> {
  const result = await db.updateTable('session').set({ revoked_at: nowMs })
    .where('id', '=', sessionId).where('customer_id', '=', customerId).where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Revokes every live session of the customer except `keepSessionId` (when given). */
export async function revokeCustomerSessions(db: Executor, customerId: string, nowMs: number, keepSessionId?: string): Promise<number> {
  const result = await db.updateTable('session').set({ revoked_at: nowMs })
    .where('customer_id', '=', customerId).where('revoked_at', 'is', null)
    .$if(keepSessionId !== undefined, (qb) => qb.where('id', '!=', keepSessionId ?? ''))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function listLiveSessions(db: Executor, customerId: string, nowMs: number, limit: number): Promise<SessionRow[]> {
  return db.selectFrom('session').selectAll()
    .where('customer_id', '=', customerId).where('revoked_at', 'is', null)
    .where('idle_expires_at', '>', nowMs).where('absolute_expires_at', '>', nowMs)
    .orderBy('last_seen_at', 'desc').limit(limit).execute();
}

// One-time codes

export async function insertCode(db: Executor, row: OneTimeCodeTable): Promise<void> {
  await db.insertInto('one_time_code').values(row).execute();
}

/** The newest code for this purpose and destination (only the newest one can be used). */
export async function findLatestCode(db: Executor, purpose: CodePurpose, destination: string): Promise<OneTimeCodeRow | undefined> {
  return db.selectFrom('one_time_code').selectAll()
    .where('purpose', '=', purpose).where('destination', '=', destination)
    .orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
}

export async function countCodesSince(db: Executor, column: 'destination' | 'ip', value: string, sinceMs: number): Promise<{ count: number; oldestAtMs: number | undefined }> {
  const row = await db.selectFrom('one_time_code')
    .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.min<number>('created_at').as('oldest')])
    .where(column, '=', value).where('created_at', '>', sinceMs)
    .executeTakeFirst();
  return { count: Number(row?.count ?? 0), oldestAtMs: row?.oldest === null || row?.oldest === undefined ? undefined : Number(row.oldest) };
}

/**
 * Counts one try: `counted`, or why it could not, `consumed` (another request used the code since
 * it was read) or `exhausted` (the code already had its last try).
 */
export async function recordCodeAttempt(db: Executor, id: string, maxAttempts: number): Promise<'counted' | 'consumed' | 'exhausted'> {
  const result = await db.updateTable('one_time_code').set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id).where('attempts', '<', maxAttempts).where('consumed_at', 'is', null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 1) return 'counted';
  const row = await db.selectFrom('one_time_code').select('consumed_at').where('id', '=', id).executeTakeFirst();
  return row !== undefined && row.consumed_at !== null ? 'consumed' : 'exhausted';
}

/** Marks the code used; returns false when someone else used it first (single use). */
export async function consumeCode(db: Executor, id: string, nowMs: number): Promise<boolean> {
  const result = await db.updateTable('one_time_code').set({ consumed_at: nowMs })
    .where('id', '=', id).where('consumed_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// Security events

export async function insertSecurityEvent(db: Executor, row: SecurityEventTable): Promise<void> {
  await db.insertInto('security_event').values(row).execute();
}

export async function listSecurityEvents(db: Executor, customerId: string, limit: number): Promise<SecurityEventRow[]> {
  return db.selectFrom('security_event').selectAll().where('customer_id', '=', customerId)
    .orderBy('id', 'desc').limit(limit).execute();
}

// Sign-in throttling

export async function findThrottle(db: Executor, key: string): Promise<SignInThrottleTable | undefined> {
  return db.selectFrom('sign_in_throttle').selectAll().where('key', '=', key).executeTakeFirst();
}

export async function saveThrottle(db: Executor, row: SignInThrottleTable): Promise<void> {
  await db.insertInto('sign_in_throttle').values(row)
    .onConflict((oc) => oc.column('key').doUpdateSet({ failures: row.failures, last_failure_at: row.last_failure_at, locked_until: row.locked_until }))
    .execute();
}

export async function clearThrottle(db: Executor, key: string): Promise<void> {
  await db.deleteFrom('sign_in_throttle').where('key', '=', key).execute();
}

export async function findLatestCodeForCustomer(db: Executor, purpose: CodePurpose, customerId: string): Promise<OneTimeCodeRow | undefined> {
  return db.selectFrom('one_time_code').selectAll()
    .where('purpose', '=', purpose).where('customer_id', '=', customerId)
    .orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
}
