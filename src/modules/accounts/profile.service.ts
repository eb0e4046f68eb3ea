import { inTransaction, isUniqueViolation, type Executor } from '../../platform/db/database.js';
import { DomainError, NotFoundError } from '../../platform/errors.js';
import { hashPassword, verifyPassword } from '../../platform/crypto.js';
import type { Language } from '../../platform/i18n.js';
import { TEMPLATE_WORDS } from '../notifications/index.js';
import { checkPasswordPolicy, maskContact, parseContact, type Contact } from './accounts.js';
import type { AccountsDeps, RequestMeta } from './accounts.context.js';
import { accountsErrors } from './accounts.errors.js';
import {
  findCustomerByContact, findCustomerById, findCustomersByIds, listLiveSessions, listSecurityEvents, revokeCustomerSessions, revokeSession,
  updateCustomer, type CustomerRow, type SecurityEventRow, type SessionRow,
} from './accounts.repository.js';
import type { CodesService } from './codes.service.js';
import { notifyAllContacts } from './contacts.js';
import { recordSecurityEvent } from './security-events.js';
import type { ThrottleService } from './throttle.service.js';

export interface ProfilePatch {
  readonly name?: string | null;
  readonly language?: Language;
  readonly currency?: string | null;
  readonly marketingOptIn?: boolean;
}

const LIST_LIMIT = 50;

/** The signed-in customer's own profile, password, contacts, sessions and security history. */
export function createProfileService(deps: AccountsDeps, codes: CodesService, throttle: ThrottleService) {
  const { database, clock, config, ids } = deps;
  const db = database.db;

  /** Reads with `executor` when given, so that other modules can call it inside their transaction. */
  async function getCustomer(customerId: string, executor: Executor = db): Promise<CustomerRow> {
    const customer = await findCustomerById(executor, customerId);
    if (customer === undefined) throw new NotFoundError('customer');
    return customer;
  }

  /** Checks the current password, counting a wrong one like a failed sign-in. */
  async function confirmPassword(customer: CustomerRow, password: string, meta: RequestMeta): Promise<void> {
    const key = customer.email ?? customer.phone ?? customer.id;
    await throttle.assertNotLocked(db, key, meta.ip);
    if (!(await verifyPassword(password, customer.password_hash))) {
      await inTransaction(db, async (tx) => {
        const failures = await throttle.recordFailure(tx, key, meta.ip);
        await recordSecurityEvent(tx, ids, clock, 'sign_in_failed', customer.id, meta, { method: 'password_confirmation', failures });
      });
      throw accountsErrors.invalidCredentials();
    }
  }

  async function updateProfile(customerId: string, patch: ProfilePatch): Promise<CustomerRow> {
    await getCustomer(customerId);
    await updateCustomer(db, customerId, {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.language !== undefined ? { language: patch.language } : {}),
      ...(patch.currency !== undefined ? { currency: patch.currency } : {}),
      ...(patch.marketingOptIn !== undefined ? { marketing_opt_in: patch.marketingOptIn ? 1 : 0 } : {}),
      updated_at: clock.nowMs(),
    });
    return getCustomer(customerId);
  }

  async function changePassword(customerId: string, sessionId: string, currentPassword: string, newPassword: string, meta: RequestMeta): Promise<void> {
    const customer = await getCustomer(customerId);
    checkPasswordPolicy(newPassword);
    await confirmPassword(customer, currentPassword, meta);
    const passwordHash = await hashPassword(newPassword, config.scrypt);
    await inTransaction(db, async (tx) => {
      const nowMs = clock.nowMs();
      await updateCustomer(tx, customerId, { password_hash: passwordHash, updated_at: nowMs });
      // Other devices are signed out; the one that changed the password stays signed in.
      await revokeCustomerSessions(tx, customerId, nowMs, sessionId);
      await recordSecurityEvent(tx, ids, clock, 'password_changed', customerId, meta);
      await notifyAllContacts(deps, tx, customer, 'accounts.password_changed', {});
    });
  }

  async function requestContactChange(customerId: string, input: { contact: string; country?: string; password: string }, meta: RequestMeta): Promise<{ channel: 'sms' | 'email'; sentTo: string }> {
    const customer = await getCustomer(customerId);
    const contact = parseContact(input.contact, input.country);
    if (customer[contact.kind] === contact.value) throw accountsErrors.contactUnchanged();
    await confirmPassword(customer, input.password, meta);
    const owner = await findCustomerByContact(db, contact.kind, contact.value);
    if (owner !== undefined && owner.id !== customerId) {
      throw new DomainError('accounts.contact_taken');
    }
    await inTransaction(db, async (tx) => {
      await codes.issue(tx, { purpose: 'change_contact', contact, customerId, language: customer.language as Language, meta, payload: contact });
      await recordSecurityEvent(tx, ids, clock, 'contact_change_requested', customerId, meta, { channel: contact.kind });
    });
    return { channel: contact.kind === 'phone' ? 'sms' : 'email', sentTo: contact.value };
  }

  async function confirmContactChange(customerId: string, code: string, meta: RequestMeta): Promise<CustomerRow> {
    const row = await codes.checkForCustomer(db, 'change_contact', customerId, code);
    const contact = JSON.parse(row.payload ?? 'null') as Contact;
    try {
      await inTransaction(db, async (tx) => {
        await codes.consume(tx, row.id);
        const before = await findCustomerById(tx, customerId);
        if (before === undefined) throw new NotFoundError('customer');
        const nowMs = clock.nowMs();
        await updateCustomer(tx, customerId, contact.kind === 'email'
          ? { email: contact.value, email_verified_at: nowMs, updated_at: nowMs }
          : { phone: contact.value, phone_country: contact.country, phone_verified_at: nowMs, updated_at: nowMs });
        await recordSecurityEvent(tx, ids, clock, 'contact_changed', customerId, meta, { channel: contact.kind });
        // The contacts known before the change are told, so a hijack does not go unnoticed.
        const language = before.language as Language;
        await notifyAllContacts(deps, tx, before, 'accounts.contact_changed', { kind: TEMPLATE_WORDS[contact.kind][language], masked: maskContact(contact) });
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new DomainError('accounts.contact_taken');
      throw error;
    }
    return getCustomer(customerId);
  }

  return {
    getCustomer,
    /** Many customers by id in one read (renewals in batches); unknown ids are absent from the map. */
    async getCustomers(executor: Executor, customerIds: readonly string[]): Promise<Map<string, CustomerRow>> {
      const unique = [...new Set(customerIds)];
      const rows: CustomerRow[] = [];
      for (let i = 0; i < unique.length; i += 1000) rows.push(...await findCustomersByIds(executor, unique.slice(i, i + 1000)));
      return new Map(rows.map((row) => [row.id, row]));
    },
    updateProfile,
    changePassword,
    requestContactChange,
    confirmContactChange,
    listSessions: (customerId: string): Promise<SessionRow[]> => listLiveSessions(db, customerId, clock.nowMs(), LIST_LIMIT),
    async revokeSession(customerId: string, sessionId: string, meta: RequestMeta): Promise<void> {
      const revoked = await revokeSession(db, customerId, sessionId, clock.nowMs());
      if (revoked === 0) throw new NotFoundError('session');
      await recordSecurityEvent(db, ids, clock, 'sign_out', customerId, meta, { sessionId });
    },
    listSecurityEvents: (customerId: string): Promise<SecurityEventRow[]> => listSecurityEvents(db, customerId, LIST_LIMIT),
  };
}

export type ProfileService = ReturnType<typeof createProfileService>;
