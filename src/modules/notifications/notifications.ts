import type { Language } from '../../platform/i18n.js';
import { TEMPLATES, type TemplateName } from './notifications.templates.js';

export const CHANNELS = ['sms', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Transactional messages (codes, receipts, security notices) cannot be turned off; marketing can. */
export type Category = 'transactional' | 'marketing';

export const DELIVERY_STATUSES = ['queued', 'sent', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface OutgoingMessage {
  readonly channel: Channel;
  /** E.164 phone number for SMS, e-mail address for e-mail. */
  readonly to: string;
  readonly template: TemplateName;
  readonly language: Language;
  readonly params?: Readonly<Record<string, string>>;
  readonly customerId?: string;
  readonly category?: Category;
  /** Contains a secret (a one-time code): the body is never logged. */
  readonly sensitive?: boolean;
}

export interface RenderedMessage {
  readonly subject: string;
  readonly text: string;
}

/** Fills a template's placeholders; an unknown placeholder is left visible rather than dropped. */
export function renderMessage(template: TemplateName, language: Language, params: Readonly<Record<string, string>> = {}): RenderedMessage {
  const source = TEMPLATES[template][language];
  const fill = (text: string): string => text.replace(/\{(\w+)\}/g, (whole, key: string) => params[key] ?? whole);
  return { subject: fill(source.subject), text: fill(source.text) };
}
