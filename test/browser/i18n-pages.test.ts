import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import {
  BROWSER_TEST_TIMEOUT_MS, apiAs, buyEsimViaApi, expectNoPageErrors, missingKeys, openPhone, provisionCustomer, rawKeysIn,
  screenshot, seriousViolations, signInViaApi, visit, type Portal, usePortal,
} from './support/portal.js';

type Tree = { readonly [key: string]: string | Tree };
const read = (name: string): Tree => JSON.parse(readFileSync(new URL(`../../web/src/i18n/${name}.json`, import.meta.url), 'utf8')) as Tree;
const EN = read('en');
const NAMESPACES = Object.keys(EN);

function leaves(tree: Tree, prefix = ''): Array<[string, string]> {
  return Object.entries(tree).flatMap(([key, value]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    return typeof value === 'string' ? [[path, value] as [string, string]] : leaves(value, path);
  });
}

/**
 * English sentences of the portal that a Chinese page must not show: the fixed parts (between
 * {{placeholders}}) of every English text that the language translates differently, when they
 * are at least two words long. A text that fell back to English shows one of them.
 */
const fragmentCache = new Map<string, string[]>();
function englishFragments(language: string): string[] {
  const cached = fragmentCache.get(language);
  if (cached !== undefined) return cached;
  const translated = new Map(leaves(read(language)));
  const fragments = new Set<string>();
  for (const [key, english] of leaves(EN)) {
    if (translated.get(key) === english) continue;
    for (const part of english.split(/\{\{\w+\}\}/)) {
      const text = part.trim();
      if (text.length >= 8 && /[A-Za-z]+[ ,.'-]+[A-Za-z]+/.test(text)) fragments.add(text);
    }
  }
  fragmentCache.set(language, [...fragments]);
  return [...fragments];
}

async function expectTranslated(page: Page, language: string, what: string): Promise<void> {
  await page.locator('main h1').waitFor();
  await page.locator('.loading').first().waitFor({ state: 'detached' });
  await expect(page.evaluate<string>('document.documentElement.lang'), what).resolves.toBe(language);
  await expect(missingKeys(page), what).resolves.toEqual([]);
  await expect(rawKeysIn(page, NAMESPACES), what).resolves.toEqual([]);
  const text = await page.locator('body').innerText();
  expect(text, what).toMatch(/[\u4e00-\u9fff]/);
  expect(englishFragments(language).filter((fragment) => text.includes(fragment)), `${what}: English left`).toEqual([]);
}

const CASES = [
  { language: 'zh-CN', browser: 'zh-CN', currency: 'CNY', total: '¥88.00', wrongCode: '此优惠码无效。', ended: '此优惠活动已结束。', axe: false },
  { language: 'zh-TW', browser: 'zh-TW', currency: 'TWD', total: '$390', wrongCode: '此優惠碼無效。', ended: '此優惠活動已結束。', axe: true },
] as const;

/**
 * Every page of the portal in Simplified and Traditional Chinese: no key i18next lacked, no raw
 * key, no English text left; errors from their `code`; amounts and dates in the reader's format.
 * The Traditional pages also get the axe check (the English ones get it in a11y.test.ts).
 */
describe('portal: every page in Chinese', { timeout: BROWSER_TEST_TIMEOUT_MS * 2 }, () => {
  let portal!: Portal;
  usePortal((started) => {
    portal = started;
  });

  for (const c of CASES) {
    /** Opens `path` in the running portal and checks it is all in the language (and axe, for zh-TW). */
    const check = async (page: Page, path: string): Promise<void> => {
      await visit(page, path);
      await expectTranslated(page, c.language, path);
      if (c.axe) expect(await seriousViolations(page), path).toEqual([]);
    };

    it(`${c.language}: the signed-out pages`, async () => {
      const phone = await openPhone(portal, c.browser);
      for (const path of ['/sign-in', '/sign-up', '/forgot-password', '/verify?contact=someone%40example.com&sentTo=s***%40example.com',
        '/plans', '/plans/JP-DATA-7D', '/dev/mailbox', '/no-such-page']) {
        await check(phone.page, path);
      }
      expectNoPageErrors(phone);
      await phone.context.close();
    });

    it(`${c.language}: the signed-in pages, a wrong promotion code, amounts and dates`, async () => {
      const phone = await openPhone(portal, c.browser);
      const { page } = phone;
      const { email } = await provisionCustomer(portal, c.language);
      await signInViaApi(page, email);
      const lineId = await buyEsimViaApi(page, 'CNHKMO-DATA-15D', 'HKD');
      const { orders } = await apiAs<{ orders: Array<{ id: string; createdAt: string }> }>(page, 'GET', '/orders');
      const order = orders[0];
      if (order === undefined) throw new Error('the order is missing');
      await page.goto('/');
      await page.getByRole('meter').first().waitFor();
      await expectTranslated(page, c.language, '/');
      for (const path of [`/lines/${lineId}`, '/lines/claim', `/plans?line=${lineId}&kind=addon`, `/plans/TOPUP-DATA-1GB-ASIA?line=${lineId}`,
        `/checkout?line=${lineId}&plan=CNHKMO-DATA-15D&currency=HKD`, `/checkout?line=${lineId}&plan=TOPUP-DATA-1GB-ASIA&currency=HKD`,
        `/orders/${order.id}`, '/orders', '/account', '/dev/mailbox']) {
        await check(page, path);
      }
      // The order history writes the date as the reader does (e.g. 2026年11月27日).
      const dateShown = await page.evaluate<string, [string, string]>(([lang, at]) => new Intl.DateTimeFormat(lang, { dateStyle: 'medium' }).format(new Date(at)), [c.language, order.createdAt]);
      expect(dateShown).toMatch(/年/);
      await visit(page, '/orders');
      await page.locator('.order-row').waitFor();
      await expect(page.locator('.order-row .muted').innerText()).resolves.toContain(dateShown);
      await expect(page.locator('.order-row strong').innerText()).resolves.toBe('HK$128.00');

      // Buying in the language's currency: amounts and the period as the reader writes them; a
      // wrong promotion code is refused in the reader's language, from the error's code.
      await check(page, '/checkout?plan=JP-DATA-7D');
      await page.locator('.summary .total').waitFor();
      await expect(page.locator('.summary .total dd').innerText()).resolves.toBe(c.total);
      const quote = await apiAs<{ period: { startsAt: string; endsAt: string }; currency: string }>(page, 'POST', '/quotes',
        { kind: 'new_sim', planCode: 'JP-DATA-7D', currency: c.currency, newSim: { type: 'esim' } });
      expect(quote.currency).toBe(c.currency);
      const periodShown = await page.evaluate<string, [string, { startsAt: string; endsAt: string }]>(([lang, p]) => new Intl.DateTimeFormat(lang, {
        year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short',
      }).formatRange(new Date(p.startsAt), new Date(p.endsAt)), [c.language, quote.period]);
      // Quoted a moment apart, the two periods may differ by a minute: compare the days.
      await expect(page.locator('.summary .period dd').innerText()).resolves.toContain(periodShown.slice(0, periodShown.indexOf('日') + 1));
      const promotion = page.locator('#promo-title ~ form input');
      await promotion.fill('NO-SUCH-CODE');
      await page.locator('#promo-title ~ form button[type="submit"]').click();
      await page.getByRole('alert').filter({ hasText: c.wrongCode }).waitFor();
      await promotion.fill('SUMMER2025');
      await page.locator('#promo-title ~ form button[type="submit"]').click();
      await page.getByRole('alert').filter({ hasText: c.ended }).waitFor();
      await expectTranslated(page, c.language, 'checkout with an error');
      // The SIM card choice brings the shipping address form: translated too.
      await page.locator('input[name="sim"]').nth(1).check();
      await page.locator('input[name="line1"]').waitFor();
      await expectTranslated(page, c.language, 'checkout of a SIM card');
      if (c.axe) expect(await seriousViolations(page), 'checkout of a SIM card').toEqual([]);
      await screenshot(page, `checkout-promo-error-${c.language}`);
      expectNoPageErrors(phone);
      await phone.context.close();
    });
  }
});
