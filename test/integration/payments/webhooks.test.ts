import { expect, it } from 'vitest';
import { SECOND_MS } from '../../../src/platform/clock.js';
import { expectProblem } from '../../support/accounts.js';
import { describePayments, paymentOf, type PaymentsTestApp } from './support.js';

describePayments('payments: webhooks', (get) => {
  /** A pm_sandbox_slow payment (pending, its sandbox webhook due in 3 s) and its sandbox charge. */
  async function pendingPayment(t: PaymentsTestApp, totalMinor = 1999) {
    const { client, orderId } = await t.customerWithOrder(totalMinor);
    const response = await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'sandbox', paymentMethodToken: 'pm_sandbox_slow' });
    const payment = paymentOf(response);
    expect(payment.status).toBe('pending');
    const charge = await t.database.db.selectFrom('sandbox_charge').selectAll().where('payment_ref', '=', payment.id).executeTakeFirstOrThrow();
    return { client, orderId, payment, chargeId: charge.id };
  }

  const eventsOf = (t: PaymentsTestApp, paymentId: string) =>
    t.database.db.selectFrom('payment_event').selectAll().where('payment_ref', '=', paymentId).orderBy('id').execute();
  const paymentRow = (t: PaymentsTestApp, paymentId: string) =>
    t.database.db.selectFrom('payment').selectAll().where('id', '=', paymentId).executeTakeFirstOrThrow();
  const refundsOf = (t: PaymentsTestApp, paymentId: string) =>
    t.database.db.selectFrom('payment_refund').selectAll().where('payment_id', '=', paymentId).execute();

  it('stores a repeated event once and applies it once, also when the sandbox sends it again later', async () => {
    const t = get();
    const { orderId, payment, chargeId } = await pendingPayment(t);
    const event = t.signedSandboxEvent({ id: `evt_sbx_${chargeId}_succeeded`, chargeId, paymentRef: payment.id, status: 'succeeded', amountMinor: 1999 });
    const first = await t.postWebhook('sandbox', event.rawBody, event.headers);
    const second = await t.postWebhook('sandbox', event.rawBody, event.headers);
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    expect([first.json(), second.json()]).toEqual([{ received: true, duplicate: false }, { received: true, duplicate: true }]);
    expect(t.gateway.order(orderId).status).toBe('pending_payment');

    await t.jobs.runDue();
    expect(t.gateway.order(orderId).status).toBe('paid');
    t.clock.advance(3 * SECOND_MS);
    await t.jobs.runDue();
    const events = await eventsOf(t, payment.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ provider: 'sandbox', status: 'succeeded', amount_minor: 1999, currency: 'USD' });
    expect(events[0]?.applied_at).not.toBeNull();
    expect(t.gateway.markPaidCalls.filter((c) => c.orderId === orderId)).toHaveLength(1);
    expect(await t.parkedJobs()).toEqual([]);
  });

  it('ends in the state of one clean delivery when events come out of order', async () => {
    const t = get();
    const { orderId, payment, chargeId } = await pendingPayment(t);
    const deliveries = [
      t.signedSandboxEvent({ id: `ooo_${chargeId}_3`, chargeId, paymentRef: payment.id, status: 'succeeded', amountMinor: 1999 }),
      t.signedSandboxEvent({ id: `ooo_${chargeId}_1`, chargeId, paymentRef: payment.id, status: 'requires_action', amountMinor: 1999 }),
      t.signedSandboxEvent({ id: `ooo_${chargeId}_2`, chargeId, paymentRef: payment.id, status: 'pending', amountMinor: 1999 }),
      t.signedSandboxEvent({ id: `ooo_${chargeId}_4`, chargeId, paymentRef: payment.id, status: 'failed', amountMinor: 1999, failureCode: 'card_declined' }),
    ];
    for (const d of deliveries) expect((await t.postWebhook('sandbox', d.rawBody, d.headers)).statusCode).toBe(200);
    await t.jobs.runDue();
    expect(await paymentRow(t, payment.id)).toMatchObject({ status: 'succeeded', failure_code: null, provider_payment_id: chargeId });
    expect((await eventsOf(t, payment.id)).every((e) => e.applied_at !== null)).toBe(true);
    expect(t.gateway.markPaidCalls.filter((c) => c.orderId === orderId)).toHaveLength(1);
    expect(await refundsOf(t, payment.id)).toEqual([]);
  });

  it('refuses forged, stale and unreadable webhooks with 400, storing nothing', async () => {
    const t = get();
    const { payment, chargeId } = await pendingPayment(t);
    const genuine = t.signedSandboxEvent({ id: `forged_${chargeId}`, chargeId, paymentRef: payment.id, status: 'succeeded', amountMinor: 1999 });
    const tampered = genuine.rawBody.replace('"amountMinor":1999', '"amountMinor":1');
    expectProblem(await t.postWebhook('sandbox', tampered, genuine.headers), 400, 'payments.webhook_signature_invalid');
    expectProblem(await t.postWebhook('sandbox', genuine.rawBody, { 'content-type': 'application/json' }), 400, 'payments.webhook_signature_invalid');
    expectProblem(await t.postWebhook('sandbox', genuine.rawBody, { ...genuine.headers, 'roamline-sandbox-signature': `t=${Math.floor(t.clock.nowMs() / 1000)},v1=${'a'.repeat(64)}` }), 400, 'payments.webhook_signature_invalid');
    const stale = t.signedSandboxEvent({ id: `stale_${chargeId}`, chargeId, paymentRef: payment.id, status: 'succeeded', amountMinor: 1999 }, Math.floor(t.clock.nowMs() / 1000) - 301);
    expectProblem(await t.postWebhook('sandbox', stale.rawBody, stale.headers), 400, 'payments.webhook_stale');
    const unreadable = t.signedSandboxEvent({ id: '', chargeId, paymentRef: payment.id, status: 'succeeded', amountMinor: 1999 });
    expectProblem(await t.postWebhook('sandbox', unreadable.rawBody, unreadable.headers), 400, 'payments.webhook_payload_invalid');
    expectProblem(await t.postWebhook('nope', genuine.rawBody, genuine.headers), 404, 'request.not_found');
    // Whatever the content type (or none), the bytes reach the signature check, not a body parser.
    expectProblem(await t.postWebhook('sandbox', tampered, { ...genuine.headers, 'content-type': 'text/plain' }), 400, 'payments.webhook_signature_invalid');
    expectProblem(await t.postWebhook('sandbox', tampered, { 'roamline-sandbox-signature': genuine.headers['roamline-sandbox-signature'] ?? '' }), 400, 'payments.webhook_signature_invalid');

    expect(await eventsOf(t, payment.id)).toEqual([]);
    await t.jobs.runDue();
    expect((await paymentRow(t, payment.id)).status).toBe('pending');
    // The genuine bytes, as signed, are still accepted (webhooks need neither session nor CSRF token).
    expect((await t.postWebhook('sandbox', genuine.rawBody, genuine.headers)).statusCode).toBe(200);
  });

  it('does not pay an order whose total differs from what was taken, and gives the money back', async () => {
    const t = get();
    const { client, orderId, payment } = await pendingPayment(t, 1999);
    // The order's total changed after the payment started (it must match when the money arrives).
    t.gateway.order(orderId).totalMinor = 2999;
    t.clock.advance(3 * SECOND_MS);
    await t.jobs.runDue();
    expect(await paymentRow(t, payment.id)).toMatchObject({ status: 'failed', failure_code: 'amount_mismatch' });
    expect(t.gateway.order(orderId).status).toBe('pending_payment');
    expect(t.gateway.markPaidCalls.filter((c) => c.orderId === orderId)).toEqual([]);
    expect(t.gateway.failures).toContainEqual({ orderId, paymentId: payment.id, failureCode: 'amount_mismatch' });
    expect(await refundsOf(t, payment.id)).toEqual([expect.objectContaining({ reason: 'amount_mismatch', status: 'succeeded', amount_minor: 1999, idempotency_key: `rl_${payment.id}_refund` })]);
    const listed = (await client.get(`/api/v1/orders/${orderId}/payments`)).json() as { payments: Array<{ refund?: { reason: string; status: string } }> };
    expect(listed.payments[0]?.refund).toMatchObject({ reason: 'amount_mismatch', status: 'succeeded' });
  });

  it('refunds a payment that succeeds after its order stopped being payable', async () => {
    const t = get();
    const { orderId, payment, chargeId } = await pendingPayment(t);
    t.gateway.order(orderId).status = 'expired';
    t.clock.advance(3 * SECOND_MS);
    await t.jobs.runDue();
    expect((await paymentRow(t, payment.id)).status).toBe('succeeded');
    expect(await refundsOf(t, payment.id)).toEqual([expect.objectContaining({ reason: 'order_not_payable', status: 'succeeded', amount_minor: 1999 })]);
    const sandboxRefunds = await t.database.db.selectFrom('sandbox_refund').selectAll().where('charge_id', '=', chargeId).execute();
    expect(sandboxRefunds).toEqual([expect.objectContaining({ amount_minor: 1999, idempotency_key: `rl_${payment.id}_refund` })]);
    // The refund job (queued with the refund) finds it done and does not refund twice.
    t.clock.advance(60 * SECOND_MS);
    await t.jobs.runDue();
    expect(await t.database.db.selectFrom('sandbox_refund').selectAll().where('charge_id', '=', chargeId).execute()).toHaveLength(1);
  });

  it('keeps a failed payment failed when a success arrives late, and refunds it (or alerts staff when it cannot)', async () => {
    const t = get();
    const { client, orderId } = await t.customerWithOrder();
    expectProblem(await client.post(`/api/v1/orders/${orderId}/payments`, { method: 'sandbox', paymentMethodToken: 'pm_sandbox_declined' }), 402, 'payments.declined');
    const failed = await t.database.db.selectFrom('payment').selectAll().where('order_id', '=', orderId).executeTakeFirstOrThrow();
    const late = t.signedSandboxEvent({ id: `late_${failed.id}`, chargeId: failed.provider_payment_id ?? '', paymentRef: failed.id, status: 'succeeded', amountMinor: 1999 });
    expect((await t.postWebhook('sandbox', late.rawBody, late.headers)).statusCode).toBe(200);
    await t.jobs.runDue();
    expect(await paymentRow(t, failed.id)).toMatchObject({ status: 'failed', failure_code: 'card_declined' });
    expect(t.gateway.order(orderId).status).toBe('pending_payment');
    // The sandbox knows the charge failed, so it refuses the refund: recorded for staff, never retried blindly.
    expect(await refundsOf(t, failed.id)).toEqual([expect.objectContaining({ reason: 'late_success', status: 'failed', failure_code: 'charge_not_refundable' })]);
  });
});
