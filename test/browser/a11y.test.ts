import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  BROWSER_TEST_TIMEOUT_MS, DEMO_SIMS, apiAs, buyEsimViaApi, claimSimViaApi, expectNoPageErrors, heading, openPhone,
  provisionCustomer, screenshot, seriousViolations, signInViaApi, visit, type Portal, usePortal,
} from './support/portal.js';

/**
 * Accessibility (axe-core: WCAG 2.1 A/AA and best practices; no serious or critical violation) and
 * phone-size screenshots (test-results/screenshots/) of the main pages in English; the Chinese
 * pages get theirs in i18n.test.ts, and the journeys' pages in journeys.test.ts.
 */
describe('portal: accessibility and screenshots', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  let portal!: Portal;
  usePortal((started) => {
    portal = started;
  });

  /** Screenshot of the page; axe too unless `axe` is false (a page already checked in another language). */
  async function check(page: Page, name: string, axe = true): Promise<void> {
    await page.locator('main h1').waitFor();
    await page.locator('.loading').waitFor({ state: 'detached' });
    if (axe) expect(await seriousViolations(page), name).toEqual([]);
    await screenshot(page, name);
  }

  it('signed-out pages', async () => {
    const phone = await openPhone(portal);
    const { page } = phone;
    for (const [path, title, name] of [
      ['/sign-in', 'Sign in', 'sign-in'],
      ['/sign-up', 'Create your account', 'sign-up'],
      ['/forgot-password', 'Reset your password', 'forgot-password'],
      ['/plans', 'Plans', 'plans'],
    ] as const) {
      await visit(page, path);
      await heading(page, title);
      await check(page, `${name}-en`);
    }
    await visit(page, '/plans?country=JP');
    const japan = await apiAs<{ plans: unknown[] }>(page, 'GET', '/plans?country=JP&kind=base&currency=USD');
    await page.getByText(`${japan.plans.length} plans`, { exact: true }).waitFor();
    await page.getByRole('checkbox', { name: 'Compare' }).nth(0).check();
    await page.getByRole('checkbox', { name: 'Compare' }).nth(1).check();
    await page.locator('#compare').waitFor();
    await check(page, 'plans-compare-en');
    await page.locator('.plan-card a.button').first().click();
    await page.locator('#terms-title').waitFor();
    await check(page, 'plan-detail-en');
    expectNoPageErrors(phone);
    await phone.context.close();
  });

  it('signed-in pages in English', async () => {
    const phone = await openPhone(portal);
    const { page } = phone;
    const { email } = await provisionCustomer(portal, 'en');
    await signInViaApi(page, email);
    await page.goto('/');
    await check(page, 'dashboard-empty-en');
    const lineId = await claimSimViaApi(portal, page, DEMO_SIMS[0]);
    const esimLineId = await buyEsimViaApi(page, 'EU-COMBO-15D');
    // The dashboard was cached empty: load it afresh.
    await page.reload();
    for (const [path, name] of [
      ['/', 'dashboard-en'],
      [`/lines/${lineId}`, 'line-detail-en'],
      [`/lines/${esimLineId}`, 'line-detail-esim-en'],
      [`/checkout?line=${lineId}&plan=HK-LOCAL-30D&currency=HKD`, 'checkout-renew-en'],
      ['/orders', 'orders-en'],
      ['/account', 'account-en'],
      ['/lines/claim', 'claim-en'],
      ['/dev/mailbox', 'dev-mailbox-en'],
    ] as const) {
      await visit(page, path);
      await check(page, name);
    }
    expectNoPageErrors(phone);
    await phone.context.close();
  });
});
