import type { AccountsDeps } from './accounts.context.js';
import { createSignInService } from './accounts.service.js';
import { createCodesService } from './codes.service.js';
import { createProfileService } from './profile.service.js';
import { createSessionsService } from './sessions.service.js';
import { createThrottleService } from './throttle.service.js';

/**
 * Customers, credentials, sessions, one-time codes and security events. Other modules use
 * `sessions.authenticate` (through the app's hooks), `profile.getCustomer` and `codes` (to verify
 * that a traveller holds a phone number, e.g. when claiming a SIM).
 */
export function createAccountsService(deps: AccountsDeps) {
  const codes = createCodesService(deps);
  const sessions = createSessionsService(deps);
  const throttle = createThrottleService(deps.clock);
  return {
    codes,
    sessions,
    signIn: createSignInService(deps, codes, sessions, throttle),
    profile: createProfileService(deps, codes, throttle),
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
export type { AccountsDeps, RequestMeta } from './accounts.context.js';
export { accountsRoutes } from './accounts.routes.js';
export { accountsMigrations } from './accounts.migrations.js';
export { parseContact, maskContact, type Contact } from './accounts.js';
export type { CustomerRow } from './accounts.repository.js';
