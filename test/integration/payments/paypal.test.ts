import { generateKeyPairSync } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { MINUTE_MS, SECOND_MS } from '../../../src/platform/clock.js';
import { expectProblem } from '../../support/accounts.js';
import type { TestClient } from '../../support/http.js';
import { startLocalPayPal } from './paypal-server.js';
import { describePayments, paymentOf, type PaymentsTestApp } from './support.js';

/**
 * PayPal through the real `@paypal/paypal-server-sdk` against a local PayPal server on loopback
 * (paypal-server.ts); webhooks signed with an RSA key and self-signed certificate made here.
 */
const START_MS = Date.UTC(2026, 10, 27, 9, 0, 0);
const paypal = await startLocalPayPal(START_MS);
afterAll(() => paypal.close());

const ADMIN_KEY = 'admin-key-for-paypal-tests-0123456789';

describePayments('payments: PayPal', (get) => {
  const pay = (client: TestClient, orderId: string, body: Record<string, unknown>) => client.post(`/api/v1/orders/${orderId}/payments`, body);
  const paymentRow = (t: PaymentsTestApp, paymentId: string) =>
    t.database.db.selectFrom('payment').selectAll().where('id', '=', paymentId).executeTakeFirstOrThrow();
  const deliver = async (t: PaymentsTestApp, event: { rawBody: string; headers: Record<string, string> }) => {
    const response = await t.postWebhook('paypal', event.rawBody, event.headers);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as { received: boolean; duplicate: boolean };
  };

  /** A checkout the payer approved at PayPal; the approval webhook has been applied (the capture follows). */
  async function approvedCheckout(t: PaymentsTestApp, totalMinor = 1999, savePaymentMethod = false) {
    const { client, customerId, orderId } = await t.customerWithOrder(totalMinor);
    const payment = paymentOf(await pay(client, orderId, { method: 'paypal', paymentMethodToken: 'paypal', savePaymentMethod }));
    expect(payment.status).toBe('requires_action');
    const paypalOrder = (await paymentRow(t, payment.id)).provider_payment_id ?? '';
    expect(payment.actionUrl).toBe(`${paypal.url}/checkoutnow?token=${paypalOrder}`);
    paypal.approve(paypalOrder);
    return { client, customerId, orderId, payment, paypalOrder };
  }

  it('creates an Orders v2 checkout with PayPal-Request-Id; the approval webhook makes Roamline capture, once', async () => {
    const t = get();
    const { orderId, payment, paypalOrder } = await approvedCheckout(t, 2500);
    const created = paypal.requests.find((r) => r.requestId === `rl_${payment.id}`);
    expect(created).toMatchObject({
      path: '/v2/checkout/orders',
      body: {
        intent: 'CAPTURE',
        purchase_units: [{ custom_id: payment.id, invoice_id: payment.id, amount: { currency_code: 'USD', value: '25.00' } }],
        payment_source: { paypal: { experience_context: { return_url: `${t.config.publicUrl}/orders/${orderId}`, user_action: 'PAY_NOW' } } },
      },
    });
    const approved = paypal.webhook('CHECKOUT.ORDER.APPROVED', paypal.orderResource(paypalOrder), t.clock.nowMs());
    expect(await deliver(t, approved)).toEqual({ received: true, duplicate: false });
    expect(await deliver(t, approved)).toEqual({ received: true, duplicate: true });
    await t.jobs.runDue();
    expect(await paymentRow(t, payment.id)).toMatchObject({ status: 'succeeded' });
    expect(t.gateway.order(orderId).status).toBe('paid');
    expect(paypal.requests.filter((r) => r.path === `/v2/checkout/orders/${paypalOrder}/capture`).map((r) => r.requestId)).toEqual([`rl_${payment.id}_capture`]);
    // PayPal's capture webhook and a late approval change nothing.
    await deliver(t, paypal.webhook('PAYMENT.CAPTURE.COMPLETED', paypal.captureResource(paypalOrder), t.clock.nowMs()));
    await deliver(t, paypal.webhook('CHECKOUT.ORDER.APPROVED', paypal.orderResource(paypalOrder), t.clock.nowMs()));
    await t.jobs.runDue();
    expect(t.gateway.markPaidCalls.filter((c) => c.orderId === orderId)).toHaveLength(1);
    expect(paypal.writes().every((r) => r.requestId !== undefined)).toBe(true);
    expect(await t.parkedJobs()).toEqual([]);
  });

  it('verifies webhooks with the certificate from the allowed origin, fetched once and cached', async () => {
    const t = get();
    const { paypalOrder } = await approvedCheckout(t);
    const before = paypal.certificateFetches;
    for (let i = 0; i < 3; i += 1) await deliver(t, paypal.webhook('CHECKOUT.ORDER.APPROVED', paypal.orderResource(paypalOrder), t.clock.nowMs()));
    expect(paypal.certificateFetches - before).toBeLessThanOrEqual(1);
  });

  it('refuses forged signatures, tampered bodies, foreign certificate URLs and stale transmissions, storing nothing', async () => {
    const t = get();
    const { payment, paypalOrder } = await approvedCheckout(t);
    const resource = paypal.captureResource(paypalOrder, { id: 'CAPTURE1', status: 'COMPLETED', amount: { currency_code: 'USD', value: '19.99' }, custom_id: payment.id });
    const genuine = paypal.webhook('PAYMENT.CAPTURE.COMPLETED', resource, t.clock.nowMs());
    const { privateKey: attackerKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = paypal.webhook('PAYMENT.CAPTURE.COMPLETED', resource, t.clock.nowMs(), { forgeWith: attackerKey });
    expectProblem(await t.postWebhook('paypal', forged.rawBody, forged.headers), 400, 'payments.webhook_signature_invalid');
    expectProblem(await t.postWebhook('paypal', genuine.rawBody.replace('19.99', '0.01'), genuine.headers), 400, 'payments.webhook_signature_invalid');
    const elsewhere = paypal.webhook('PAYMENT.CAPTURE.COMPLETED', resource, t.clock.nowMs(), { certUrl: 'https://certs.attacker.example/v1/notifications/certs/CERT-1' });
    expectProblem(await t.postWebhook('paypal', elsewhere.rawBody, elsewhere.headers), 400, 'payments.webhook_signature_invalid');
    const otherPath = paypal.webhook('PAYMENT.CAPTURE.COMPLETED', resource, t.clock.nowMs(), { certUrl: `${paypal.url}/somewhere/else` });
    expectProblem(await t.postWebhook('paypal', otherPath.rawBody, otherPath.headers), 400, 'payments.webhook_signature_invalid');
    expectProblem(await t.postWebhook('paypal', genuine.rawBody, { 'content-type': 'application/json' }), 400, 'payments.webhook_signature_invalid');
    const stale = paypal.webhook('PAYMENT.CAPTURE.COMPLETED', resource, t.clock.nowMs() - 6 * MINUTE_MS);
    expectProblem(await t.postWebhook('paypal', stale.rawBody, stale.headers), 400, 'payments.webhook_stale');
    expect(await t.database.db.selectFrom('payment_event').selectAll().where('provider', '=', 'paypal').where('provider_payment_id', '=', paypalOrder).execute()).toEqual([]);
    const vaultEvent = paypal.webhook('VAULT.PAYMENT-TOKEN.CREATED', { id: 'tok' }, t.clock.nowMs());
    expect(await deliver(t, vaultEvent)).toEqual({ received: true, duplicate: false });
    expect((await paymentRow(t, payment.id)).status).toBe('requires_action');
  });

  it('ends in the state of one clean delivery when events come out of order (completed before approved)', async () => {
    const t = get();
    const { orderId, payment, paypalOrder } = await approvedCheckout(t);
    // The capture happened (e.g. reconciliation) and its webhook arrives before the approval's.
    t.clock.advance(31 * SECOND_MS);
    await t.jobs.runDue();
    expect((await paymentRow(t, payment.id)).status).toBe('succeeded');
    await deliver(t, paypal.webhook('PAYMENT.CAPTURE.COMPLETED', paypal.captureResource(paypalOrder), t.clock.nowMs()));
    await deliver(t, paypal.webhook('CHECKOUT.ORDER.APPROVED', { ...paypal.orderResource(paypalOrder), status: 'APPROVED' }, t.clock.nowMs()));
    await t.jobs.runDue();
    expect(await paymentRow(t, payment.id)).toMatchObject({ status: 'succeeded' });
    expect(t.gateway.markPaidCalls.filter((c) => c.orderId === orderId)).toHaveLength(1);
    expect(paypal.requests.filter((r) => r.path.endsWith(`${paypalOrder}/capture`))).toHaveLength(1);
  });

  it('a declined capture fails the payment and leaves the order payable', async () => {
    const t = get();
    const { orderId, payment, paypalOrder } = await approvedCheckout(t);
    paypal.declineCapture.add(paypalOrder);
    await deliver(t, paypal.webhook('CHECKOUT.ORDER.APPROVED', paypal.orderResource(paypalOrder), t.clock.nowMs()));
    await t.jobs.runDue();
    expect(await paymentRow(t, payment.id)).toMatchObject({ status: 'failed', failure_code: 'instrument_declined' });
    expect(t.gateway.order(orderId).status).toBe('pending_payment');
  });

  it('does not pay an order when the capture reports another amount, and refunds it', async () => {
    const t = get();
    const { orderId, payment, paypalOrder } = await approvedCheckout(t);
    const capture = paypal.captureResource(paypalOrder, { id: 'X', status: 'COMPLETED', amount: { currency_code: 'USD', value: '9.99' }, custom_id: payment.id });
    await deliver(t, paypal.webhook('PAYMENT.CAPTURE.COMPLETED', capture, t.clock.nowMs()));
    await t.jobs.runDue();
    expect(await paymentRow(t, payment.id)).toMatchObject({ status: 'failed', failure_code: 'amount_mismatch' });
    expect(t.gateway.order(orderId).status).toBe('pending_payment');
    const refunds = await t.database.db.selectFrom('payment_refund').selectAll().where('payment_id', '=', payment.id).execute();
    expect(refunds).toEqual([expect.objectContaining({ reason: 'amount_mismatch', amount_minor: 999 })]);
  });

  it('a create call that times out is reconciled without a second order', async () => {
    const t = get();
    const { client, orderId } = await t.customerWithOrder();
    paypal.hangCreates = true;
    let payment;
    try {
      payment = paymentOf(await pay(client, orderId, { method: 'paypal', paymentMethodToken: 'paypal' }));
    } finally {
      paypal.hangCreates = false;
    }
    expect(payment.status).toBe('unknown');
    // PayPal cannot be searched by request id: the order is "not found" until the grace period ends, then not_submitted.
    t.clock.advance(31 * SECOND_MS);
    await t.jobs.runDue();
    expect((await paymentRow(t, payment.id)).status).toBe('unknown');
    t.clock.advance(11 * MINUTE_MS);
    await t.jobs.runDue();
    expect(await paymentRow(t, payment.id)).toMatchObject({ status: 'failed', failure_code: 'not_submitted' });
    expect(paypal.requests.filter((r) => r.requestId === `rl_${payment.id}`)).toHaveLength(1);
    expect(t.gateway.order(orderId).status).toBe('pending_payment');
  });

  it('vaults the wallet on success, renews off-session with vault_id, and handles a decline and a payer-action answer', async () => {
    const t = get();
    const { client, customerId, orderId, payment, paypalOrder } = await approvedCheckout(t, 1999, true);
    expect(paypal.requests.find((r) => r.requestId === `rl_${payment.id}`)?.body).toMatchObject({
      payment_source: { paypal: { attributes: { vault: { store_in_vault: 'ON_SUCCESS', usage_type: 'MERCHANT' } } } },
    });
    await deliver(t, paypal.webhook('CHECKOUT.ORDER.APPROVED', paypal.orderResource(paypalOrder), t.clock.nowMs()));
    await t.jobs.runDue();
    expect(t.gateway.order(orderId).status).toBe('paid');
    const methods = (await client.get('/api/v1/payment-methods')).json() as { paymentMethods: Array<{ id: string; provider: string; brand: string }> };
    expect(methods.paymentMethods).toEqual([expect.objectContaining({ provider: 'paypal', brand: 'paypal' })]);
    const methodId = methods.paymentMethods[0]?.id ?? '';

    const renewal = t.newOrder(customerId);
    const charged = await t.payments.payOrder({ customerId, orderId: renewal, method: 'paypal', paymentMethodId: methodId, offSession: true });
    expect(charged).toMatchObject({ status: 'succeeded', off_session: 1 });
    expect(paypal.requests.find((r) => r.requestId === `rl_${charged.id}`)?.body).toMatchObject({
      payment_source: { paypal: { vault_id: expect.any(String) as unknown, stored_credential: { payment_initiator: 'MERCHANT', usage: 'SUBSEQUENT' } } },
    });
    expect(t.gateway.order(renewal).status).toBe('paid');

    const vaultId = [...paypal.vault.keys()][0] ?? '';
    paypal.vault.set(vaultId, 'declined');
    const declined = await t.payments.payOrder({ customerId, orderId: t.newOrder(customerId), method: 'paypal', paymentMethodId: methodId, offSession: true });
    expect(declined).toMatchObject({ status: 'failed', failure_code: 'instrument_declined' });

    paypal.vault.set(vaultId, 'payer_action');
    const needsPayer = await t.payments.payOrder({ customerId, orderId: t.newOrder(customerId), method: 'paypal', paymentMethodId: methodId, offSession: true });
    expect(needsPayer).toMatchObject({ status: 'requires_action', action_url: expect.stringContaining('/checkoutnow?token=') as unknown });
    expect(paypal.requests.some((r) => r.requestId === `rl_${needsPayer.id}_payer`)).toBe(true);

    expect((await client.delete(`/api/v1/payment-methods/${methodId}`)).statusCode).toBe(204);
    expect(paypal.deletedTokens).toContain(vaultId);
  });

  it('refunds part of a capture, then the rest, through the back-office API', async () => {
    const t = get();
    const { orderId, payment, paypalOrder } = await approvedCheckout(t, 2000);
    await deliver(t, paypal.webhook('CHECKOUT.ORDER.APPROVED', paypal.orderResource(paypalOrder), t.clock.nowMs()));
    await t.jobs.runDue();
    const refund = (amountMinor: number) => t.app.inject({
      method: 'POST', url: `/api/v1/admin/payments/${payment.id}/refunds`, headers: { authorization: `Bearer ${ADMIN_KEY}` }, payload: { amountMinor },
    });
    const before = paypal.requests.length;
    const partial = await refund(750);
    expect(partial.statusCode, partial.body).toBe(201);
    expect((partial.json() as { refund: unknown }).refund).toMatchObject({ status: 'succeeded', amountMinor: 750 });
    expect(t.gateway.order(orderId).status).toBe('paid');
    expect((await refund(1250)).statusCode).toBe(201);
    expect(t.gateway.order(orderId).status).toBe('refunded');
    const sent = paypal.requests.slice(before).filter((r) => r.path.endsWith('/refund'));
    expect(sent.map((r) => r.body)).toEqual([{ amount: { currency_code: 'USD', value: '7.50' } }, { amount: { currency_code: 'USD', value: '12.50' } }]);
    expect(sent.every((r) => /^rl_rfd_/.test(r.requestId ?? ''))).toBe(true);
  });
}, {
  providerTimeoutMs: 1500,
  config: {
    adminApiKey: ADMIN_KEY,
    paymentProviders: ['sandbox', 'paypal'],
    paypal: {
      clientId: paypal.clientId, clientSecret: paypal.clientSecret, webhookId: paypal.webhookId, environment: 'sandbox',
      apiBase: new URL(paypal.url), certOrigins: [new URL(paypal.url).origin],
    },
  },
});
