import { DomainError } from '../../platform/errors.js';

/** Errors of the lines module; codes are in the platform's one catalogue. */
export const linesErrors = {
  msisdnInvalid: () => new DomainError('lines.msisdn_invalid', 'Give the SIM\'s mobile number in international format (or with its country)', { field: 'msisdn' }),
  /** The same answer for unknown numbers, SIMs in stock, and SIMs someone (anyone) already attached. */
  simNotClaimable: () => new DomainError('lines.sim_not_claimable', 'This number cannot be added to an account; check the number on the SIM card'),
  periodAlreadyRenewed: (lineId: string) =>
    new DomainError('lines.period_already_renewed', 'The line was already renewed for this period', { lineId }),
  /** A code issued to another account for the same number; worded like any wrong code. */
  codeInvalid: () => new DomainError('accounts.code_invalid', 'The code is wrong, expired or already used'),
};
