import { expect, it } from 'vitest';
import { describeEachStoreApp } from '../../support/app.js';
import { GOOD_PASSWORD, expectProblem, newClient, signUp } from '../../support/accounts.js';

const HOUR_MS = 3_600_000;

describeEachStoreApp('sessions and CSRF', (get) => {
  it('stores only a hash of the session token', async () => {
    const client = newClient(get().app);
    await signUp(client);
    const token = client.cookie('rl_session') ?? '';
    expect(token.length).toBeGreaterThanOrEqual(43);
    const rows = await get().database.db.selectFrom('session').select('token_hash').execute();
    expect(rows.some((r) => r.token_hash === token)).toBe(false);
  });

  it('signs out of this session only', async () => {
    const { contact } = await signUp(newClient(get().app));
    const phone = newClient(get().app);
    const laptop = newClient(get().app);
    await phone.post('/api/v1/auth/login', { contact, password: GOOD_PASSWORD });
    await laptop.post('/api/v1/auth/login', { contact, password: GOOD_PASSWORD });
    const token = phone.cookie('rl_session') ?? '';
    const out = await phone.post('/api/v1/auth/logout', {});
    expect(out.json()).toEqual({ revokedSessions: 1 });
    expect(phone.cookie('rl_session')).toBeUndefined();
    // The old token is dead even when presented again.
    phone.setCookie('rl_session', token);
    expectProblem(await phone.get('/api/v1/me'), 401, 'auth.required');
    expect((await laptop.get('/api/v1/me')).statusCode).toBe(200);
  });

  it('signs out of every session', async () => {
    const first = newClient(get().app);
    const { contact } = await signUp(first);
    const second = newClient(get().app);
    await second.post('/api/v1/auth/login', { contact, password: GOOD_PASSWORD });
    const sessions = (await first.get('/api/v1/me/sessions')).json() as { sessions: Array<{ id: string; current: boolean }> };
    expect(sessions.sessions).toHaveLength(2);
    expect(sessions.sessions.filter((s) => s.current)).toHaveLength(1);
    expect((await first.post('/api/v1/auth/logout', { allSessions: true })).json()).toEqual({ revokedSessions: 2 });
    expectProblem(await second.get('/api/v1/me'), 401, 'auth.required');
  });

  it('signs out one other session by id, and refuses ids of other customers as unknown', async () => {
    const first = newClient(get().app);
    const { contact } = await signUp(first);
    const second = newClient(get().app);
    await second.post('/api/v1/auth/login', { contact, password: GOOD_PASSWORD });
    const list = (await first.get('/api/v1/me/sessions')).json() as { sessions: Array<{ id: string; current: boolean }> };
    const other = list.sessions.find((s) => !s.current);
    const stranger = newClient(get().app);
    await signUp(stranger);
    expectProblem(await stranger.delete(`/api/v1/me/sessions/${other?.id ?? ''}`), 404, 'request.not_found');
    expect((await second.get('/api/v1/me')).statusCode).toBe(200);
    expect((await first.delete(`/api/v1/me/sessions/${other?.id ?? ''}`)).statusCode).toBe(204);
    expectProblem(await second.get('/api/v1/me'), 401, 'auth.required');
  });

  it('ends a session after the idle time, and slides the idle time on use', async () => {
    const client = newClient(get().app);
    await signUp(client);
    const idleMs = get().config.sessionIdleMs;
    get().clock.advance(idleMs - HOUR_MS);
    expect((await client.get('/api/v1/me')).statusCode).toBe(200);
    get().clock.advance(idleMs - HOUR_MS);
    expect((await client.get('/api/v1/me')).statusCode).toBe(200);
    get().clock.advance(idleMs);
    expectProblem(await client.get('/api/v1/me'), 401, 'auth.required');
  });

  it('ends a session at its absolute expiry however active it is', async () => {
    const client = newClient(get().app);
    await signUp(client);
    const steps = Math.ceil(get().config.sessionAbsoluteMs / (get().config.sessionIdleMs / 2));
    let lastOk = 0;
    for (let i = 0; i < steps + 1; i += 1) {
      if ((await client.get('/api/v1/me')).statusCode === 200) lastOk = i;
      get().clock.advance(get().config.sessionIdleMs / 2);
    }
    expectProblem(await client.get('/api/v1/me'), 401, 'auth.required');
    expect(lastOk).toBeGreaterThan(0);
  });

  it('refuses cookie-authenticated writes without the CSRF token, or with a wrong one, and changes nothing', async () => {
    const client = newClient(get().app);
    await signUp(client);
    const missing = await client.request({ method: 'PATCH', url: '/api/v1/me', body: { name: 'Hijacked' }, csrf: false });
    expectProblem(missing, 403, 'request.csrf_failed');
    const wrong = await client.request({ method: 'PATCH', url: '/api/v1/me', body: { name: 'Hijacked' }, csrf: false, headers: { 'x-csrf-token': 'forged-token' } });
    expectProblem(wrong, 403, 'request.csrf_failed');
    expectProblem(await client.request({ method: 'POST', url: '/api/v1/auth/logout', body: { allSessions: true }, csrf: false }), 403, 'request.csrf_failed');
    expect((await client.get('/api/v1/me')).json()).toMatchObject({ name: null });
    expect((await client.patch('/api/v1/me', { name: 'Mei' })).json()).toMatchObject({ name: 'Mei' });
  });

  it('refuses a CSRF token taken from another browser', async () => {
    const victim = newClient(get().app);
    await signUp(victim);
    const attacker = newClient(get().app);
    await attacker.refreshCsrf();
    const tokenFromAttacker = ((await attacker.get('/api/v1/auth/csrf')).json() as { csrfToken: string }).csrfToken;
    const forged = await victim.request({ method: 'PATCH', url: '/api/v1/me', body: { name: 'x' }, csrf: false, headers: { 'x-csrf-token': tokenFromAttacker } });
    expectProblem(forged, 403, 'request.csrf_failed');
  });
});
