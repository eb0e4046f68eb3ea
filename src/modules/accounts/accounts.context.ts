import type { PlatformContext } from '../../platform/context.js';
import type { NotificationsService } from '../notifications/index.js';

/** Who is asking: recorded with every security event and used for per-IP limits. */
export interface RequestMeta {
  readonly ip: string;
  readonly userAgent: string;
}

export interface AccountsDeps extends PlatformContext {
  readonly notifications: NotificationsService;
}
