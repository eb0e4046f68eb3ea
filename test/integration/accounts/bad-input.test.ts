import { expect, it } from 'vitest';
import { describeEachStoreApp } from '../../support/app.js';
import { expectProblem, newClient, signUp } from '../../support/accounts.js';

describeEachStoreApp('bad input on the accounts endpoints', (get) => {
  async function countRows(): Promise<number> {
    const db = get().database.db;
    const tables = ['customer', 'session', 'one_time_code', 'notification', 'job'] as const;
    let total = 0;
    for (const table of tables) {
      const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      total += Number(row.n);
    }
    return total;
  }

  it('answers malformed JSON, wrong types, missing and extra fields with 4xx problems and changes nothing', async () => {
    const client = newClient(get().app);
    await client.refreshCsrf();
    const before = await countRows();
    const cases: Array<[string, number, string]> = [
      ['{"contact": "a@example.com", "password": ', 400, 'request.malformed_json'],
      ['[]', 400, 'request.invalid'],
      ['"just a string"', 400, 'request.invalid'],
      ['{"contact": 12345, "password": "long-enough-pass"}', 400, 'request.invalid'],
      ['{"password": "long-enough-pass"}', 400, 'request.invalid'],
      ['{"contact": "a@example.com", "password": "long-enough-pass", "admin": true}', 400, 'request.invalid'],
      ['{"contact": "a@example.com", "password": "long-enough-pass", "country": "XXL"}', 400, 'request.invalid'],
      ['{"contact": "a@example.com", "password": "long-enough-pass", "language": "klingon"}', 400, 'request.invalid'],
    ];
    for (const [rawBody, status, code] of cases) {
      expectProblem(await client.request({ method: 'POST', url: '/api/v1/auth/register', rawBody }), status, code);
    }
    const missing = await client.request({ method: 'POST', url: '/api/v1/auth/register', rawBody: '{"contact": 5}' });
    const body = missing.json() as { errors: Array<{ path: string }> };
    expect(body.errors.map((e) => e.path).sort()).toEqual(['body.contact', 'body.password']);
    expect(await countRows()).toBe(before);
  });

  it('refuses bodies over 64 KiB with 413', async () => {
    const client = newClient(get().app);
    await client.refreshCsrf();
    const huge = JSON.stringify({ contact: 'a@example.com', password: 'x'.repeat(70 * 1024) });
    expectProblem(await client.request({ method: 'POST', url: '/api/v1/auth/register', rawBody: huge }), 413, 'request.too_large');
  });

  it('refuses other content types with 415', async () => {
    const client = newClient(get().app);
    await client.refreshCsrf();
    const response = await client.request({ method: 'POST', url: '/api/v1/auth/login', rawBody: 'contact=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expectProblem(response, 415, 'request.unsupported_media_type');
  });

  it('answers unknown routes and unknown ids with 404 problems', async () => {
    const client = newClient(get().app);
    await signUp(client);
    expectProblem(await client.get('/api/v1/no-such-thing'), 404, 'request.not_found');
    expectProblem(await client.delete('/api/v1/me/sessions/ses_01JZZZZZZZZZZZZZZZZZZZZZZZ'), 404, 'request.not_found');
    expectProblem(await client.delete('/api/v1/me/sessions/not-an-id'), 400, 'request.invalid');
  });

  it('answers codes of the wrong shape as wrong codes', async () => {
    const client = newClient(get().app);
    expectProblem(await client.post('/api/v1/auth/verify', { contact: 'nobody@example.com', code: 'abcdef' }), 400, 'accounts.code_invalid');
    expectProblem(await client.post('/api/v1/auth/verify', { contact: 'nobody@example.com', code: '' }), 400, 'request.invalid');
  });

  it('refuses signed-in endpoints without a session', async () => {
    const client = newClient(get().app);
    expectProblem(await client.get('/api/v1/me'), 401, 'auth.required');
    expectProblem(await client.patch('/api/v1/me', { name: 'x' }), 401, 'auth.required');
    expectProblem(await client.post('/api/v1/auth/logout', {}), 401, 'auth.required');
    client.setCookie('rl_session', 'forged-session-token');
    expectProblem(await client.get('/api/v1/me'), 401, 'auth.required');
  });
});
