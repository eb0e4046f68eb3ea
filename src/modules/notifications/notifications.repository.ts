import type { Executor } from '../../platform/db/database.js';
import type { Channel, Category, DeliveryStatus } from './notifications.js';

export interface NotificationTable {
  id: string;
  customer_id: string | null;
  channel: Channel;
  recipient: string;
  template: string;
  language: string;
  category: Category;
  subject: string;
  body: string;
  sensitive: number;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

declare module '../../platform/db/schema.js' {
  interface Tables {
    notification: NotificationTable;
  }
}

export type NotificationRow = NotificationTable;

export async function insertNotification(db: Executor, row: NotificationTable): Promise<void> {
  await db.insertInto('notification').values(row).execute();
}

export async function findNotification(db: Executor, id: string): Promise<NotificationRow | undefined> {
  return db.selectFrom('notification').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function markNotificationSent(db: Executor, id: string, nowMs: number): Promise<void> {
  await db.updateTable('notification')
    .set((eb) => ({ status: 'sent', sent_at: nowMs, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id).where('status', '=', 'queued')
    .execute();
}

/** Newest first; bounded. `recipient` filters by exact address when given. */
export async function listNotifications(db: Executor, recipient: string | undefined, limit: number): Promise<NotificationRow[]> {
  return db.selectFrom('notification').selectAll()
    .$if(recipient !== undefined, (qb) => qb.where('recipient', '=', recipient ?? ''))
    .orderBy('id', 'desc').limit(limit).execute();
}
