import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ERROR_CODES, type ErrorCode } from '../platform/error-codes.js';
import { isDomainError } from '../platform/errors.js';

interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  requestId: string;
  errors?: Array<{ path: string; message: string }>;
}

/** Fastify's own 4xx errors, by their code. Anything else that is not a domain error is a 500. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'request.too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'request.unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'request.invalid',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'request.malformed_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'request.malformed_json',
  FST_ERR_VALIDATION: 'request.invalid',
  FST_CSRF_INVALID_TOKEN: 'request.csrf_failed',
  FST_CSRF_MISSING_SECRET: 'request.csrf_failed',
  FST_ERR_BAD_URL: 'request.invalid',
  FST_ERR_ASYNC_CONSTRAINT: 'request.invalid',
};

function problem(code: ErrorCode, detail: string, requestId: string, errors?: Problem['errors']): Problem {
  const { status, title } = ERROR_CODES[code];
  return { type: `urn:roamline:problem:${code}`, title, status, code, detail, requestId, ...(errors ? { errors } : {}) };
}

export function sendProblem(reply: FastifyReply, body: Problem, retryAfterSeconds?: number): FastifyReply {
  if (retryAfterSeconds !== undefined) void reply.header('retry-after', String(retryAfterSeconds));
  return reply.code(body.status).type('application/problem+json').send(body);
}

/** Maps every error to `application/problem+json`; a 500 never carries the error's message. */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isDomainError(error)) {
    return sendProblem(reply, problem(error.code, error.message, request.id), error.retryAfterSeconds);
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const errors = error.validation.map((v) => ({
      path: [error.validationContext ?? 'body', ...String(v.instancePath).split('/').filter((p) => p.length > 0)].join('.'),
      message: v.message ?? 'invalid',
    }));
    return sendProblem(reply, problem('request.invalid', `Invalid ${error.validationContext ?? 'request'}: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, request.id, errors));
  }
  const mapped = FASTIFY_CODES[error.code] ?? (error instanceof SyntaxError ? 'request.malformed_json' : undefined);
  if (mapped !== undefined) return sendProblem(reply, problem(mapped, error.message, request.id));
  if (error.statusCode === 429) {
    return sendProblem(reply, problem('request.rate_limited', 'Too many requests; slow down', request.id));
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    request.log.warn({ err: error }, 'unmapped client error');
    return sendProblem(reply, problem('request.invalid', error.message, request.id));
  }
  request.log.error({ err: error }, 'unhandled error');
  return sendProblem(reply, problem('internal.error', 'Something went wrong on our side; it was logged', request.id));
}

export function notFoundProblem(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendProblem(reply, problem('request.not_found', `No route ${request.method} ${request.url.split('?')[0] ?? ''}`, request.id));
}
