import type { Executor } from '../../platform/db/database.js';
import type { Language } from '../../platform/i18n.js';
import type { TemplateName } from './notifications.templates.js';

export const CHANNELS = ['sms', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

/** How a channel's messages leave: kept in the database (`outbox`), or sent over a protocol. */
export const TRANSPORTS = ['outbox', 'smtp', 'smpp', 'http'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** Transactional messages (codes, receipts, security notices) cannot be turned off; marketing can. */
export type Category = 'transactional' | 'marketing';

/**
 * Delivery status of one message, a state machine declared as data:
 * - `queued`: stored, its delivery job waits (possibly until the end of the SMS quiet hours);
 * - `sent`: the next hop (SMTP server, SMSC, HTTP gateway) accepted it, or the outbox kept it;
 * - `delivered`: a delivery receipt says the handset got it (SMS);
 * - `failed`: refused for good, a failed delivery receipt, or every retry used;
 * - `suppressed`: never sent, because the customer opted out of marketing.
 */
export const DELIVERY_STATUSES = ['queued', 'sent', 'delivered', 'failed', 'suppressed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const DELIVERY_TRANSITIONS: Readonly<Record<DeliveryStatus, readonly DeliveryStatus[]>> = {
  queued: ['sent', 'failed', 'suppressed'],
  sent: ['delivered', 'failed'],
  delivered: [],
  failed: [],
  suppressed: [],
};

export function canMove(from: DeliveryStatus, to: DeliveryStatus): boolean {
  return DELIVERY_TRANSITIONS[from].includes(to);
}

export interface OutgoingMessage {
  readonly channel: Channel;
  /** E.164 phone number for SMS, e-mail address for e-mail. */
  readonly to: string;
  readonly template: TemplateName;
  readonly language: Language;
  /** Every parameter the template documents (`TEMPLATES[template].params`); a missing one is a programmer error. */
  readonly params?: Readonly<Record<string, string>>;
  readonly customerId?: string;
  /**
   * A caller may mark a message marketing; a marketing template stays marketing whatever the
   * caller says. Marketing to a customer who opted out is recorded as `suppressed` and not sent.
   */
  readonly category?: Category;
  /** Contains a secret (a one-time code): the body is never logged, and is erased once a real channel took it. */
  readonly sensitive?: boolean;
  /**
   * SMS that can wait (reminders, marketing): not sent during the recipient's night (quiet hours,
   * 21:00-08:00 local by default); its delivery waits for the morning. E-mail is never held.
   */
  readonly respectQuietHours?: boolean;
}

/** What the notifications module needs to know about a customer; wired from the accounts module. */
export interface RecipientProfile {
  readonly marketingOptIn: boolean;
  /** IANA time zone chosen in the profile, when the profile has one. */
  readonly timeZone?: string | null;
}

export type FindRecipientProfile = (db: Executor, customerId: string) => Promise<RecipientProfile | undefined>;
