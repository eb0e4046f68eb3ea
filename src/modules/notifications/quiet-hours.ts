import { instantOfLocalTime, isKnownTimeZone, localTimeAt } from '../../platform/time-zone.js';

/**
 * SMS quiet hours: a message that can wait is not sent during the recipient's night. Pure
 * functions of an instant; local time comes from `platform/time-zone`.
 */
export interface QuietWindow {
  /** Minutes after local midnight when quiet starts (21:00 = 1260) and ends (08:00 = 480); may wrap midnight. */
  readonly startMinute: number;
  readonly endMinute: number;
}

export const DEFAULT_QUIET_WINDOW: QuietWindow = { startMinute: 21 * 60, endMinute: 8 * 60 };

/**
 * Time zones where a phone number of each country may ring, for the countries SMS is allowed to by
 * default and a few more. A country spanning several zones lists them all: its quiet hours are
 * those of any of its zones (conservative, since the phone number does not say which one).
 */
export const COUNTRY_TIME_ZONES: Readonly<Record<string, readonly string[]>> = {
  CN: ['Asia/Shanghai'],
  HK: ['Asia/Hong_Kong'],
  MO: ['Asia/Macau'],
  TW: ['Asia/Taipei'],
  SG: ['Asia/Singapore'],
  JP: ['Asia/Tokyo'],
  KR: ['Asia/Seoul'],
  TH: ['Asia/Bangkok'],
  MY: ['Asia/Kuala_Lumpur'],
  VN: ['Asia/Ho_Chi_Minh'],
  PH: ['Asia/Manila'],
  ID: ['Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura'],
  IN: ['Asia/Kolkata'],
  AE: ['Asia/Dubai'],
  GB: ['Europe/London'],
  IE: ['Europe/Dublin'],
  FR: ['Europe/Paris'],
  DE: ['Europe/Berlin'],
  IT: ['Europe/Rome'],
  ES: ['Europe/Madrid'],
  NL: ['Europe/Amsterdam'],
  CH: ['Europe/Zurich'],
  US: ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Phoenix', 'America/Los_Angeles', 'America/Anchorage', 'Pacific/Honolulu'],
  CA: ['America/St_Johns', 'America/Halifax', 'America/Toronto', 'America/Winnipeg', 'America/Edmonton', 'America/Vancouver'],
  AU: ['Australia/Perth', 'Australia/Darwin', 'Australia/Adelaide', 'Australia/Brisbane', 'Australia/Sydney'],
  NZ: ['Pacific/Auckland'],
};

export function isQuietAt(atMs: number, timeZone: string, window: QuietWindow): boolean {
  const { minuteOfDay } = localTimeAt(atMs, timeZone);
  return window.startMinute > window.endMinute
    ? minuteOfDay >= window.startMinute || minuteOfDay < window.endMinute
    : minuteOfDay >= window.startMinute && minuteOfDay < window.endMinute;
}

/** The next instant at or after `atMs` when quiet hours end in `timeZone`. */
function nextQuietEnd(atMs: number, timeZone: string, window: QuietWindow): number {
  const local = localTimeAt(atMs, timeZone);
  const sameDay = local.minuteOfDay < window.endMinute;
  const date = new Date(Date.UTC(local.year, local.month - 1, local.day + (sameDay ? 0 : 1)));
  return instantOfLocalTime(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), window.endMinute, timeZone);
}

/**
 * When an SMS that respects quiet hours may be sent: `nowMs` when it is daytime in every zone,
 * else the first instant when quiet hours have ended in all of them. Zones far apart may share no
 * daytime; after a bounded search the latest morning found is returned.
 */
export function quietHoursReleaseMs(nowMs: number, timeZones: readonly string[], window: QuietWindow = DEFAULT_QUIET_WINDOW): number {
  let atMs = nowMs;
  for (let round = 0; round < 8; round += 1) {
    let moved = false;
    for (const zone of timeZones) {
      if (!isQuietAt(atMs, zone, window)) continue;
      atMs = Math.max(atMs, nextQuietEnd(atMs, zone, window));
      moved = true;
    }
    if (!moved) return atMs;
  }
  return atMs;
}

/**
 * The zones of a recipient: the profile's zone when it has a valid one, else those of the phone
 * number's country; empty when neither is known (the message is then not held).
 */
export function recipientTimeZones(profileTimeZone: string | null | undefined, phoneCountry: string | undefined): readonly string[] {
  if (profileTimeZone !== null && profileTimeZone !== undefined && isKnownTimeZone(profileTimeZone)) return [profileTimeZone];
  if (phoneCountry === undefined) return [];
  return COUNTRY_TIME_ZONES[phoneCountry] ?? [];
}
