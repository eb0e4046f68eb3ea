import { assert } from '../../platform/assert.js';
import { inTransaction, type Tx } from '../../platform/db/database.js';
import { NotFoundError } from '../../platform/errors.js';
import type { Language } from '../../platform/i18n.js';
import { enqueueJob, type Job } from '../../platform/jobs/index.js';
import type { PaymentsDeps } from './payments.context.js';
import { paymentsErrors } from './payments.errors.js';
import { FAILURE_NOT_SUBMITTED, NOT_FOUND_GRACE_MS, RECONCILE_MAX_ATTEMPTS, providerKeyForPayment } from './payments.js';
import { withTimeout, type PaymentProvider, type ProviderSetup, type ProviderSetupFlow } from './payments.provider.js';
import { deletePaymentMethod, findPaymentMethodByRef, upsertPaymentMethod, type PaymentEventRow } from './payments.repository.js';
import {
  findSetup, findSetupByProviderRef, insertSetup, updateSetup, type PaymentSetupRow, type SetupStatus,
} from './payments.setups.repository.js';

export interface StartSetupInput {
  readonly customerId: string;
  /** A provider offered here that can save a method without a payment (`setup`). */
  readonly provider: string;
  /** Where the provider sends the customer back: a path of the portal (default `/account`). */
  readonly returnPath?: string;
  readonly language: Language;
  /** The sandbox's test card; other providers take the method on their own page. */
  readonly paymentMethodToken?: string;
}

/** A setup as recorded, plus the client secret of its first answer (returned once, never stored). */
export interface StartedSetup {
  readonly setup: PaymentSetupRow;
  readonly clientSecret?: string;
}

const TERMINAL: readonly SetupStatus[] = ['succeeded', 'failed', 'cancelled'];
const SETUP_ID = /^set_[0-9A-Z]{26}$/;

/** `payments.setup_reconcile {setupId}`: settles a setup whose create answer was lost (see `reconcile`). */
export const SETUP_RECONCILE_JOB = 'payments.setup_reconcile';

/** Open setups only move forward; a terminal one never moves again. */
function mayMove(from: SetupStatus, to: SetupStatus): boolean {
  if (TERMINAL.includes(from)) return false;
  if (from === 'requires_action') return TERMINAL.includes(to);
  return to !== 'created';
}

export const isSetupId = (value: string): boolean => SETUP_ID.test(value);

/**
 * Saving a payment method without paying (a card for auto-renew through Stripe's page, an Alipay
 * agreement signed on Alipay's page): the intent is recorded with its idempotency key, the
 * provider is called outside any transaction, and its answer recorded; the method is saved when
 * the provider says the setup succeeded — on its verified webhook (`setup` events ask the provider
 * again) or when the customer comes back (`confirm`). Only brand, last four digits and expiry are
 * kept, never a card number.
 */
export function createSetups(deps: PaymentsDeps) {
  const { database, clock, ids, log, registry, config } = deps;
  const db = database.db;

  function flowOf(name: string): { provider: PaymentProvider; flow: ProviderSetupFlow } {
    const provider = registry.byName(name);
    if (provider?.setup === undefined) throw paymentsErrors.methodNotAvailable(name);
    return { provider, flow: provider.setup };
  }

  async function move(tx: Tx, setup: PaymentSetupRow, answer: ProviderSetup | 'unknown'): Promise<void> {
    const nowMs = clock.nowMs();
    if (answer === 'unknown') {
      if (mayMove(setup.status, 'unknown')) await updateSetup(tx, setup.id, setup.status, { status: 'unknown', updated_at: nowMs });
      return;
    }
    if (!mayMove(setup.status, answer.status)) return;
    let paymentMethodId: string | null = null;
    let status: SetupStatus = answer.status;
    if (answer.status === 'succeeded') {
      const saved = answer.savedMethod;
      // A success without the method's details cannot save anything: it is asked again later.
      if (saved === undefined) return;
      await upsertPaymentMethod(tx, {
        id: ids('pm'), customer_id: setup.customer_id, provider: setup.provider, provider_method_ref: saved.providerMethodRef, method: setup.method,
        brand: saved.brand, last4: saved.last4, exp_month: saved.expMonth, exp_year: saved.expYear, created_at: nowMs,
      });
      paymentMethodId = (await findPaymentMethodByRef(tx, setup.customer_id, setup.provider, saved.providerMethodRef))?.id ?? null;
      assert(paymentMethodId !== null, 'the saved method exists after its upsert');
      status = 'succeeded';
    }
    await updateSetup(tx, setup.id, setup.status, {
      status, provider_setup_id: setup.provider_setup_id ?? answer.providerSetupId,
      action_url: status === 'requires_action' ? answer.actionUrl ?? null : null,
      failure_code: status === 'failed' || status === 'cancelled' ? answer.failureCode ?? status : null,
      payment_method_id: paymentMethodId, updated_at: nowMs,
    });
  }

  /** Applies an answer about the setup in one short transaction; returns the setup afterwards. */
  async function record(setupId: string, answer: ProviderSetup | 'unknown'): Promise<PaymentSetupRow> {
    return inTransaction(db, async (tx) => {
      const setup = await findSetup(tx, setupId);
      assert(setup !== undefined, `setup ${setupId} exists`);
      await move(tx, setup, answer);
      const after = await findSetup(tx, setupId);
      assert(after !== undefined, `setup ${setupId} still exists`);
      return after;
    });
  }

  async function ask(setup: PaymentSetupRow): Promise<ProviderSetup | undefined> {
    const { provider, flow } = flowOf(setup.provider);
    return withTimeout(() => flow.getSetup({ idempotencyKey: setup.idempotency_key, providerSetupId: setup.provider_setup_id ?? undefined }),
      deps.providerTimeoutMs, `${provider.name} get setup`);
  }

  /**
   * A method the customer revoked at the provider after it was saved (an Alipay agreement unsigned
   * in the Alipay app: `dut_user_unsign`) can no longer be charged: once the provider confirms it,
   * it is forgotten, so auto-renew stops offering it.
   */
  async function forgetRevoked(setup: PaymentSetupRow, event: PaymentEventRow): Promise<void> {
    if (setup.status !== 'succeeded' || event.status !== 'cancelled' || setup.payment_method_id === null) return;
    const answer = await ask(setup);
    if (answer?.status !== 'cancelled') return;
    await deletePaymentMethod(db, setup.customer_id, setup.payment_method_id);
    log.info({ setupId: setup.id, paymentMethodId: setup.payment_method_id }, 'saved method revoked at the provider: forgotten');
  }

  return {
    /** `POST /payment-methods`: starts saving a method at the provider; `payments.method_not_available` for a provider that cannot. */
    async start(input: StartSetupInput): Promise<StartedSetup> {
      const { provider, flow } = flowOf(input.provider);
      const nowMs = clock.nowMs();
      // The setup's own prefix on the platform's time-ordered id.
      const id = ids('set');
      const setup: PaymentSetupRow = {
        id, customer_id: input.customerId, provider: provider.name, method: flow.method, status: 'created', idempotency_key: providerKeyForPayment(id),
        provider_setup_id: null, action_url: null, failure_code: null, payment_method_id: null, created_at: nowMs, updated_at: nowMs,
      };
      // Queued with the intent: a setup whose answer is lost (a timeout, or this process dying) is
      // still settled by asking the provider.
      await inTransaction(db, async (tx) => {
        await insertSetup(tx, setup);
        await enqueueJob(tx, ids, clock, {
          kind: SETUP_RECONCILE_JOB, payload: { setupId: id }, runAtMs: nowMs + deps.settleAfterMs,
          dedupeKey: `${SETUP_RECONCILE_JOB}:${id}`, maxAttempts: RECONCILE_MAX_ATTEMPTS,
        });
      });
      const returnUrl = new URL(input.returnPath ?? '/account', config.publicUrl);
      returnUrl.searchParams.set('setup', id);
      let answer: ProviderSetup | 'unknown';
      try {
        answer = await withTimeout(() => flow.createSetup({
          setupId: id, idempotencyKey: setup.idempotency_key, customerId: input.customerId, returnUrl: returnUrl.toString(), language: input.language,
          ...(input.paymentMethodToken !== undefined ? { paymentMethodToken: input.paymentMethodToken } : {}),
        }), deps.providerTimeoutMs, `${provider.name} create setup`);
      } catch (error) {
        // Nothing is charged by a setup: one whose answer was lost is settled when the customer comes back or by the webhook.
        log.warn({ err: error, setupId: id, provider: provider.name }, 'setup outcome unknown');
        answer = 'unknown';
      }
      const recorded = await record(id, answer);
      return { setup: recorded, ...(answer !== 'unknown' && answer.clientSecret !== undefined ? { clientSecret: answer.clientSecret } : {}) };
    },

    /** The customer's setup; `request.not_found` for another customer's. */
    async get(customerId: string, setupId: string): Promise<PaymentSetupRow> {
      const setup = await findSetup(db, setupId);
      if (setup === undefined || setup.customer_id !== customerId) throw new NotFoundError('payment method setup');
      return setup;
    },

    /** The customer came back from the provider's page: asks the provider and records what it says. */
    async confirm(customerId: string, setupId: string): Promise<PaymentSetupRow> {
      const setup = await findSetup(db, setupId);
      if (setup === undefined || setup.customer_id !== customerId) throw new NotFoundError('payment method setup');
      if (TERMINAL.includes(setup.status)) return setup;
      let answer: ProviderSetup | undefined;
      try {
        answer = await ask(setup);
      } catch (error) {
        log.warn({ err: error, setupId }, 'could not ask the provider about the setup; the webhook settles it');
        return setup;
      }
      return answer === undefined ? setup : record(setup.id, answer);
    },

    /**
     * `payments.setup_reconcile`: a setup still `created` or `unknown` once no create call can be in
     * flight is settled by asking the provider (by our key); one the provider never received fails as
     * `not_submitted` after the grace period, so no setup stays open for ever. Setups waiting for the
     * customer (`requires_action`) are the provider's to close: its page expires and its webhook says so.
     * Throws (the runner retries with backoff) while the provider may still receive the call.
     */
    async reconcile(job: Job): Promise<void> {
      const { setupId } = job.payload as { setupId: string };
      const setup = await findSetup(db, setupId);
      if (setup === undefined || (setup.status !== 'created' && setup.status !== 'unknown')) return;
      const ageMs = clock.nowMs() - setup.created_at;
      if (setup.status === 'created' && ageMs < deps.settleAfterMs) throw new Error(`setup ${setupId}: the create call may still be in flight`);
      const answer = await ask(setup);
      if (answer !== undefined) {
        const after = await record(setup.id, answer);
        log.info({ setupId, status: after.status }, 'setup reconciled');
        return;
      }
      if (ageMs < NOT_FOUND_GRACE_MS) throw new Error(`setup ${setupId} is not known to ${setup.provider} yet`);
      await updateSetup(db, setup.id, setup.status, { status: 'failed', failure_code: FAILURE_NOT_SUBMITTED, updated_at: clock.nowMs() });
      log.info({ setupId }, 'setup never reached the provider: failed');
    },

    /** A verified `setup` event: the provider is asked for the setup's state, which is recorded (idempotent). */
    async applyEvent(event: PaymentEventRow): Promise<void> {
      const byRef = event.payment_ref !== null && isSetupId(event.payment_ref) ? await findSetup(db, event.payment_ref) : undefined;
      const setup = byRef?.provider === event.provider ? byRef : await findSetupByProviderRef(db, event.provider, event.provider_payment_id);
      if (setup === undefined) throw new Error(`no setup for ${event.provider} event ${event.event_id}`);
      if (TERMINAL.includes(setup.status)) {
        await forgetRevoked(setup, event);
        return;
      }
      const answer = await ask(setup);
      if (answer === undefined) throw new Error(`${event.provider} does not know setup ${setup.id} yet`);
      const after = await record(setup.id, answer);
      log.info({ setupId: setup.id, eventId: event.event_id, status: after.status }, 'setup event applied');
    },
  };
}

export type Setups = ReturnType<typeof createSetups>;
