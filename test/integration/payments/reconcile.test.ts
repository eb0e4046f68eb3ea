import { expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../../../src/platform/clock.js';
import { DomainError } from '../../../src/platform/errors.js';
import type { CreateProviderPayment, PaymentProvider, ProviderLookup, ProviderPayment } from '../../../src/modules/payments/index.js';
import { expectProblem } from '../../support/accounts.js';
import { describePayments, paymentOf, type PaymentsTestApp, paymentRow } from './support.js';

/**
 * A provider whose behaviour each test sets: it hangs, blocks until released, or answers pending
 * or requires_action; `lookup` is what it answers to reconciliation.
 */
class GateProvider implements PaymentProvider {
  readonly name = 'gate';
  readonly methods = ['gate'];
  readonly offSessionMethods: string[] = [];
  mode: 'hang' | 'block' | 'pending' | 'action' = 'pending';
  lookup: ProviderLookup = { found: false };
  creates: CreateProviderPayment[] = [];
  private releaseBlocked: (() => void) | undefined;
  private signalEntered: (() => void) | undefined;
  entered: Promise<void> = Promise.resolve();

  reset(mode: GateProvider['mode']): void {
    this.mode = mode;
    this.lookup = { found: false };
    this.creates = [];
    this.entered = new Promise((resolve) => {
      this.signalEntered = resolve;
    });
  }

  release(): void {
    this.releaseBlocked?.();
  }

  async createPayment(input: CreateProviderPayment): Promise<ProviderPayment> {
    this.creates.push(input);
    this.signalEntered?.();
    const answer = (status: ProviderPayment['status']): ProviderPayment => ({ status, providerPaymentId: `gate_${input.paymentId}`, amount: input.amount });
    if (this.mode === 'hang') return new Promise<never>(() => undefined);
    if (this.mode === 'block') {
      await new Promise<void>((resolve) => {
        this.releaseBlocked = resolve;
      });
      return answer('succeeded');
    }
    return this.mode === 'action' ? { ...answer('requires_action'), actionUrl: 'https://gate.example/step' } : answer('pending');
  }

  async getPayment(): Promise<ProviderLookup> {
    return this.lookup;
  }

  async cancelPayment(input: { providerPaymentId: string }): Promise<ProviderPayment> {
    return { status: 'cancelled', providerPaymentId: input.providerPaymentId };
  }

  async refund(): Promise<{ status: 'succeeded'; providerRefundId: string }> {
    return { status: 'succeeded', providerRefundId: 'gate_refund' };
  }

  async parseWebhook(): Promise<never> {
    throw new DomainError('payments.webhook_signature_invalid');
  }

  async detachPaymentMethod(): Promise<void> {}
}

const hanging = new GateProvider();
const ADMIN_KEY = 'admin-key-for-payments-tests-0123456789';

describePayments('payments: reconciliation', (get) => {
  it('resolves a call that timed out and never reached the provider as not_submitted, then the order can be paid', async () => {
    const t = get();
    hanging.reset('hang');
    const { client, orderId } = await t.customerWithOrder();
    const payment = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'gate', paymentMethodToken: 'tok' }));
    expect(payment.status).toBe('unknown');
    expect(hanging.creates).toEqual([expect.objectContaining({ paymentId: payment.id, idempotencyKey: `rl_${payment.id}`, amount: { amountMinor: 1999, currency: 'USD' } })]);

    t.clock.advance(20 * SECOND_MS);
    await t.jobs.runDue();
    // Not known to the provider yet: the call might still land, so the job only waits.
    expect((await paymentRow(t, payment.id)).status).toBe('unknown');
    t.clock.advance(11 * MINUTE_MS);
    await t.jobs.runDue();
    expect(await paymentRow(t, payment.id)).toMatchObject({ status: 'failed', failure_code: 'not_submitted' });
    expect(hanging.creates).toHaveLength(1);
    expect(paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'sandbox', paymentMethodToken: 'pm_sandbox_visa' })).status).toBe('succeeded');
  });

  it('keeps asking about a payment the provider still has pending, then parks the job for staff', async () => {
    const t = get();
    hanging.reset('pending');
    const { client, orderId } = await t.customerWithOrder();
    const payment = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'gate', paymentMethodToken: 'tok' }));
    expect(payment.status).toBe('pending');
    hanging.lookup = { found: true, status: 'pending', providerPaymentId: `gate_${payment.id}` };
    for (let hour = 0; hour < 14; hour += 1) {
      t.clock.advance(HOUR_MS);
      await t.jobs.runDue();
    }
    expect((await paymentRow(t, payment.id)).status).toBe('pending');
    expect(t.gateway.order(orderId).status).toBe('pending_payment');
    const jobs = await t.app.inject({ method: 'GET', url: '/api/v1/admin/jobs?status=parked', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect((jobs.json() as { jobs: Array<{ kind: string; attempts: number; lastError: string }> }).jobs).toContainEqual(
      expect.objectContaining({ kind: 'payments.reconcile', attempts: 12, lastError: expect.stringContaining('still pending') as unknown }),
    );
    expect(hanging.creates).toHaveLength(1);
  });

  it('cancels a customer step abandoned for half an hour', async () => {
    const t = get();
    hanging.reset('action');
    const { client, orderId } = await t.customerWithOrder();
    const payment = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'gate', paymentMethodToken: 'tok' }));
    expect(payment).toMatchObject({ status: 'requires_action', actionUrl: 'https://gate.example/step' });
    hanging.lookup = { found: true, status: 'requires_action', providerPaymentId: `gate_${payment.id}` };
    for (let step = 0; step < 8; step += 1) {
      t.clock.advance(10 * MINUTE_MS);
      await t.jobs.runDue();
    }
    expect(await paymentRow(t, payment.id)).toMatchObject({ status: 'cancelled', failure_code: 'action_expired', action_url: null });
  });
}, { extraProviders: [hanging], providerTimeoutMs: 200, config: { adminApiKey: ADMIN_KEY } });

const blocking = new GateProvider();

describePayments('payments: answers that cross', (get) => {
  it('answers 409 to a retry of a key still in flight; reconciliation may settle before the create call returns', async () => {
    const t = get();
    blocking.reset('block');
    const { client, orderId } = await t.customerWithOrder();
    const key = { 'idempotency-key': `blocked-${orderId}` };
    const body = { method: 'gate', paymentMethodToken: 'tok' };
    const first = client.post(`/api/v1/orders/${orderId}/payments`, body, key);
    await blocking.entered;
    expectProblem(await client.post(`/api/v1/orders/${orderId}/payments`, body, key), 409, 'request.idempotency_in_progress');
    expectProblem(await client.post(`/api/v1/orders/${orderId}/payments`, body), 409, 'payments.attempt_in_progress');
    const paymentId = blocking.creates[0]?.paymentId ?? '';
    expect((await paymentRow(t, paymentId)).status).toBe('created');

    // The provider took the money; its answer to us is slow. Reconciliation learns it first.
    blocking.lookup = { found: true, status: 'succeeded', providerPaymentId: `gate_${paymentId}`, amount: { amountMinor: 1999, currency: 'USD' } };
    t.clock.advance(31 * SECOND_MS);
    await t.jobs.runDue();
    expect(t.gateway.order(orderId).status).toBe('paid');

    blocking.release();
    const answered = await first;
    expect(answered.statusCode).toBe(201);
    expect(paymentOf(answered)).toMatchObject({ id: paymentId, status: 'succeeded' });
    const replay = await client.post(`/api/v1/orders/${orderId}/payments`, body, key);
    expect(paymentOf(replay)).toEqual(paymentOf(answered));
    expect(t.gateway.markPaidCalls.filter((c) => c.orderId === orderId)).toHaveLength(1);
    expect(blocking.creates).toHaveLength(1);
  });
}, { extraProviders: [blocking] });
