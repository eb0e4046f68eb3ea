import { expect, it } from 'vitest';
import { describeEachStoreApp } from '../../support/app.js';
import { latestCodeFor, outboxFor } from '../../support/http.js';
import { GOOD_PASSWORD, expectProblem, newClient, signUp, uniqueEmail, uniqueHkMobile } from '../../support/accounts.js';

describeEachStoreApp('sign-in', (get) => {
  it('signs in with e-mail and password, with a new session token each time', async () => {
    const { contact } = await signUp(newClient(get().app));
    const client = newClient(get().app);
    const first = await client.post('/api/v1/auth/login', { contact: contact.toUpperCase(), password: GOOD_PASSWORD });
    expect(first.statusCode).toBe(200);
    const firstToken = client.cookie('rl_session');
    const second = await client.post('/api/v1/auth/login', { contact, password: GOOD_PASSWORD });
    expect(second.statusCode).toBe(200);
    expect(client.cookie('rl_session')).not.toBe(firstToken);
    expect((await client.get('/api/v1/me')).json()).toMatchObject({ email: contact });
  });

  it('signs in with a phone number given in local format', async () => {
    const phone = uniqueHkMobile();
    await signUp(newClient(get().app), phone);
    const response = await newClient(get().app).post('/api/v1/auth/login', { contact: phone.slice(4), country: 'HK', password: GOOD_PASSWORD });
    expect(response.statusCode).toBe(200);
  });

  it('gives the same answer for an unknown contact and a wrong password', async () => {
    const { contact } = await signUp(newClient(get().app));
    const wrongPassword = await newClient(get().app).post('/api/v1/auth/login', { contact, password: 'wrong-password-1' });
    const unknown = await newClient(get().app).post('/api/v1/auth/login', { contact: uniqueEmail(), password: 'wrong-password-1' });
    expectProblem(wrongPassword, 401, 'accounts.invalid_credentials');
    expectProblem(unknown, 401, 'accounts.invalid_credentials');
    const strip = (body: string) => ({ ...(JSON.parse(body) as Record<string, unknown>), requestId: undefined });
    expect(strip(wrongPassword.body)).toEqual(strip(unknown.body));
  });

  it('slows down and then locks password sign-in for a contact, with Retry-After, and never for long', async () => {
    const { contact } = await signUp(newClient(get().app));
    const attacker = () => newClient(get().app);
    for (let i = 0; i < 3; i += 1) expectProblem(await attacker().post('/api/v1/auth/login', { contact, password: `wrong-${i}-password` }), 401, 'accounts.invalid_credentials');
    const locked = await attacker().post('/api/v1/auth/login', { contact, password: GOOD_PASSWORD });
    expectProblem(locked, 429, 'accounts.sign_in_locked');
    expect(Number(locked.headers['retry-after'])).toBe(5);
    // Each further failure doubles the wait, up to 15 minutes.
    let waitSeconds = 5;
    for (let i = 0; i < 12; i += 1) {
      get().clock.advance(waitSeconds * 1000);
      const response = await attacker().post('/api/v1/auth/login', { contact, password: `wrong-again-${i}` });
      expectProblem(response, 401, 'accounts.invalid_credentials');
      const next = await attacker().post('/api/v1/auth/login', { contact, password: GOOD_PASSWORD });
      expectProblem(next, 429, 'accounts.sign_in_locked');
      waitSeconds = Number(next.headers['retry-after']);
    }
    expect(waitSeconds).toBe(15 * 60);
    // The owner is told once, and after the wait the right password works.
    const notices = (await outboxFor(newClient(get().app), contact)).filter((m) => m.template === 'accounts.sign_in_locked');
    expect(notices).toHaveLength(1);
    get().clock.advance(waitSeconds * 1000);
    expect((await attacker().post('/api/v1/auth/login', { contact, password: GOOD_PASSWORD })).statusCode).toBe(200);
    // Success resets the counter.
    expectProblem(await attacker().post('/api/v1/auth/login', { contact, password: 'wrong-once-more' }), 401, 'accounts.invalid_credentials');
  });

  it('keeps sign-in with an SMS code open while password sign-in is locked', async () => {
    const phone = uniqueHkMobile();
    await signUp(newClient(get().app), phone);
    for (let i = 0; i < 3; i += 1) await newClient(get().app).post('/api/v1/auth/login', { contact: phone, password: `wrong-${i}-password` });
    expectProblem(await newClient(get().app).post('/api/v1/auth/login', { contact: phone, password: GOOD_PASSWORD }), 429, 'accounts.sign_in_locked');
    get().clock.advance(61_000);
    const owner = newClient(get().app);
    expect((await owner.post('/api/v1/auth/login/code', { contact: phone })).statusCode).toBe(202);
    const signedIn = await owner.post('/api/v1/auth/login/code/verify', { contact: phone, code: await latestCodeFor(owner, phone) });
    expect(signedIn.statusCode).toBe(200);
  });

  it('locks an IP address that fails with many different contacts', async () => {
    const client = newClient(get().app);
    for (let i = 0; i < 20; i += 1) {
      expectProblem(await client.post('/api/v1/auth/login', { contact: uniqueEmail('spray'), password: 'spray-password-1' }), 401, 'accounts.invalid_credentials');
    }
    const { contact } = await signUp(newClient(get().app));
    const blocked = await client.post('/api/v1/auth/login', { contact, password: GOOD_PASSWORD });
    expectProblem(blocked, 429, 'accounts.sign_in_locked');
    expect(Number(blocked.headers['retry-after'])).toBe(60);
    // Other addresses are not affected.
    expect((await newClient(get().app).post('/api/v1/auth/login', { contact, password: GOOD_PASSWORD })).statusCode).toBe(200);
  });

  it('signs in with a one-time code sent by SMS', async () => {
    const phone = uniqueHkMobile();
    await signUp(newClient(get().app), phone);
    get().clock.advance(61_000);
    const client = newClient(get().app);
    const requested = await client.post('/api/v1/auth/login/code', { contact: phone });
    expect(requested.statusCode).toBe(202);
    expect(requested.json()).toEqual({ status: 'code_sent', channel: 'sms', sentTo: phone });
    const [message] = await outboxFor(client, phone);
    expect(message).toMatchObject({ channel: 'sms', template: 'accounts.login_code' });
    const signedIn = await client.post('/api/v1/auth/login/code/verify', { contact: phone, code: await latestCodeFor(client, phone) });
    expect(signedIn.statusCode).toBe(200);
    expect((await client.get('/api/v1/me')).json()).toMatchObject({ phone });
  });

  it('answers a code request for an unknown number like a known one, and sends nothing', async () => {
    const phone = uniqueHkMobile();
    const client = newClient(get().app);
    const response = await client.post('/api/v1/auth/login/code', { contact: phone });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ status: 'code_sent', channel: 'sms', sentTo: phone });
    expect(await outboxFor(client, phone)).toHaveLength(0);
    // Guessing a code for it fails like any wrong code, and the limits apply the same way.
    expectProblem(await client.post('/api/v1/auth/login/code/verify', { contact: phone, code: '123456' }), 400, 'accounts.code_invalid');
    expectProblem(await client.post('/api/v1/auth/login/code', { contact: phone }), 429, 'accounts.code_resend_too_soon');
  });

  it('sends sign-in codes only by SMS', async () => {
    const { contact } = await signUp(newClient(get().app));
    expectProblem(await newClient(get().app).post('/api/v1/auth/login/code', { contact }), 422, 'accounts.sms_required');
  });

  it('records security events with time, IP and user agent', async () => {
    const client = newClient(get().app);
    const { contact, customerId } = await signUp(client);
    await newClient(get().app).post('/api/v1/auth/login', { contact, password: 'wrong-password-9' });
    const events = (await client.get('/api/v1/me/security-events')).json() as { events: Array<{ kind: string; ip: string; userAgent: string; at: string; detail: Record<string, unknown> }> };
    expect(events.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['registered', 'contact_verified', 'sign_in', 'sign_in_failed']));
    const failed = events.events.find((e) => e.kind === 'sign_in_failed');
    expect(failed?.ip).toMatch(/^198\.51\./);
    expect(failed?.userAgent).toBe('vitest');
    expect(failed?.at).toBe(new Date(get().clock.nowMs()).toISOString());
    expect(JSON.stringify(events)).not.toContain('wrong-password-9');
    expect(customerId).toMatch(/^cus_/);
  });
});
