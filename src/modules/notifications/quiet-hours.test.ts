import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { instantOfLocalTime } from '../../platform/time-zone.js';
import { COUNTRY_TIME_ZONES, DEFAULT_QUIET_WINDOW, isQuietAt, quietHoursReleaseMs, recipientTimeZones } from './quiet-hours.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const at = (text: string): number => Date.parse(text);

describe('SMS quiet hours', () => {
  it('lets a message go at once during the day', () => {
    const clock = new ManualClock(at('2026-11-27T09:00:00Z')); // 17:00 in Hong Kong
    expect(quietHoursReleaseMs(clock.nowMs(), ['Asia/Hong_Kong'])).toBe(clock.nowMs());
  });

  it('holds a message sent in the evening until 08:00 local the next morning', () => {
    expect(iso(quietHoursReleaseMs(at('2026-11-27T13:30:00Z'), ['Asia/Hong_Kong']))).toBe('2026-11-28T00:00:00.000Z'); // 21:30 HKT
    expect(iso(quietHoursReleaseMs(at('2026-11-27T13:00:00Z'), ['Asia/Hong_Kong']))).toBe('2026-11-28T00:00:00.000Z'); // 21:00 HKT
    expect(iso(quietHoursReleaseMs(at('2026-11-27T12:59:59Z'), ['Asia/Hong_Kong']))).toBe('2026-11-27T12:59:59.000Z');
  });

  it('holds a message sent after midnight until 08:00 the same local day', () => {
    expect(iso(quietHoursReleaseMs(at('2026-11-27T18:10:00Z'), ['Asia/Shanghai']))).toBe('2026-11-28T00:00:00.000Z'); // 02:10 CST
    expect(iso(quietHoursReleaseMs(at('2026-11-27T23:59:00Z'), ['Asia/Taipei']))).toBe('2026-11-28T00:00:00.000Z'); // 07:59
    expect(iso(quietHoursReleaseMs(at('2026-11-28T00:00:00Z'), ['Asia/Taipei']))).toBe('2026-11-28T00:00:00.000Z'); // 08:00 is day
  });

  it('finds 08:00 across a spring-forward night (London, New York, Sydney)', () => {
    // London: 29 March 2026, 01:00 GMT -> 02:00 BST; 08:00 BST is 07:00Z.
    expect(iso(quietHoursReleaseMs(at('2026-03-28T22:00:00Z'), ['Europe/London']))).toBe('2026-03-29T07:00:00.000Z');
    // New York: 8 March 2026, 02:00 EST -> 03:00 EDT; 08:00 EDT is 12:00Z (the evening before was EST).
    expect(iso(quietHoursReleaseMs(at('2026-03-08T03:00:00Z'), ['America/New_York']))).toBe('2026-03-08T12:00:00.000Z');
    // Sydney: 4 October 2026, 02:00 AEST -> 03:00 AEDT; 08:00 AEDT is 21:00Z the day before.
    expect(iso(quietHoursReleaseMs(at('2026-10-03T12:00:00Z'), ['Australia/Sydney']))).toBe('2026-10-03T21:00:00.000Z');
  });

  it('finds 08:00 across a fall-back night (London, New York, Sydney)', () => {
    // London: 25 October 2026, 02:00 BST -> 01:00 GMT; 08:00 GMT is 08:00Z.
    expect(iso(quietHoursReleaseMs(at('2026-10-24T21:00:00Z'), ['Europe/London']))).toBe('2026-10-25T08:00:00.000Z');
    // New York: 1 November 2026; 08:00 EST is 13:00Z.
    expect(iso(quietHoursReleaseMs(at('2026-11-01T02:00:00Z'), ['America/New_York']))).toBe('2026-11-01T13:00:00.000Z');
    // Sydney: 5 April 2026, 03:00 AEDT -> 02:00 AEST; 08:00 AEST is 22:00Z the day before.
    expect(iso(quietHoursReleaseMs(at('2026-04-04T11:00:00Z'), ['Australia/Sydney']))).toBe('2026-04-04T22:00:00.000Z');
  });

  it('shifts a wall time that a daylight-saving jump skips, and takes the first of a repeated one', () => {
    // 02:30 does not exist in New York on 8 March 2026: 03:30 EDT (07:30Z).
    expect(iso(instantOfLocalTime(2026, 3, 8, 2 * 60 + 30, 'America/New_York'))).toBe('2026-03-08T07:30:00.000Z');
    // 01:30 happens twice on 1 November 2026: the first is 01:30 EDT (05:30Z).
    expect(iso(instantOfLocalTime(2026, 11, 1, 90, 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z');
    // A quiet window ending at 02:30 on the spring-forward night ends at 03:30 EDT.
    expect(iso(quietHoursReleaseMs(at('2026-03-08T06:00:00Z'), ['America/New_York'], { startMinute: 22 * 60, endMinute: 150 }))).toBe('2026-03-08T07:30:00.000Z');
  });

  it('waits for morning in every zone of a country that spans several', () => {
    // 14:00Z: 09:00 in New York, but 06:00 in Los Angeles and 04:00 in Honolulu.
    const release = quietHoursReleaseMs(at('2026-11-27T14:00:00Z'), COUNTRY_TIME_ZONES.US ?? []);
    expect(iso(release)).toBe('2026-11-27T18:00:00.000Z'); // 08:00 in Honolulu (UTC-10)
    for (const zone of COUNTRY_TIME_ZONES.US ?? []) expect(isQuietAt(release, zone, DEFAULT_QUIET_WINDOW), zone).toBe(false);
  });

  it('honours a configured window that does not wrap midnight', () => {
    const window = { startMinute: 12 * 60, endMinute: 14 * 60 };
    expect(iso(quietHoursReleaseMs(at('2026-11-27T04:30:00Z'), ['Asia/Hong_Kong'], window))).toBe('2026-11-27T06:00:00.000Z');
    expect(quietHoursReleaseMs(at('2026-11-27T13:30:00Z'), ['Asia/Hong_Kong'], window)).toBe(at('2026-11-27T13:30:00Z'));
  });

  it('takes the profile time zone first, then the phone number country, else holds nothing', () => {
    expect(recipientTimeZones('Europe/Paris', 'HK')).toEqual(['Europe/Paris']);
    expect(recipientTimeZones('Not/AZone', 'HK')).toEqual(['Asia/Hong_Kong']);
    expect(recipientTimeZones(null, undefined)).toEqual([]);
    expect(quietHoursReleaseMs(at('2026-11-27T20:00:00Z'), [])).toBe(at('2026-11-27T20:00:00Z'));
  });

  it('knows a time zone for every country SMS may be sent to by default', () => {
    for (const country of ['CN', 'HK', 'MO', 'TW', 'SG', 'JP', 'KR', 'GB', 'US', 'FR', 'DE', 'TH', 'MY', 'AU']) {
      expect(COUNTRY_TIME_ZONES[country]?.length, country).toBeGreaterThan(0);
    }
  });
});
