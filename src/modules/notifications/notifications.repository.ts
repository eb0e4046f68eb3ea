import type { Executor } from '../../platform/db/database.js';
import type { Channel, Category, DeliveryStatus, Transport } from './notifications.js';

export interface NotificationTable {
  id: string;
  customer_id: string | null;
  channel: Channel;
  recipient: string;
  template: string;
  language: string;
  category: Category;
  subject: string;
  /** The SMS or the e-mail's plain text; erased ('') once a real channel took a sensitive message. */
  body: string;
  html: string | null;
  sensitive: number;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  /** The transport that handled the message (set at the first attempt). */
  transport: Transport | null;
  provider_message_id: string | null;
  /** Not before this instant (end of the SMS quiet hours); null when it may go at once. */
  deliver_after: number | null;
  last_attempt_at: number | null;
  created_at: number;
  sent_at: number | null;
  delivered_at: number | null;
  updated_at: number | null;
}

export type PartStatus = 'sent' | 'delivered' | 'failed';

/** One SMS segment (or one whole message) as the next hop identified it. */
export interface NotificationPartTable {
  notification_id: string;
  part: number;
  transport: Transport;
  provider_message_id: string;
  status: PartStatus;
  detail: string | null;
  updated_at: number;
}

declare module '../../platform/db/schema.js' {
  interface Tables {
    notification: NotificationTable;
    notification_part: NotificationPartTable;
  }
}

export type NotificationRow = NotificationTable;

export async function insertNotification(db: Executor, row: NotificationTable): Promise<void> {
  await db.insertInto('notification').values(row).execute();
}

export async function findNotification(db: Executor, id: string): Promise<NotificationRow | undefined> {
  return db.selectFrom('notification').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Records that an attempt starts (the intent, before the network call); false when no longer queued. */
export async function recordAttempt(db: Executor, id: string, transport: Transport, nowMs: number): Promise<boolean> {
  const result = await db.updateTable('notification')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), last_attempt_at: nowMs, transport, updated_at: nowMs }))
    .where('id', '=', id).where('status', '=', 'queued')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export interface SentOutcome {
  readonly providerMessageId: string | null;
  /** Erase the body (a sensitive message a real channel took). */
  readonly scrub: boolean;
}

export async function markSent(db: Executor, id: string, nowMs: number, outcome: SentOutcome): Promise<boolean> {
  const result = await db.updateTable('notification')
    .set({
      status: 'sent', sent_at: nowMs, updated_at: nowMs, last_error: null, provider_message_id: outcome.providerMessageId,
      ...(outcome.scrub ? { body: '', html: null } : {}),
    })
    .where('id', '=', id).where('status', '=', 'queued')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** queued or sent -> failed, for good. */
export async function markFailed(db: Executor, id: string, nowMs: number, error: string, scrub: boolean): Promise<boolean> {
  const result = await db.updateTable('notification')
    .set({ status: 'failed', last_error: error.slice(0, 1000), updated_at: nowMs, ...(scrub ? { body: '', html: null } : {}) })
    .where('id', '=', id).where('status', 'in', ['queued', 'sent'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function markDelivered(db: Executor, id: string, nowMs: number): Promise<boolean> {
  const result = await db.updateTable('notification')
    .set({ status: 'delivered', delivered_at: nowMs, updated_at: nowMs })
    .where('id', '=', id).where('status', '=', 'sent')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Keeps the error of an attempt that will be retried; the message stays queued. */
export async function recordAttemptError(db: Executor, id: string, nowMs: number, error: string): Promise<void> {
  await db.updateTable('notification')
    .set({ last_error: error.slice(0, 1000), updated_at: nowMs })
    .where('id', '=', id).where('status', '=', 'queued')
    .execute();
}

export async function markSuppressed(db: Executor, id: string, nowMs: number, reason: string): Promise<boolean> {
  const result = await db.updateTable('notification')
    .set({ status: 'suppressed', last_error: reason, updated_at: nowMs })
    .where('id', '=', id).where('status', '=', 'queued')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertParts(db: Executor, rows: readonly NotificationPartTable[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto('notification_part').values([...rows]).onConflict((oc) => oc.columns(['notification_id', 'part']).doNothing()).execute();
}

/**
 * Applies a receipt to the newest still-open part with this provider id; returns its message's
 * id, or undefined when no open part matches (not recorded yet, or already settled).
 */
export async function settlePart(
  db: Executor, transport: Transport, providerMessageId: string, status: 'delivered' | 'failed', detail: string, nowMs: number,
): Promise<string | undefined> {
  const part = await db.selectFrom('notification_part').select(['notification_id', 'part'])
    .where('provider_message_id', '=', providerMessageId).where('transport', '=', transport).where('status', '=', 'sent')
    .orderBy('notification_id', 'desc').limit(1)
    .executeTakeFirst();
  if (part === undefined) return undefined;
  const result = await db.updateTable('notification_part')
    .set({ status, detail, updated_at: nowMs })
    .where('notification_id', '=', part.notification_id).where('part', '=', part.part).where('status', '=', 'sent')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1 ? part.notification_id : undefined;
}

export async function listParts(db: Executor, notificationId: string): Promise<Array<Pick<NotificationPartTable, 'part' | 'status' | 'detail'>>> {
  return db.selectFrom('notification_part').select(['part', 'status', 'detail'])
    .where('notification_id', '=', notificationId).orderBy('part').execute();
}

/** Newest first; bounded. `recipient` filters by exact address when given. */
export async function listNotifications(db: Executor, recipient: string | undefined, limit: number): Promise<NotificationRow[]> {
  return db.selectFrom('notification').selectAll()
    .$if(recipient !== undefined, (qb) => qb.where('recipient', '=', recipient ?? ''))
    .orderBy('id', 'desc').limit(limit).execute();
}
