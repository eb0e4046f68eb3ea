import { inTransaction } from '../../platform/db/database.js';
import type { PlatformContext } from '../../platform/context.js';
import type { Job, JobHandler } from '../../platform/jobs/index.js';
import type { Language } from '../../platform/i18n.js';
import type { FindRecipientProfile, Transport } from './notifications.js';
import { PermanentDeliveryError, type ChannelSet, type Deliverable, type DeliveryReceipt } from './channels/index.js';
import {
  findNotification, insertParts, listParts, markDelivered, markFailed, markSent, markSuppressed, recordAttempt,
  recordAttemptError, settlePart, type NotificationRow,
} from './notifications.repository.js';

export const DELIVER_JOB = 'notifications.deliver';

/** Transports whose delivery receipts we read: their message ids are kept per segment. */
const RECEIPT_TRANSPORTS: ReadonlySet<Transport> = new Set(['smpp', 'http']);
/** A receipt can overtake the commit of the send it reports on; it is tried again after these delays. */
const RECEIPT_RETRY_DELAYS_MS = [250, 1_000, 5_000] as const;

function deliverableOf(row: NotificationRow): Deliverable {
  return {
    id: row.id, channel: row.channel, to: row.recipient, subject: row.subject, text: row.body, html: row.html,
    language: row.language as Language, category: row.category, sensitive: row.sensitive === 1,
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Delivery of stored messages: the job handler that sends one message, and the application of
 * delivery receipts. No database transaction is open during a network call: the attempt is
 * recorded first, then the call, then its outcome.
 */
export function createDelivery(ctx: PlatformContext, channels: ChannelSet, findRecipientProfile: FindRecipientProfile | undefined) {
  const { database, clock, log } = ctx;
  const db = database.db;
  const pendingReceipts = new Set<NodeJS.Timeout>();
  let closed = false;

  async function stillOptedIn(customerId: string | null): Promise<boolean> {
    if (customerId === null || findRecipientProfile === undefined) return false;
    return (await findRecipientProfile(db, customerId))?.marketingOptIn === true;
  }

  const deliver: JobHandler = async (job: Job) => {
    const { notificationId } = job.payload as { notificationId: string };
    const row = await findNotification(db, notificationId);
    if (row === undefined || row.status !== 'queued') return;
    const logged = { notificationId, template: row.template, channel: row.channel };
    // Consent is checked again at sending time: an opt-out while the message waited counts.
    if (row.category === 'marketing' && !(await stillOptedIn(row.customer_id))) {
      await markSuppressed(db, row.id, clock.nowMs(), 'the customer does not accept marketing messages');
      return;
    }
    const sender = channels[row.channel];
    if (!(await recordAttempt(db, row.id, sender.transport, clock.nowMs()))) return;
    // Only the outbox keeps the text of a one-time code; anywhere else it is erased once handed on.
    const scrub = row.sensitive === 1 && sender.transport !== 'outbox';
    let providerMessageIds: readonly string[];
    try {
      ({ providerMessageIds } = await sender.send(deliverableOf(row)));
    } catch (error) {
      const text = errorText(error);
      if (error instanceof PermanentDeliveryError) {
        await markFailed(db, row.id, clock.nowMs(), text, scrub);
        log.warn({ ...logged, transport: sender.transport, err: text }, 'notification refused for good');
        return;
      }
      if (job.attempts >= job.maxAttempts) {
        await markFailed(db, row.id, clock.nowMs(), `gave up after ${job.attempts} attempts: ${text}`, scrub);
        log.error({ ...logged, transport: sender.transport, err: text }, 'notification failed after every retry');
      } else {
        await recordAttemptError(db, row.id, clock.nowMs(), text);
      }
      throw error;
    }
    const nowMs = clock.nowMs();
    await inTransaction(db, async (tx) => {
      await markSent(tx, row.id, nowMs, { providerMessageId: providerMessageIds[0] ?? null, scrub });
      if (!RECEIPT_TRANSPORTS.has(sender.transport)) return;
      await insertParts(tx, providerMessageIds.map((id, i) => ({
        notification_id: row.id, part: i + 1, transport: sender.transport, provider_message_id: id, status: 'sent' as const, detail: null, updated_at: nowMs,
      })));
    });
    log.info({ ...logged, transport: sender.transport, parts: providerMessageIds.length }, 'notification sent');
  };

  /** A message is delivered when every segment is, failed as soon as one segment failed. */
  async function settleMessage(notificationId: string, detail: string): Promise<void> {
    const parts = await listParts(db, notificationId);
    const nowMs = clock.nowMs();
    if (parts.some((p) => p.status === 'failed')) await markFailed(db, notificationId, nowMs, `delivery receipt: ${detail}`, false);
    else if (parts.length > 0 && parts.every((p) => p.status === 'delivered')) await markDelivered(db, notificationId, nowMs);
  }

  /** Applies a receipt if its message is known; false when no open segment has that id. */
  async function applyReceiptOnce(receipt: DeliveryReceipt): Promise<boolean> {
    const notificationId = await settlePart(db, receipt.transport, receipt.providerMessageId, receipt.outcome, receipt.detail, clock.nowMs());
    if (notificationId === undefined) return false;
    await settleMessage(notificationId, receipt.detail);
    log.info({ notificationId, transport: receipt.transport, outcome: receipt.outcome }, 'delivery receipt applied');
    return true;
  }

  async function applyReceipt(receipt: DeliveryReceipt, attempt = 0): Promise<void> {
    if (closed || (await applyReceiptOnce(receipt))) return;
    const delayMs = RECEIPT_RETRY_DELAYS_MS[attempt];
    if (delayMs === undefined) {
      log.warn({ transport: receipt.transport, providerMessageId: receipt.providerMessageId }, 'delivery receipt for an unknown message ignored');
      return;
    }
    const timer = setTimeout(() => {
      pendingReceipts.delete(timer);
      void applyReceipt(receipt, attempt + 1).catch((error: unknown) => log.error({ err: errorText(error) }, 'delivery receipt not applied'));
    }, delayMs);
    timer.unref();
    pendingReceipts.add(timer);
  }

  return {
    deliver,
    /** Receipts arrive on the channel's connection, outside any request: errors are logged, not thrown. */
    onReceipt(receipt: DeliveryReceipt): void {
      void applyReceipt(receipt).catch((error: unknown) => log.error({ err: errorText(error) }, 'delivery receipt not applied'));
    },
    applyReceiptOnce,
    close(): void {
      closed = true;
      for (const timer of pendingReceipts) clearTimeout(timer);
      pendingReceipts.clear();
    },
  };
}
