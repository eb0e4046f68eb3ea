import { inTransaction, isUniqueViolation } from '../../platform/db/database.js';
import { hashPassword, verifyPassword } from '../../platform/crypto.js';
import type { Language } from '../../platform/i18n.js';
import { checkPasswordPolicy, parseContact, type Contact } from './accounts.js';
import type { AccountsDeps, RequestMeta } from './accounts.context.js';
import { accountsErrors } from './accounts.errors.js';
import {
  findCustomerByContact, findCustomerById, insertCustomer, revokeCustomerSessions, revokeSession, updateCustomer,
  type CustomerRow,
} from './accounts.repository.js';
import type { CodesService } from './codes.service.js';
import { recordSecurityEvent } from './security-events.js';
import type { SessionsService } from './sessions.service.js';
import type { ThrottleService } from './throttle.service.js';
import { notifyAllContacts } from './contacts.js';

export interface ContactInput {
  readonly contact: string;
  /** ISO country for phone numbers typed in a local format. */
  readonly country?: string;
}

export interface SignedIn {
  readonly customer: CustomerRow;
  readonly token: string;
  readonly sessionId: string;
  readonly expiresAtMs: number;
}

/** What a code request answers, the same whether or not the destination has an account. */
export interface CodeRequested {
  readonly channel: 'sms' | 'email';
  readonly sentTo: string;
}

/** Whether this contact of the customer was proven (by a code) to belong to them. */
export function isContactVerified(customer: CustomerRow, contact: Contact): boolean {
  return contact.kind === 'email'
    ? customer.email === contact.value && customer.email_verified_at !== null
    : customer.phone === contact.value && customer.phone_verified_at !== null;
}

export function createSignInService(deps: AccountsDeps, codes: CodesService, sessions: SessionsService, throttle: ThrottleService) {
  const { database, clock, config, ids } = deps;
  const db = database.db;
  let dummyHash: Promise<string> | undefined;
  const answer = (contact: Contact): CodeRequested => ({ channel: contact.kind === 'phone' ? 'sms' : 'email', sentTo: contact.value });

  /** Finds the active customer whose verified contact this is. */
  async function findVerifiedOwner(contact: Contact): Promise<CustomerRow | undefined> {
    const customer = await findCustomerByContact(db, contact.kind, contact.value);
    return customer !== undefined && customer.status === 'active' && isContactVerified(customer, contact) ? customer : undefined;
  }

  async function register(input: ContactInput & { password: string; language: Language; name?: string }, meta: RequestMeta): Promise<CodeRequested> {
    const contact = parseContact(input.contact, input.country);
    checkPasswordPolicy(input.password);
    const passwordHash = await hashPassword(input.password, config.scrypt);
    const attempt = () => inTransaction(db, async (tx) => {
      const existing = await findCustomerByContact(tx, contact.kind, contact.value);
      const nowMs = clock.nowMs();
      if (existing !== undefined && existing.status === 'active') {
        // Same answer as a new registration; the owner is told instead of a code being sent.
        await codes.issue(tx, { purpose: 'verify_contact', contact, customerId: existing.id, language: existing.language as Language, meta, replacementTemplate: 'accounts.already_registered' });
        return;
      }
      // An unverified registration proves nothing about who owns the contact: the newest one wins.
      const customerId = existing?.id ?? ids('cus');
      if (existing === undefined) {
        await insertCustomer(tx, {
          id: customerId, status: 'pending', email: contact.kind === 'email' ? contact.value : null, email_verified_at: null,
          phone: contact.kind === 'phone' ? contact.value : null, phone_country: contact.kind === 'phone' ? contact.country : null,
          phone_verified_at: null, password_hash: passwordHash, name: input.name ?? null, language: input.language,
          currency: null, marketing_opt_in: 0, created_at: nowMs, updated_at: nowMs,
        });
      } else {
        await updateCustomer(tx, customerId, { password_hash: passwordHash, language: input.language, name: input.name ?? existing.name, updated_at: nowMs });
      }
      await codes.issue(tx, { purpose: 'verify_contact', contact, customerId, language: input.language, meta });
      await recordSecurityEvent(tx, ids, clock, 'registered', customerId, meta, { channel: contact.kind });
    });
    try {
      await attempt();
    } catch (error) {
      // Two registrations of one contact at once: the loser retries and sees the winner's row.
      if (!isUniqueViolation(error)) throw error;
      await attempt();
    }
    return answer(contact);
  }

  async function verifyContact(input: ContactInput & { code: string }, meta: RequestMeta): Promise<SignedIn> {
    const contact = parseContact(input.contact, input.country);
    const code = await codes.checkForDestination(db, 'verify_contact', contact.value, input.code);
    return inTransaction(db, async (tx) => {
      await codes.consume(tx, code.id);
      const customerId = code.customer_id ?? '';
      const customer = await findCustomerById(tx, customerId);
      if (customer === undefined || customer[contact.kind] !== contact.value) throw accountsErrors.codeInvalid();
      const nowMs = clock.nowMs();
      await updateCustomer(tx, customerId, {
        status: 'active', updated_at: nowMs,
        ...(contact.kind === 'email' ? { email_verified_at: nowMs } : { phone_verified_at: nowMs }),
      });
      await recordSecurityEvent(tx, ids, clock, 'contact_verified', customerId, meta, { channel: contact.kind });
      const session = await sessions.start(tx, customerId, meta);
      await recordSecurityEvent(tx, ids, clock, 'sign_in', customerId, meta, { method: 'verification' });
      return { customer: (await findCustomerById(tx, customerId)) ?? customer, ...session };
    });
  }

  async function signInWithPassword(input: ContactInput & { password: string }, meta: RequestMeta): Promise<SignedIn> {
    const contact = parseContact(input.contact, input.country);
    await throttle.assertNotLocked(db, contact.value, meta.ip);
    const customer = await findCustomerByContact(db, contact.kind, contact.value);
    // Unknown contacts cost the same scrypt work as known ones, so timing does not tell them apart.
    dummyHash ??= hashPassword('not-a-real-password', config.scrypt);
    const passwordOk = await verifyPassword(input.password, customer?.password_hash ?? (await dummyHash));
    if (customer === undefined || !passwordOk) {
      await inTransaction(db, async (tx) => {
        const failures = await throttle.recordFailure(tx, contact.value, meta.ip);
        await recordSecurityEvent(tx, ids, clock, 'sign_in_failed', customer?.id ?? null, meta, { method: 'password', failures });
        if (customer !== undefined && failures === 5) {
          await recordSecurityEvent(tx, ids, clock, 'sign_in_locked', customer.id, meta, { failures });
          await notifyAllContacts(deps, tx, customer, 'accounts.sign_in_locked', {});
        }
      });
      throw accountsErrors.invalidCredentials();
    }
    if (customer.status !== 'active' || !isContactVerified(customer, contact)) throw accountsErrors.notVerified();
    return inTransaction(db, async (tx) => {
      await throttle.recordSuccess(tx, contact.value);
      const session = await sessions.start(tx, customer.id, meta);
      await recordSecurityEvent(tx, ids, clock, 'sign_in', customer.id, meta, { method: 'password' });
      return { customer, ...session };
    });
  }

  async function requestSignInCode(input: ContactInput, meta: RequestMeta): Promise<CodeRequested> {
    const contact = parseContact(input.contact, input.country);
    if (contact.kind !== 'phone') throw accountsErrors.smsRequired();
    const owner = await findVerifiedOwner(contact);
    await inTransaction(db, async (tx) => {
      await codes.issue(tx, { purpose: 'login', contact, customerId: owner?.id ?? null, language: (owner?.language ?? 'en') as Language, meta });
      if (owner !== undefined) await recordSecurityEvent(tx, ids, clock, 'code_sent', owner.id, meta, { purpose: 'login' });
    });
    return answer(contact);
  }

  async function signInWithCode(input: ContactInput & { code: string }, meta: RequestMeta): Promise<SignedIn> {
    const contact = parseContact(input.contact, input.country);
    const code = await codes.checkForDestination(db, 'login', contact.value, input.code);
    return inTransaction(db, async (tx) => {
      await codes.consume(tx, code.id);
      const customer = await findCustomerById(tx, code.customer_id ?? '');
      if (customer === undefined || !isContactVerified(customer, contact)) throw accountsErrors.codeInvalid();
      await throttle.recordSuccess(tx, contact.value);
      const session = await sessions.start(tx, customer.id, meta);
      await recordSecurityEvent(tx, ids, clock, 'sign_in', customer.id, meta, { method: 'sms_code' });
      return { customer, ...session };
    });
  }

  async function requestPasswordReset(input: ContactInput, meta: RequestMeta): Promise<CodeRequested> {
    const contact = parseContact(input.contact, input.country);
    const owner = await findVerifiedOwner(contact);
    await inTransaction(db, async (tx) => {
      await codes.issue(tx, { purpose: 'password_reset', contact, customerId: owner?.id ?? null, language: (owner?.language ?? 'en') as Language, meta });
      if (owner !== undefined) await recordSecurityEvent(tx, ids, clock, 'code_sent', owner.id, meta, { purpose: 'password_reset' });
    });
    return answer(contact);
  }

  async function confirmPasswordReset(input: ContactInput & { code: string; newPassword: string }, meta: RequestMeta): Promise<void> {
    const contact = parseContact(input.contact, input.country);
    checkPasswordPolicy(input.newPassword);
    const code = await codes.checkForDestination(db, 'password_reset', contact.value, input.code);
    const passwordHash = await hashPassword(input.newPassword, config.scrypt);
    await inTransaction(db, async (tx) => {
      await codes.consume(tx, code.id);
      const customer = await findCustomerById(tx, code.customer_id ?? '');
      if (customer === undefined) throw accountsErrors.codeInvalid();
      const nowMs = clock.nowMs();
      await updateCustomer(tx, customer.id, { password_hash: passwordHash, updated_at: nowMs });
      await revokeCustomerSessions(tx, customer.id, nowMs);
      await throttle.recordSuccess(tx, contact.value);
      await recordSecurityEvent(tx, ids, clock, 'password_reset', customer.id, meta);
      await notifyAllContacts(deps, tx, customer, 'accounts.password_changed', {});
    });
  }

  async function signOut(principal: { customerId: string; sessionId: string }, allSessions: boolean, meta: RequestMeta): Promise<number> {
    return inTransaction(db, async (tx) => {
      const nowMs = clock.nowMs();
      const revoked = allSessions
        ? await revokeCustomerSessions(tx, principal.customerId, nowMs)
        : await revokeSession(tx, principal.customerId, principal.sessionId, nowMs);
      await recordSecurityEvent(tx, ids, clock, allSessions ? 'sign_out_all' : 'sign_out', principal.customerId, meta, { revoked });
      return revoked;
    });
  }

  /**
   * Creates an active customer whose contacts are taken as verified, for the demo seed and staff
   * tools; does nothing when the contact already has an account. Returns the customer's id.
   */
  async function provisionCustomer(input: { email?: string; phone?: string; password: string; name?: string; language: Language }): Promise<string> {
    const email = input.email === undefined ? undefined : parseContact(input.email);
    const phone = input.phone === undefined ? undefined : parseContact(input.phone);
    checkPasswordPolicy(input.password);
    const existing = await findCustomerByContact(db, email?.kind ?? 'phone', email?.value ?? phone?.value ?? '');
    if (existing !== undefined) return existing.id;
    const passwordHash = await hashPassword(input.password, config.scrypt);
    const nowMs = clock.nowMs();
    const id = ids('cus');
    await insertCustomer(db, {
      id, status: 'active', email: email?.value ?? null, email_verified_at: email === undefined ? null : nowMs,
      phone: phone?.value ?? null, phone_country: phone?.kind === 'phone' ? phone.country : null,
      phone_verified_at: phone === undefined ? null : nowMs, password_hash: passwordHash, name: input.name ?? null,
      language: input.language, currency: null, marketing_opt_in: 0, created_at: nowMs, updated_at: nowMs,
    });
    return id;
  }

  return {
    provisionCustomer, register, verifyContact, signInWithPassword, requestSignInCode, signInWithCode,
    requestPasswordReset, confirmPasswordReset, signOut,
  };
}

export type SignInService = ReturnType<typeof createSignInService>;
