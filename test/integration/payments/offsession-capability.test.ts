import { expect, it } from 'vitest';
import { expectProblem } from '../../support/accounts.js';
import { PLAN, describeRenewals, lineWithSavedCard, traveller } from '../../support/renewals.js';

/**
 * Each provider declares which of its methods renew off-session; `GET /payment-methods` says it of
 * every saved method (`offSession`), and the auto-renew API (renewals, which asks payments) accepts
 * only those — through the whole application, on both stores. `walletpay` is a wallet whose saved
 * methods need the customer (like Stripe's Alipay or WeChat Pay Native).
 */
describeRenewals('payments: which saved methods renew off-session', (get) => {
  it('lists offSession per saved method and auto-renew refuses a method that needs the customer', async () => {
    const t = get();
    const who = await traveller(t.app);
    const wallet = await lineWithSavedCard(t, who, { provider: 'walletpay' });
    // A card saved without paying (sandbox test card) renews off-session.
    const setup = await who.client.post('/api/v1/payment-methods', { provider: 'sandbox', paymentMethodToken: 'pm_sandbox_visa' });
    expect(setup.statusCode, setup.body).toBe(201);
    const cardId = (setup.json() as { setup: { paymentMethodId: string } }).setup.paymentMethodId;

    const listed = ((await who.client.get('/api/v1/payment-methods')).json() as { paymentMethods: Array<{ id: string; provider: string; method: string; offSession: boolean }> }).paymentMethods;
    expect(listed).toEqual(expect.arrayContaining([
      expect.objectContaining({ id: wallet.paymentMethodId, provider: 'walletpay', method: 'walletpay_card', offSession: false }),
      expect.objectContaining({ id: cardId, provider: 'sandbox', method: 'sandbox', offSession: true }),
    ]));

    const put = (paymentMethodId: string) => who.client.put(`/api/v1/lines/${wallet.lineId}/auto-renew`, { enabled: true, planCode: PLAN, paymentMethodId });
    expectProblem(await put(wallet.paymentMethodId), 422, 'renewals.payment_method_not_off_session');
    const accepted = await put(cardId);
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toMatchObject({ enabled: true, paymentMethod: { id: cardId } });
  });
});
