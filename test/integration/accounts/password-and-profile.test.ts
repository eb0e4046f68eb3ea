import { expect, it } from 'vitest';
import { describeEachStoreApp } from '../../support/app.js';
import { latestCodeFor, outboxFor } from '../../support/http.js';
import { GOOD_PASSWORD, expectProblem, newClient, signUp, uniqueEmail, uniqueHkMobile } from '../../support/accounts.js';

const NEW_PASSWORD = 'a-brand-new-passphrase';

describeEachStoreApp('password reset, password change and profile', (get) => {
  it('resets a forgotten password with a code: every session ends and the contacts are told', async () => {
    const device = newClient(get().app);
    const { contact } = await signUp(device);
    get().clock.advance(61_000);
    const client = newClient(get().app);
    const requested = await client.post('/api/v1/auth/password-reset', { contact });
    expect(requested.json()).toEqual({ status: 'code_sent', channel: 'email', sentTo: contact });
    const code = await latestCodeFor(client, contact);
    expectProblem(await client.post('/api/v1/auth/password-reset/confirm', { contact, code, newPassword: 'password1' }), 400, 'accounts.password_too_common');
    const confirmed = await client.post('/api/v1/auth/password-reset/confirm', { contact, code, newPassword: NEW_PASSWORD });
    expect(confirmed.json()).toEqual({ status: 'password_changed' });
    expectProblem(await device.get('/api/v1/me'), 401, 'auth.required');
    expectProblem(await newClient(get().app).post('/api/v1/auth/login', { contact, password: GOOD_PASSWORD }), 401, 'accounts.invalid_credentials');
    expect((await newClient(get().app).post('/api/v1/auth/login', { contact, password: NEW_PASSWORD })).statusCode).toBe(200);
    const [notice] = await outboxFor(client, contact);
    expect(notice?.template).toBe('accounts.password_changed');
    // The code was single use.
    expectProblem(await client.post('/api/v1/auth/password-reset/confirm', { contact, code, newPassword: 'yet-another-passphrase' }), 400, 'accounts.code_invalid');
  });

  it('answers a reset request for an unknown contact exactly like a known one and sends nothing', async () => {
    const contact = uniqueEmail();
    const client = newClient(get().app);
    const response = await client.post('/api/v1/auth/password-reset', { contact });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ status: 'code_sent', channel: 'email', sentTo: contact });
    expect(await outboxFor(client, contact)).toHaveLength(0);
    expectProblem(await client.post('/api/v1/auth/password-reset/confirm', { contact, code: '123456', newPassword: NEW_PASSWORD }), 400, 'accounts.code_invalid');
  });

  it('changes the password with the current one; other sessions end, this one stays', async () => {
    const client = newClient(get().app);
    const { contact } = await signUp(client);
    const other = newClient(get().app);
    await other.post('/api/v1/auth/login', { contact, password: GOOD_PASSWORD });
    expectProblem(await client.post('/api/v1/me/password', { currentPassword: 'not-my-password', newPassword: NEW_PASSWORD }), 401, 'accounts.invalid_credentials');
    expect((await client.post('/api/v1/me/password', { currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD })).statusCode).toBe(200);
    expect((await client.get('/api/v1/me')).statusCode).toBe(200);
    expectProblem(await other.get('/api/v1/me'), 401, 'auth.required');
    expect((await outboxFor(client, contact))[0]?.template).toBe('accounts.password_changed');
  });

  it('reads and updates the profile; the language changes the messages', async () => {
    const client = newClient(get().app);
    const { contact } = await signUp(client);
    const patched = await client.patch('/api/v1/me', { name: '王小明', language: 'zh-CN', currency: 'CNY', marketingOptIn: true });
    expect(patched.json()).toMatchObject({ name: '王小明', language: 'zh-CN', currency: 'CNY', marketingOptIn: true, email: contact });
    expectProblem(await client.patch('/api/v1/me', { language: 'fr' }), 400, 'request.invalid');
    expectProblem(await client.patch('/api/v1/me', { currency: 'XYZ' }), 400, 'request.invalid');
    expectProblem(await client.patch('/api/v1/me', { email: 'new@example.com' }), 400, 'request.invalid');
    await client.post('/api/v1/me/password', { currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD });
    expect((await outboxFor(client, contact))[0]?.body).toContain('密码已更改');
  });

  it('changes the phone number with the password and a code sent to the new number; the old contact is told', async () => {
    const client = newClient(get().app);
    const { contact } = await signUp(client);
    const phone = uniqueHkMobile();
    expectProblem(await client.post('/api/v1/me/contact', { contact: phone, password: 'wrong-password-1' }), 401, 'accounts.invalid_credentials');
    const requested = await client.post('/api/v1/me/contact', { contact: phone, password: GOOD_PASSWORD });
    expect(requested.json()).toEqual({ status: 'code_sent', channel: 'sms', sentTo: phone });
    expectProblem(await client.post('/api/v1/me/contact/verify', { code: '000000' === (await latestCodeFor(client, phone)) ? '111111' : '000000' }), 400, 'accounts.code_invalid');
    const verified = await client.post('/api/v1/me/contact/verify', { code: await latestCodeFor(client, phone) });
    expect(verified.json()).toMatchObject({ phone, phoneVerified: true, email: contact });
    const [notice] = await outboxFor(client, contact);
    expect(notice?.template).toBe('accounts.contact_changed');
    expect(notice?.body).toContain(phone.slice(-4));
    expect(notice?.body).not.toContain(phone);
    // The new number now signs in.
    expect((await newClient(get().app).post('/api/v1/auth/login', { contact: phone, password: GOOD_PASSWORD })).statusCode).toBe(200);
  });

  it('refuses a contact that belongs to another account, and the same contact again', async () => {
    const { contact: taken } = await signUp(newClient(get().app));
    const client = newClient(get().app);
    const { contact: mine } = await signUp(client);
    expectProblem(await client.post('/api/v1/me/contact', { contact: taken, password: GOOD_PASSWORD }), 409, 'accounts.contact_taken');
    expectProblem(await client.post('/api/v1/me/contact', { contact: mine, password: GOOD_PASSWORD }), 409, 'accounts.contact_unchanged');
  });
});
