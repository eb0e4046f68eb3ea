import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { IdFactory } from './ids.js';

/** What every service is built from: explicit dependencies, no hidden globals. */
export interface PlatformContext {
  readonly config: Config;
  readonly database: Database;
  readonly clock: Clock;
  readonly ids: IdFactory;
  readonly log: Logger;
}
