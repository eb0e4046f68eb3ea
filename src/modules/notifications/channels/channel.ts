import type { Language } from '../../../platform/i18n.js';
import type { Category, Channel, Transport } from '../notifications.js';

/** A message as a channel sends it. */
export interface Deliverable {
  readonly id: string;
  readonly channel: Channel;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  /** E-mail only. */
  readonly html: string | null;
  readonly language: Language;
  readonly category: Category;
  /** Its body must not appear in logs or error texts. */
  readonly sensitive: boolean;
}

export interface SendOutcome {
  /** The ids the next hop gave the message: one per SMS segment for SMPP, none for the outbox. */
  readonly providerMessageIds: readonly string[];
}

/**
 * A delivery channel. `send` resolves when the next hop accepted the message. It throws
 * `PermanentDeliveryError` when retrying cannot help (the message is then marked `failed`), and
 * any other error when it may (the delivery job retries with backoff). Channels hold their
 * connections (SMTP pool, SMPP session) until `close()`.
 */
export interface ChannelSender {
  readonly transport: Transport;
  send(message: Deliverable): Promise<SendOutcome>;
  close(): Promise<void>;
}

/** A refusal that retrying will not change: an invalid address, a rejected destination. */
export class PermanentDeliveryError extends Error {
  override readonly name = 'PermanentDeliveryError';
}

/** A failure that may pass: connection lost, throttled, server busy, no answer in time. */
export class TransientDeliveryError extends Error {
  override readonly name = 'TransientDeliveryError';
}

/** A delivery receipt from the network for one segment or message. */
export interface DeliveryReceipt {
  readonly transport: Transport;
  readonly providerMessageId: string;
  readonly outcome: 'delivered' | 'failed';
  /** E.g. `UNDELIV err:001`; never the message text. */
  readonly detail: string;
}

export type ReceiptSink = (receipt: DeliveryReceipt) => void;

export interface ChannelSet {
  readonly email: ChannelSender;
  readonly sms: ChannelSender;
  close(): Promise<void>;
}
