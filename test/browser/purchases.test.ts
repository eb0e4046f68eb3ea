import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import {
  BROWSER_TEST_TIMEOUT_MS, PHONE, apiAs, buyEsimViaApi, expectNoPageErrors, heading, openPhone, provisionCustomer, screenshot,
  seriousViolations, signInWithPassword, type Portal, usePortal,
} from './support/portal.js';

interface OrderReply {
  readonly id: string;
  readonly kind: string;
  readonly status: string;
  readonly lineId: string | null;
  readonly feesMinor: number;
  readonly totalMinor: number;
  readonly newSim: { readonly type: string; readonly shippingAddress: Record<string, unknown> | null } | null;
}

/**
 * Buying beyond the plain eSIM: a SIM card sent to a shipping address, a top-up on a line that
 * has a plan, a payment the provider confirms a few seconds later (the order page follows it by
 * itself), and the receipt downloaded from the order history. All at phone size (360 px).
 */
describe('portal: SIM cards, top-ups, late payments and receipts', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  let portal!: Portal;
  usePortal((started) => {
    portal = started;
  }, { physicalSimsInStock: 3 });

  it('buys a SIM card sent to a shipping address: shipping is in the summary and the order shows the address', async () => {
    const phone = await openPhone(portal);
    const { page } = phone;
    expect(page.viewportSize()).toEqual(PHONE);
    const { email } = await provisionCustomer(portal);
    await signInWithPassword(page, email);
    await page.goto('/plans/JP-DATA-7D?currency=USD');
    await page.getByRole('link', { name: 'Buy this plan' }).click();
    await heading(page, 'Buy a plan');
    // The eSIM is quoted first, without shipping.
    await expect.poll(() => page.locator('.summary .total dd').innerText()).toBe('$12.50');
    await page.getByRole('radio', { name: 'SIM card, sent by post' }).check();
    // No price until there is somewhere to send the card: paying stays off.
    await expect(page.locator('.summary').count()).resolves.toBe(0);
    await page.getByLabel('Recipient').fill('Mei Traveller');
    await page.getByLabel('Address', { exact: true }).fill('1 Harbour Road');
    await page.getByLabel('City').fill('Wan Chai');
    // The country is chosen by its name in the reader's language (the browser's country first); the API gets the ISO code.
    const country = page.getByRole('combobox', { name: 'Country or region' });
    await expect(country.inputValue()).resolves.toBe('US');
    await country.selectOption({ label: 'Hong Kong' });
    await expect(country.inputValue()).resolves.toBe('HK');
    await page.getByRole('button', { name: 'Update the summary' }).click();
    const summary = page.locator('.summary');
    await summary.waitFor();
    await expect(summary.innerText()).resolves.toMatch(/Price\s*\$12\.50[\s\S]*Fees and shipping\s*\$5\.00[\s\S]*Total to pay\s*\$17\.50/);
    await page.getByRole('checkbox', { name: /I have read the plan's terms/ }).check();
    await page.getByRole('button', { name: 'Pay $17.50' }).click();
    await heading(page, 'Your order');
    await page.locator('.status-line.status-fulfilled').waitFor({ timeout: 30_000 });
    const shipping = page.locator('.shipping address');
    await expect(shipping.innerText()).resolves.toBe('Mei Traveller\n1 Harbour Road\nWan Chai\nHong Kong');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'order-sim-card-en');
    // What the API recorded is what was typed, and the new line is a SIM card.
    const orderId = new URL(page.url()).pathname.split('/').at(-1) ?? '';
    const order = await apiAs<OrderReply>(page, 'GET', `/orders/${orderId}`);
    expect(order.newSim).toEqual({ type: 'physical', shippingAddress: { name: 'Mei Traveller', line1: '1 Harbour Road', city: 'Wan Chai', country: 'HK' } });
    expect([order.feesMinor, order.totalMinor]).toEqual([500, 1750]);
    await page.getByRole('link', { name: 'Go to the line' }).click();
    await page.locator('#plan-title').waitFor();
    await expect(page.locator('.page-head .muted').innerText()).resolves.toMatch(/^SIM card · ICCID 89852993/);
    // A SIM card has nothing to download: no eSIM section.
    await expect(page.locator('#esim-title').count()).resolves.toBe(0);
    expectNoPageErrors(phone);
    await phone.context.close();
  });

  it('tops up a line that has a plan with an add-on made for that plan, and the line shows the extra data', async () => {
    const phone = await openPhone(portal);
    const { page } = phone;
    const { email } = await provisionCustomer(portal);
    await signInWithPassword(page, email);
    const lineId = await buyEsimViaApi(page, 'JP-DATA-7D');
    await page.goto(`/lines/${lineId}`);
    await expect(page.getByRole('meter', { name: 'Data' }).getAttribute('aria-valuetext')).resolves.toBe('5 GB left of 5 GB');
    await page.getByRole('link', { name: 'Top up', exact: true }).click();
    await heading(page, 'Top up');
    // Only the add-on made for the line's plan is offered (the Europe one is not).
    await page.getByText('1 plan', { exact: true }).waitFor();
    await expect(page.locator('.plan-card h2').allInnerTexts()).resolves.toEqual(['1 GB Data Top-up (Asia)']);
    await page.getByRole('link', { name: 'Details and terms of 1 GB Data Top-up (Asia)' }).click();
    await page.locator('#terms-title').waitFor();
    await page.getByRole('link', { name: 'Add to my line' }).click();
    await heading(page, 'Top up');
    await page.getByText(/^Adds to the current period of \+8525300\d{4}\.$/).waitFor();
    await page.locator('.summary .total').waitFor();
    // A top-up covers what is left of the current period: the same end as the line's.
    const line = await apiAs<{ validUntil: string; currentPeriod: { startsAt: string; endsAt: string } }>(page, 'GET', `/lines/${lineId}`);
    const quote = await apiAs<{ period: { startsAt: string; endsAt: string }; totalMinor: number }>(page, 'POST', '/quotes', { kind: 'topup', planCode: 'TOPUP-DATA-1GB-ASIA', currency: 'USD', lineId });
    expect(quote.period.endsAt).toBe(line.currentPeriod.endsAt);
    await expect(page.locator('.summary .total dd').innerText()).resolves.toBe('$4.90');
    await page.getByRole('checkbox', { name: /I have read the plan's terms/ }).check();
    await page.getByRole('button', { name: 'Pay $4.90' }).click();
    await heading(page, 'Your order');
    await page.locator('.status-line.status-fulfilled').waitFor({ timeout: 30_000 });
    await expect(page.locator('#order-summary ~ .muted').innerText()).resolves.toMatch(/^Top-up · ordered on /);
    await page.getByRole('link', { name: 'Go to the line' }).click();
    await expect.poll(() => page.getByRole('meter', { name: 'Data' }).getAttribute('aria-valuetext')).toBe('6 GB left of 6 GB');
    expectNoPageErrors(phone);
    await phone.context.close();
  });

  it('follows a payment the provider confirms later, from "waiting" to "ready", without a reload', async () => {
    const phone = await openPhone(portal);
    const { page } = phone;
    const { email } = await provisionCustomer(portal);
    await signInWithPassword(page, email);
    await page.goto('/checkout?plan=JP-DATA-1D&currency=USD');
    await heading(page, 'Buy a plan');
    await page.locator('.summary .total').waitFor();
    await page.getByRole('checkbox', { name: /I have read the plan's terms/ }).check();
    await page.getByRole('radio', { name: 'Test card answered a few seconds later' }).check();
    // Jobs paused: the provider's late answer (a webhook sent by a job) cannot arrive before the
    // page has shown the waiting state, however slow this machine is.
    await portal.app.roamline.jobs.stop();
    try {
      await page.getByRole('button', { name: 'Pay $3.50' }).click();
      await heading(page, 'Your order');
      await page.locator('.status-line.status-pending_payment').waitFor();
      await page.getByText('We are confirming your payment with the bank. This page updates by itself.').waitFor();
      // The progress shows the first step as the current one, and no payment form meanwhile.
      await expect(page.locator('.progress li[aria-current="step"]').innerText()).resolves.toBe('Ordered');
      await expect(page.getByRole('button', { name: /^Pay / }).count()).resolves.toBe(0);
      await screenshot(page, 'order-confirming-en');
      // A mark on this very document: a reload would lose it.
      await page.evaluate('window.__sameDocument = true');
    } finally {
      portal.app.roamline.jobs.start(200);
    }
    await page.locator('.status-line.status-fulfilled').waitFor({ timeout: 30_000 });
    await expect(page.evaluate<boolean>('window.__sameDocument === true')).resolves.toBe(true);
    await expect(page.locator('.progress li.done').allInnerTexts()).resolves.toEqual(['Ordered', 'Paid', 'Ready']);
    await expect(page.getByText('We are confirming your payment').count()).resolves.toBe(0);
    await expect(page.getByRole('link', { name: 'Receipt (PDF)' }).isVisible()).resolves.toBe(true);
    expectNoPageErrors(phone);
    await phone.context.close();
  });

  it('downloads the receipt of an order from the order history: a PDF of that order', async () => {
    const phone = await openPhone(portal);
    const { page } = phone;
    const { email } = await provisionCustomer(portal);
    await signInWithPassword(page, email);
    await buyEsimViaApi(page, 'JP-DATA-1D');
    const { orders } = await apiAs<{ orders: OrderReply[] }>(page, 'GET', '/orders');
    expect(orders.map((o) => o.status)).toEqual(['fulfilled']);
    const orderId = orders[0]?.id ?? '';
    await page.getByRole('link', { name: 'Orders', exact: true }).click();
    await heading(page, 'Orders');
    const row = page.locator('.order-row');
    await row.waitFor();
    await expect(row.locator('.badge').innerText()).resolves.toBe('Ready');
    await expect(row.locator('strong').innerText()).resolves.toBe('$3.50');
    const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('link', { name: /^Receipt of the order of / }).click()]);
    expect(download.suggestedFilename()).toBe(`roamline-receipt-${orderId}.pdf`);
    const path = await download.path();
    const pdf = await readFile(path);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-6).toString('latin1')).toMatch(/%%EOF\s*$/);
    // The document's title (the object /Info's /Title points to) names the order; the page text
    // itself is compressed.
    const text = pdf.toString('latin1');
    const titleRef = /\/Title (\d+) 0 R/.exec(text)?.[1];
    expect(titleRef).toBeDefined();
    expect(new RegExp(`\\n${titleRef} 0 obj\\n\\((.*)\\)\\nendobj`).exec(text)?.[1]).toBe(`Receipt ${orderId}`);
    expectNoPageErrors(phone);
    await phone.context.close();
  });
});
