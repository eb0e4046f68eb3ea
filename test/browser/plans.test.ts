import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  BROWSER_TEST_TIMEOUT_MS, expectNoPageErrors, heading, openPhone, provisionCustomer, screenshot, signInWithPassword, type Portal,
  usePortal,
} from './support/portal.js';

type Localized = Record<'en' | 'zh-CN' | 'zh-TW', string>;
interface PlanReply {
  readonly code: string;
  readonly scope: 'local' | 'roaming';
  readonly validityDays: number | null;
  readonly texts: { readonly name: Localized; readonly terms: Localized };
  readonly prices: ReadonlyArray<{ readonly currency: string; readonly amountMinor: number }>;
}

/** The plans the API offers for these filters, as the page should list them. */
async function plansFor(portal: Portal, query: string): Promise<PlanReply[]> {
  const response = await fetch(`${portal.baseUrl}/api/v1/plans?kind=base&${query}`);
  return ((await response.json()) as { plans: PlanReply[] }).plans;
}

async function cardNames(page: Page): Promise<string[]> {
  return page.locator('.plan-card h2').allInnerTexts();
}

/**
 * Finding a plan: by destination (named in the reader's language), home or abroad, length;
 * comparing; reading coverage, extra-use rates and terms before buying.
 */
describe('portal: plans', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  let portal!: Portal;
  usePortal((started) => {
    portal = started;
  });

  it('searches by destination in Traditional Chinese, filters by scope and length, and compares', async () => {
    const phone = await openPhone(portal, 'zh-TW');
    const { page } = phone;
    await page.goto('/plans');
    await heading(page, '方案');
    const destination = page.getByLabel('目的地');
    // Countries are named in the reader's language (Intl region names), sorted for that reader.
    await expect(destination.locator('option[value="JP"]').innerText()).resolves.toBe('日本');
    await expect(destination.locator('option[value="KR"]').innerText()).resolves.toBe('南韓');
    await destination.selectOption({ label: '日本' });
    await page.waitForURL(/country=JP/);
    const japan = await plansFor(portal, 'country=JP&currency=TWD');
    await page.getByText(`共 ${japan.length} 個方案`, { exact: true }).waitFor();
    await expect(cardNames(page)).resolves.toEqual(japan.map((p) => p.texts.name['zh-TW']));

    // Length: 6 to 15 days.
    await page.getByLabel('天數').selectOption('week');
    const week = japan.filter((p) => (p.validityDays ?? 0) > 5 && (p.validityDays ?? 0) <= 15);
    expect(week.length).toBeGreaterThan(1);
    await page.getByText(`共 ${week.length} 個方案`, { exact: true }).waitFor();
    await expect(cardNames(page)).resolves.toEqual(week.map((p) => p.texts.name['zh-TW']));

    // Compare two of them: a table with a column per plan, prices in the chosen currency.
    const [first, second] = week;
    if (first === undefined || second === undefined) throw new Error('two plans to compare');
    await page.getByRole('checkbox', { name: '加入比較' }).nth(0).check();
    await page.getByRole('checkbox', { name: '加入比較' }).nth(1).check();
    const table = page.locator('#compare table');
    await table.waitFor();
    await expect(table.locator('thead th').allInnerTexts()).resolves.toEqual([first.texts.name['zh-TW'], second.texts.name['zh-TW']]);
    const priceRow = table.locator('tbody tr').filter({ has: page.getByRole('rowheader', { name: '價格' }) });
    const twd = (plan: PlanReply): string => `$${plan.prices.find((p) => p.currency === 'TWD')?.amountMinor ?? '?'}`;
    await expect(priceRow.locator('td').allInnerTexts()).resolves.toEqual([twd(first), twd(second)]);
    const daysRow = table.locator('tbody tr').filter({ has: page.getByRole('rowheader', { name: '有效期' }) });
    await expect(daysRow.locator('td').allInnerTexts()).resolves.toEqual([`${first.validityDays} 天`, `${second.validityDays} 天`]);
    await screenshot(page, 'plans-compare-zh-TW');

    // Home or abroad: Hong Kong at home has the local plan only.
    await page.getByLabel('天數').selectOption('any');
    await destination.selectOption('HK');
    await page.getByLabel('本地或海外').selectOption('local');
    const hkLocal = await plansFor(portal, 'country=HK&scope=local&currency=TWD');
    expect(hkLocal.map((p) => p.scope)).toEqual(hkLocal.map(() => 'local'));
    await page.getByText(`共 ${hkLocal.length} 個方案`, { exact: true }).waitFor();
    await expect(cardNames(page)).resolves.toEqual(hkLocal.map((p) => p.texts.name['zh-TW']));
    expectNoPageErrors(phone);
    await phone.context.close();
  });

  it('shows coverage, extra-use rates and terms before buying, and paying waits for the terms to be read', async () => {
    const phone = await openPhone(portal);
    const { page } = phone;
    const { email } = await provisionCustomer(portal);
    await signInWithPassword(page, email);
    await page.goto('/plans?country=HK&scope=local&currency=HKD');
    await page.getByRole('link', { name: 'Details and terms of Hong Kong Local 30 Days' }).click();
    await heading(page, 'Hong Kong Local 30 Days');
    await expect(page.locator('.page-head .price').innerText()).resolves.toBe('HK$98.00');
    await expect(page.locator('#coverage-title + p').innerText()).resolves.toBe('Hong Kong');
    // Extra use: per kind, priced per unit in the reader's currency.
    const rates = page.locator('#overage-title ~ .table-scroll tbody tr');
    await expect(rates.allInnerTexts()).resolves.toEqual([
      expect.stringMatching(/^Data\s+HK\$0\.10 per 1 MB/),
      expect.stringMatching(/^Minutes\s+HK\$0\.25 per 60 seconds/),
      expect.stringMatching(/^SMS\s+HK\$0\.50 per message/),
    ]);
    const [plan] = await plansFor(portal, 'country=HK&scope=local&currency=HKD');
    await expect(page.locator('.terms').innerText()).resolves.toBe(plan?.texts.terms.en);
    await screenshot(page, 'plan-terms-en');

    await page.getByRole('link', { name: 'Buy this plan' }).click();
    await heading(page, 'Buy a plan');
    await page.locator('.summary .total').waitFor();
    const pay = page.getByRole('button', { name: /^Pay / });
    await expect(pay.isDisabled()).resolves.toBe(true);
    await page.getByText('Tick the box above to confirm you have read the terms.').waitFor();
    await expect(page.getByRole('link', { name: 'Read them' }).getAttribute('href')).resolves.toBe('/plans/HK-LOCAL-30D');
    await page.getByRole('checkbox', { name: /I have read the plan's terms/ }).check();
    await expect(pay.isEnabled()).resolves.toBe(true);
    await expect(pay.innerText()).resolves.toBe('Pay HK$98.00');
    expectNoPageErrors(phone);
    await phone.context.close();
  });
});
