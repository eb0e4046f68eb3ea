/**
 * Local time in IANA time zones, as pure functions of an instant: the wall clock comes from
 * `Intl.DateTimeFormat`, so daylight-saving changes are the runtime's tz database's business, not
 * arithmetic of ours.
 */

/**
 * The canonical name of an IANA zone (`asia/shanghai` is `Asia/Shanghai`), or undefined when this
 * runtime does not know it. Zones named by a client are canonical before anything caches them.
 */
export function canonicalTimeZone(timeZone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  return canonicalTimeZone(timeZone) !== undefined;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export interface LocalTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly minuteOfDay: number;
  /** Local wall time minus UTC, in milliseconds, at that instant. */
  readonly offsetMs: number;
}

export function localTimeAt(atMs: number, timeZone: string): LocalTime {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(atMs)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  const wallMs = utcMs(year, month, day, hour * 60 + minute) + second * 1000;
  const offsetMs = wallMs - (atMs - (((atMs % 1000) + 1000) % 1000));
  return { year, month, day, minuteOfDay: hour * 60 + minute, offsetMs };
}

/**
 * The UTC instant of a date (month 1-12; a day out of range rolls over into the next month) and a
 * minute of the day. Unlike `Date.UTC`, years 0-99 are years 0-99, not 1900-1999.
 */
export function utcMs(year: number, month: number, day: number, minuteOfDay = 0): number {
  const date = new Date(Date.UTC(2000, 0, 1, 0, minuteOfDay));
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime();
}

/**
 * The instant when the wall clock of `timeZone` shows `minuteOfDay` on that local date. When a
 * daylight-saving jump skips that time, that time shifted forward by the jump; when the time
 * happens twice, the first of the two.
 */
export function instantOfLocalTime(year: number, month: number, day: number, minuteOfDay: number, timeZone: string): number {
  const wallMs = utcMs(year, month, day, minuteOfDay);
  // The offset changes at most once a day: two corrections find the instant, or show a gap.
  const before = wallMs - localTimeAt(wallMs - 86_400_000 / 2, timeZone).offsetMs;
  const after = wallMs - localTimeAt(wallMs + 86_400_000 / 2, timeZone).offsetMs;
  const shows = (atMs: number): boolean => {
    const local = localTimeAt(atMs, timeZone);
    return local.day === day && local.minuteOfDay === minuteOfDay;
  };
  const candidates = [before, after].filter(shows).sort((a, b) => a - b);
  if (candidates[0] !== undefined) return candidates[0];
  // A gap: the wall time does not exist that day. Like Temporal's 'compatible' disambiguation, take
  // the time shifted forward by the length of the jump (02:30 on a 02:00->03:00 day is 03:30).
  return Math.max(before, after);
}
