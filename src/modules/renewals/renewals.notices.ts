import type { Language } from '../../platform/i18n.js';
import type { CustomerRow } from '../accounts/index.js';
import type { OutgoingMessage, TemplateName } from '../notifications/index.js';

/**
 * The renewal lifecycle's messages go to the customer's verified contacts, in the customer's
 * language. None of them is urgent enough to wake anyone: SMS waits for the end of the quiet hours.
 */
export function noticesTo(customer: CustomerRow, template: TemplateName, params: Readonly<Record<string, string>>): OutgoingMessage[] {
  const language = customer.language as Language;
  const base = { template, language, params, customerId: customer.id };
  const messages: OutgoingMessage[] = [];
  if (customer.email !== null && customer.email_verified_at !== null) messages.push({ ...base, channel: 'email', to: customer.email });
  if (customer.phone !== null && customer.phone_verified_at !== null) messages.push({ ...base, channel: 'sms', to: customer.phone, respectQuietHours: true });
  return messages;
}

/** An instant as messages show it: date and time in UTC, in the customer's language. */
export function formatInstant(atMs: number, language: Language): string {
  let format = formats.get(language);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
    formats.set(language, format);
  }
  return `${format.format(atMs)} UTC`;
}

const formats = new Map<Language, Intl.DateTimeFormat>();

export const lineUrl = (publicUrl: string, lineId: string): string => new URL(`/lines/${lineId}`, publicUrl).toString();
export const orderUrl = (publicUrl: string, orderId: string): string => new URL(`/orders/${orderId}`, publicUrl).toString();
