import type { PlatformContext } from '../platform/context.js';
import type { JobHandler } from '../platform/jobs/index.js';
import { createAccountsService } from '../modules/accounts/index.js';
import { createNotificationsService } from '../modules/notifications/index.js';

/** Wires the modules together: each gets the platform context and the services it depends on. */
export function createServices(ctx: PlatformContext) {
  const notifications = createNotificationsService(ctx);
  const accounts = createAccountsService({ ...ctx, notifications });
  const jobHandlers = new Map<string, JobHandler>([...notifications.jobHandlers]);
  return { notifications, accounts, jobHandlers };
}

export type Services = ReturnType<typeof createServices>;
