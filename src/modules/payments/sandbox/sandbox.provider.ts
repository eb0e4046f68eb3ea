import type { IncomingHttpHeaders } from 'node:http';
import { inTransaction, type Executor } from '../../../platform/db/database.js';
import type { PlatformContext } from '../../../platform/context.js';
import { enqueueJob, type Job, type JobHandler } from '../../../platform/jobs/index.js';
import { paymentsErrors } from '../payments.errors.js';
import {
  ProviderUnavailableError, type CreateProviderPayment, type PaymentProvider, type ProviderEvent, type ProviderPayment,
} from '../payments.provider.js';
import {
  SANDBOX_METHOD, SANDBOX_SIGNATURE_HEADER, SandboxEventSchema, planSandboxCharge, sandboxEventId, sandboxSavedMethod,
  sandboxSignatureHeader, sandboxWebhookSecret, verifySandboxSignature, type SandboxEvent,
} from './sandbox.js';
import {
  findCharge, findChargeByKey, findRefundByKey, insertCharge, insertRefund, refundedMinor, updateChargeStatus, type SandboxChargeRow,
} from './sandbox.repository.js';

export const SANDBOX_EMIT_JOB = 'sandbox.emit_webhook';

/** How the sandbox "sends" a webhook: hands raw bytes and headers to the platform's webhook handler. */
export type WebhookDelivery = (rawBody: Buffer, headers: IncomingHttpHeaders) => Promise<unknown>;

export interface SandboxProvider extends PaymentProvider {
  readonly jobHandlers: ReadonlyMap<string, JobHandler>;
  findCharge(chargeId: string): Promise<SandboxChargeRow | undefined>;
  /** The customer's answer on the bank page; returns where to send the customer, undefined for an unknown charge. */
  completeAction(chargeId: string, approve: boolean): Promise<string | undefined>;
}

export const actionPath = (chargeId: string, language: string): string => `/api/v1/sandbox/3ds/${chargeId}?lang=${encodeURIComponent(language)}`;

/**
 * A stand-in for a remote card PSP with its own state (`sandbox_charge`, `sandbox_refund`): the
 * same idempotency key always returns the same charge, and it tells final outcomes by signed
 * webhook like a real PSP, from a job (`sandbox.emit_webhook`) that hands the bytes to the same
 * function the webhook route uses.
 */
export interface SandboxOptions {
  /** Every call answers this much later (real time), as a remote PSP would; 0 by default. */
  readonly latencyMs?: number;
}

export function createSandboxProvider(ctx: PlatformContext, deliver: WebhookDelivery, options: SandboxOptions = {}): SandboxProvider {
  const { database, clock, ids } = ctx;
  const latencyMs = options.latencyMs ?? 0;
  // Half of the latency before the charge is made and half after, so that a caller that stops
  // waiting (or dies) may find the charge made without having heard of it, as with a real PSP.
  const latency = (share = 1): Promise<void> => (latencyMs > 0 ? new Promise((resolve) => setTimeout(resolve, latencyMs * share)) : Promise.resolve());
  const db = database.db;
  const secret = sandboxWebhookSecret(ctx.config.secretKey);

  function view(charge: SandboxChargeRow): ProviderPayment {
    return {
      status: charge.status,
      providerPaymentId: charge.id,
      ...(charge.status === 'requires_action' ? { actionUrl: actionPath(charge.id, charge.language) } : {}),
      ...(charge.failure_code !== null ? { failureCode: charge.failure_code } : {}),
      amount: { amountMinor: charge.amount_minor, currency: charge.currency },
    };
  }

  /** Queues the webhook that tells the charge's outcome (`settle`: the charge settles first, as `pm_sandbox_slow` does). */
  function queueWebhook(tx: Executor, chargeId: string, runAtMs: number, settle = false): Promise<void> {
    return enqueueJob(tx, ids, clock, {
      // A charge reaches one final status, so it sends one webhook (redeliveries are the route's business).
      kind: SANDBOX_EMIT_JOB, payload: { chargeId, settle }, runAtMs, dedupeKey: `${SANDBOX_EMIT_JOB}:${chargeId}`,
    });
  }

  async function createPayment(input: CreateProviderPayment): Promise<ProviderPayment> {
    await latency(0.5);
    const plan = planSandboxCharge(input.paymentMethodToken, input.offSession);
    const nowMs = clock.nowMs();
    const charge = await inTransaction(db, async (tx) => {
      const row: SandboxChargeRow = {
        id: ids('chg'), idempotency_key: input.idempotencyKey, payment_ref: input.paymentId, customer_ref: input.customerId,
        amount_minor: input.amount.amountMinor, currency: input.amount.currency, token: input.paymentMethodToken.slice(0, 100),
        status: plan.status, failure_code: plan.failureCode, return_url: input.returnUrl, language: input.language,
        created_at: nowMs, updated_at: nowMs,
      };
      if (!(await insertCharge(tx, row))) return findChargeByKey(tx, input.idempotencyKey);
      if (plan.settleAfterMs !== undefined) await queueWebhook(tx, row.id, nowMs + plan.settleAfterMs, true);
      else if (!plan.loseAnswer && plan.status !== 'requires_action' && plan.failureCode !== 'payment_method_invalid') await queueWebhook(tx, row.id, nowMs);
      return row;
    });
    await latency(0.5);
    if (charge === undefined) throw new ProviderUnavailableError('sandbox: charge vanished');
    if (plan.loseAnswer) throw new ProviderUnavailableError('sandbox: simulated timeout (the charge was made, the answer is lost)');
    const saved = input.savePaymentMethod && charge.status === 'succeeded' ? sandboxSavedMethod(charge.token, nowMs) : undefined;
    return { ...view(charge), ...(saved !== undefined ? { savedMethod: saved } : {}) };
  }

  async function emitWebhook(job: Job): Promise<void> {
    const { chargeId, settle } = job.payload as { chargeId: string; settle: boolean };
    let charge = await findCharge(db, chargeId);
    if (charge === undefined) return;
    if (settle && charge.status === 'pending') {
      await updateChargeStatus(db, chargeId, 'pending', 'succeeded', null, clock.nowMs());
      charge = await findCharge(db, chargeId);
      if (charge === undefined) return;
    }
    if (charge.status === 'pending' || charge.status === 'requires_action') return;
    const nowSeconds = Math.floor(clock.nowMs() / 1000);
    const event: SandboxEvent = {
      id: sandboxEventId(charge.id, charge.status), type: `charge.${charge.status}`, created: nowSeconds,
      data: {
        chargeId: charge.id, paymentRef: charge.payment_ref, status: charge.status,
        amountMinor: charge.amount_minor, currency: charge.currency, failureCode: charge.failure_code,
      },
    };
    const raw = Buffer.from(JSON.stringify(event), 'utf8');
    // A delivery that fails is retried by the job runner, as a PSP retries a webhook.
    await deliver(raw, { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: sandboxSignatureHeader(secret, nowSeconds, raw) });
  }

  return {
    name: 'sandbox',
    methods: [SANDBOX_METHOD],
    offSessionMethods: [SANDBOX_METHOD],
    createPayment,
    // A test card is saved without paying (as a card PSP's SetupIntent would): pm_sandbox_visa succeeds, anything else is refused.
    setup: {
      method: SANDBOX_METHOD,
      async createSetup(input) {
        await latency();
        const saved = sandboxSavedMethod(input.paymentMethodToken ?? '', clock.nowMs());
        const providerSetupId = `sandbox_setup_${input.idempotencyKey}`;
        return saved === undefined ? { status: 'failed', providerSetupId, failureCode: 'payment_method_invalid' } : { status: 'succeeded', providerSetupId, savedMethod: saved };
      },
      // The sandbox answers every setup at once: there is never one to ask about later.
      getSetup: async () => undefined,
    },

    async getPayment(ref) {
      await latency();
      const charge = ref.providerPaymentId !== undefined ? await findCharge(db, ref.providerPaymentId) : await findChargeByKey(db, ref.idempotencyKey);
      return charge === undefined ? { found: false } : { found: true, ...view(charge) };
    },

    async cancelPayment(ref) {
      await inTransaction(db, async (tx) => {
        if (await updateChargeStatus(tx, ref.providerPaymentId, 'requires_action', 'cancelled', null, clock.nowMs())) {
          await queueWebhook(tx, ref.providerPaymentId, clock.nowMs());
        }
      });
      const charge = await findCharge(db, ref.providerPaymentId);
      if (charge === undefined) throw new ProviderUnavailableError(`sandbox: no charge ${ref.providerPaymentId}`);
      return view(charge);
    },

    async refund(input) {
      return inTransaction(db, async (tx) => {
        const existing = await findRefundByKey(tx, input.idempotencyKey);
        if (existing !== undefined) return { status: 'succeeded' as const, providerRefundId: existing.id };
        const charge = await findCharge(tx, input.providerPaymentId);
        if (charge === undefined || charge.status !== 'succeeded' || charge.currency !== input.amount.currency) {
          return { status: 'failed' as const, providerRefundId: undefined, failureCode: 'charge_not_refundable' };
        }
        if ((await refundedMinor(tx, charge.id)) + input.amount.amountMinor > charge.amount_minor) {
          return { status: 'failed' as const, providerRefundId: undefined, failureCode: 'amount_exceeds_charge' };
        }
        const id = ids('sbr');
        await insertRefund(tx, { id, charge_id: charge.id, idempotency_key: input.idempotencyKey, amount_minor: input.amount.amountMinor, created_at: clock.nowMs() });
        return { status: 'succeeded' as const, providerRefundId: id };
      });
    },

    async parseWebhook(rawBody, headers): Promise<ProviderEvent> {
      const header = headers[SANDBOX_SIGNATURE_HEADER];
      verifySandboxSignature(secret, typeof header === 'string' ? header : undefined, rawBody, clock.nowMs());
      let json: unknown;
      try {
        json = JSON.parse(rawBody.toString('utf8'));
      } catch {
        throw paymentsErrors.webhookPayloadInvalid();
      }
      const parsed = SandboxEventSchema.safeParse(json);
      if (!parsed.success) throw paymentsErrors.webhookPayloadInvalid();
      const { data } = parsed.data;
      return {
        eventId: parsed.data.id, providerPaymentId: data.chargeId, paymentId: data.paymentRef, status: data.status,
        amount: { amountMinor: data.amountMinor, currency: data.currency },
        ...(data.failureCode !== null ? { failureCode: data.failureCode } : {}),
      };
    },

    detachPaymentMethod: async () => undefined,

    findCharge: (chargeId) => findCharge(db, chargeId),

    async completeAction(chargeId, approve) {
      return inTransaction(db, async (tx) => {
        const charge = await findCharge(tx, chargeId);
        if (charge === undefined) return undefined;
        const moved = await updateChargeStatus(tx, chargeId, 'requires_action', approve ? 'succeeded' : 'failed', approve ? null : 'authentication_failed', clock.nowMs());
        if (moved) await queueWebhook(tx, chargeId, clock.nowMs());
        return charge.return_url;
      });
    },

    jobHandlers: new Map<string, JobHandler>([[SANDBOX_EMIT_JOB, emitWebhook]]),
  };
}
