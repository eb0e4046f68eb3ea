import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Executor } from '../../platform/db/database.js';
import type { PlatformContext } from '../../platform/context.js';
import { insertRows } from '../../platform/db/bulk.js';
import { enqueueJob, enqueueJobs, type JobHandler } from '../../platform/jobs/index.js';
import type { Category, DeliveryStatus, FindRecipientProfile, OutgoingMessage, RecipientProfile, Transport } from './notifications.js';
import { renderMessage } from './notifications.render.js';
import { templateOf } from './notifications.templates.js';
import { createChannels, type ChannelContext, type ChannelSet, type DeliveryReceipt } from './channels/index.js';
import { createDelivery, DELIVER_JOB } from './notifications.delivery.js';
import { findNotification, insertNotification, listNotifications, type NotificationRow } from './notifications.repository.js';
import { quietHoursReleaseMs, recipientTimeZones } from './quiet-hours.js';

export { DELIVER_JOB } from './notifications.delivery.js';
const OUTBOX_LIST_LIMIT = 100;

/** A message's delivery as other modules, staff and tests see it. */
export interface DeliveryView {
  readonly id: string;
  readonly channel: OutgoingMessage['channel'];
  readonly to: string;
  readonly template: string;
  readonly category: Category;
  readonly status: DeliveryStatus;
  readonly transport: Transport | null;
  readonly providerMessageId: string | null;
  readonly attempts: number;
  readonly lastError: string | null;
  /** When delivery may start (after the SMS quiet hours), or null for at once. */
  readonly deliverAfterMs: number | null;
  readonly sentAtMs: number | null;
  readonly deliveredAtMs: number | null;
}

export interface NotificationsService {
  /**
   * Renders and stores a message and enqueues its delivery with the caller's executor, so the
   * message exists exactly when the change that caused it commits. Marketing to a customer who
   * has not opted in is stored as `suppressed` and never sent. With `respectQuietHours`, an SMS
   * waits for the end of the recipient's night. Returns the message id (`msg_...`).
   */
  queue(db: Executor, message: OutgoingMessage): Promise<string>;
  /** `queue` for many messages with a few multi-row statements (batches of renewals); ids in order. */
  queueMany(db: Executor, messages: readonly OutgoingMessage[]): Promise<string[]>;
  /** The delivery status of one message, or undefined. */
  findDelivery(id: string): Promise<DeliveryView | undefined>;
  /** Messages kept by the outbox, newest first (development only). */
  listOutbox(recipient: string | undefined): Promise<NotificationRow[]>;
  /**
   * A delivery receipt reported over HTTP by the SMS gateway, naming the message by the gateway's
   * id or by our reference (the `msg_...` id sent with it); false when no sent message matches.
   */
  receiveGatewayReceipt(receipt: GatewayReceipt): Promise<boolean>;
  readonly jobHandlers: ReadonlyMap<string, JobHandler>;
  /** Closes the channels' connections (SMTP pool, SMPP session). */
  close(): Promise<void>;
}

export interface GatewayReceipt {
  readonly messageId?: string;
  readonly reference?: string;
  readonly status: 'delivered' | 'failed';
  readonly detail?: string;
}

export interface NotificationsDeps {
  /** Reads a customer's consent and time zone with the caller's executor; wired from accounts. */
  readonly recipientProfile?: FindRecipientProfile;
  /** Builds the channels; the configuration's by default. */
  readonly createChannels?: (context: ChannelContext) => ChannelSet;
}

function phoneCountry(to: string): string | undefined {
  return parsePhoneNumberFromString(to)?.country;
}

function viewOf(row: NotificationRow): DeliveryView {
  return {
    id: row.id, channel: row.channel, to: row.recipient, template: row.template, category: row.category, status: row.status,
    transport: row.transport, providerMessageId: row.provider_message_id, attempts: row.attempts, lastError: row.last_error,
    deliverAfterMs: row.deliver_after, sentAtMs: row.sent_at, deliveredAtMs: row.delivered_at,
  };
}

export function createNotificationsService(ctx: PlatformContext, deps: NotificationsDeps = {}): NotificationsService {
  const { config, clock, ids, log } = ctx;
  const settings = config.notifications;
  let delivery: ReturnType<typeof createDelivery> | undefined;
  const channelContext: ChannelContext = { log, publicUrl: config.publicUrl, onReceipt: (receipt) => delivery?.onReceipt(receipt) };
  const channels = deps.createChannels?.(channelContext) ?? createChannels(settings, channelContext);
  delivery = createDelivery(ctx, channels, deps.recipientProfile);
  const deliveryOf = delivery;

  async function profileOf(db: Executor, customerId: string | undefined): Promise<RecipientProfile | undefined> {
    if (customerId === undefined || deps.recipientProfile === undefined) return undefined;
    return deps.recipientProfile(db, customerId);
  }

  /** Renders a message into its row, and when its delivery may start (undefined: suppressed, never sent). */
  async function prepareMessage(db: Executor, message: OutgoingMessage): Promise<{ row: NotificationRow; releaseMs: number | undefined }> {
    const template = templateOf(message.template);
    const category: Category = template.category === 'marketing' ? 'marketing' : message.category ?? 'transactional';
    const holdForMorning = message.channel === 'sms' && message.respectQuietHours === true;
    const needsProfile = category === 'marketing' || holdForMorning;
    const profile = needsProfile ? await profileOf(db, message.customerId) : undefined;
    const suppressed = category === 'marketing' && profile?.marketingOptIn !== true;
    const rendered = renderMessage(message.template, message.language, message.params ?? {}, { channel: message.channel, category, publicUrl: config.publicUrl });
    const nowMs = clock.nowMs();
    const releaseMs = holdForMorning && !suppressed
      ? quietHoursReleaseMs(nowMs, recipientTimeZones(profile?.timeZone, phoneCountry(message.to)), settings.quietHours)
      : nowMs;
    const id = ids('msg');
    const row: NotificationRow = {
      id,
      customer_id: message.customerId ?? null,
      channel: message.channel,
      recipient: message.to,
      template: message.template,
      language: message.language,
      category,
      subject: rendered.subject,
      body: rendered.text,
      html: rendered.html ?? null,
      sensitive: message.sensitive === true ? 1 : 0,
      status: suppressed ? 'suppressed' : 'queued',
      attempts: 0,
      last_error: suppressed ? 'the customer does not accept marketing messages' : null,
      transport: null,
      provider_message_id: null,
      deliver_after: releaseMs > nowMs ? releaseMs : null,
      last_attempt_at: null,
      created_at: nowMs,
      sent_at: null,
      delivered_at: null,
      updated_at: nowMs,
    };
    return { row, releaseMs: suppressed ? undefined : releaseMs };
  }

  return {
    async queue(db, message) {
      const { row, releaseMs } = await prepareMessage(db, message);
      await insertNotification(db, row);
      if (releaseMs !== undefined) await enqueueJob(db, ids, clock, { kind: DELIVER_JOB, payload: { notificationId: row.id }, runAtMs: releaseMs });
      return row.id;
    },
    async queueMany(db, messages) {
      const prepared = [];
      for (const message of messages) prepared.push(await prepareMessage(db, message));
      await insertRows(db, 'notification', prepared.map((p) => p.row));
      await enqueueJobs(db, ids, clock, prepared.flatMap((p) => (p.releaseMs === undefined ? []
        : [{ kind: DELIVER_JOB, payload: { notificationId: p.row.id }, runAtMs: p.releaseMs }])));
      return prepared.map((p) => p.row.id);
    },
    findDelivery: async (id) => {
      const row = await findNotification(ctx.database.db, id);
      return row === undefined ? undefined : viewOf(row);
    },
    listOutbox: (recipient) => listNotifications(ctx.database.db, recipient, OUTBOX_LIST_LIMIT),
    async receiveGatewayReceipt(receipt) {
      for (const providerMessageId of [receipt.messageId, receipt.reference]) {
        if (providerMessageId === undefined) continue;
        const applied: DeliveryReceipt = { transport: 'http', providerMessageId, outcome: receipt.status, detail: receipt.detail ?? receipt.status };
        if (await deliveryOf.applyReceiptOnce(applied)) return true;
      }
      return false;
    },
    jobHandlers: new Map([[DELIVER_JOB, deliveryOf.deliver]]),
    async close() {
      deliveryOf.close();
      await channels.close();
    },
  };
}
