import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { Clock } from '../../platform/clock.js';
import { THROTTLE_WINDOW_MS, contactLockMs, ipLockMs } from './accounts.js';
import { accountsErrors } from './accounts.errors.js';
import { clearThrottle, findThrottle } from './accounts.repository.js';

const contactKey = (contact: string): string => `contact:${contact}`;
const ipKey = (ip: string): string => `ip:${ip}`;

/** Password sign-in throttling per contact and per IP (see `contactLockMs` and `ipLockMs`). */
export function createThrottleService(clock: Clock) {
  async function increment(db: Executor, key: string, lockMs: (failures: number) => number): Promise<number> {
    const nowMs = clock.nowMs();
    const row = await db.insertInto('sign_in_throttle')
      .values({ key, failures: 1, last_failure_at: nowMs, locked_until: 0 })
      .onConflict((oc) => oc.column('key').doUpdateSet({
        failures: sql<number>`case when sign_in_throttle.last_failure_at < ${nowMs - THROTTLE_WINDOW_MS} then 1 else sign_in_throttle.failures + 1 end`,
        last_failure_at: nowMs,
      }))
      .returning('failures')
      .executeTakeFirstOrThrow();
    const failures = Number(row.failures);
    const lockedMs = lockMs(failures);
    if (lockedMs > 0) {
      await db.updateTable('sign_in_throttle').set({ locked_until: nowMs + lockedMs }).where('key', '=', key).execute();
    }
    return failures;
  }

  return {
    /** Throws `accounts.sign_in_locked` with the seconds to wait when either key is locked. */
    async assertNotLocked(db: Executor, contact: string, ip: string): Promise<void> {
      const nowMs = clock.nowMs();
      for (const key of [contactKey(contact), ipKey(ip)]) {
        const row = await findThrottle(db, key);
        if (row !== undefined && row.locked_until > nowMs) {
          throw accountsErrors.signInLocked(Math.ceil((row.locked_until - nowMs) / 1000));
        }
      }
    },
    /** Counts a failed password; returns the contact's failure count in the current window. */
    async recordFailure(db: Executor, contact: string, ip: string): Promise<number> {
      await increment(db, ipKey(ip), ipLockMs);
      return increment(db, contactKey(contact), contactLockMs);
    },
    async recordSuccess(db: Executor, contact: string): Promise<void> {
      await clearThrottle(db, contactKey(contact));
    },
  };
}

export type ThrottleService = ReturnType<typeof createThrottleService>;
