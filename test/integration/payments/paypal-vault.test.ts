import { afterAll, expect, it } from 'vitest';
import { newClient, signUp } from '../../support/accounts.js';
import type { TestClient } from '../../support/http.js';
import { startLocalPayPal } from './paypal-server.js';
import { describePayments, type PaymentsTestApp } from './support.js';

/**
 * Saving a PayPal wallet without a purchase (Vault v3 setup token → payer approval → payment
 * token), through the real `@paypal/paypal-server-sdk` against the local PayPal server, on both
 * stores; the vaulted wallet then renews off-session (merchant-initiated).
 */
const START_MS = Date.UTC(2026, 10, 27, 9, 0, 0);
const paypal = await startLocalPayPal(START_MS);
afterAll(() => paypal.close());

interface SetupReply { id: string; status: string; method: string; actionUrl?: string; paymentMethodId?: string }
const setupOf = (response: { json(): unknown }): SetupReply => (response.json() as { setup: SetupReply }).setup;
const methodsOf = async (client: TestClient) =>
  ((await client.get('/api/v1/payment-methods')).json() as { paymentMethods: Array<{ id: string; provider: string; method: string; brand: string; offSession: boolean; expYear: number }> }).paymentMethods;

async function startVaulting(t: PaymentsTestApp) {
  const client = newClient(t.app);
  const { customerId } = await signUp(client);
  const response = await client.post('/api/v1/payment-methods', { provider: 'paypal' });
  expect(response.statusCode, response.body).toBe(201);
  return { client, customerId, setup: setupOf(response) };
}

describePayments('payments: vaulting a PayPal wallet without a purchase', (get) => {
  it('creates a setup token with PayPal-Request-Id; the payer approves on PayPal; the return exchanges it for a vault id that renews off-session', async () => {
    const t = get();
    const { client, customerId, setup } = await startVaulting(t);
    const tokenId = [...paypal.setupTokens.keys()].at(-1) ?? '';
    expect(setup).toMatchObject({ status: 'requires_action', method: 'paypal', actionUrl: `${paypal.url}/local/vault/approve/${tokenId}` });
    const created = paypal.requests.find((r) => r.path === '/v3/vault/setup-tokens' && r.method === 'POST' && r.requestId === `rl_${setup.id}`);
    expect(created?.body).toMatchObject({ payment_source: { paypal: { usage_type: 'MERCHANT', experience_context: { return_url: `${t.config.publicUrl}/account?setup=${setup.id}` } } } });

    // Back before approving: still waiting at PayPal.
    expect(setupOf(await client.post(`/api/v1/payment-methods/setups/${setup.id}/confirm`, {})).status).toBe('requires_action');
    paypal.approveSetupToken(tokenId);
    const confirmed = setupOf(await client.post(`/api/v1/payment-methods/setups/${setup.id}/confirm`, {}));
    expect(confirmed).toMatchObject({ status: 'succeeded', paymentMethodId: expect.stringMatching(/^pm_/) as unknown });
    const [wallet] = await methodsOf(client);
    expect(wallet).toMatchObject({ provider: 'paypal', method: 'paypal', brand: 'paypal', offSession: true, expYear: 2099 });
    // Confirming again changes nothing (the exchange is not repeated).
    await client.post(`/api/v1/payment-methods/setups/${setup.id}/confirm`, {});
    expect(paypal.requests.filter((r) => r.path === '/v3/vault/payment-tokens' && r.method === 'POST' && r.requestId === `rl_${setup.id}_token`)).toHaveLength(1);

    const renewal = t.newOrder(customerId);
    const charged = await t.payments.payOrder({ customerId, orderId: renewal, method: 'paypal', paymentMethodId: wallet?.id ?? '', offSession: true });
    expect(charged).toMatchObject({ status: 'succeeded', off_session: 1 });
    expect(t.gateway.order(renewal).status).toBe('paid');
  });
}, {
  providerTimeoutMs: 1500,
  config: {
    paymentProviders: ['sandbox', 'paypal'],
    paypal: {
      clientId: paypal.clientId, clientSecret: paypal.clientSecret, webhookId: paypal.webhookId, environment: 'sandbox',
      apiBase: new URL(paypal.url), certOrigins: [new URL(paypal.url).origin],
    },
  },
});
