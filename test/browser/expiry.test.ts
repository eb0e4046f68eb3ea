import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { HOUR_MS } from '../../src/platform/clock.js';
import {
  BROWSER_TEST_TIMEOUT_MS, ShiftedClock, apiAs, buyEsimViaApi, expectNoPageErrors, heading, openPhone, provisionCustomer,
  screenshot, seriousViolations, signInWithPassword, type Portal, usePortal,
} from './support/portal.js';

interface LineReply {
  readonly msisdn: string;
  readonly status: string;
  readonly validUntil: string | null;
  readonly graceEndsAt: string | null;
}

/** How the page itself writes an instant (same browser, same locale and time zone as the portal). */
function shownAs(page: Page, iso: string): Promise<string> {
  return page.evaluate<string, string>((at) => new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(at)), iso);
}

/**
 * A line nearing its end, then in grace, then expired, on the dashboard: the server's clock is
 * moved forward (ShiftedClock), and the page reads status and days left from the API.
 */
describe('portal: a line about to expire, in grace, expired', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  let portal!: Portal;
  const clock = new ShiftedClock();
  usePortal((started) => {
    portal = started;
  }, { clock });

  it('warns on the dashboard before the end, then shows grace with its deadline, then expired', async () => {
    const phone = await openPhone(portal);
    const { page } = phone;
    const { email } = await provisionCustomer(portal);
    await signInWithPassword(page, email);
    const lineId = await buyEsimViaApi(page, 'JP-DATA-1D');
    const card = page.locator('.line-card');

    await page.reload();
    await card.getByRole('meter', { name: 'Data' }).waitFor();
    await expect(card.locator('.badge').innerText()).resolves.toBe('Active');

    // 23 hours later: the last hours of the plan.
    clock.advance(23 * HOUR_MS);
    let line = await apiAs<LineReply>(page, 'GET', `/lines/${lineId}`);
    expect(line.status).toBe('active');
    await page.reload();
    const warning = card.getByRole('alert');
    await expect(warning.innerText()).resolves.toBe(`Your plan ends in less than a day, at ${await shownAs(page, line.validUntil ?? '')}. Renew now to stay connected.`);
    await expect(card.locator('.days-left').innerText()).resolves.toMatch(/^1 day left · until /);
    await expect(card.getByRole('link', { name: 'Renew', exact: true }).getAttribute('href')).resolves.toBe(`/checkout?line=${lineId}&plan=JP-DATA-1D`);
    await screenshot(page, 'dashboard-ends-today-en');

    // Two hours on, the period has ended: grace, with the date by which to renew.
    clock.advance(2 * HOUR_MS);
    line = await apiAs<LineReply>(page, 'GET', `/lines/${lineId}`);
    expect(line.status).toBe('grace');
    await page.reload();
    await expect(card.getByRole('alert').innerText()).resolves.toBe(`Your plan has ended. Renew before ${await shownAs(page, line.graceEndsAt ?? '')} to keep this number.`);
    await expect(card.locator('.badge').innerText()).resolves.toBe('Expired: renew now');
    await expect(card.locator('.days-left').count()).resolves.toBe(0);
    // No period is current any more: renewing offers the plan the line last had, by name.
    const plan = await apiAs<{ texts: { name: { en: string } } }>(page, 'GET', '/plans/JP-DATA-1D');
    const renewLast = card.getByRole('link', { name: `Renew ${plan.texts.name.en}`, exact: true });
    await expect(renewLast.getAttribute('href')).resolves.toBe(`/checkout?line=${lineId}&plan=JP-DATA-1D`);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'dashboard-grace-en');

    // Past the grace time (three days): expired.
    clock.advance(72 * HOUR_MS);
    line = await apiAs<LineReply>(page, 'GET', `/lines/${lineId}`);
    expect(line.status).toBe('expired');
    await page.reload();
    await card.getByText('This line has expired. Renew to use it again.').waitFor();
    await expect(card.locator('.badge').innerText()).resolves.toBe('Expired');
    // Expired too, "Renew <plan>" opens the checkout with the last plan already chosen.
    await expect(renewLast.getAttribute('href')).resolves.toBe(`/checkout?line=${lineId}&plan=JP-DATA-1D`);
    await expect(card.getByRole('link', { name: 'Choose a plan' }).count()).resolves.toBe(0);
    // The line page says the same.
    await card.getByRole('link', { name: `Details of ${line.msisdn}` }).click();
    await heading(page, line.msisdn);
    await page.getByText('This line has expired. Renew to use it again.').waitFor();
    await screenshot(page, 'line-expired-en');
    // …and its "Renew <plan>" opens the checkout of a renewal of this line with that plan.
    await page.getByRole('link', { name: `Renew ${plan.texts.name.en}`, exact: true }).click();
    await heading(page, 'Renew');
    await page.getByText(`Renews ${line.msisdn}.`, { exact: false }).waitFor();
    expectNoPageErrors(phone);
    await phone.context.close();
  });

  it('does not warn about a line with a week to go, and warns three days before its end', async () => {
    const phone = await openPhone(portal);
    const { page } = phone;
    const { email } = await provisionCustomer(portal);
    await signInWithPassword(page, email);
    const lineId = await buyEsimViaApi(page, 'JP-DATA-7D');
    await page.reload();
    const card = page.locator('.line-card');
    await card.getByRole('meter', { name: 'Data' }).waitFor();
    await expect(card.locator('.days-left strong').innerText()).resolves.toBe('7 days left');
    await expect(card.locator('.notice-warning').count()).resolves.toBe(0);

    // Four days and an hour later: less than three days left, counted up to 3 as a traveller does.
    clock.advance(97 * HOUR_MS);
    const line = await apiAs<LineReply & { validityLeft: { days: number } }>(page, 'GET', `/lines/${lineId}`);
    expect([line.status, line.validityLeft.days]).toEqual(['active', 3]);
    await page.reload();
    await expect(card.getByRole('alert').innerText()).resolves.toBe(`Your plan ends in 3 days (${await shownAs(page, line.validUntil ?? '')}). Renew now to stay connected.`);
    await expect(card.locator('.days-left strong').innerText()).resolves.toBe('3 days left');
    expectNoPageErrors(phone);
    await phone.context.close();
  });
});
