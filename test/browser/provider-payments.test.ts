import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app/app.js';
import { allMigrations } from '../../src/app/migrations.js';
import { seedDemo } from '../../src/app/seed.js';
import { testConfig } from '../../src/platform/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { createTestDatabase } from '../support/stores.js';
import { FakeWechatPay } from '../integration/payments/wechatpay.server.js';
import { startLocalStripe, type LocalStripe } from '../integration/payments/stripe-server.js';
import { BROWSER_TEST_TIMEOUT_MS, CHROMIUM_PATH, PASSWORD, apiAs, captureFailure, heading, signInViaApi, uniqueEmail, type Portal } from './support/portal.js';

/**
 * A real provider's own step in the portal: with WeChat Pay (API v3) configured against the local
 * WeChat Pay server, paying an order on a computer shows WeChat Pay's QR code (Native) on the
 * order's status page, which then follows the order until it is paid and ready, once WeChat Pay's
 * signed, encrypted callback arrives.
 */
describe('portal: paying with a real provider', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  const wx = new FakeWechatPay();
  let stripe: LocalStripe;
  let portal: Portal;

  beforeAll(async () => {
    await wx.start();
    stripe = await startLocalStripe();
    const database = await createTestDatabase('sqlite', allMigrations);
    const app = await buildApp({ config: testConfig({
      publicUrl: 'http://127.0.0.1', paymentProviders: ['sandbox', 'wechatpay', 'stripe'], wechatpay: wx.config(),
      stripe: { secretKey: stripe.secretKey, webhookSecret: stripe.webhookSecret, methods: ['card'], apiBase: new URL(stripe.url) },
    }), database, logger: createLogger('silent') });
    await seedDemo(app.roamline.services);
    await app.listen({ port: 0, host: '127.0.0.1' });
    app.roamline.jobs.start(200);
    const address = app.server.address();
    const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    const browser: Browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'] });
    portal = {
      app, baseUrl, browser,
      close: async () => {
        await browser.close().catch(() => undefined);
        await app.roamline.jobs.stop();
        await app.close();
        await database.close();
      },
    };
  });
  afterAll(async () => {
    await portal?.close();
    await wx.stop();
    await stripe?.close();
  });

  it('shows WeChat Pay’s QR code on a computer and follows the order until it is ready', async ({ task }) => {
    const context = await portal.browser.newContext({ baseURL: portal.baseUrl, viewport: { width: 1200, height: 900 }, locale: 'en-US' });
    context.setDefaultTimeout(30_000);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    try {
      const email = uniqueEmail('wechat');
      await portal.app.roamline.services.accounts.signIn.provisionCustomer({ email, password: PASSWORD, language: 'en' });
      await page.goto('/');
      await signInViaApi(page, email);
      const order = await apiAs<{ id: string; currency: string }>(page, 'POST', '/orders', { kind: 'new_sim', planCode: 'HK-LOCAL-30D', currency: 'CNY', newSim: { type: 'esim' } },
        { 'idempotency-key': `browser-wx-${Date.now()}` });
      await page.goto(`/orders/${order.id}`);
      await heading(page, 'Your order');
      await page.getByRole('radio', { name: 'WeChat Pay QR code' }).check();
      // On a computer the H5 page (phones only) is not offered.
      expect(await page.getByRole('radio', { name: 'WeChat Pay (mobile)' }).count()).toBe(0);
      await page.getByRole('button', { name: /— WeChat Pay QR code$/ }).click();
      await page.getByRole('heading', { name: 'Scan to pay' }).waitFor();
      const qr = page.getByRole('img', { name: 'QR code of the payment' });
      await qr.waitFor();
      expect(await qr.locator('svg').count()).toBe(1);
      await page.getByText('Open WeChat on your phone and scan this code.').waitFor();

      // The customer pays in WeChat; WeChat Pay's callback reaches the webhook; the page follows.
      const outTradeNo = [...wx.orders.keys()].at(-1) ?? '';
      wx.pay(outTradeNo);
      const callback = wx.callback(outTradeNo);
      const delivered = await fetch(`${portal.baseUrl}/api/v1/webhooks/wechatpay`, { method: 'POST', body: callback.body, headers: callback.headers });
      expect(delivered.status).toBe(200);
      await page.locator('.status-line.status-fulfilled').waitFor();
      expect(await page.getByRole('heading', { name: 'Scan to pay' }).count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await captureFailure(portal, task);
    }
  });

  it('adds a card on Stripe’s own page from the account, and lists it as able to renew automatically', async ({ task }) => {
    const context = await portal.browser.newContext({ baseURL: portal.baseUrl, viewport: { width: 1200, height: 900 }, locale: 'en-US' });
    context.setDefaultTimeout(30_000);
    const page = await context.newPage();
    try {
      const email = uniqueEmail('stripe');
      await portal.app.roamline.services.accounts.signIn.provisionCustomer({ email, password: PASSWORD, language: 'en' });
      await page.goto('/');
      await signInViaApi(page, email);
      await page.goto('/account');
      await heading(page, 'Account');
      // The card is entered on Stripe's page: the portal only redirects there.
      await Promise.all([page.waitForURL((url) => url.href.startsWith(`${stripe.url}/local/checkout/cs_`)), page.getByRole('button', { name: 'Add a card' }).click()]);
      const sessionId = new URL(page.url()).pathname.split('/').pop() ?? '';
      stripe.completeSetup(sessionId, 'pm_card_visa');
      // Stripe sends the customer back to the success URL (this server's port is chosen after the app's public URL was set).
      const back = new URL(String(stripe.sessions.get(sessionId)?.success_url ?? ''));
      expect(back.pathname).toBe('/account');
      await page.goto(`${back.pathname}${back.search}`);
      await page.getByText('Your payment method is saved.').waitFor();
      await page.getByText('VISA •••• 4242 (12/31)').waitFor();
      await page.getByText('Can renew automatically').waitFor();
    } finally {
      await captureFailure(portal, task);
    }
  });
});
