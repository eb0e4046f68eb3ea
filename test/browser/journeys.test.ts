import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  BROWSER_TEST_TIMEOUT_MS, DEMO_SIMS, apiAs, buyEsimViaApi, codeFor, expectNoPageErrors, heading, openPhone, provisionCustomer,
  reportUsage, screenshot, signInViaApi, signInWithPassword, type Portal, usePortal,
} from './support/portal.js';

/**
 * The traveller's journeys end to end: claim a SIM, buy an eSIM and install it, usage, auto-renew,
 * renew with a promotion code, the bank's check, a declined card. A journey whose API has not
 * landed yet is listed here as `it.todo` until its routes exist.
 */
describe('portal: journeys', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  let portal!: Portal;
  usePortal((started) => {
    portal = started;
  });

  /** Buys `planCode` as a new eSIM in USD and pays with `card`; leaves the page on the order status page. */
  async function buyEsim(page: Page, planCode: string, card: string, options: { promotion?: string; saveCard?: boolean } = {}): Promise<void> {
    const { promotion, saveCard = false } = options;
    await page.goto(`/plans/${planCode}?currency=USD`);
    await page.locator('#terms-title').waitFor();
    await page.getByRole('link', { name: 'Buy this plan' }).click();
    await heading(page, 'Buy a plan');
    if (promotion !== undefined) {
      await page.getByRole('textbox', { name: 'Promotion code' }).fill(promotion);
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.getByText(`Code ${promotion} applied.`).waitFor();
    }
    await page.locator('.summary .total').waitFor();
    await page.getByRole('checkbox', { name: /I have read the plan's terms/ }).check();
    await page.getByRole('radio', { name: card }).check();
    if (saveCard) await page.getByRole('checkbox', { name: 'Save this card for renewals' }).check();
    await page.getByRole('button', { name: /^Pay / }).click();
  }

  it('claims a SIM bought in a shop with the code sent to it, and sees the new line', async () => {
    const phone = await openPhone(portal);
    const { page } = phone;
    const { email } = await provisionCustomer(portal);
    await signInWithPassword(page, email);
    await page.getByRole('link', { name: 'Add a SIM I bought' }).click();
    await heading(page, 'Add a SIM you bought');
    await page.getByLabel("SIM's phone number").fill(DEMO_SIMS[2]);
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByText(`We sent a code by SMS to`).waitFor();
    await page.getByLabel('6-digit code').fill(await codeFor(portal, DEMO_SIMS[2]));
    await page.getByRole('button', { name: 'Add this SIM' }).click();
    await heading(page, DEMO_SIMS[2]);
    await expect(page.getByText('No plan yet').first().isVisible()).resolves.toBe(true);
    await page.getByRole('link', { name: 'My lines', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: DEMO_SIMS[2] }).waitFor();
    // Someone else's SIM, or a number that is not a claimable SIM, is refused in words.
    await page.goto('/lines/claim');
    await page.getByLabel("SIM's phone number").fill(DEMO_SIMS[2]);
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByRole('alert').filter({ hasText: 'cannot be added' }).waitFor();
    expectNoPageErrors(phone);
    await phone.context.close();
  });

  it('buys an eSIM, follows the order until it is ready, and installs it with the QR code', async () => {
    const phone = await openPhone(portal);
    const { page } = phone;
    const { email } = await provisionCustomer(portal);
    await signInWithPassword(page, email);
    await buyEsim(page, 'JP-DATA-7D', 'Test card Visa 4242 (payment succeeds)', { saveCard: true });
    await heading(page, 'Your order');
    await page.locator('.status-line.status-fulfilled').waitFor({ timeout: 30_000 });
    await screenshot(page, 'order-fulfilled-en');
    await expect(page.getByRole('link', { name: 'Receipt (PDF)' }).getAttribute('href')).resolves.toMatch(/^\/api\/v1\/orders\/ord_\w+\/receipt\.pdf$/);
    await page.getByRole('link', { name: 'Go to the line' }).click();
    await page.locator('#esim-title').waitFor();
    await page.locator('.qr-image svg').waitFor();
    const install = page.getByRole('link', { name: 'Install on this iPhone' });
    const href = (await install.getAttribute('href')) ?? '';
    expect(href.startsWith('https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=LPA%3A1%24')).toBe(true);
    await expect(page.getByText('SM-DP+ address').isVisible()).resolves.toBe(true);
    await screenshot(page, 'line-esim-en');
    // The dashboard shows the line with its data bar, and the card is saved for renewals.
    await page.getByRole('link', { name: 'My lines', exact: true }).click();
    // The line page has a Data meter too: wait for the dashboard itself first.
    await heading(page, 'My lines');
    await page.getByRole('meter', { name: 'Data' }).waitFor();
    await expect(page.getByText('5 GB left').isVisible()).resolves.toBe(true);
    await screenshot(page, 'dashboard-active-en');
    await page.getByRole('link', { name: 'Account', exact: true }).click();
    await page.getByText('VISA •••• 4242').waitFor();
    expectNoPageErrors(phone);
    await phone.context.close();
  });

  it('renews a line with a promotion code: every amount and the period are shown before paying', async () => {
    const phone = await openPhone(portal);
    const { page } = phone;
    const { email } = await provisionCustomer(portal);
    await signInWithPassword(page, email);
    await buyEsim(page, 'JP-DATA-7D', 'Test card Visa 4242 (payment succeeds)', { promotion: 'WELCOME10' });
    await page.locator('.status-line.status-fulfilled').waitFor({ timeout: 30_000 });
    await page.getByRole('link', { name: 'My lines', exact: true }).click();
    await page.getByRole('link', { name: 'Renew' }).first().click();
    await heading(page, 'Renew');
    await page.getByRole('textbox', { name: 'Promotion code' }).fill('SUMMER2025');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('alert').filter({ hasText: 'This promotion has ended.' }).waitFor();
    await page.getByRole('textbox', { name: 'Promotion code' }).fill('TRAVEL5');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('Code TRAVEL5 applied.').waitFor();
    const summary = page.locator('.summary');
    await expect(summary.innerText()).resolves.toMatch(/Discount \(TRAVEL5\)\s*−\$5\.00/);
    await expect(summary.locator('.period').isVisible()).resolves.toBe(true);
    await screenshot(page, 'checkout-renew-promo-en');
    await page.getByRole('checkbox', { name: /I have read the plan's terms/ }).check();
    await page.getByRole('button', { name: /^Pay / }).click();
    await heading(page, 'Your order');
    await page.locator('.status-line.status-fulfilled').waitFor({ timeout: 30_000 });
    await page.getByRole('link', { name: 'Orders', exact: true }).click();
    await page.locator('.order-row').nth(1).waitFor();
    await expect(page.locator('.order-row').count()).resolves.toBe(2);
    await expect(page.getByRole('link', { name: /Receipt of the order/ }).first().getAttribute('href')).resolves.toMatch(/\/receipt\.pdf$/);
    expectNoPageErrors(phone);
    await phone.context.close();
  });

  it('pays with a card that needs the bank\'s check (3-D Secure) and comes back to the order', async () => {
    const phone = await openPhone(portal);
    const { page } = phone;
    const { email } = await provisionCustomer(portal);
    await signInWithPassword(page, email);
    await buyEsim(page, 'APAC-DATA-7D', 'Test card with a bank check (3-D Secure)');
    await page.waitForURL(/\/sandbox\/3ds\//);
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(/\/orders\/ord_/);
    await page.locator('.status-line.status-fulfilled').waitFor({ timeout: 30_000 });
    expectNoPageErrors(phone);
    await phone.context.close();
  });

  it('shows what is left and the usage per day of the traveller\'s own time zone after the network reports usage', async () => {
    // A phone whose local date is not the UTC date right now: 14 hours ahead, or 11 behind (no zone
    // is both just before and just after midnight UTC: the test lets that minute pass).
    const toMidnightMs = 86_400_000 - (Date.now() % 86_400_000);
    if (toMidnightMs < 60_000) await new Promise((resolve) => setTimeout(resolve, toMidnightMs + 1000));
    const timeZone = new Date().getUTCHours() >= 10 ? 'Pacific/Kiritimati' : 'Pacific/Pago_Pago';
    const phone = await openPhone(portal, 'en-US', timeZone);
    const { page } = phone;
    const { email } = await provisionCustomer(portal);
    await signInViaApi(page, email);
    const lineId = await buyEsimViaApi(page, 'JP-DATA-7D');
    const line = await apiAs<{ msisdn: string }>(page, 'GET', `/lines/${lineId}`);
    // Usage is rated against what was valid when it started: after the purchase.
    const startedAt = new Date().toISOString();
    await reportUsage(portal, [
      { msisdn: line.msisdn, type: 'data', quantity: 300 * 1024 ** 2, country: 'JP', startedAt },
      { msisdn: line.msisdn, type: 'data', quantity: 212 * 1024 ** 2, country: 'JP', startedAt },
    ]);
    const chartAsked = page.waitForRequest((request) => request.url().includes(`/lines/${lineId}/usage`));
    await page.goto(`/lines/${lineId}`);
    expect(new URL((await chartAsked).url()).searchParams.get('tz')).toBe(timeZone);
    await page.locator('.chart-canvas canvas').waitFor();
    await expect(page.getByRole('meter', { name: 'Data' }).getAttribute('aria-valuetext')).resolves.toBe('4.5 GB left of 5 GB');
    // One day with usage, under its local date (which is not the UTC one).
    const localDate = new Date(startedAt).toLocaleDateString('en', { timeZone });
    expect(localDate).not.toBe(new Date(startedAt).toLocaleDateString('en', { timeZone: 'UTC' }));
    const rows = await page.locator('.chart table tbody tr').allInnerTexts();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(new RegExp(`^${localDate.replaceAll('/', '\\/')}\\s+512 MB`));
    await screenshot(page, 'line-usage-en');

    // The last 24 hours: one hour with usage, under its local date and hour (as the page itself writes them).
    const hoursAsked = page.waitForRequest((request) => request.url().includes(`/lines/${lineId}/usage`));
    await page.getByRole('button', { name: 'Last 24 hours' }).click();
    const hoursUrl = new URL((await hoursAsked).url());
    expect([hoursUrl.searchParams.get('granularity'), hoursUrl.searchParams.get('tz')]).toEqual(['hour', timeZone]);
    await page.locator('.chart table th', { hasText: 'Hour' }).waitFor({ state: 'attached' });
    const hourStart = new Date(Math.floor(Date.parse(startedAt) / 3_600_000) * 3_600_000).toISOString();
    const localHour = await page.evaluate<string, { at: string; zone: string }>(({ at, zone }) => new Intl.DateTimeFormat('en', {
      month: 'numeric', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone: zone,
    }).format(new Date(at)), { at: hourStart, zone: timeZone });
    await expect(page.locator('.chart table tbody tr').allInnerTexts()).resolves.toEqual([expect.stringMatching(/512 MB/)]);
    await expect(page.locator('.chart table tbody th').innerText()).resolves.toBe(localHour);
    await page.locator('.chart-canvas canvas').waitFor();
    await screenshot(page, 'line-usage-hours-en');
    expectNoPageErrors(phone);
    await phone.context.close();
  });

  it('turns auto-renew on after showing the next charge, and the dashboard shows the renewal date', async () => {
    const phone = await openPhone(portal);
    const { page } = phone;
    const { email } = await provisionCustomer(portal);
    await signInWithPassword(page, email);
    await buyEsim(page, 'EU-DATA-30D', 'Test card Visa 4242 (payment succeeds)', { saveCard: true });
    await page.locator('.status-line.status-fulfilled').waitFor({ timeout: 30_000 });
    await page.getByRole('link', { name: 'Go to the line' }).click();
    await page.getByRole('button', { name: 'Turn on auto-renew' }).click();
    await page.getByText('Check the next charge, then confirm:').waitFor();
    await expect(page.locator('.auto-renew-panel').innerText()).resolves.toMatch(/Next charge[\s\S]*Amount[\s\S]*Period covered/);
    await page.getByRole('button', { name: 'Confirm auto-renew' }).click();
    await page.getByText('Auto-renew is on, charged to VISA •••• 4242').waitFor();
    await screenshot(page, 'line-auto-renew-en');
    await page.getByRole('link', { name: 'My lines', exact: true }).click();
    await page.getByText(/^Renews automatically on /).waitFor();
    await expect(page.getByRole('link', { name: 'Renew', exact: true }).count()).resolves.toBe(0);
    expectNoPageErrors(phone);
    await phone.context.close();
  });

  it('says why a card was declined and pays the same order with another card', async () => {
    const phone = await openPhone(portal);
    const { page } = phone;
    const { email } = await provisionCustomer(portal);
    await signInWithPassword(page, email);
    await buyEsim(page, 'JP-DATA-1D', 'Test card that is declined');
    await page.getByRole('alert').filter({ hasText: 'The payment was declined. Try another card.' }).waitFor();
    await page.getByRole('radio', { name: 'Test card Visa 4242 (payment succeeds)' }).check();
    await page.getByRole('button', { name: /^Pay / }).click();
    await heading(page, 'Your order');
    await page.locator('.status-line.status-fulfilled').waitFor({ timeout: 30_000 });
    await page.getByRole('link', { name: 'Orders', exact: true }).click();
    await page.locator('.order-row').first().waitFor();
    await expect(page.locator('.order-row').count()).resolves.toBe(1);
    await expect(page.locator('.order-row .badge').innerText()).resolves.toBe('Ready');
    expectNoPageErrors(phone);
    await phone.context.close();
  });
});
