import type { Executor } from '../../platform/db/database.js';
import type { Language } from '../../platform/i18n.js';
import type { TemplateName } from '../notifications/index.js';
import type { AccountsDeps } from './accounts.context.js';
import type { CustomerRow } from './accounts.repository.js';

/** Queues a security notice to every verified contact of the customer, in their language. */
export async function notifyAllContacts(
  deps: AccountsDeps, db: Executor, customer: CustomerRow, template: TemplateName, params: Record<string, string>,
): Promise<void> {
  const language = customer.language as Language;
  if (customer.email !== null && customer.email_verified_at !== null) {
    await deps.notifications.queue(db, { channel: 'email', to: customer.email, template, language, params, customerId: customer.id });
  }
  if (customer.phone !== null && customer.phone_verified_at !== null) {
    await deps.notifications.queue(db, { channel: 'sms', to: customer.phone, template, language, params, customerId: customer.id });
  }
}
