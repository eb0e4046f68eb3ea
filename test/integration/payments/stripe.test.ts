import { afterAll, expect, it, vi } from 'vitest';
import { SECOND_MS } from '../../../src/platform/clock.js';
import { expectProblem } from '../../support/accounts.js';
import type { TestClient } from '../../support/http.js';
import { startLocalStripe } from './stripe-server.js';
import { describePayments, paymentOf, type PaymentsTestApp } from './support.js';

/**
 * Stripe through the real `stripe` SDK against a local Stripe server on loopback (stripe-server.ts),
 * which the SDK reaches through its own `host`/`port`/`protocol` settings (ROAMLINE_STRIPE_API_BASE).
 */
const stripe = await startLocalStripe();
afterAll(() => stripe.close());

const ADMIN_KEY = 'admin-key-for-stripe-tests-0123456789';
const admin = { authorization: `Bearer ${ADMIN_KEY}` };

describePayments('payments: Stripe', (get) => {
  const pay = (client: TestClient, orderId: string, body: Record<string, unknown>, headers?: Record<string, string>) =>
    client.post(`/api/v1/orders/${orderId}/payments`, body, headers);
  const nowSeconds = (t: PaymentsTestApp): number => Math.floor(t.clock.nowMs() / 1000);
  const intentOf = async (t: PaymentsTestApp, paymentId: string): Promise<string> =>
    (await t.database.db.selectFrom('payment').select('provider_payment_id').where('id', '=', paymentId).executeTakeFirstOrThrow()).provider_payment_id ?? '';
  const paymentRow = (t: PaymentsTestApp, paymentId: string) =>
    t.database.db.selectFrom('payment').selectAll().where('id', '=', paymentId).executeTakeFirstOrThrow();
  const deliver = async (t: PaymentsTestApp, event: { rawBody: string; headers: Record<string, string> }) => {
    const response = await t.postWebhook('stripe', event.rawBody, event.headers);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as { received: boolean; duplicate: boolean };
  };

  it('offers card, Alipay and WeChat Pay; only cards renew off-session', async () => {
    const t = get();
    expect(t.payments.offeredMethods()).toEqual(expect.arrayContaining(['card', 'alipay', 'wechat_pay']));
    const { customerId, orderId } = await t.customerWithOrder();
    await expect(t.payments.payOrder({ customerId, orderId, method: 'alipay', paymentMethodToken: 'x', offSession: true }))
      .rejects.toMatchObject({ code: 'payments.method_not_available' });
  });

  it('pays by card with a Stripe.js PaymentMethod; every write carries our idempotency key; no card data is ever sent', async () => {
    const t = get();
    const { client, customerId, orderId } = await t.customerWithOrder(2500);
    const before = stripe.requests.length;
    const response = await pay(client, orderId, { method: 'card', paymentMethodToken: 'pm_card_visa' });
    expect(response.statusCode, response.body).toBe(201);
    const payment = paymentOf(response);
    expect(payment).toMatchObject({ status: 'succeeded', provider: 'stripe', method: 'card', amountMinor: 2500, currency: 'USD' });
    expect(t.gateway.order(orderId).status).toBe('paid');
    const sent = stripe.requests.slice(before);
    expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v1/customers', 'POST /v1/payment_intents']);
    expect(sent.map((r) => r.idempotencyKey)).toEqual([`rl_${customerId}_customer`, `rl_${payment.id}`]);
    expect(sent[1]?.body).toMatchObject({
      amount: '2500', currency: 'usd', confirm: 'true', payment_method: 'pm_card_visa', allowed_payment_method_types: ['card'],
      metadata: { roamline_payment_id: payment.id, roamline_order_id: orderId, roamline_key: `rl_${payment.id}` },
    });
    expect(JSON.stringify(sent)).not.toMatch(/4242424242424242|"number"|"cvc"/);
    // A second order of the same customer reuses the Stripe Customer.
    const next = t.newOrder(customerId);
    expect(paymentOf(await pay(client, next, { method: 'card', paymentMethodToken: 'pm_card_visa' })).status).toBe('succeeded');
    expect(stripe.requests.filter((r) => r.path === '/v1/customers' && r.idempotencyKey === `rl_${customerId}_customer`)).toHaveLength(1);
    expect(stripe.writes().every((r) => r.idempotencyKey !== undefined)).toBe(true);
  });

  it('answers a decline with 402 and the issuer’s code; refuses what is not a Stripe PaymentMethod without calling Stripe', async () => {
    const t = get();
    const { client, orderId } = await t.customerWithOrder();
    expectProblem(await pay(client, orderId, { method: 'card', paymentMethodToken: 'pm_card_chargeDeclined' }), 402, 'payments.declined');
    const [declined] = await t.database.db.selectFrom('payment').selectAll().where('order_id', '=', orderId).execute();
    expect(declined).toMatchObject({ status: 'failed', failure_code: 'insufficient_funds' });
    expect(declined?.provider_payment_id).toMatch(/^pi_/);
    const before = stripe.requests.length;
    expectProblem(await pay(client, orderId, { method: 'card', paymentMethodToken: '4242424242424242' }), 422, 'payments.payment_method_invalid');
    expectProblem(await pay(client, orderId, { method: 'card', paymentMethodToken: 'pm_card_unknown' }), 422, 'payments.payment_method_invalid');
    expect(stripe.requests.slice(before).map((r) => r.body.payment_method)).toEqual(['pm_card_unknown']);
    expect(t.gateway.order(orderId).status).toBe('pending_payment');
  });

  it('3-D Secure: requires_action with Stripe’s page; the signed webhook pays the order once, however often it comes', async () => {
    const t = get();
    const { client, orderId } = await t.customerWithOrder();
    const payment = paymentOf(await pay(client, orderId, { method: 'card', paymentMethodToken: 'pm_card_authenticationRequired' }));
    expect(payment.status).toBe('requires_action');
    const intentId = await intentOf(t, payment.id);
    expect(payment.actionUrl).toBe(`${stripe.url}/local/3ds/${intentId}`);
    const returnUrl = ((stripe.intent(intentId).next_action as { redirect_to_url: { return_url: string } }).redirect_to_url.return_url);
    expect(returnUrl).toBe(`${t.config.publicUrl}/orders/${orderId}`);

    stripe.completeAction(intentId, true);
    const event = stripe.event('payment_intent.succeeded', intentId, nowSeconds(t));
    expect(await deliver(t, event)).toEqual({ received: true, duplicate: false });
    expect(await deliver(t, event)).toEqual({ received: true, duplicate: true });
    // An older event delivered late changes nothing.
    await deliver(t, stripe.event('payment_intent.requires_action', intentId, nowSeconds(t), { status: 'requires_action', amount_received: 0 }));
    await t.jobs.runDue();
    expect(await paymentRow(t, payment.id)).toMatchObject({ status: 'succeeded', action_url: null });
    expect(t.gateway.markPaidCalls.filter((c) => c.orderId === orderId)).toHaveLength(1);
    expect(await t.parkedJobs()).toEqual([]);
  });

  it('3-D Secure failed: the payment_failed webhook fails the payment, the order stays payable', async () => {
    const t = get();
    const { client, orderId } = await t.customerWithOrder();
    const payment = paymentOf(await pay(client, orderId, { method: 'card', paymentMethodToken: 'pm_card_authenticationRequired' }));
    const intentId = await intentOf(t, payment.id);
    stripe.completeAction(intentId, false);
    await deliver(t, stripe.event('payment_intent.payment_failed', intentId, nowSeconds(t)));
    await t.jobs.runDue();
    expect(await paymentRow(t, payment.id)).toMatchObject({ status: 'failed', failure_code: 'payment_intent_authentication_failure' });
    expect(t.gateway.order(orderId).status).toBe('pending_payment');
  });

  it('Alipay and WeChat Pay through Stripe: the customer finishes in the wallet, the webhook pays (asynchronous success)', async () => {
    const t = get();
    const { client, orderId } = await t.customerWithOrder();
    const alipay = paymentOf(await pay(client, orderId, { method: 'alipay', paymentMethodToken: 'alipay' }));
    const alipayIntent = await intentOf(t, alipay.id);
    expect(alipay).toMatchObject({ status: 'requires_action', actionUrl: `${stripe.url}/local/alipay/${alipayIntent}` });
    expect(stripe.intent(alipayIntent)).toMatchObject({ allowed_payment_method_types: ['alipay'], customer: null });
    stripe.completeAction(alipayIntent, true);
    await deliver(t, stripe.event('payment_intent.succeeded', alipayIntent, nowSeconds(t)));
    await t.jobs.runDue();
    expect(t.gateway.order(orderId).status).toBe('paid');

    const { client: other, orderId: second } = await t.customerWithOrder();
    const wechat = paymentOf(await pay(other, second, { method: 'wechat_pay', paymentMethodToken: 'wechat_pay' }));
    const wechatIntent = await intentOf(t, wechat.id);
    expect(wechat).toMatchObject({ status: 'requires_action', actionUrl: `${stripe.url}/local/wechat/${wechatIntent}` });
    expect(stripe.requests.find((r) => r.idempotencyKey === `rl_${wechat.id}`)?.body).toMatchObject({ payment_method_options: { wechat_pay: { client: 'web' } } });
    stripe.completeAction(wechatIntent, true);
    await deliver(t, stripe.event('payment_intent.succeeded', wechatIntent, nowSeconds(t)));
    await t.jobs.runDue();
    expect(t.gateway.order(second).status).toBe('paid');
  });

  it('refuses forged, tampered and stale webhooks, storing nothing; acknowledges event types it does not apply', async () => {
    const t = get();
    const { client, orderId } = await t.customerWithOrder();
    const payment = paymentOf(await pay(client, orderId, { method: 'card', paymentMethodToken: 'pm_card_authenticationRequired' }));
    const intentId = await intentOf(t, payment.id);
    stripe.completeAction(intentId, true);
    const genuine = stripe.event('payment_intent.succeeded', intentId, nowSeconds(t));
    const forged = { ...genuine.headers, 'stripe-signature': stripe.sign(genuine.rawBody, nowSeconds(t), 'whsec_not_the_endpoint_secret') };
    expectProblem(await t.postWebhook('stripe', genuine.rawBody, forged), 400, 'payments.webhook_signature_invalid');
    expectProblem(await t.postWebhook('stripe', genuine.rawBody.replace('"amount_received":1999', '"amount_received":1'), genuine.headers), 400, 'payments.webhook_signature_invalid');
    expectProblem(await t.postWebhook('stripe', genuine.rawBody, { 'content-type': 'application/json' }), 400, 'payments.webhook_signature_invalid');
    const stale = stripe.event('payment_intent.succeeded', intentId, nowSeconds(t) - 301);
    expectProblem(await t.postWebhook('stripe', stale.rawBody, stale.headers), 400, 'payments.webhook_stale');
    const other = stripe.event('charge.updated', intentId, nowSeconds(t));
    expect((await t.postWebhook('stripe', other.rawBody, other.headers)).json()).toEqual({ received: true, duplicate: false });
    expect(await t.database.db.selectFrom('payment_event').selectAll().where('provider', '=', 'stripe').where('payment_ref', '=', payment.id).execute()).toEqual([]);
    await t.jobs.runDue();
    expect((await paymentRow(t, payment.id)).status).toBe('requires_action');
  });

  it('does not pay an order when Stripe reports another amount, and refunds what was taken', async () => {
    const t = get();
    const { client, orderId } = await t.customerWithOrder();
    const payment = paymentOf(await pay(client, orderId, { method: 'card', paymentMethodToken: 'pm_card_authenticationRequired' }));
    const intentId = await intentOf(t, payment.id);
    stripe.completeAction(intentId, true);
    await deliver(t, stripe.event('payment_intent.succeeded', intentId, nowSeconds(t), { amount_received: 999 }));
    await t.jobs.runDue();
    expect(await paymentRow(t, payment.id)).toMatchObject({ status: 'failed', failure_code: 'amount_mismatch' });
    expect(t.gateway.order(orderId).status).toBe('pending_payment');
    const refunds = [...stripe.refunds.values()].filter((r) => r.payment_intent === intentId);
    expect(refunds).toEqual([expect.objectContaining({ amount: 999, status: 'succeeded' })]);
    expect(stripe.requests.find((r) => r.path === '/v1/refunds' && r.body.payment_intent === intentId)?.idempotencyKey).toBe(`rl_${payment.id}_refund`);
  });

  it('a create call that times out is resolved by reconciliation, which finds the intent by our key and never charges again', async () => {
    const t = get();
    const { client, orderId } = await t.customerWithOrder();
    stripe.hangCreates = true;
    let payment;
    try {
      payment = paymentOf(await pay(client, orderId, { method: 'card', paymentMethodToken: 'pm_card_visa' }));
    } finally {
      stripe.hangCreates = false;
    }
    expect(payment.status).toBe('unknown');
    expect(t.gateway.order(orderId).status).toBe('pending_payment');
    // The SDK tries once more after its own timeout, with our key, which Stripe answers with the
    // intent it made the first time (waited for here, so that it does not land in a later test).
    await vi.waitFor(() => expect(stripe.requests.filter((r) => r.idempotencyKey === `rl_${payment.id}`)).toHaveLength(2), { timeout: 10_000 });
    t.clock.advance(31 * SECOND_MS);
    await t.jobs.runDue();
    expect(await paymentRow(t, payment.id)).toMatchObject({ status: 'succeeded' });
    expect(t.gateway.order(orderId).status).toBe('paid');
    expect([...stripe.intents.values()].filter((i) => (i.metadata as Record<string, string>).roamline_payment_id === payment.id)).toHaveLength(1);
    expect(stripe.requests.some((r) => r.path === '/v1/payment_intents/search')).toBe(true);
  });

  it('TWD: Roamline’s whole dollars are sent as Stripe’s two-decimal amount and read back', async () => {
    const t = get();
    const { client, customerId } = await t.customerWithOrder();
    const orderId = t.newOrder(customerId, 500, 'TWD');
    const payment = paymentOf(await pay(client, orderId, { method: 'card', paymentMethodToken: 'pm_card_visa' }));
    expect(payment).toMatchObject({ status: 'succeeded', amountMinor: 500, currency: 'TWD' });
    expect(stripe.requests.find((r) => r.idempotencyKey === `rl_${payment.id}`)?.body).toMatchObject({ amount: '50000', currency: 'twd' });
    expect(t.gateway.order(orderId).status).toBe('paid');
  });

  it('refunds in part and then in full through the back-office API; never more than was taken', async () => {
    const t = get();
    const { client, orderId } = await t.customerWithOrder(2000);
    const payment = paymentOf(await pay(client, orderId, { method: 'card', paymentMethodToken: 'pm_card_visa' }));
    const intentId = await intentOf(t, payment.id);
    const refund = (amountMinor: number) => t.app.inject({ method: 'POST', url: `/api/v1/admin/payments/${payment.id}/refunds`, headers: admin, payload: { amountMinor } });
    expectProblem(await t.app.inject({ method: 'POST', url: `/api/v1/admin/payments/${payment.id}/refunds`, payload: { amountMinor: 1 } }), 401, 'auth.api_key_invalid');
    const partial = await refund(500);
    expect(partial.statusCode, partial.body).toBe(201);
    expect((partial.json() as { refund: unknown }).refund).toMatchObject({ paymentId: payment.id, status: 'succeeded', reason: 'requested', amountMinor: 500, currency: 'USD' });
    expect(t.gateway.order(orderId).status).toBe('paid');
    expectProblem(await refund(1501), 422, 'payments.refund_exceeds_payment');
    expect((await refund(1500)).statusCode).toBe(201);
    expect(t.gateway.order(orderId).status).toBe('refunded');
    expect(t.gateway.refundedCalls.filter((c) => c.orderId === orderId)).toHaveLength(1);
    const sent = stripe.requests.filter((r) => r.path === '/v1/refunds' && r.body.payment_intent === intentId);
    expect(sent.map((r) => r.body.amount)).toEqual(['500', '1500']);
    expect(sent.every((r) => /^rl_rfd_/.test(r.idempotencyKey ?? ''))).toBe(true);
    expectProblem(await refund(1), 422, 'payments.refund_exceeds_payment');
    const { client: other, orderId: unpaid } = await t.customerWithOrder();
    expectProblem(await pay(other, unpaid, { method: 'card', paymentMethodToken: 'pm_card_chargeDeclined' }), 402, 'payments.declined');
    const failedId = (await t.database.db.selectFrom('payment').select('id').where('order_id', '=', unpaid).executeTakeFirstOrThrow()).id;
    expectProblem(await t.app.inject({ method: 'POST', url: `/api/v1/admin/payments/${failedId}/refunds`, headers: admin, payload: { amountMinor: 1 } }), 409, 'payments.not_refundable');
  });

  it('saves a card while paying, lists it (brand, last 4, expiry) and renews off-session with it', async () => {
    const t = get();
    const { client, customerId, orderId } = await t.customerWithOrder();
    const first = paymentOf(await pay(client, orderId, { method: 'card', paymentMethodToken: 'pm_card_visa', savePaymentMethod: true }));
    expect(first.status).toBe('succeeded');
    expect(stripe.requests.find((r) => r.idempotencyKey === `rl_${first.id}`)?.body).toMatchObject({ setup_future_usage: 'off_session' });
    const listed = (await client.get('/api/v1/payment-methods')).json() as { paymentMethods: Array<{ id: string; provider: string }> };
    expect(listed.paymentMethods).toEqual([expect.objectContaining({ provider: 'stripe', brand: 'visa', last4: '4242', expMonth: 12, expYear: 2031 })]);
    const methodId = listed.paymentMethods[0]?.id ?? '';

    const renewal = t.newOrder(customerId);
    const charged = await t.payments.payOrder({ customerId, orderId: renewal, method: 'card', paymentMethodId: methodId, offSession: true });
    expect(charged).toMatchObject({ status: 'succeeded', off_session: 1 });
    expect(stripe.requests.find((r) => r.idempotencyKey === `rl_${charged.id}`)?.body).toMatchObject({ off_session: 'true', confirm: 'true', customer: expect.stringMatching(/^cus_/) as unknown });
    expect(t.gateway.order(renewal).status).toBe('paid');

    const detachBefore = stripe.requests.length;
    expect((await client.delete(`/api/v1/payment-methods/${methodId}`)).statusCode).toBe(204);
    // Only the payment-method calls: a retry of an earlier test's timed-out create may land meanwhile.
    const methodCalls = stripe.requests.slice(detachBefore).map((r) => r.path).filter((path) => path.startsWith('/v1/payment_methods'));
    expect(methodCalls).toEqual([expect.stringMatching(/^\/v1\/payment_methods\/pm_.*\/detach$/)]);
  });

  it('off-session renewal that the issuer wants authenticated becomes a payment the customer completes from the portal', async () => {
    const t = get();
    const { client, customerId, orderId } = await t.customerWithOrder();
    // Saved after 3-D Secure: the success comes by webhook, and the card's details are fetched afterwards.
    const first = paymentOf(await pay(client, orderId, { method: 'card', paymentMethodToken: 'pm_card_authenticationRequired', savePaymentMethod: true }));
    const firstIntent = await intentOf(t, first.id);
    stripe.completeAction(firstIntent, true);
    await deliver(t, stripe.event('payment_intent.succeeded', firstIntent, nowSeconds(t)));
    await t.jobs.runDue();
    const methods = (await client.get('/api/v1/payment-methods')).json() as { paymentMethods: Array<{ id: string; last4: string }> };
    expect(methods.paymentMethods).toEqual([expect.objectContaining({ brand: 'visa', last4: '3184' })]);

    const renewal = t.newOrder(customerId);
    const charged = await t.payments.payOrder({ customerId, orderId: renewal, method: 'card', paymentMethodId: methods.paymentMethods[0]?.id ?? '', offSession: true });
    const intentId = charged.provider_payment_id ?? '';
    expect(charged).toMatchObject({ status: 'requires_action', action_url: `${stripe.url}/local/3ds/${intentId}` });
    expect(stripe.requests.find((r) => r.idempotencyKey === `rl_${charged.id}_authenticate`)).toMatchObject({ path: `/v1/payment_intents/${intentId}/confirm` });
    const listed = (await client.get(`/api/v1/orders/${renewal}/payments`)).json() as { payments: Array<{ status: string; actionUrl?: string }> };
    expect(listed.payments[0]).toMatchObject({ status: 'requires_action', actionUrl: `${stripe.url}/local/3ds/${intentId}` });
    // Stripe's payment_failed event for the off-session attempt is not the end of the payment.
    await deliver(t, stripe.event('payment_intent.payment_failed', intentId, nowSeconds(t), {
      status: 'requires_payment_method', next_action: null, last_payment_error: { code: 'authentication_required', decline_code: 'authentication_required' },
    }));
    await t.jobs.runDue();
    expect((await paymentRow(t, charged.id)).status).toBe('requires_action');
    stripe.completeAction(intentId, true);
    await deliver(t, stripe.event('payment_intent.succeeded', intentId, nowSeconds(t)));
    await t.jobs.runDue();
    expect(await paymentRow(t, charged.id)).toMatchObject({ status: 'succeeded' });
    expect(t.gateway.order(renewal).status).toBe('paid');
  });
}, {
  providerTimeoutMs: 1500,
  config: {
    adminApiKey: ADMIN_KEY,
    paymentProviders: ['sandbox', 'stripe'],
    stripe: { secretKey: stripe.secretKey, webhookSecret: stripe.webhookSecret, methods: ['card', 'alipay', 'wechat_pay'], apiBase: new URL(stripe.url) },
  },
});
