import { expect, it } from 'vitest';
import { SECOND_MS } from '../../../src/platform/clock.js';
import { expectProblem, newClient, signUp } from '../../support/accounts.js';
import type { TestClient } from '../../support/http.js';
import { describePayments, paymentOf, type PaymentsTestApp } from './support.js';

describePayments('payments: paying an order with the sandbox', (get) => {
  const pay = (client: TestClient, orderId: string, body: Record<string, unknown>, headers?: Record<string, string>) =>
    client.post(`/api/v1/orders/${orderId}/payments`, { method: 'sandbox', ...body }, headers);

  async function chargesOf(t: PaymentsTestApp, orderId: string) {
    return t.database.db.selectFrom('sandbox_charge').selectAll()
      .where('payment_ref', 'in', t.database.db.selectFrom('payment').select('id').where('order_id', '=', orderId)).execute();
  }

  const paymentsOf = (t: PaymentsTestApp, orderId: string) =>
    t.database.db.selectFrom('payment').selectAll().where('order_id', '=', orderId).orderBy('id').execute();

  const completeAction = (t: PaymentsTestApp, actionUrl: string, decision: 'approve' | 'decline') => {
    const chargeId = /\/sandbox\/3ds\/(chg_[0-9A-Z]{26})/.exec(actionUrl)?.[1];
    return t.app.inject({
      method: 'POST', url: `/api/v1/sandbox/3ds/${chargeId}/complete`, payload: `decision=${decision}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  };

  it('pays with pm_sandbox_visa at once; the sandbox webhook that follows changes nothing', async () => {
    const t = get();
    const { client, orderId } = await t.customerWithOrder(2500);
    const response = await pay(client, orderId, { paymentMethodToken: 'pm_sandbox_visa' });
    expect(response.statusCode, response.body).toBe(201);
    expect(paymentOf(response)).toMatchObject({ status: 'succeeded', provider: 'sandbox', amountMinor: 2500, currency: 'USD', orderId });
    expect(paymentOf(response).id).toMatch(/^pay_/);
    expect(t.gateway.order(orderId).status).toBe('paid');

    await t.jobs.runDue();
    const events = await t.database.db.selectFrom('payment_event').selectAll().where('payment_ref', '=', paymentOf(response).id).execute();
    expect(events).toHaveLength(1);
    expect(events[0]?.applied_at).not.toBeNull();
    expect(t.gateway.markPaidCalls.filter((c) => c.orderId === orderId)).toHaveLength(1);
    const [row] = await paymentsOf(t, orderId);
    expect(row).toMatchObject({ status: 'succeeded', idempotency_key: `rl_${paymentOf(response).id}` });

    const list = await client.get(`/api/v1/orders/${orderId}/payments`);
    expect(list.statusCode).toBe(200);
    expect((list.json() as { payments: unknown[] }).payments).toEqual([expect.objectContaining({ id: paymentOf(response).id, status: 'succeeded' })]);
  });

  it('answers a decline with 402 payments.declined, keeps the failed payment, and lets the customer pay again', async () => {
    const t = get();
    const { client, orderId } = await t.customerWithOrder();
    expectProblem(await pay(client, orderId, { paymentMethodToken: 'pm_sandbox_declined' }), 402, 'payments.declined');
    expect(await paymentsOf(t, orderId)).toEqual([expect.objectContaining({ status: 'failed', failure_code: 'card_declined' })]);
    expect(t.gateway.failures).toContainEqual(expect.objectContaining({ orderId, failureCode: 'card_declined' }));
    expect(t.gateway.order(orderId).status).toBe('pending_payment');

    expectProblem(await pay(client, orderId, { paymentMethodToken: 'tok_not_a_sandbox_card' }), 422, 'payments.payment_method_invalid');
    const second = await pay(client, orderId, { paymentMethodToken: 'pm_sandbox_visa' });
    expect(paymentOf(second).status).toBe('succeeded');
    expect(t.gateway.order(orderId).status).toBe('paid');
    await t.jobs.runDue();
    expect((await paymentsOf(t, orderId)).map((p) => p.status)).toEqual(['failed', 'failed', 'succeeded']);
  });

  it('3-D Secure: the bank page (en, zh-CN, zh-TW), Approve redirects back and the webhook pays the order', async () => {
    const t = get();
    const { client, orderId } = await t.customerWithOrder();
    const response = await pay(client, orderId, { paymentMethodToken: 'pm_sandbox_3ds' });
    const payment = paymentOf(response);
    expect(response.statusCode).toBe(201);
    expect(payment.status).toBe('requires_action');
    expect(payment.actionUrl).toMatch(/^\/api\/v1\/sandbox\/3ds\/chg_[0-9A-Z]{26}\?lang=en$/);

    const page = await t.app.inject({ method: 'GET', url: payment.actionUrl ?? '' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('Approve');
    expect(page.body).toContain('$19.99');
    const base = (payment.actionUrl ?? '').split('?')[0];
    expect((await t.app.inject({ method: 'GET', url: `${base}?lang=zh-CN` })).body).toContain('确认付款');
    expect((await t.app.inject({ method: 'GET', url: `${base}?lang=zh-TW` })).body).toContain('確認付款');

    const completed = await completeAction(t, payment.actionUrl ?? '', 'approve');
    expect(completed.statusCode).toBe(303);
    expect(completed.headers.location).toBe(`${t.config.publicUrl}/orders/${orderId}`);
    expect(t.gateway.order(orderId).status).toBe('pending_payment');
    await t.jobs.runDue();
    expect(t.gateway.order(orderId).status).toBe('paid');
    const listed = (await client.get(`/api/v1/orders/${orderId}/payments`)).json() as { payments: Array<{ status: string; actionUrl?: string }> };
    expect(listed.payments).toEqual([expect.objectContaining({ id: payment.id, status: 'succeeded' })]);
    expect(listed.payments[0]?.actionUrl).toBeUndefined();

    // A second submit of the bank's form changes nothing and still sends the customer back.
    expect((await completeAction(t, payment.actionUrl ?? '', 'decline')).statusCode).toBe(303);
    await t.jobs.runDue();
    expect((await paymentsOf(t, orderId))[0]?.status).toBe('succeeded');
  });

  it('3-D Secure: Decline fails the payment', async () => {
    const t = get();
    const { client, orderId } = await t.customerWithOrder();
    const payment = paymentOf(await pay(client, orderId, { paymentMethodToken: 'pm_sandbox_3ds' }));
    expect((await completeAction(t, payment.actionUrl ?? '', 'decline')).statusCode).toBe(303);
    await t.jobs.runDue();
    expect(await paymentsOf(t, orderId)).toEqual([expect.objectContaining({ status: 'failed', failure_code: 'authentication_failed', action_url: null })]);
    expect(t.gateway.order(orderId).status).toBe('pending_payment');
  });

  it('cancels an abandoned 3-D Secure attempt when the customer pays another way', async () => {
    const t = get();
    const { client, orderId } = await t.customerWithOrder();
    const first = paymentOf(await pay(client, orderId, { paymentMethodToken: 'pm_sandbox_3ds' }));
    const second = await pay(client, orderId, { paymentMethodToken: 'pm_sandbox_visa' });
    expect(paymentOf(second).status).toBe('succeeded');
    expect((await paymentsOf(t, orderId)).map((p) => [p.id, p.status])).toEqual([[first.id, 'cancelled'], [paymentOf(second).id, 'succeeded']]);
    // The bank page of the cancelled attempt can no longer approve it.
    await completeAction(t, first.actionUrl ?? '', 'approve');
    await t.jobs.runDue();
    expect((await chargesOf(t, orderId)).map((c) => c.status).sort()).toEqual(['cancelled', 'succeeded']);
    expect(t.gateway.markPaidCalls.filter((c) => c.orderId === orderId)).toHaveLength(1);
  });

  it('pm_sandbox_slow stays pending until the signed webhook a few seconds later', async () => {
    const t = get();
    const { client, orderId } = await t.customerWithOrder();
    const payment = paymentOf(await pay(client, orderId, { paymentMethodToken: 'pm_sandbox_slow' }));
    expect(payment.status).toBe('pending');
    await t.jobs.runDue();
    expect(t.gateway.order(orderId).status).toBe('pending_payment');
    expectProblem(await pay(client, orderId, { paymentMethodToken: 'pm_sandbox_visa' }), 409, 'payments.attempt_in_progress');

    t.clock.advance(3 * SECOND_MS);
    await t.jobs.runDue();
    expect(t.gateway.order(orderId).status).toBe('paid');
    expect((await paymentsOf(t, orderId))[0]?.status).toBe('succeeded');
    expect(await chargesOf(t, orderId)).toHaveLength(1);
  });

  it('pm_sandbox_timeout: the answer is lost, reconciliation finds the charge and pays the order once, never charging again', async () => {
    const t = get();
    const { client, orderId } = await t.customerWithOrder();
    const payment = paymentOf(await pay(client, orderId, { paymentMethodToken: 'pm_sandbox_timeout' }));
    expect(payment.status).toBe('unknown');
    expect(t.gateway.order(orderId).status).toBe('pending_payment');
    // While the outcome is unknown nobody may pay again: that could charge twice.
    expectProblem(await pay(client, orderId, { paymentMethodToken: 'pm_sandbox_visa' }), 409, 'payments.attempt_in_progress');

    await t.jobs.runDue();
    expect((await paymentsOf(t, orderId))[0]?.status).toBe('unknown');
    t.clock.advance(30 * SECOND_MS);
    await t.jobs.runDue();
    expect(await paymentsOf(t, orderId)).toEqual([expect.objectContaining({ id: payment.id, status: 'succeeded' })]);
    expect(t.gateway.order(orderId).status).toBe('paid');
    expect(t.gateway.markPaidCalls.filter((c) => c.orderId === orderId)).toHaveLength(1);
    expect(await chargesOf(t, orderId)).toEqual([expect.objectContaining({ status: 'succeeded', idempotency_key: `rl_${payment.id}` })]);
    const done = await t.database.db.selectFrom('job').selectAll().where('dedupe_key', '=', `payments.reconcile:${payment.id}`).execute();
    expect(done).toEqual([expect.objectContaining({ status: 'done' })]);
  });

  it('a double click (two concurrent requests) makes one charge', async () => {
    const t = get();
    const { client, orderId } = await t.customerWithOrder();
    const answers = await Promise.all([1, 2].map(() => pay(client, orderId, { paymentMethodToken: 'pm_sandbox_visa' })));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 409]);
    const conflict = answers.find((a) => a.statusCode === 409);
    expect(['payments.attempt_in_progress', 'orders.not_payable']).toContain((conflict?.json() as { code: string }).code);
    expect(await chargesOf(t, orderId)).toHaveLength(1);
    expect(await paymentsOf(t, orderId)).toHaveLength(1);
    expect(t.gateway.order(orderId).status).toBe('paid');
  });

  it('honours Idempotency-Key: same request same answer, another request 422, per customer', async () => {
    const t = get();
    const { client, customerId, orderId } = await t.customerWithOrder();
    const key = { 'idempotency-key': `key-${orderId}` };
    const first = await pay(client, orderId, { paymentMethodToken: 'pm_sandbox_visa' }, key);
    const again = await pay(client, orderId, { paymentMethodToken: 'pm_sandbox_visa' }, key);
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(paymentOf(again)).toEqual(paymentOf(first));
    expectProblem(await pay(client, orderId, { paymentMethodToken: 'pm_sandbox_declined' }, key), 422, 'request.idempotency_key_reused');
    expect(await chargesOf(t, orderId)).toHaveLength(1);

    // A declined request replays as the same 402.
    const other = t.newOrder(customerId);
    const declineKey = { 'idempotency-key': `decline-${other}` };
    expectProblem(await pay(client, other, { paymentMethodToken: 'pm_sandbox_declined' }, declineKey), 402, 'payments.declined');
    expectProblem(await pay(client, other, { paymentMethodToken: 'pm_sandbox_declined' }, declineKey), 402, 'payments.declined');
    expect(await paymentsOf(t, other)).toHaveLength(1);

    // A request that opened no payment (the order was not payable) frees its key for a retry.
    const third = t.newOrder(customerId);
    t.gateway.order(third).status = 'expired';
    const retryKey = { 'idempotency-key': `retry-${third}` };
    expectProblem(await pay(client, third, { paymentMethodToken: 'pm_sandbox_visa' }, retryKey), 409, 'orders.not_payable');
    t.gateway.order(third).status = 'pending_payment';
    expect((await pay(client, third, { paymentMethodToken: 'pm_sandbox_visa' }, retryKey)).statusCode).toBe(201);

    // Keys are per customer: another customer's identical key is theirs alone.
    const stranger = newClient(t.app);
    const { customerId: strangerId } = await signUp(stranger);
    const strangerOrder = t.newOrder(strangerId);
    expect((await pay(stranger, strangerOrder, { paymentMethodToken: 'pm_sandbox_visa' }, key)).statusCode).toBe(201);
    expectProblem(await pay(client, orderId, { paymentMethodToken: 'pm_sandbox_visa' }, { 'idempotency-key': 'has space' }), 400, 'request.invalid');
  });

  it('saves pm_sandbox_visa, pays with the saved method, lists and deletes it, scoped to the customer', async () => {
    const t = get();
    const { client, customerId, orderId } = await t.customerWithOrder();
    expect((await pay(client, orderId, { paymentMethodToken: 'pm_sandbox_visa', savePaymentMethod: true })).statusCode).toBe(201);
    const listed = await client.get('/api/v1/payment-methods');
    const methods = (listed.json() as { paymentMethods: Array<{ id: string; brand: string; last4: string; expMonth: number; expYear: number }> }).paymentMethods;
    expect(methods).toEqual([expect.objectContaining({ provider: 'sandbox', brand: 'visa', last4: '4242', expMonth: 12, expYear: 2029 })]);
    expect(listed.body).not.toContain('pm_sandbox_visa');
    const methodId = methods[0]?.id ?? '';

    const next = t.newOrder(customerId);
    const paid = await client.post(`/api/v1/orders/${next}/payments`, { method: 'sandbox', paymentMethodId: methodId });
    expect(paymentOf(paid).status).toBe('succeeded');

    const stranger = newClient(t.app);
    await signUp(stranger);
    expect((await stranger.get('/api/v1/payment-methods')).json()).toEqual({ paymentMethods: [] });
    expectProblem(await stranger.delete(`/api/v1/payment-methods/${methodId}`), 404, 'request.not_found');
    const strangerOrder = t.newOrder((await stranger.get('/api/v1/me').then((r) => r.json() as { id: string })).id);
    expectProblem(await stranger.post(`/api/v1/orders/${strangerOrder}/payments`, { method: 'sandbox', paymentMethodId: methodId }), 404, 'request.not_found');

    // Auto-renew charges the saved method with the customer absent; a card that needs the customer fails.
    const renewal = t.newOrder(customerId);
    const offSession = await t.payments.payOrder({ customerId, orderId: renewal, method: 'sandbox', paymentMethodId: methodId, offSession: true });
    expect(offSession).toMatchObject({ status: 'succeeded', off_session: 1 });
    const needsCustomer = t.newOrder(customerId);
    const refused = await t.payments.payOrder({ customerId, orderId: needsCustomer, method: 'sandbox', paymentMethodToken: 'pm_sandbox_3ds', offSession: true });
    expect(refused).toMatchObject({ status: 'failed', failure_code: 'authentication_required' });

    expect((await client.delete(`/api/v1/payment-methods/${methodId}`)).statusCode).toBe(204);
    expect((await client.get('/api/v1/payment-methods')).json()).toEqual({ paymentMethods: [] });
    expectProblem(await client.delete(`/api/v1/payment-methods/${methodId}`), 404, 'request.not_found');
  });

  it('documents its routes in the OpenAPI description', async () => {
    const t = get();
    const spec = (await t.app.inject({ method: 'GET', url: '/api/docs/json' })).json() as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining([
      '/api/v1/orders/{id}/payments', '/api/v1/webhooks/{provider}', '/api/v1/payment-methods', '/api/v1/payment-methods/{id}', '/api/v1/sandbox/3ds/{chargeId}',
    ]));
    expect(t.payments.offeredMethods()).toEqual(['sandbox']);
  });

  it('refuses what cannot be paid, with nothing recorded', async () => {
    const t = get();
    const { client, customerId, orderId } = await t.customerWithOrder();
    expectProblem(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'stripe', paymentMethodToken: 'pm_x' }), 422, 'payments.method_not_available');
    expectProblem(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'sandbox' }), 400, 'request.invalid');
    expectProblem(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'sandbox', paymentMethodToken: 'pm_sandbox_visa', amountMinor: 1 }), 400, 'request.invalid');
    expectProblem(await client.post('/api/v1/orders/not-an-order/payments', { method: 'sandbox', paymentMethodToken: 'pm_sandbox_visa' }), 400, 'request.invalid');

    const stranger = newClient(t.app);
    await signUp(stranger);
    expectProblem(await pay(stranger, orderId, { paymentMethodToken: 'pm_sandbox_visa' }), 404, 'request.not_found');
    expectProblem(await stranger.get(`/api/v1/orders/${orderId}/payments`), 404, 'request.not_found');
    expectProblem(await pay(newClient(t.app), orderId, { paymentMethodToken: 'pm_sandbox_visa' }), 401, 'auth.required');
    expectProblem(await client.request({ method: 'POST', url: `/api/v1/orders/${orderId}/payments`, body: { method: 'sandbox', paymentMethodToken: 'pm_sandbox_visa' }, csrf: false }), 403, 'request.csrf_failed');
    expect(await paymentsOf(t, orderId)).toEqual([]);

    const paidOrder = t.newOrder(customerId);
    expect((await pay(client, paidOrder, { paymentMethodToken: 'pm_sandbox_visa' })).statusCode).toBe(201);
    expectProblem(await pay(client, paidOrder, { paymentMethodToken: 'pm_sandbox_visa' }), 409, 'orders.not_payable');
    expect(await chargesOf(t, paidOrder)).toHaveLength(1);
  });
});
