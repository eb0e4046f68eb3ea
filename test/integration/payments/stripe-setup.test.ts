import { afterAll, expect, it, vi } from 'vitest';
import { SECOND_MS } from '../../../src/platform/clock.js';
import { NOT_FOUND_GRACE_MS } from '../../../src/modules/payments/payments.js';
import { expectProblem, newClient, signUp } from '../../support/accounts.js';
import type { TestClient } from '../../support/http.js';
import { startLocalStripe } from './stripe-server.js';
import { describePayments, paymentOf, type PaymentsTestApp } from './support.js';

/**
 * Saving a card without paying (Stripe SetupIntent through Checkout in setup mode), through the
 * real `stripe` SDK against the local Stripe server, on both stores: the card is entered on
 * Stripe's page only; the verified `setup_intent.succeeded` webhook or the customer's return saves
 * brand, last four digits and expiry; the saved card then renews off-session.
 */
const stripe = await startLocalStripe();
afterAll(() => stripe.close());

interface SetupReply { id: string; provider: string; method: string; status: string; actionUrl?: string; failureCode?: string; paymentMethodId?: string }
interface MethodReply { id: string; provider: string; method: string; brand: string; last4: string; expMonth: number; expYear: number; offSession: boolean }

const setupOf = (response: { json(): unknown }): SetupReply => (response.json() as { setup: SetupReply }).setup;
const methodsOf = async (client: TestClient): Promise<MethodReply[]> => ((await client.get('/api/v1/payment-methods')).json() as { paymentMethods: MethodReply[] }).paymentMethods;
const nowSeconds = (t: PaymentsTestApp): number => Math.floor(t.clock.nowMs() / 1000);

async function startStripeSetup(t: PaymentsTestApp) {
  const client = newClient(t.app);
  const { customerId } = await signUp(client);
  const response = await client.post('/api/v1/payment-methods', { provider: 'stripe', returnPath: '/account' });
  expect(response.statusCode, response.body).toBe(201);
  const setup = setupOf(response);
  const sessionId = new URL(setup.actionUrl ?? 'http://x/').pathname.split('/').pop() ?? '';
  const session = stripe.sessions.get(sessionId);
  expect(session, setup.actionUrl).toBeDefined();
  return { client, customerId, setup, sessionId, setupIntentId: String(session?.setup_intent) };
}

describePayments('payments: saving a card with a Stripe SetupIntent', (get) => {
  it('tells which methods are offered, how each is paid and which can renew off-session', async () => {
    const t = get();
    const client = newClient(t.app);
    await signUp(client);
    const options = (await client.get('/api/v1/payment-options')).json() as { methods: Array<Record<string, unknown>>; providers: Array<Record<string, unknown>> };
    expect(options.methods).toEqual([
      { method: 'sandbox', provider: 'sandbox', flow: 'test_cards', device: 'any', offSession: true },
      { method: 'card', provider: 'stripe', flow: 'saved_only', device: 'any', offSession: true },
      { method: 'alipay', provider: 'stripe', flow: 'redirect', device: 'any', offSession: false },
      { method: 'wechat_pay', provider: 'stripe', flow: 'redirect', device: 'any', offSession: false },
    ]);
    expect(options.providers).toEqual([
      { provider: 'sandbox', saveWithoutPayment: true, savedMethod: 'sandbox' },
      { provider: 'stripe', saveWithoutPayment: true, savedMethod: 'card' },
    ]);
  });

  it('answers Stripe’s hosted page; the signed setup_intent.succeeded webhook saves brand, last 4 and expiry once; the card renews off-session', async () => {
    const t = get();
    const before = stripe.requests.length;
    const { client, customerId, setup, sessionId, setupIntentId } = await startStripeSetup(t);
    expect(setup).toMatchObject({ provider: 'stripe', method: 'card', status: 'requires_action', actionUrl: `${stripe.url}/local/checkout/${sessionId}` });
    const sent = stripe.requests.slice(before).filter((r) => r.method === 'POST');
    expect(sent.map((r) => r.path)).toEqual(['/v1/customers', '/v1/checkout/sessions']);
    expect(sent[1]).toMatchObject({
      idempotencyKey: `rl_${setup.id}`,
      body: {
        mode: 'setup', customer: expect.stringMatching(/^cus_/) as unknown, allowed_payment_method_types: ['card'], locale: 'en',
        success_url: `${t.config.publicUrl}/account?setup=${setup.id}`, setup_intent_data: { metadata: { roamline_setup_id: setup.id, roamline_customer_id: customerId } },
      },
    });
    expect(await methodsOf(client)).toEqual([]);

    stripe.completeSetup(sessionId, 'pm_card_visa');
    const event = stripe.setupEvent('setup_intent.succeeded', setupIntentId, nowSeconds(t));
    for (const duplicate of [false, true]) {
      const response = await t.postWebhook('stripe', event.rawBody, event.headers);
      expect(response.json()).toEqual({ received: true, duplicate });
    }
    await t.jobs.runDue();
    const [saved] = await methodsOf(client);
    expect(await methodsOf(client)).toEqual([expect.objectContaining({ provider: 'stripe', method: 'card', brand: 'visa', last4: '4242', expMonth: 12, expYear: 2031, offSession: true })]);
    expect(JSON.stringify(await methodsOf(client))).not.toMatch(/4242424242424242|pm_local/);
    expect(setupOf(await client.get(`/api/v1/payment-methods/setups/${setup.id}`))).toMatchObject({ status: 'succeeded', paymentMethodId: saved?.id });
    expect(await t.parkedJobs()).toEqual([]);

    // The saved card pays a renewal with the customer absent.
    const renewal = t.newOrder(customerId);
    const charged = await t.payments.payOrder({ customerId, orderId: renewal, method: 'card', paymentMethodId: saved?.id ?? '', offSession: true });
    expect(charged).toMatchObject({ status: 'succeeded', off_session: 1 });
    expect(stripe.requests.find((r) => r.idempotencyKey === `rl_${charged.id}`)?.body).toMatchObject({ off_session: 'true', customer: stripe.sessions.get(sessionId)?.customer });
    expect(t.gateway.order(renewal).status).toBe('paid');
  });

  it('refuses forged and stale setup webhooks, storing nothing; the customer’s return (confirm) saves the card instead', async () => {
    const t = get();
    const { client, setup, sessionId, setupIntentId } = await startStripeSetup(t);
    stripe.completeSetup(sessionId, 'pm_card_mastercard');
    const genuine = stripe.setupEvent('setup_intent.succeeded', setupIntentId, nowSeconds(t));
    const forged = { ...genuine.headers, 'stripe-signature': stripe.sign(genuine.rawBody, nowSeconds(t), 'whsec_someone_else_entirely') };
    expectProblem(await t.postWebhook('stripe', genuine.rawBody, forged), 400, 'payments.webhook_signature_invalid');
    expectProblem(await t.postWebhook('stripe', genuine.rawBody.replace(setup.id, 'set_00000000000000000000000000'), genuine.headers), 400, 'payments.webhook_signature_invalid');
    const stale = stripe.setupEvent('setup_intent.succeeded', setupIntentId, nowSeconds(t) - 301);
    expectProblem(await t.postWebhook('stripe', stale.rawBody, stale.headers), 400, 'payments.webhook_stale');
    await t.jobs.runDue();
    expect(await t.database.db.selectFrom('payment_event').selectAll().where('payment_ref', '=', setup.id).execute()).toEqual([]);
    expect(setupOf(await client.get(`/api/v1/payment-methods/setups/${setup.id}`)).status).toBe('requires_action');
    expect(await methodsOf(client)).toEqual([]);

    const confirmed = setupOf(await client.post(`/api/v1/payment-methods/setups/${setup.id}/confirm`, {}));
    expect(confirmed).toMatchObject({ status: 'succeeded', paymentMethodId: expect.stringMatching(/^pm_/) as unknown });
    expect(await methodsOf(client)).toEqual([expect.objectContaining({ brand: 'mastercard', last4: '4444', offSession: true })]);
    // The genuine webhook arriving afterwards changes nothing.
    expect((await t.postWebhook('stripe', genuine.rawBody, genuine.headers)).statusCode).toBe(200);
    await t.jobs.runDue();
    expect(await methodsOf(client)).toHaveLength(1);
  });

  it('forgets a saved card that was removed at Stripe (signed payment_method.detached), once; other customers keep theirs', async () => {
    const t = get();
    // Saved through the customer's return from Stripe's page.
    const saveCard = async (card: string) => {
      const { client, setup, sessionId } = await startStripeSetup(t);
      stripe.completeSetup(sessionId, card);
      expect(setupOf(await client.post(`/api/v1/payment-methods/setups/${setup.id}/confirm`, {})).status).toBe('succeeded');
      return client;
    };
    const mine = { client: await saveCard('pm_card_visa') };
    const theirs = { client: await saveCard('pm_card_mastercard') };
    const [saved] = await methodsOf(mine.client);
    const ref = (await t.database.db.selectFrom('payment_method').select('provider_method_ref').where('id', '=', saved?.id ?? '').executeTakeFirstOrThrow()).provider_method_ref;

    const detached = stripe.methodEvent('payment_method.detached', ref, nowSeconds(t));
    const forged = { ...detached.headers, 'stripe-signature': stripe.sign(detached.rawBody, nowSeconds(t), 'whsec_not_the_endpoint_secret') };
    expectProblem(await t.postWebhook('stripe', detached.rawBody, forged), 400, 'payments.webhook_signature_invalid');
    await t.jobs.runDue();
    expect(await methodsOf(mine.client)).toHaveLength(1);

    for (const duplicate of [false, true]) {
      expect((await t.postWebhook('stripe', detached.rawBody, detached.headers)).json()).toEqual({ received: true, duplicate });
    }
    await t.jobs.runDue();
    expect(await methodsOf(mine.client)).toEqual([]);
    expect(await methodsOf(theirs.client)).toHaveLength(1);
    expect(await t.parkedJobs()).toEqual([]);
  });

  it('a declined card on Stripe’s page saves nothing; the setup stays open for another card', async () => {
    const t = get();
    const { client, setup, sessionId, setupIntentId } = await startStripeSetup(t);
    stripe.completeSetup(sessionId, 'pm_card_chargeDeclined');
    const failed = stripe.setupEvent('setup_intent.setup_failed', setupIntentId, nowSeconds(t));
    expect((await t.postWebhook('stripe', failed.rawBody, failed.headers)).statusCode).toBe(200);
    await t.jobs.runDue();
    expect(setupOf(await client.post(`/api/v1/payment-methods/setups/${setup.id}/confirm`, {}))).toMatchObject({ status: 'requires_action', actionUrl: `${stripe.url}/local/checkout/${sessionId}` });
    expect(await methodsOf(client)).toEqual([]);
    expect(await t.parkedJobs()).toEqual([]);
  });

  it('a setup whose create call times out is failed by reconciliation once Stripe cannot have received it, never left open', async () => {
    const t = get();
    const client = newClient(t.app);
    await signUp(client);
    const sessionCreates = () => stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions').length;
    const before = sessionCreates();
    stripe.hangSessions = true;
    let setup: SetupReply;
    try {
      setup = setupOf(await client.post('/api/v1/payment-methods', { provider: 'stripe', returnPath: '/account' }));
    } finally {
      stripe.hangSessions = false;
    }
    expect(setup).toMatchObject({ status: 'unknown' });
    expect(setup.actionUrl).toBeUndefined();
    // The SDK tries once more after its own timeout (with the same key): waited for here, so that
    // it does not land in a later test.
    await vi.waitFor(() => expect(sessionCreates() - before).toBe(2), { timeout: 10_000 });
    const current = async (): Promise<SetupReply> => setupOf(await client.get(`/api/v1/payment-methods/setups/${setup.id}`));
    // Within the grace period the call might still land: the job asks again later.
    t.clock.advance(31 * SECOND_MS);
    await t.jobs.runDue();
    expect(await current()).toMatchObject({ status: 'unknown' });
    t.clock.advance(NOT_FOUND_GRACE_MS);
    await t.jobs.runDue();
    expect(await current()).toMatchObject({ status: 'failed', failureCode: 'not_submitted' });
    expect(await methodsOf(client)).toEqual([]);
    expect(await t.parkedJobs()).toEqual([]);
  });

  it('saves a sandbox test card at once; refuses providers that cannot save without paying and other customers’ setups', async () => {
    const t = get();
    const client = newClient(t.app);
    await signUp(client);
    const sandbox = setupOf(await client.post('/api/v1/payment-methods', { provider: 'sandbox', paymentMethodToken: 'pm_sandbox_visa' }));
    expect(sandbox).toMatchObject({ status: 'succeeded', method: 'sandbox', paymentMethodId: expect.stringMatching(/^pm_/) as unknown });
    expect(setupOf(await client.post('/api/v1/payment-methods', { provider: 'sandbox', paymentMethodToken: 'pm_sandbox_declined' }))).toMatchObject({ status: 'failed', failureCode: 'payment_method_invalid' });
    expect(await methodsOf(client)).toEqual([expect.objectContaining({ provider: 'sandbox', method: 'sandbox', offSession: true })]);
    expectProblem(await client.post('/api/v1/payment-methods', { provider: 'paypal' }), 422, 'payments.method_not_available');
    expectProblem(await client.post('/api/v1/payment-methods', { provider: 'stripe', returnPath: 'https://evil.example/' }), 400, 'request.invalid');
    const { setup } = await startStripeSetup(t);
    expectProblem(await client.get(`/api/v1/payment-methods/setups/${setup.id}`), 404, 'request.not_found');
    expectProblem(await client.post(`/api/v1/payment-methods/setups/${setup.id}/confirm`, {}), 404, 'request.not_found');
  });

  it('Stripe’s Alipay and WeChat Pay need no token from the portal and never renew off-session', async () => {
    const t = get();
    const { client, customerId, orderId } = await t.customerWithOrder();
    const payment = paymentOf(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'wechat_pay' }));
    expect(payment).toMatchObject({ status: 'requires_action', actionUrl: expect.stringContaining('/local/wechat/') as unknown });
    await expect(t.payments.payOrder({ customerId, orderId: t.newOrder(customerId), method: 'alipay', offSession: true }))
      .rejects.toMatchObject({ code: 'payments.method_not_available' });
  });
}, {
  providerTimeoutMs: 1500,
  config: {
    paymentProviders: ['sandbox', 'stripe'],
    stripe: { secretKey: stripe.secretKey, webhookSecret: stripe.webhookSecret, methods: ['card', 'alipay', 'wechat_pay'], apiBase: new URL(stripe.url) },
  },
});
