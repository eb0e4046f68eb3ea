import { DomainError } from '../../platform/errors.js';

/** Errors of the balances module; codes are in the platform's one catalogue. */
export const balancesErrors = {
  /** A grant or refund repeated an idempotency key that an earlier, different request used. */
  idempotencyKeyReused: (key: string, what: 'grant' | 'refund') =>
    new DomainError('request.idempotency_key_reused', `The idempotency key was already used for another ${what}`, { idempotencyKey: key, operation: what }),
};
