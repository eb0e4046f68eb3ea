import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';

/**
 * A browser-like client over `app.inject()`: keeps cookies (session and CSRF), fetches a CSRF
 * token before the first write and sends it as `x-csrf-token`, like the portal does.
 */
export class TestClient {
  private readonly cookies = new Map<string, string>();
  private csrfToken: string | undefined;

  constructor(private readonly app: FastifyInstance, readonly ip = '203.0.113.10', readonly userAgent = 'vitest') {}

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  dropCookie(name: string): void {
    this.cookies.delete(name);
  }

  async request(options: { method: InjectOptions['method']; url: string; body?: unknown; headers?: Record<string, string>; csrf?: boolean; rawBody?: string }): Promise<LightMyRequestResponse> {
    const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(String(options.method));
    if (unsafe && options.csrf !== false && this.csrfToken === undefined) await this.refreshCsrf();
    const headers: Record<string, string> = {
      'user-agent': this.userAgent,
      ...(this.cookies.size > 0 ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
      ...(unsafe && options.csrf !== false && this.csrfToken !== undefined ? { 'x-csrf-token': this.csrfToken } : {}),
      ...(options.body !== undefined || options.rawBody !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    };
    const response = await this.app.inject({
      method: options.method,
      url: options.url,
      headers,
      remoteAddress: this.ip,
      ...(options.rawBody !== undefined ? { payload: options.rawBody } : options.body !== undefined ? { payload: JSON.stringify(options.body) } : {}),
    });
    for (const cookie of response.cookies) {
      const expired = cookie.expires !== undefined && cookie.expires.getTime() <= Date.now() && cookie.value === '';
      if (expired || cookie.value === '') this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return response;
  }

  async refreshCsrf(): Promise<void> {
    const response = await this.request({ method: 'GET', url: '/api/v1/auth/csrf' });
    this.csrfToken = (response.json() as { csrfToken: string }).csrfToken;
  }

  get(url: string): Promise<LightMyRequestResponse> {
    return this.request({ method: 'GET', url });
  }

  post(url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse> {
    return this.request({ method: 'POST', url, body: body ?? {}, ...(headers ? { headers } : {}) });
  }

  patch(url: string, body: unknown): Promise<LightMyRequestResponse> {
    return this.request({ method: 'PATCH', url, body });
  }

  put(url: string, body: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse> {
    return this.request({ method: 'PUT', url, body, ...(headers ? { headers } : {}) });
  }

  delete(url: string): Promise<LightMyRequestResponse> {
    return this.request({ method: 'DELETE', url });
  }
}

/** Reads the newest 6-digit code sent to `to` from the development outbox. */
export async function latestCodeFor(client: TestClient, to: string): Promise<string> {
  const response = await client.get(`/api/v1/dev/outbox?to=${encodeURIComponent(to)}`);
  const messages = (response.json() as { messages: Array<{ body: string }> }).messages;
  for (const message of messages) {
    const match = /\b(\d{6})\b/.exec(message.body);
    if (match?.[1] !== undefined) return match[1];
  }
  throw new Error(`no code in the outbox for ${to}`);
}

/** Every message kept by the outbox for `to`, newest first. */
export async function outboxFor(client: TestClient, to: string): Promise<Array<{ template: string; body: string; subject: string; language: string; channel: string }>> {
  const response = await client.get(`/api/v1/dev/outbox?to=${encodeURIComponent(to)}`);
  return (response.json() as { messages: Array<{ template: string; body: string; subject: string; language: string; channel: string }> }).messages;
}
