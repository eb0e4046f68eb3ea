/**
 * The one way the portal talks to the API: same-origin fetch with the session cookie, a CSRF token
 * on every write (fetched once, refreshed once on `request.csrf_failed`), and every failure turned
 * into an `ApiError` that carries the API's stable `code` so the page can say it in the reader's
 * language.
 */

const BASE = '/api/v1';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** A failed call: `code` is an API error code, or `client.offline` / `client.unexpected`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: readonly FieldError[] = [],
    readonly requestId?: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(`${code}: ${detail}`);
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

let csrfToken: Promise<string> | undefined;

async function fetchCsrfToken(): Promise<string> {
  const body = await send<{ csrfToken: string }>('GET', '/auth/csrf');
  return body.csrfToken;
}

/** Forgets the CSRF token (after sign-out the next write fetches a fresh one). */
export function resetCsrfToken(): void {
  csrfToken = undefined;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

async function send<T>(method: string, path: string, options: RequestOptions = {}, token?: string): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (token !== undefined) headers['x-csrf-token'] = token;
  let response: Response;
  try {
    response = await fetch(`${BASE}${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'client.offline', 'The network request failed');
  }
  if (response.status === 204) return undefined as T;
  const type = response.headers.get('content-type') ?? '';
  const json: unknown = type.includes('json') ? await response.json().catch(() => undefined) : undefined;
  if (response.ok) return json as T;
  throw toApiError(response, json);
}

function toApiError(response: Response, json: unknown): ApiError {
  const retryAfter = Number(response.headers.get('retry-after'));
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
  if (typeof json === 'object' && json !== null && typeof (json as { code?: unknown }).code === 'string') {
    const problem = json as { code: string; detail?: string; errors?: FieldError[]; requestId?: string };
    return new ApiError(response.status, problem.code, problem.detail ?? '', problem.errors ?? [], problem.requestId, retryAfterSeconds);
  }
  return new ApiError(response.status, response.status >= 500 ? 'internal.unavailable' : 'client.unexpected', response.statusText, [], undefined, retryAfterSeconds);
}

/** Calls `/api/v1${path}`; writes carry the CSRF token. Resolves to the JSON body (undefined for 204). */
export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options: RequestOptions = {}): Promise<T> {
  if (!UNSAFE.has(method)) return send<T>(method, path, options);
  csrfToken ??= fetchCsrfToken().catch((error: unknown) => {
    csrfToken = undefined;
    throw error;
  });
  try {
    return await send<T>(method, path, options, await csrfToken);
  } catch (error) {
    if (!(isApiError(error) && error.code === 'request.csrf_failed')) throw error;
    // The token's secret cookie may have expired or been replaced: fetch a new token, retry once.
    csrfToken = fetchCsrfToken();
    return send<T>(method, path, options, await csrfToken);
  }
}

/** A random key for `Idempotency-Key`, kept by the caller for retries of the same request. */
export function newIdempotencyKey(): string {
  // crypto.randomUUID exists only in secure contexts; getRandomValues works on plain http too.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
