import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/app/app.js';
import { allMigrations } from '../../../src/app/migrations.js';
import { ManualClock } from '../../../src/platform/clock.js';
import { testConfig } from '../../../src/platform/config.js';
import { loggerOptions } from '../../../src/platform/logger.js';
import { describeEachStoreApp } from '../../support/app.js';
import { GOOD_PASSWORD, expectProblem, newClient, signUp, uniqueEmail } from '../../support/accounts.js';
import { latestCodeFor } from '../../support/http.js';
import { STORES, createTestDatabase, type TestDatabase } from '../../support/stores.js';

const NETWORK_KEY = 'network-key-0123456789abcdefghij';
const ADMIN_KEY = 'admin-key-0123456789abcdefghijklm';

describeEachStoreApp('the application shell', (get) => {
  it('reports health with the database it checked', async () => {
    const response = await get().app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', database: get().database.dialect });
  });

  it('serves OpenAPI as JSON and a documentation page', async () => {
    const json = await get().app.inject({ method: 'GET', url: '/api/docs/json' });
    const spec = json.json() as { openapi: string; paths: Record<string, unknown> };
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/v1/auth/register', '/api/v1/auth/login', '/api/v1/me']));
    const ui = await get().app.inject({ method: 'GET', url: '/api/docs' });
    expect([200, 302]).toContain(ui.statusCode);
  });

  it('sends security headers and a request id on every answer', async () => {
    const response = await get().app.inject({ method: 'GET', url: '/api/v1/me' });
    expect(response.headers['x-request-id']).toMatch(/^req_/);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(String(response.headers['content-security-policy'])).toContain("default-src 'self'");
    expect((response.json() as { requestId: string }).requestId).toBe(response.headers['x-request-id']);
  });

  it('serves the portal shell for page paths and problems for API paths', async () => {
    const page = await get().app.inject({ method: 'GET', url: '/lines/some-page' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('Roamline');
    expectProblem(await newClient(get().app).get('/api/v1/unknown'), 404, 'request.not_found');
  });

  it('accepts API keys only on the routes of their scope, in constant time, never a session', async () => {
    const app = get().app;
    const jobs = (authorization?: string) => app.inject({ method: 'GET', url: '/api/v1/admin/jobs?status=parked', headers: authorization ? { authorization } : {} });
    expect((await jobs(`Bearer ${ADMIN_KEY}`)).statusCode).toBe(200);
    expectProblem(await jobs(`Bearer ${NETWORK_KEY}`), 403, 'auth.api_key_forbidden');
    expectProblem(await jobs('Bearer not-a-key-at-all-0123456789'), 401, 'auth.api_key_invalid');
    expectProblem(await jobs(), 401, 'auth.api_key_invalid');
    const customer = newClient(app);
    await signUp(customer);
    expectProblem(await customer.get('/api/v1/admin/jobs'), 401, 'auth.api_key_invalid');
  });
}, { networkApiKey: NETWORK_KEY, adminApiKey: ADMIN_KEY });

describe.each(STORES)('logs and production mode [%s]', (store) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(store, allMigrations);
  });
  afterAll(async () => {
    await database.close();
  });

  it('never writes passwords, codes, session tokens, CSRF tokens or cookies to the log', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done(); } });
    const logger = pino({ ...loggerOptions('trace') }, sink);
    const app = await buildApp({ config: testConfig(), database, clock: new ManualClock(), logger });
    const client = newClient(app);
    const contact = uniqueEmail();
    await client.post('/api/v1/auth/register', { contact, password: GOOD_PASSWORD });
    const code = await latestCodeFor(client, contact);
    await client.post('/api/v1/auth/verify', { contact, code: code === '999999' ? '000000' : '999999' });
    await client.post('/api/v1/auth/verify', { contact, code });
    await client.post('/api/v1/auth/login', { contact, password: 'the-wrong-secret-pw' });
    await client.request({ method: 'POST', url: '/api/v1/auth/register', rawBody: `{"password": "${GOOD_PASSWORD}"` });
    const log = lines.join('');
    expect(log.length).toBeGreaterThan(0);
    expect(log).toContain('/api/v1/auth/login');
    for (const secret of [GOOD_PASSWORD, 'the-wrong-secret-pw', code, client.cookie('rl_session') ?? 'x', client.cookie('rl_csrf') ?? 'x']) {
      expect(log).not.toContain(secret);
    }
    await app.close();
  });

  it('has no development outbox in production, and secure cookies', async () => {
    const app = await buildApp({ config: testConfig({ env: 'production' }), database, clock: new ManualClock(), logger: pino({ level: 'silent' }) });
    expectProblem(await newClient(app).get('/api/v1/dev/outbox'), 404, 'request.not_found');
    const csrf = await app.inject({ method: 'GET', url: '/api/v1/auth/csrf' });
    expect(csrf.cookies.find((c) => c.name === 'rl_csrf')?.secure).toBe(true);
    await app.close();
  });
});
