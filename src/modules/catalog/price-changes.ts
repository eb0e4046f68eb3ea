import { isLanguage, type Language } from '../../platform/i18n.js';
import { formatMoney, type Currency } from '../../platform/money.js';
import type { CustomerRow } from '../accounts/index.js';
import type { OutgoingMessage } from '../notifications/index.js';
import { selectPrice, type Plan, type PriceVersion } from './catalog.js';

/**
 * Pure rules of price change notices: what existing subscribers are told (old and new price, the
 * stated date) and on which channels. No I/O.
 */

export const PRICE_NOTICE_TEMPLATE = 'catalog.price_change_notice';

/** One currency of a change, as subscribers see it: what they pay before and from the stated date. */
export interface SubscriberPriceStep {
  readonly currency: Currency;
  readonly oldAmountMinor: number;
  readonly newAmountMinor: number;
}

/** A price change with everything a notice needs. */
export interface NoticeableChange {
  readonly id: string;
  readonly plan: Plan;
  readonly effectiveAtMs: number;
  readonly subscriberEffectiveAtMs: number;
  /** Only the currencies whose subscriber price changes, in currency order. */
  readonly steps: readonly SubscriberPriceStep[];
}

/**
 * For each version of the change: what an existing subscriber paid just before the stated date
 * (the plan's other versions) and what they pay from it; currencies that do not change for them
 * (a new currency, the same amount) are left out.
 */
export function subscriberSteps(plan: Plan, changeVersions: readonly PriceVersion[]): SubscriberPriceStep[] {
  const changeIds = new Set(changeVersions.map((v) => v.id));
  const others = plan.prices.filter((v) => !changeIds.has(v.id));
  const steps: SubscriberPriceStep[] = [];
  for (const version of [...changeVersions].sort((a, b) => a.currency.localeCompare(b.currency))) {
    const before = selectPrice(others, version.currency, { atMs: version.subscriberEffectiveAtMs, existingSubscriber: true });
    if (before !== undefined && before.amountMinor !== version.amountMinor) {
      steps.push({ currency: version.currency, oldAmountMinor: before.amountMinor, newAmountMinor: version.amountMinor });
    }
  }
  return steps;
}

const dateFormats = new Map<Language, Intl.DateTimeFormat>();

/** The stated date as the notice shows it: a date and time in UTC, in the customer's language. */
export function formatNoticeInstant(atMs: number, language: Language): string {
  let format = dateFormats.get(language);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(language, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });
    dateFormats.set(language, format);
  }
  return `${format.format(atMs)} UTC`;
}

/**
 * The template's parameters for one customer: the plan's name, the old and new price in the
 * customer's preferred currency when the change has it (otherwise every currency of the change,
 * since the notice cannot know which one the customer renews in), and the stated date.
 */
export function noticeParams(change: NoticeableChange, customer: Pick<CustomerRow, 'currency'>, language: Language): Record<string, string> {
  const preferred = change.steps.filter((s) => s.currency === customer.currency);
  const shown = preferred.length > 0 ? preferred : change.steps;
  const join = (amount: (s: SubscriberPriceStep) => number): string =>
    shown.map((s) => formatMoney({ amountMinor: amount(s), currency: s.currency }, language)).join(' / ');
  return {
    plan: change.plan.texts.name[language],
    oldPrice: join((s) => s.oldAmountMinor),
    newPrice: join((s) => s.newAmountMinor),
    effective: formatNoticeInstant(change.subscriberEffectiveAtMs, language),
  };
}

/**
 * The notice of `change` to one customer: e-mail to a verified address and SMS to a verified
 * number (held during the recipient's quiet hours: a price notice is not urgent), in the customer's
 * language. Empty when the customer has no verified contact.
 */
export function priceNoticesTo(customer: CustomerRow, change: NoticeableChange): OutgoingMessage[] {
  if (change.steps.length === 0) return [];
  const language: Language = isLanguage(customer.language) ? customer.language : 'en';
  const base = { template: PRICE_NOTICE_TEMPLATE, language, params: noticeParams(change, customer, language), customerId: customer.id } as const;
  const messages: OutgoingMessage[] = [];
  if (customer.email !== null && customer.email_verified_at !== null) messages.push({ ...base, channel: 'email', to: customer.email });
  if (customer.phone !== null && customer.phone_verified_at !== null) messages.push({ ...base, channel: 'sms', to: customer.phone, respectQuietHours: true });
  return messages;
}
