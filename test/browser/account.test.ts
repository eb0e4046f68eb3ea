import { describe, expect, it } from 'vitest';
import {
  BROWSER_TEST_TIMEOUT_MS, PASSWORD, apiAs, codeFor, expectNoPageErrors, heading, openPhone, provisionCustomer,
  signInWithPassword, signedInOnTwoPhones, uniqueHkMobile, visit, type Portal, usePortal,
} from './support/portal.js';

interface MeReply {
  readonly name: string | null;
  readonly language: string;
  readonly marketingOptIn: boolean;
}

/** The account page (profile, notifications, password, language), and the development mailbox. */
describe('portal: account and development mailbox', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  let portal!: Portal;
  usePortal((started) => {
    portal = started;
  });

  it('changes the name in the profile and turns marketing messages off', async () => {
    const phone = await openPhone(portal);
    const { page } = phone;
    const { email } = await provisionCustomer(portal);
    await signInWithPassword(page, email);
    await apiAs(page, 'PATCH', '/me', { marketingOptIn: true });
    await page.goto('/account');
    await heading(page, 'Account');
    await page.getByLabel('Name').fill('Lin Wanderer');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    await expect.poll(async () => (await apiAs<MeReply>(page, 'GET', '/me')).name).toBe('Lin Wanderer');

    const marketing = page.getByRole('checkbox', { name: 'Send me offers and travel deals' });
    await expect(marketing.isChecked()).resolves.toBe(true);
    await marketing.uncheck();
    await expect.poll(async () => (await apiAs<MeReply>(page, 'GET', '/me')).marketingOptIn).toBe(false);
    await page.reload();
    await heading(page, 'Account');
    await expect(page.getByRole('checkbox', { name: 'Send me offers and travel deals' }).isChecked()).resolves.toBe(false);
    await page.getByRole('link', { name: 'My lines', exact: true }).click();
    await page.getByText('Welcome back, Lin Wanderer.').waitFor();
    expectNoPageErrors(phone);
    await phone.context.close();
  });

  it('changes the password: a wrong current one is refused in words, the other device is signed out, the new one signs in', async () => {
    const { email, other, phone } = await signedInOnTwoPhones(portal);
    const { page } = phone;
    await visit(page, '/account');
    await heading(page, 'Account');
    await page.getByLabel('Current password').fill('not-my-password-at-all');
    await page.getByLabel('New password').fill('a-fresh-travel-passphrase');
    await page.getByRole('button', { name: 'Change password' }).click();
    const alert = page.locator('#password-title ~ form [role="alert"]');
    await alert.waitFor();
    await expect(alert.innerText()).resolves.not.toMatch(/auth\.|^\s*$/);
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('status').filter({ hasText: 'Password changed. Your other devices were signed out.' }).waitFor();
    await expect(page.getByLabel('Current password').inputValue()).resolves.toBe('');
    // The other device's session ended; this one goes on.
    await other.page.goto('/account');
    await other.page.waitForURL(/\/sign-in\?next=%2Faccount/);
    await expect(page.locator('.sessions li').count()).resolves.toBe(1);
    // Out and in again: the old password no longer works, the new one does.
    await page.getByRole('button', { name: 'Sign out', exact: true }).last().click();
    await page.waitForURL(/\/sign-in/);
    await page.locator('input[name="contact"]').fill(email);
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.locator('form button[type="submit"]').click();
    await page.getByRole('alert').filter({ hasText: 'The e-mail, phone number or password is wrong.' }).waitFor();
    await signInWithPassword(page, email, 'a-fresh-travel-passphrase');
    expectNoPageErrors(phone);
    await phone.context.close();
    await other.context.close();
  });

  it('keeps the language picked with the switcher in the profile: signed out and in again on a new device, the portal speaks it', async () => {
    const { email } = await provisionCustomer(portal, 'en');
    const phone = await openPhone(portal, 'en-US');
    const { page } = phone;
    await signInWithPassword(page, email);
    await heading(page, 'My lines');
    await page.getByLabel('Language').selectOption('zh-CN');
    await heading(page, '我的号码');
    await expect.poll(async () => (await apiAs<MeReply>(page, 'GET', '/me')).language).toBe('zh-CN');
    await visit(page, '/account');
    await heading(page, '账户');
    await page.getByRole('button', { name: '退出登录', exact: true }).last().click();
    await page.waitForURL(/\/sign-in/);
    await phone.context.close();

    // A new device whose browser asks for English, with nothing stored.
    const fresh = await openPhone(portal, 'en-US');
    await fresh.page.goto('/sign-in');
    await heading(fresh.page, 'Sign in');
    await fresh.page.locator('input[name="contact"]').fill(email);
    await fresh.page.locator('input[name="password"]').fill(PASSWORD);
    await fresh.page.locator('form button[type="submit"]').click();
    await heading(fresh.page, '我的号码');
    await expect(fresh.page.evaluate<string>('document.documentElement.lang')).resolves.toBe('zh-CN');
    await expect(fresh.page.getByLabel('语言').inputValue()).resolves.toBe('zh-CN');
    expectNoPageErrors(fresh);
    await fresh.context.close();
  });

  it('shows the codes the server would have sent in the development mailbox', async () => {
    const mobile = uniqueHkMobile();
    await portal.app.roamline.services.accounts.signIn.provisionCustomer({ phone: mobile, password: PASSWORD, language: 'en' });
    const phone = await openPhone(portal);
    const { page } = phone;
    await page.goto('/sign-in');
    await page.getByRole('button', { name: 'SMS code' }).click();
    await page.getByLabel('Mobile number').fill(mobile);
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByText('We sent a code to').waitFor();
    const code = await codeFor(portal, mobile);
    await page.getByRole('contentinfo').getByRole('link', { name: 'Dev mailbox' }).click();
    await heading(page, 'Development mailbox');
    await page.getByLabel('Recipient').fill(mobile);
    const message = page.locator('.message').filter({ hasText: mobile });
    await message.first().waitFor();
    await expect(message.first().locator('.badge').innerText()).resolves.toBe('SMS');
    await expect(message.first().locator('.message-body').innerText()).resolves.toContain(code);
    // Only that recipient's messages are listed.
    await expect(page.locator('.message').count()).resolves.toBe(await message.count());
    expectNoPageErrors(phone);
    await phone.context.close();
  });
});
