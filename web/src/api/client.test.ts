import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, api, newIdempotencyKey, resetCsrfToken } from './client';

interface Call {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly credentials: string | undefined;
}

function json(status: number, body: unknown, type = 'application/json'): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });
}

/** A fetch that answers from a script of responses and records what it was asked. */
function scriptedFetch(...responses: Response[]): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, method: init.method ?? 'GET', headers: { ...(init.headers as Record<string, string>) }, credentials: init.credentials });
    const next = responses.shift();
    if (next === undefined) throw new Error(`unexpected call ${url}`);
    return next;
  });
  return calls;
}

const csrfFailed = () => json(403, { code: 'request.csrf_failed', detail: 'Missing or invalid CSRF token' }, 'application/problem+json');

describe('the portal API client', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    resetCsrfToken();
  });

  it('sends the session cookie and a CSRF token, fetched once, on every write', async () => {
    const calls = scriptedFetch(json(200, { csrfToken: 't1' }), json(200, { ok: 1 }), json(200, { ok: 2 }));
    await expect(api('POST', '/auth/login', { body: { contact: 'a' } })).resolves.toEqual({ ok: 1 });
    await expect(api('PATCH', '/me', { body: { language: 'zh-TW' } })).resolves.toEqual({ ok: 2 });
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['GET /api/v1/auth/csrf', 'POST /api/v1/auth/login', 'PATCH /api/v1/me']);
    expect(calls[1]?.headers['x-csrf-token']).toBe('t1');
    expect(calls[2]?.headers['x-csrf-token']).toBe('t1');
    expect(calls.every((c) => c.credentials === 'same-origin')).toBe(true);
  });

  it('refreshes the CSRF token once on request.csrf_failed, and gives up after that', async () => {
    const calls = scriptedFetch(json(200, { csrfToken: 'old' }), csrfFailed(), json(200, { csrfToken: 'new' }), json(200, { ok: true }));
    await expect(api('POST', '/orders', { body: {} })).resolves.toEqual({ ok: true });
    expect(calls[3]?.headers['x-csrf-token']).toBe('new');

    resetCsrfToken();
    scriptedFetch(json(200, { csrfToken: 'a' }), csrfFailed(), json(200, { csrfToken: 'b' }), csrfFailed());
    await expect(api('POST', '/orders', { body: {} })).rejects.toMatchObject({ code: 'request.csrf_failed', status: 403 });
  });

  it('turns a problem+json answer into an ApiError with its code, fields and Retry-After', async () => {
    scriptedFetch(new Response(JSON.stringify({ code: 'request.invalid', detail: 'bad', errors: [{ path: 'body.contact', message: 'too short' }], requestId: 'req_1' }), {
      status: 400, headers: { 'content-type': 'application/problem+json', 'retry-after': '7' },
    }));
    const error = await api('GET', '/me').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: 'request.invalid', requestId: 'req_1', retryAfterSeconds: 7, errors: [{ path: 'body.contact', message: 'too short' }] });
  });

  it('reports a network failure as client.offline and a bare 502 as internal.unavailable', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(api('GET', '/lines')).rejects.toMatchObject({ code: 'client.offline', status: 0 });
    scriptedFetch(new Response('Bad gateway', { status: 502, headers: { 'content-type': 'text/html' } }));
    await expect(api('GET', '/lines')).rejects.toMatchObject({ code: 'internal.unavailable', status: 502 });
  });

  it('makes idempotency keys that are random and long enough', () => {
    const a = newIdempotencyKey();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(newIdempotencyKey()).not.toBe(a);
  });
});
