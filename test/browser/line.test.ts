import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import QRCode from 'qrcode';
import {
  BROWSER_TEST_TIMEOUT_MS, apiAs, buyEsimViaApi, expectNoPageErrors, heading, openPhone, provisionCustomer, screenshot,
  seriousViolations, signInWithPassword, type Portal, usePortal,
} from './support/portal.js';

interface LineReply {
  readonly msisdn: string;
  readonly validUntil: string;
  readonly esim: { readonly activationCode: string; readonly smdpAddress: string; readonly matchingId: string };
  readonly allowances: ReadonlyArray<{ readonly kind: string; readonly validUntil: string | null }>;
}

interface AutoRenewReply {
  readonly nextCharge: { readonly at: string; readonly totalMinor: number; readonly currency: string; readonly period: { startsAt: string; endsAt: string } };
}

/** How the page itself writes instants (same browser, locale and time zone as the portal). */
function shownAs(page: Page, iso: string): Promise<string> {
  return page.evaluate<string, string>((at) => new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(at)), iso);
}
function periodShownAs(page: Page, period: { startsAt: string; endsAt: string }): Promise<string> {
  return page.evaluate<string, { startsAt: string; endsAt: string }>((p) => new Intl.DateTimeFormat('en', {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short',
  }).formatRange(new Date(p.startsAt), new Date(p.endsAt)), period);
}

/** Buys `planCode` as an eSIM through the API with the sandbox's Visa, saving the card; returns the line id. */
async function buyWithSavedCard(page: Page, planCode: string): Promise<string> {
  const order = await apiAs<{ id: string }>(page, 'POST', '/orders', { kind: 'new_sim', planCode, currency: 'USD', newSim: { type: 'esim' } },
    { 'idempotency-key': `line-test-${Date.now()}-${Math.random().toString(36).slice(2)}` });
  await apiAs(page, 'POST', `/orders/${order.id}/payments`, { method: 'sandbox', paymentMethodToken: 'pm_sandbox_visa', savePaymentMethod: true });
  let lineId: string | null = null;
  await expect.poll(async () => {
    const current = await apiAs<{ status: string; lineId: string | null }>(page, 'GET', `/orders/${order.id}`);
    lineId = current.lineId;
    return current.status;
  }, { timeout: 30_000 }).toBe('fulfilled');
  if (lineId === null) throw new Error(`order ${order.id} has no line`);
  return lineId;
}

/** The line page: allowances, the eSIM's QR code, the iPhone link, the manual fields, auto-renew. */
describe('portal: line detail', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  let portal!: Portal;
  usePortal((started) => {
    portal = started;
  });

  it('shows each allowance, the eSIM by QR code, one-tap link and by hand, and auto-renew with its price and date before confirming', async () => {
    const phone = await openPhone(portal);
    const { page } = phone;
    const { email } = await provisionCustomer(portal);
    await signInWithPassword(page, email);
    const lineId = await buyWithSavedCard(page, 'EU-COMBO-15D');
    const line = await apiAs<LineReply>(page, 'GET', `/lines/${lineId}`);
    await page.goto(`/lines/${lineId}`);
    await heading(page, line.msisdn);

    // Allowances: one bar per kind, with what is left of what was granted, and until when.
    await expect(page.getByRole('meter', { name: 'Data' }).getAttribute('aria-valuetext')).resolves.toBe('12 GB left of 12 GB');
    await expect(page.getByRole('meter', { name: 'Minutes' }).getAttribute('aria-valuetext')).resolves.toBe('100 minutes left of 100 minutes');
    await expect(page.getByRole('meter', { name: 'SMS' }).getAttribute('aria-valuetext')).resolves.toBe('50 SMS left of 50 SMS');
    const dataUntil = line.allowances.find((a) => a.kind === 'data')?.validUntil ?? '';
    await page.getByText(`Data can be used until ${await shownAs(page, dataUntil)}.`).waitFor();
    await expect(page.locator('.chart').innerText()).resolves.toContain('No usage yet.');

    // The QR code encodes the activation code: the same SVG as the qrcode library makes of it.
    const svg = await page.locator('.qr-image').innerHTML();
    const expected = await QRCode.toString(line.esim.activationCode, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    const pathsOf = (text: string): string[] => [...text.matchAll(/ d="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(pathsOf(svg)).toEqual(pathsOf(expected));
    expect(pathsOf(svg).length).toBeGreaterThan(0);
    await expect(page.getByRole('img', { name: /QR/ }).count()).resolves.toBe(1);
    // iPhone: Apple's link with the whole activation code, URL-encoded.
    await expect(page.getByRole('link', { name: 'Install on this iPhone' }).getAttribute('href'))
      .resolves.toBe(`https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=${encodeURIComponent(line.esim.activationCode)}`);
    expect(line.esim.activationCode).toBe(`LPA:1$${line.esim.smdpAddress}$${line.esim.matchingId}`);
    // By hand: each field with its value and a copy button.
    const manual = page.locator('.copy-list');
    await expect(manual.locator('dt').allInnerTexts()).resolves.toEqual(['SM-DP+ address', 'Activation code (matching ID)', 'Full activation code']);
    await expect(manual.locator('dd code').allInnerTexts()).resolves.toEqual([line.esim.smdpAddress, line.esim.matchingId, line.esim.activationCode]);
    await expect(manual.getByRole('button', { name: /^Copy/ }).count()).resolves.toBe(3);

    // Auto-renew: turning it on first shows the amount, the date of the charge and the period.
    await page.getByRole('button', { name: 'Turn on auto-renew' }).click();
    await page.getByText('Check the next charge, then confirm:').waitFor();
    const { paymentMethods } = await apiAs<{ paymentMethods: Array<{ id: string }> }>(page, 'GET', '/payment-methods');
    expect(paymentMethods.length).toBe(1);
    // The same question the page asked (a preview changes nothing), to compare its answer with the page.
    const preview = await apiAs<AutoRenewReply>(page, 'PUT', `/lines/${lineId}/auto-renew`, { enabled: true, confirm: false, paymentMethodId: paymentMethods[0]?.id });
    // (The API prices the renewal in the plan's own currency, EUR for this plan, though the first
    // purchase was in USD; the page shows what the API quotes.)
    const amount = await page.evaluate<string, { totalMinor: number; currency: string }>(
      (c) => new Intl.NumberFormat('en', { style: 'currency', currency: c.currency }).format(c.totalMinor / 100), preview.nextCharge);
    expect(amount).toMatch(/^(€29\.00|\$32\.00)$/);
    const facts = page.locator('.auto-renew-panel .facts');
    await expect(facts.locator('dt').allInnerTexts()).resolves.toEqual(['Next charge', 'Amount', 'Period covered']);
    await expect(facts.locator('dd').allInnerTexts()).resolves.toEqual([
      await shownAs(page, preview.nextCharge.at), amount, await periodShownAs(page, preview.nextCharge.period),
    ]);
    // The new period starts where this one ends: nothing is lost by renewing automatically.
    expect(preview.nextCharge.period.startsAt).toBe(line.validUntil);
    await expect(page.locator('.auto-renew-panel').innerText()).resolves.toMatch(/Charged to VISA •••• 4242/i);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'line-auto-renew-preview-en');
    // Nothing is saved until confirmed.
    await expect.poll(async () => (await apiAs<{ enabled: boolean }>(page, 'GET', `/lines/${lineId}/auto-renew`)).enabled).toBe(false);
    await page.getByRole('button', { name: 'Confirm auto-renew' }).click();
    await page.getByText(/^Auto-renew is on, charged to VISA •••• 4242/).waitFor();
    await expect.poll(async () => (await apiAs<{ enabled: boolean }>(page, 'GET', `/lines/${lineId}/auto-renew`)).enabled).toBe(true);
    await page.getByRole('button', { name: 'Turn off auto-renew' }).click();
    await page.getByRole('button', { name: 'Turn on auto-renew' }).waitFor();
    await expect.poll(async () => (await apiAs<{ enabled: boolean }>(page, 'GET', `/lines/${lineId}/auto-renew`)).enabled).toBe(false);
    expectNoPageErrors(phone);
    await phone.context.close();
  });

  it('offers auto-renew only with a method that renews automatically, and pays with the sandbox only its own saved methods', async () => {
    const phone = await openPhone(portal);
    const { page } = phone;
    const { email } = await provisionCustomer(portal);
    await signInWithPassword(page, email);
    const lineId = await buyEsimViaApi(page, 'JP-DATA-7D');
    // A PayPal account saved without off-session consent, as GET /payment-methods describes it
    // (the sandbox alone cannot save one): neither auto-renew nor the sandbox form may offer it.
    const paypal = {
      id: 'pm_01JPAYPALNOTOFFSESSION0000', provider: 'paypal', method: 'paypal', brand: 'paypal', last4: '0001', expMonth: 1, expYear: 2030,
      offSession: false, createdAt: new Date().toISOString(),
    };
    await page.route('**/api/v1/payment-methods', (route) => (route.request().method() === 'GET'
      ? route.fulfill({ json: { paymentMethods: [paypal] } }) : route.continue()));

    await page.goto(`/lines/${lineId}`);
    const panel = page.locator('.auto-renew-panel');
    await panel.getByText('No saved payment method can renew automatically yet.').waitFor();
    await expect(panel.getByRole('button', { name: 'Turn on auto-renew' }).count()).resolves.toBe(0);
    await expect(panel.getByRole('combobox').count()).resolves.toBe(0);

    await page.goto(`/checkout?line=${lineId}&plan=JP-DATA-7D`);
    await heading(page, 'Renew');
    const methods = page.getByRole('group', { name: 'How to pay' });
    await methods.getByRole('radio', { name: 'Test card Visa 4242 (payment succeeds)' }).waitFor();
    await expect(methods.getByRole('radio', { name: /Saved card/ }).count()).resolves.toBe(0);

    await page.goto(`/lines/${lineId}`);
    await panel.getByRole('link', { name: 'Add one on the Account page' }).click();
    await heading(page, 'Account');
    expectNoPageErrors(phone);
    await phone.context.close();
  });
});
