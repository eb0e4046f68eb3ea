import { describe, expect, it } from 'vitest';
import {
  BROWSER_TEST_TIMEOUT_MS, PASSWORD, codeFor, expectNoPageErrors, heading, openPhone, provisionCustomer, signInWithPassword,
  signedInOnTwoPhones, uniqueEmail, uniqueHkMobile, type Portal, usePortal,
} from './support/portal.js';

describe('portal: sign up, verify, sign in, sign out', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  let portal!: Portal;
  usePortal((started) => {
    portal = started;
  });

  it('signs up with an e-mail address, verifies it with the e-mailed code and lands on the dashboard', async () => {
    const phone = await openPhone(portal);
    const { page } = phone;
    const email = uniqueEmail('signup');
    await page.goto('/');
    await page.waitForURL(/\/sign-in\?next=/);
    await page.getByRole('link', { name: 'Create an account' }).click();
    // The sign-in page stays on screen while the sign-up page loads, with fields of the same names.
    await heading(page, 'Create your account');
    await page.getByLabel('E-mail or mobile number').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Name (optional)').fill('Mei Traveller');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/verify\?/);
    await page.getByRole('status').filter({ hasText: 'We e-mailed a 6-digit code' }).waitFor();
    await page.getByLabel('6-digit code').fill(await codeFor(portal, email));
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await heading(page, 'My lines');
    await expect(page.getByText('Welcome back, Mei Traveller.').isVisible()).resolves.toBe(true);
    await expect(page.getByRole('heading', { name: 'No lines yet' }).isVisible()).resolves.toBe(true);
    expectNoPageErrors(phone);
    await phone.context.close();
  });

  it('signs up with a phone number: the code arrives by SMS', async () => {
    const phone = await openPhone(portal);
    const { page } = phone;
    const mobile = uniqueHkMobile();
    await page.goto('/sign-up');
    await heading(page, 'Create your account');
    await page.getByLabel('E-mail or mobile number').fill(mobile);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/verify\?/);
    await page.getByRole('status').filter({ hasText: 'by SMS' }).waitFor();
    await page.getByLabel('6-digit code').fill(await codeFor(portal, mobile));
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    expectNoPageErrors(phone);
    await phone.context.close();
  });

  it('shows a wrong code and a wrong password in words, from the error code', async () => {
    const phone = await openPhone(portal);
    const { page } = phone;
    const { email } = await provisionCustomer(portal);
    await page.goto('/sign-in');
    await page.getByLabel('E-mail or mobile number').fill(email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'The e-mail, phone number or password is wrong.' }).waitFor();
    // The field that failed validation is named.
    await page.getByLabel('E-mail or mobile number').fill('x');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'E-mail or mobile number' }).waitFor();
    expectNoPageErrors(phone);
    await phone.context.close();
  });

  it('signs in with a password, then signs out', async () => {
    const phone = await openPhone(portal);
    const { page } = phone;
    const { email } = await provisionCustomer(portal);
    await signInWithPassword(page, email);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(/\/sign-in/);
    await page.getByRole('status').filter({ hasText: 'You are signed out.' }).waitFor();
    await page.goto('/account');
    await page.waitForURL(/\/sign-in\?next=%2Faccount/);
    expectNoPageErrors(phone);
    await phone.context.close();
  });

  it('signs in with an SMS code and returns to the page asked for', async () => {
    const phone = await openPhone(portal);
    const { page } = phone;
    const mobile = uniqueHkMobile();
    await portal.app.roamline.services.accounts.signIn.provisionCustomer({ phone: mobile, password: PASSWORD, language: 'en' });
    await page.goto('/orders');
    await page.waitForURL(/\/sign-in\?next=%2Forders/);
    await page.getByRole('button', { name: 'SMS code' }).click();
    await page.getByLabel('Mobile number').fill(mobile);
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByText('We sent a code to').waitFor();
    await page.getByLabel('6-digit code').fill(await codeFor(portal, mobile));
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/orders');
    await heading(page, 'Orders');
    expectNoPageErrors(phone);
    await phone.context.close();
  });

  it('resets a forgotten password with the e-mailed code, then signs in with the new one', async () => {
    const phone = await openPhone(portal);
    const { page } = phone;
    const { email } = await provisionCustomer(portal);
    await page.goto('/sign-in');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await heading(page, 'Reset your password');
    await page.getByLabel('E-mail or mobile number').fill(email);
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByLabel('6-digit code').waitFor();
    await page.getByLabel('6-digit code').fill(await codeFor(portal, email));
    await page.getByLabel('New password').fill('a-brand-new-passphrase');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await heading(page, 'Password changed');
    await signInWithPassword(page, email, 'a-brand-new-passphrase');
    expectNoPageErrors(phone);
    await phone.context.close();
  });

  it('lists the sessions and signs out everywhere', async () => {
    const { email, other, phone } = await signedInOnTwoPhones(portal);
    const { page } = phone;
    await page.goto('/account');
    const sessions = page.locator('.sessions li');
    await sessions.nth(1).waitFor();
    await expect(sessions.count()).resolves.toBe(2);
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.waitForURL(/\/sign-in/);
    await page.getByRole('status').filter({ hasText: 'You are signed out on every device.' }).waitFor();
    // The other device's session ended too.
    await other.page.goto('/account');
    await other.page.waitForURL(/\/sign-in\?next=/);
    expectNoPageErrors(phone);
    await phone.context.close();
    await other.context.close();
  });
});
