import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  BROWSER_TEST_TIMEOUT_MS, PASSWORD, apiAs, buyEsimViaApi, expectNoPageErrors, heading, missingKeys, openPhone, provisionCustomer,
  rawKeysIn, screenshot, seriousViolations, visit, type Portal, usePortal,
} from './support/portal.js';
import type { Page } from 'playwright-core';

/** The top-level groups of the portal's texts: a raw key on a page starts with one of them. */
const NAMESPACES = Object.keys(JSON.parse(readFileSync(new URL('../../web/src/i18n/en.json', import.meta.url), 'utf8')) as object);

/** The page shows only translated text: no key i18next lacked, no raw key, and some Chinese. */
async function expectTranslated(page: Page, language: string): Promise<void> {
  await expect(page.evaluate<string>('document.documentElement.lang')).resolves.toBe(language);
  await expect(missingKeys(page)).resolves.toEqual([]);
  await expect(rawKeysIn(page, NAMESPACES)).resolves.toEqual([]);
  const text = await page.locator('main').innerText();
  expect(text).toMatch(/[\u4e00-\u9fff]/);
}

/** Screenshot at phone size, with an axe check (no serious or critical violation) when asked. */
async function snapshot(page: Page, name: string, axe: boolean): Promise<void> {
  await page.locator('.loading').waitFor({ state: 'detached' });
  if (axe) expect(await seriousViolations(page), name).toEqual([]);
  await screenshot(page, name);
}

const CASES = [
  {
    language: 'zh-CN', name: '简体中文',
    titles: { signIn: '登录', signUp: '注册账户', forgot: '重置密码', plans: '套餐', lines: '我的号码', account: '账户', orders: '订单', claim: '添加已购买的 SIM 卡' },
    wrongPassword: '邮箱、手机号或密码不正确。',
  },
  {
    language: 'zh-TW', name: '繁體中文',
    titles: { signIn: '登入', signUp: '註冊帳戶', forgot: '重設密碼', plans: '方案', lines: '我的門號', account: '帳戶', orders: '訂單', claim: '加入已購買的 SIM 卡' },
    wrongPassword: '電子郵件、手機號碼或密碼不正確。',
  },
] as const;

describe('portal: languages', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  let portal!: Portal;
  usePortal((started) => {
    portal = started;
  });

  for (const c of CASES) {
    it(`switches to ${c.name}: every page is translated, errors too, and the profile remembers it`, async () => {
      const phone = await openPhone(portal);
      const { page } = phone;
      const { email } = await provisionCustomer(portal, 'en');
      await page.goto('/sign-in');
      await heading(page, 'Sign in');
      await page.getByLabel('Language').selectOption(c.language);
      await heading(page, c.titles.signIn);
      await expectTranslated(page, c.language);

      await page.locator('input[name="contact"]').fill(email);
      await page.locator('input[name="password"]').fill('wrong-password-123');
      await page.locator('form button[type="submit"]').click();
      await page.getByRole('alert').filter({ hasText: c.wrongPassword }).waitFor();

      for (const [path, title] of [['/sign-up', c.titles.signUp], ['/forgot-password', c.titles.forgot], ['/plans?country=JP', c.titles.plans]] as const) {
        await visit(page, path);
        await heading(page, title);
        await expectTranslated(page, c.language);
      }
      await page.locator('.plan-card').first().waitFor();
      await snapshot(page, `plans-${c.language}`, c.language === 'zh-TW');
      await page.locator('.plan-card a.button').first().click();
      await page.locator('#terms-title').waitFor();
      await expectTranslated(page, c.language);

      // Signing in keeps the language picked on this device and saves it to the profile.
      await visit(page, '/sign-in');
      await page.locator('input[name="contact"]').fill(email);
      await page.locator('input[name="password"]').fill(PASSWORD);
      await page.locator('form button[type="submit"]').click();
      await heading(page, c.titles.lines);
      await expectTranslated(page, c.language);
      await expect.poll(async () => (await apiAs<{ language: string }>(page, 'GET', '/me')).language).toBe(c.language);

      // With a line, so that the dashboard shows its bars and dates in this language.
      await buyEsimViaApi(page, 'CNHKMO-DATA-15D', 'HKD');
      await page.reload();
      await page.getByRole('meter').first().waitFor();
      await expectTranslated(page, c.language);
      await snapshot(page, `dashboard-${c.language}`, c.language === 'zh-CN');
      for (const [path, title] of [['/account', c.titles.account], ['/orders', c.titles.orders], ['/lines/claim', c.titles.claim]] as const) {
        await visit(page, path);
        await heading(page, title);
        await expectTranslated(page, c.language);
        if (path === '/account') await snapshot(page, `account-${c.language}`, c.language === 'zh-TW');
      }
      expectNoPageErrors(phone);
      await phone.context.close();
    });
  }

  it('shows the profile language on a new device after sign-in', async () => {
    const { email } = await provisionCustomer(portal, 'zh-TW');
    const phone = await openPhone(portal, 'en-GB');
    const { page } = phone;
    await page.goto('/sign-in');
    await heading(page, 'Sign in');
    await page.locator('input[name="contact"]').fill(email);
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.locator('form button[type="submit"]').click();
    await heading(page, '我的門號');
    await expectTranslated(page, 'zh-TW');
    // It stays after a reload.
    await page.reload();
    await heading(page, '我的門號');
    expectNoPageErrors(phone);
    await phone.context.close();
  });

  it('follows the browser language on a first visit', async () => {
    const phone = await openPhone(portal, 'zh-HK');
    await phone.page.goto('/plans');
    await heading(phone.page, '方案');
    await expectTranslated(phone.page, 'zh-TW');
    await phone.context.close();
  });
});
