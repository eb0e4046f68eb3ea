import type { Executor } from '../../platform/db/database.js';
import type { PlatformContext } from '../../platform/context.js';
import { enqueueJob, type JobHandler } from '../../platform/jobs/index.js';
import { renderMessage, type OutgoingMessage } from './notifications.js';
import { outboxChannel, type ChannelSender } from './notifications.channels.js';
import { findNotification, insertNotification, listNotifications, markNotificationSent, type NotificationRow } from './notifications.repository.js';

export const DELIVER_JOB = 'notifications.deliver';
const OUTBOX_LIST_LIMIT = 100;

export interface NotificationsService {
  /**
   * Renders and stores a message and enqueues its delivery with the caller's executor, so the
   * message exists exactly when the change that caused it commits.
   */
  queue(db: Executor, message: OutgoingMessage): Promise<string>;
  /** Messages kept by the outbox, newest first (development only). */
  listOutbox(recipient: string | undefined): Promise<NotificationRow[]>;
  readonly jobHandlers: ReadonlyMap<string, JobHandler>;
}

export function createNotificationsService(ctx: PlatformContext, channel: ChannelSender = outboxChannel): NotificationsService {
  const deliver: JobHandler = async (job) => {
    const { notificationId } = job.payload as { notificationId: string };
    const row = await findNotification(ctx.database.db, notificationId);
    if (row === undefined || row.status !== 'queued') return;
    await channel.send(row);
    await markNotificationSent(ctx.database.db, row.id, ctx.clock.nowMs());
  };

  return {
    async queue(db, message) {
      const rendered = renderMessage(message.template, message.language, message.params);
      const id = ctx.ids('msg');
      await insertNotification(db, {
        id,
        customer_id: message.customerId ?? null,
        channel: message.channel,
        recipient: message.to,
        template: message.template,
        language: message.language,
        category: message.category ?? 'transactional',
        subject: rendered.subject,
        body: rendered.text,
        sensitive: message.sensitive === true ? 1 : 0,
        status: 'queued',
        attempts: 0,
        last_error: null,
        created_at: ctx.clock.nowMs(),
        sent_at: null,
      });
      await enqueueJob(db, ctx.ids, ctx.clock, { kind: DELIVER_JOB, payload: { notificationId: id } });
      return id;
    },
    listOutbox: (recipient) => listNotifications(ctx.database.db, recipient, OUTBOX_LIST_LIMIT),
    jobHandlers: new Map([[DELIVER_JOB, deliver]]),
  };
}
