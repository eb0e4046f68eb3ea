import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../platform/config.js';
import type { Db } from '../platform/db/database.js';
import { DomainError } from '../platform/errors.js';
import { SESSION_COOKIE, type ApiKeyScope } from '../platform/http.js';
import type { AccountsService } from '../modules/accounts/index.js';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * API keys are kept as SHA-256 digests and compared with `timingSafeEqual` over digests of equal
 * length, so neither the key's content nor its length shows in the timing. Each key has one scope.
 */
export function createApiKeyRing(config: Config): (presented: string) => ApiKeyScope | undefined {
  const keys: Array<[ApiKeyScope, Buffer]> = [];
  if (config.networkApiKey !== undefined) keys.push(['network', digest(config.networkApiKey)]);
  if (config.adminApiKey !== undefined) keys.push(['admin', digest(config.adminApiKey)]);
  return (presented) => {
    const candidate = digest(presented);
    let found: ApiKeyScope | undefined;
    // Compare with every key, always, so the time does not depend on which one matched.
    for (const [scope, key] of keys) if (timingSafeEqual(candidate, key)) found = scope;
    return found;
  };
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S{1,512})$/i.exec(header);
  return match?.[1];
}

/**
 * Authentication for every request: API-key routes (declared with `config.apiKeyScope`) accept only
 * a key of that scope; all other routes read the session cookie. Cookie-authenticated writes must
 * carry a CSRF token (`x-csrf-token`, from `GET /api/v1/auth/csrf`).
 */
export function registerAuthHooks(app: FastifyInstance, accounts: AccountsService, db: Db, config: Config): void {
  const scopeOf = createApiKeyRing(config);
  app.decorateRequest('principal', undefined);

  app.addHook('onRequest', (request, reply, done) => {
    const routeConfig = request.routeOptions.config;
    const needsCsrf = UNSAFE_METHODS.has(request.method) && routeConfig.apiKeyScope === undefined
      && routeConfig.csrf !== false && request.url.startsWith('/api/');
    // The plugin answers a missing or wrong token with an FST_CSRF_* error (mapped to request.csrf_failed).
    if (needsCsrf) app.csrfProtection(request, reply, done);
    else done();
  });

  app.addHook('onRequest', async (request) => {
    const requiredScope = request.routeOptions.config.apiKeyScope;
    if (requiredScope !== undefined) {
      const token = bearerToken(request);
      const scope = token === undefined ? undefined : scopeOf(token);
      if (scope === undefined) throw new DomainError('auth.api_key_invalid', 'Send a valid API key as `Authorization: Bearer <key>`');
      if (scope !== requiredScope) throw new DomainError('auth.api_key_forbidden', `This key may not use ${request.routeOptions.url ?? 'this route'}`);
      request.principal = { kind: 'api_key', scope };
      return;
    }
    const token = request.cookies[SESSION_COOKIE];
    if (token !== undefined) {
      const principal = await accounts.sessions.authenticate(db, token);
      if (principal !== undefined) request.principal = { kind: 'customer', ...principal };
    }
  });
}
