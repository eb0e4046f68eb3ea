import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DomainError } from './errors.js';

/** Who a request acts for, set by the app's authentication hooks. */
export interface CustomerPrincipal {
  readonly kind: 'customer';
  readonly customerId: string;
  readonly sessionId: string;
}

export type ApiKeyScope = 'network' | 'admin';

export interface ApiKeyPrincipal {
  readonly kind: 'api_key';
  readonly scope: ApiKeyScope;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: CustomerPrincipal | ApiKeyPrincipal | undefined;
  }
  interface FastifyContextConfig {
    /** Routes authenticated by API key or signature (webhooks) opt out of the CSRF check. */
    csrf?: boolean;
    /** The API key scope this route needs; without it, API keys are not accepted. */
    apiKeyScope?: ApiKeyScope;
  }
}

/** The signed-in customer, or `auth.required`. Every customer-facing handler starts with this. */
export function requireCustomer(request: FastifyRequest): CustomerPrincipal {
  const principal = request.principal;
  if (principal?.kind !== 'customer') throw new DomainError('auth.required', 'Sign in to continue');
  return principal;
}

export function requestMeta(request: FastifyRequest): { ip: string; userAgent: string } {
  return { ip: request.ip, userAgent: request.headers['user-agent'] ?? '' };
}

export const SESSION_COOKIE = 'rl_session';

export function setSessionCookie(reply: FastifyReply, token: string, expiresAtMs: number, secure: boolean): void {
  void reply.setCookie(SESSION_COOKIE, token, { httpOnly: true, secure, sameSite: 'lax', path: '/', expires: new Date(expiresAtMs) });
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  void reply.clearCookie(SESSION_COOKIE, { httpOnly: true, secure, sameSite: 'lax', path: '/' });
}

/** The problem+json body every error answer has; used in route schemas for OpenAPI. */
export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.string(),
  detail: z.string(),
  requestId: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
}).describe('application/problem+json');

/** Routes that answer 204 or 202 with nothing useful share this body. */
export const Accepted = z.object({ status: z.string() });

export const ISO_COUNTRY = z.string().regex(/^[A-Za-z]{2}$/, 'ISO 3166 alpha-2 country code').transform((c) => c.toUpperCase());
