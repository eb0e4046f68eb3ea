import { generateKeyPairSync } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { HOUR_MS } from '../../../src/platform/clock.js';
import { expectProblem, newClient, signUp } from '../../support/accounts.js';
import type { TestClient } from '../../support/http.js';
import { FakeAlipayGateway } from './alipay.gateway.js';
import { describePayments, type PaymentsTestApp } from './support.js';

/**
 * Alipay agreement (withholding) payments where the merchant has them (ROAMLINE_ALIPAY_AGREEMENT):
 * signing on Alipay's page (`alipay.user.agreement.page.sign`), its verified `dut_user_sign`
 * notify, `alipay.user.agreement.query`, the agreement kept as a saved method that renews
 * off-session, and the renewal paid with `alipay.trade.pay` under it — through the official
 * `alipay-sdk` against the local gateway, on both stores.
 */
const alipay = new FakeAlipayGateway();
await alipay.start();
afterAll(() => alipay.stop());

const FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
interface SetupReply { id: string; status: string; method: string; actionUrl?: string; paymentMethodId?: string }
interface MethodReply { id: string; provider: string; method: string; brand: string; last4: string; expMonth: number; expYear: number; offSession: boolean }
const setupOf = (response: { json(): unknown }): SetupReply => (response.json() as { setup: SetupReply }).setup;
const methodsOf = async (client: TestClient): Promise<MethodReply[]> => ((await client.get('/api/v1/payment-methods')).json() as { paymentMethods: MethodReply[] }).paymentMethods;

async function startSigning(t: PaymentsTestApp) {
  alipay.nowMs = () => t.clock.nowMs();
  const client = newClient(t.app);
  const { customerId } = await signUp(client);
  const response = await client.post('/api/v1/payment-methods', { provider: 'alipay', returnPath: '/account' });
  expect(response.statusCode, response.body).toBe(201);
  const setup = setupOf(response);
  return { client, customerId, setup };
}

describePayments('payments: Alipay agreement signing and agreement payment', (get) => {
  it('offers the agreement for auto-renew only, and saving it without paying', async () => {
    const t = get();
    const options = (await newClient(t.app).get('/api/v1/payment-options')).json() as { methods: Array<{ method: string; flow: string; offSession: boolean }>; providers: unknown[] };
    expect(options.methods.filter((m) => m.method.startsWith('alipay'))).toEqual([
      expect.objectContaining({ method: 'alipay_page', flow: 'redirect', offSession: false }),
      expect.objectContaining({ method: 'alipay_wap', flow: 'redirect', offSession: false }),
      expect.objectContaining({ method: 'alipay_qr', flow: 'qr', offSession: false }),
      expect.objectContaining({ method: 'alipay_agreement', flow: 'off_session_only', offSession: true }),
    ]);
    expect(options.providers).toContainEqual({ provider: 'alipay', saveWithoutPayment: true, savedMethod: 'alipay_agreement' });
  });

  it('signs on Alipay’s page; the verified notify saves the agreement once; the renewal is paid with alipay.trade.pay under it', async () => {
    const t = get();
    const { client, customerId, setup } = await startSigning(t);
    expect(setup).toMatchObject({ status: 'requires_action', method: 'alipay_agreement' });
    expect(setup.actionUrl?.startsWith(alipay.url)).toBe(true);
    const params = new URL(setup.actionUrl ?? '').searchParams;
    expect(params.get('return_url')).toBe(`${t.config.publicUrl}/account?setup=${setup.id}`);
    expect(params.get('notify_url')).toBe(`${t.config.publicUrl}/api/v1/webhooks/alipay`);
    // The customer's browser opens the page: the gateway checks the merchant's RSA2 signature.
    const external = alipay.openSignPage(setup.actionUrl ?? '');
    expect(external).toBe(`rl_${setup.id}`);
    expect(alipay.signings.get(external)?.biz).toMatchObject({ personal_product_code: 'GENERAL_WITHHOLDING_P', product_code: 'GENERAL_WITHHOLDING', external_logon_id: customerId });

    const agreementNo = alipay.signAgreement(external);
    const notify = alipay.agreementNotify(external, { notifyId: `sign_${setup.id}` });
    for (let i = 0; i < 2; i += 1) expect((await t.postWebhook('alipay', notify, FORM)).body).toBe('success');
    await t.jobs.runDue();
    expect(alipay.requests.filter((r) => r.method === 'alipay.user.agreement.query' && r.biz.external_agreement_no === external)).toHaveLength(1);
    const methods = await methodsOf(client);
    expect(methods).toEqual([expect.objectContaining({
      provider: 'alipay', method: 'alipay_agreement', brand: 'alipay', last4: agreementNo.slice(-4), expMonth: 1, expYear: 2115, offSession: true,
    })]);
    expect(setupOf(await client.get(`/api/v1/payment-methods/setups/${setup.id}`))).toMatchObject({ status: 'succeeded', paymentMethodId: methods[0]?.id });
    expect(await t.database.db.selectFrom('payment_event').select(['kind', 'event_id']).where('payment_ref', '=', setup.id).execute())
      .toEqual([{ kind: 'setup', event_id: `sign_${setup.id}` }]);

    // Auto-renew asks payments whether the method renews off-session, then charges it.
    const usable = await t.payments.offSession.offSessionMethod(t.database.db, customerId, methods[0]?.id ?? '');
    expect(usable).toMatchObject({ provider: 'alipay', method: 'alipay_agreement', brand: 'alipay' });
    const renewal = t.newOrder(customerId, 4800, 'CNY');
    const charged = await t.payments.payOrder({ customerId, orderId: renewal, method: 'alipay_agreement', paymentMethodId: methods[0]?.id ?? '', offSession: true });
    expect(charged).toMatchObject({ status: 'succeeded', provider: 'alipay', method: 'alipay_agreement', off_session: 1 });
    expect(alipay.requests.find((r) => r.biz.out_trade_no === `rl_${charged.id}`)).toMatchObject({
      method: 'alipay.trade.pay', biz: { product_code: 'GENERAL_WITHHOLDING', agreement_params: { agreement_no: agreementNo }, total_amount: '48.00' },
    });
    expect(t.gateway.order(renewal).status).toBe('paid');
    // On-session, the agreement is refused: it is charged only with the customer away.
    const order = t.newOrder(customerId, 4800, 'CNY');
    expectProblem(await client.post(`/api/v1/orders/${order}/payments`, { method: 'alipay_agreement', paymentMethodId: methods[0]?.id }), 422, 'payments.payment_method_invalid');
    expect(await t.parkedJobs()).toEqual([]);
  });

  it('refuses forged and stale signing notifies, storing nothing; the customer’s return saves the agreement instead', async () => {
    const t = get();
    const { client, setup } = await startSigning(t);
    const external = alipay.openSignPage(setup.actionUrl ?? '');
    alipay.signAgreement(external);
    const forgedKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const genuine = alipay.agreementNotify(external);
    const cases: Array<[string, string, string]> = [
      ['signed with another key', alipay.agreementNotify(external, { signWith: forgedKey }), 'payments.webhook_signature_invalid'],
      ['status altered after signing', genuine.replace('status=NORMAL', 'status=UNSIGN'), 'payments.webhook_signature_invalid'],
      ['two days old', alipay.agreementNotify(external, { notifyAtMs: t.clock.nowMs() - 49 * HOUR_MS }), 'payments.webhook_stale'],
    ];
    for (const [label, body, code] of cases) {
      const response = await t.postWebhook('alipay', body, FORM);
      expect(response.body, label).not.toBe('success');
      expectProblem(response, 400, code);
    }
    await t.jobs.runDue();
    expect(await t.database.db.selectFrom('payment_event').selectAll().where('payment_ref', '=', setup.id).execute()).toEqual([]);
    expect(await methodsOf(client)).toEqual([]);
    const confirmed = setupOf(await client.post(`/api/v1/payment-methods/setups/${setup.id}/confirm`, {}));
    expect(confirmed.status).toBe('succeeded');
    expect(await methodsOf(client)).toEqual([expect.objectContaining({ method: 'alipay_agreement', offSession: true })]);
  });

  it('a customer who has not signed yet stays at Alipay’s step; removing the agreement unsigns it at Alipay', async () => {
    const t = get();
    const { client, setup } = await startSigning(t);
    const external = alipay.openSignPage(setup.actionUrl ?? '');
    expect(setupOf(await client.post(`/api/v1/payment-methods/setups/${setup.id}/confirm`, {}))).toMatchObject({ status: 'requires_action', actionUrl: setup.actionUrl });
    const agreementNo = alipay.signAgreement(external);
    expect(setupOf(await client.post(`/api/v1/payment-methods/setups/${setup.id}/confirm`, {})).status).toBe('succeeded');
    const [method] = await methodsOf(client);
    expect((await client.delete(`/api/v1/payment-methods/${method?.id ?? ''}`)).statusCode).toBe(204);
    expect(alipay.requests.some((r) => r.method === 'alipay.user.agreement.unsign' && r.biz.agreement_no === agreementNo)).toBe(true);
    expect(alipay.agreements.has(agreementNo)).toBe(false);
  });

  it('an agreement the customer ends in the Alipay app (dut_user_unsign) is forgotten and no longer offered for auto-renew', async () => {
    const t = get();
    const { client, customerId, setup } = await startSigning(t);
    const external = alipay.openSignPage(setup.actionUrl ?? '');
    alipay.signAgreement(external);
    expect(setupOf(await client.post(`/api/v1/payment-methods/setups/${setup.id}/confirm`, {})).status).toBe('succeeded');
    const [method] = await methodsOf(client);
    alipay.unsignAgreement(external);
    expect((await t.postWebhook('alipay', alipay.agreementNotify(external), FORM)).body).toBe('success');
    await t.jobs.runDue();
    expect(await methodsOf(client)).toEqual([]);
    expect(await t.payments.offSession.offSessionMethod(t.database.db, customerId, method?.id ?? '')).toBe('not_found');
    expect(await t.parkedJobs()).toEqual([]);
  });
}, { providerTimeoutMs: 1000, config: { paymentProviders: ['sandbox', 'alipay'], alipay: alipay.config({ agreement: true }) } });

describePayments('payments: Alipay without agreement payments', (get) => {
  it('offers no agreement: no signing, no agreement method, and a signing notify is refused', async () => {
    const t = get();
    alipay.nowMs = () => t.clock.nowMs();
    const client = newClient(t.app);
    await signUp(client);
    expectProblem(await client.post('/api/v1/payment-methods', { provider: 'alipay' }), 422, 'payments.method_not_available');
    const options = (await client.get('/api/v1/payment-options')).json() as { methods: Array<{ method: string }>; providers: unknown[] };
    expect(options.methods.map((m) => m.method)).not.toContain('alipay_agreement');
    expect(options.providers).toContainEqual({ provider: 'alipay', saveWithoutPayment: false });
    alipay.signings.set('rl_set_00000000000000000000000001', { externalAgreementNo: 'rl_set_00000000000000000000000001', agreementNo: undefined, status: 'TEMP', biz: { sign_scene: 'INDUSTRY|DIGITAL_MEDIA' }, returnUrl: undefined });
    alipay.signAgreement('rl_set_00000000000000000000000001');
    expectProblem(await t.postWebhook('alipay', alipay.agreementNotify('rl_set_00000000000000000000000001'), FORM), 400, 'payments.webhook_payload_invalid');
  });
}, { providerTimeoutMs: 1000, config: { paymentProviders: ['sandbox', 'alipay'], alipay: alipay.config({ agreement: false }) } });
