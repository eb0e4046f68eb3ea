import { describe, expect, it } from 'vitest';
import { describeEachStoreApp } from '../../support/app.js';
import { latestCodeFor, outboxFor } from '../../support/http.js';
import { GOOD_PASSWORD, expectProblem, newClient, signUp, uniqueEmail, uniqueHkMobile } from '../../support/accounts.js';

describeEachStoreApp('registration and contact verification', (get) => {
  it('registers with an e-mail address, verifies it with the code and signs in', async () => {
    const client = newClient(get().app);
    const contact = uniqueEmail();
    const registered = await client.post('/api/v1/auth/register', { contact, password: GOOD_PASSWORD, name: 'Mei', language: 'zh-TW' });
    expect(registered.statusCode).toBe(202);
    expect(registered.json()).toEqual({ status: 'code_sent', channel: 'email', sentTo: contact });
    const [message] = await outboxFor(client, contact);
    expect(message?.language).toBe('zh-TW');
    expect(message?.body).toContain('驗證碼');
    // Not signed in before verification.
    expectProblem(await client.get('/api/v1/me'), 401, 'auth.required');
    const verified = await client.post('/api/v1/auth/verify', { contact, code: await latestCodeFor(client, contact) });
    expect(verified.statusCode).toBe(200);
    const session = verified.cookies.find((c) => c.name === 'rl_session');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Lax');
    const me = await client.get('/api/v1/me');
    expect(me.json()).toMatchObject({ email: contact, emailVerified: true, phoneVerified: false, name: 'Mei', language: 'zh-TW' });
  });

  it('accepts a phone number in local format with a country and stores it as E.164', async () => {
    const client = newClient(get().app);
    const e164 = uniqueHkMobile();
    const local = `${e164.slice(4, 8)} ${e164.slice(8)}`;
    const registered = await client.post('/api/v1/auth/register', { contact: local, country: 'hk', password: GOOD_PASSWORD });
    expect(registered.statusCode).toBe(202);
    expect(registered.json()).toMatchObject({ channel: 'sms', sentTo: e164 });
    const verified = await client.post('/api/v1/auth/verify', { contact: e164, code: await latestCodeFor(client, e164) });
    expect(verified.json()).toMatchObject({ customer: { phone: e164, phoneVerified: true, email: null } });
  });

  it('answers a registration of a taken contact exactly like a new one, and tells the owner instead of sending a code', async () => {
    const owner = newClient(get().app);
    const { contact } = await signUp(owner);
    get().clock.advance(61_000);
    const stranger = newClient(get().app);
    const again = await stranger.post('/api/v1/auth/register', { contact, password: 'another-long-password' });
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual({ status: 'code_sent', channel: 'email', sentTo: contact });
    const [latest] = await outboxFor(stranger, contact);
    expect(latest?.template).toBe('accounts.already_registered');
    expect(latest?.body).not.toMatch(/\d{6}/);
    // The owner's password still works; the stranger's does not.
    expect((await newClient(get().app).post('/api/v1/auth/login', { contact, password: GOOD_PASSWORD })).statusCode).toBe(200);
    expectProblem(await newClient(get().app).post('/api/v1/auth/login', { contact, password: 'another-long-password' }), 401, 'accounts.invalid_credentials');
  });

  it('lets a newer registration of an unverified contact replace the abandoned one', async () => {
    const get1 = newClient(get().app);
    const contact = uniqueEmail();
    await get1.post('/api/v1/auth/register', { contact, password: 'first-password-123' });
    get().clock.advance(61_000);
    const second = newClient(get().app);
    expect((await second.post('/api/v1/auth/register', { contact, password: 'second-password-456' })).statusCode).toBe(202);
    expect((await second.post('/api/v1/auth/verify', { contact, code: await latestCodeFor(second, contact) })).statusCode).toBe(200);
    expectProblem(await newClient(get().app).post('/api/v1/auth/login', { contact, password: 'first-password-123' }), 401, 'accounts.invalid_credentials');
    expect((await newClient(get().app).post('/api/v1/auth/login', { contact, password: 'second-password-456' })).statusCode).toBe(200);
  });

  it('refuses an unverified account at password sign-in', async () => {
    const client = newClient(get().app);
    const contact = uniqueEmail();
    await client.post('/api/v1/auth/register', { contact, password: GOOD_PASSWORD });
    expectProblem(await client.post('/api/v1/auth/login', { contact, password: GOOD_PASSWORD }), 403, 'accounts.not_verified');
  });

  describe('password policy', () => {
    it.each([
      ['short', 'abc1234', 'accounts.password_too_short'],
      ['long', 'x'.repeat(129), 'accounts.password_too_long'],
      ['common', 'password123', 'accounts.password_too_common'],
      ['common in other case', 'QWERTYUIOP', 'accounts.password_too_common'],
    ])('refuses a %s password', async (_label, password, code) => {
      const client = newClient(get().app);
      const contact = uniqueEmail();
      expectProblem(await client.post('/api/v1/auth/register', { contact, password }), 400, code);
      expect(await outboxFor(client, contact)).toHaveLength(0);
    });

    it('accepts 8 and 128 characters, counting characters rather than bytes', async () => {
      expect((await newClient(get().app).post('/api/v1/auth/register', { contact: uniqueEmail(), password: '旅行者的密碼很安全' })).statusCode).toBe(202);
      expect((await newClient(get().app).post('/api/v1/auth/register', { contact: uniqueEmail(), password: 'y'.repeat(128) })).statusCode).toBe(202);
    });
  });

  it('refuses contacts that are not an e-mail address or a mobile number', async () => {
    for (const contact of ['not-an-email@', '+1 555 0100', '12345', '+85221234567' /* a Hong Kong fixed line */]) {
      expectProblem(await newClient(get().app).post('/api/v1/auth/register', { contact, password: GOOD_PASSWORD }), 400, 'accounts.contact_invalid');
    }
  });

  it('does not send SMS to countries outside the allow-list', async () => {
    const client = newClient(get().app);
    // A valid Nigerian mobile number: Nigeria is not on the default allow-list.
    expectProblem(await client.post('/api/v1/auth/register', { contact: '+2348031234567', password: GOOD_PASSWORD }), 422, 'accounts.sms_country_not_allowed');
    expect(await outboxFor(client, '+2348031234567')).toHaveLength(0);
  });
});

describeEachStoreApp('one-time codes', (get) => {
  async function registerPending(): Promise<{ client: ReturnType<typeof newClient>; contact: string; code: string }> {
    const client = newClient(get().app);
    const contact = uniqueEmail();
    expect((await client.post('/api/v1/auth/register', { contact, password: GOOD_PASSWORD })).statusCode).toBe(202);
    return { client, contact, code: await latestCodeFor(client, contact) };
  }

  it('is stored hashed: the code never appears in the database', async () => {
    const { code } = await registerPending();
    const rows = await get().database.db.selectFrom('one_time_code').select('code_hash').execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.code_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.code_hash).not.toContain(code);
    }
  });

  it('refuses a wrong code and counts the try', async () => {
    const { client, contact, code } = await registerPending();
    const wrong = code === '000000' ? '111111' : '000000';
    expectProblem(await client.post('/api/v1/auth/verify', { contact, code: wrong }), 400, 'accounts.code_invalid');
    expect((await client.post('/api/v1/auth/verify', { contact, code })).statusCode).toBe(200);
  });

  it('allows at most 5 tries per code, after which even the right code is refused', async () => {
    const { client, contact, code } = await registerPending();
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 4; i += 1) expectProblem(await client.post('/api/v1/auth/verify', { contact, code: wrong }), 400, 'accounts.code_invalid');
    expectProblem(await client.post('/api/v1/auth/verify', { contact, code: wrong }), 400, 'accounts.code_attempts_exceeded');
    expectProblem(await client.post('/api/v1/auth/verify', { contact, code }), 400, 'accounts.code_attempts_exceeded');
  });

  it('shares the 5 tries among parallel guesses', async () => {
    const { client, contact, code } = await registerPending();
    const guesses = Array.from({ length: 12 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'));
    const answers = await Promise.all(guesses.map((guess) => client.post('/api/v1/auth/verify', { contact, code: guess })));
    expect(answers.every((a) => a.statusCode === 400)).toBe(true);
    const row = await get().database.db.selectFrom('one_time_code').select('attempts').where('destination', '=', contact).executeTakeFirstOrThrow();
    expect(row.attempts).toBe(5);
    expectProblem(await client.post('/api/v1/auth/verify', { contact, code }), 400, 'accounts.code_attempts_exceeded');
  });

  it('expires after 10 minutes', async () => {
    const { client, contact, code } = await registerPending();
    get().clock.advance(10 * 60_000);
    expectProblem(await client.post('/api/v1/auth/verify', { contact, code }), 400, 'accounts.code_expired');
  });

  it('works once only, even when used twice at the same moment', async () => {
    const { client, contact, code } = await registerPending();
    const other = newClient(get().app);
    const [a, b] = await Promise.all([client.post('/api/v1/auth/verify', { contact, code }), other.post('/api/v1/auth/verify', { contact, code })]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 400]);
    expectProblem(await client.post('/api/v1/auth/verify', { contact, code }), 400, 'accounts.code_invalid');
  });

  it('waits 60 s before another code to the same destination, then replaces the old code', async () => {
    const { client, contact, code: first } = await registerPending();
    const again = await client.post('/api/v1/auth/register', { contact, password: GOOD_PASSWORD });
    expectProblem(again, 429, 'accounts.code_resend_too_soon');
    expect(Number(again.headers['retry-after'])).toBe(60);
    get().clock.advance(60_000);
    expect((await client.post('/api/v1/auth/register', { contact, password: GOOD_PASSWORD })).statusCode).toBe(202);
    const second = await latestCodeFor(client, contact);
    if (second !== first) expectProblem(await client.post('/api/v1/auth/verify', { contact, code: first }), 400, 'accounts.code_invalid');
    expect((await client.post('/api/v1/auth/verify', { contact, code: second })).statusCode).toBe(200);
  });

  it('caps codes per destination per hour', async () => {
    const contact = uniqueEmail();
    for (let i = 0; i < get().config.codeHourlyLimitPerDestination; i += 1) {
      expect((await newClient(get().app).post('/api/v1/auth/register', { contact, password: GOOD_PASSWORD })).statusCode).toBe(202);
      get().clock.advance(61_000);
    }
    const refused = await newClient(get().app).post('/api/v1/auth/register', { contact, password: GOOD_PASSWORD });
    expectProblem(refused, 429, 'accounts.code_rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    get().clock.advance(60 * 60_000);
    expect((await newClient(get().app).post('/api/v1/auth/register', { contact, password: GOOD_PASSWORD })).statusCode).toBe(202);
  });

  it('caps codes per IP address per hour, whatever the destinations', async () => {
    const client = newClient(get().app);
    for (let i = 0; i < get().config.codeHourlyLimitPerIp; i += 1) {
      expect((await client.post('/api/v1/auth/password-reset', { contact: uniqueEmail() })).statusCode).toBe(202);
    }
    expectProblem(await client.post('/api/v1/auth/register', { contact: uniqueEmail(), password: GOOD_PASSWORD }), 429, 'accounts.code_rate_limited');
    // Another address is not affected.
    expect((await newClient(get().app).post('/api/v1/auth/register', { contact: uniqueEmail(), password: GOOD_PASSWORD })).statusCode).toBe(202);
  });
}, { codeHourlyLimitPerDestination: 5, codeHourlyLimitPerIp: 20 });
