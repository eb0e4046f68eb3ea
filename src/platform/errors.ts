import { ERROR_CODES, type ErrorCode } from './error-codes.js';

export type ErrorDetails = Readonly<Record<string, unknown>>;

/**
 * An expected failure with a stable `code`, a human message and typed details. The error handler
 * maps it to `application/problem+json` with the status from the one code table.
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';

  constructor(
    readonly code: ErrorCode,
    message: string = ERROR_CODES[code].title,
    readonly details: ErrorDetails = {},
    /** Seconds before a retry may succeed; sent as `Retry-After` on 429 and 503. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  /** Fastify and its plugins read `statusCode`. */
  get statusCode(): number {
    return this.status;
  }
}

/** A not-found answer that never reveals whether the thing exists for someone else. */
export class NotFoundError extends DomainError {
  constructor(what: string) {
    super('request.not_found', `No such ${what}`, { resource: what });
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
