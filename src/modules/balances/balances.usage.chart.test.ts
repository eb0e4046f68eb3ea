import { describe, expect, it } from 'vitest';
import { slotBounds } from './balances.usage.chart.js';

const at = (text: string): number => Date.parse(text);
const iso = (bounds: readonly number[] | undefined): string[] | undefined => bounds?.map((b) => new Date(b).toISOString());

describe('usage chart slots', () => {
  it('are UTC days and hours in UTC', () => {
    expect(iso(slotBounds(at('2026-11-27T10:00:00Z'), at('2026-11-29T00:00:00Z'), 'day', 'UTC', 92))).toEqual([
      '2026-11-27T00:00:00.000Z', '2026-11-28T00:00:00.000Z', '2026-11-29T00:00:00.000Z',
    ]);
    expect(iso(slotBounds(at('2026-11-27T10:15:00Z'), at('2026-11-27T11:00:01Z'), 'hour', 'UTC', 168))).toEqual([
      '2026-11-27T10:00:00.000Z', '2026-11-27T11:00:00.000Z', '2026-11-27T12:00:00.000Z',
    ]);
    // Years below 100 stay themselves (Date.UTC would make 0050 into 1950).
    expect(iso(slotBounds(at('0050-01-01T00:00:00Z'), at('0050-01-02T00:00:00Z'), 'day', 'UTC', 92))).toEqual([
      '0050-01-01T00:00:00.000Z', '0050-01-02T00:00:00.000Z',
    ]);
  });

  it('are the local days of the zone asked for: a day in Shanghai starts at 16:00 UTC', () => {
    // 17:30Z on 27 November is 01:30 on the 28th in Shanghai.
    expect(iso(slotBounds(at('2026-11-27T17:30:00Z'), at('2026-11-28T17:30:00Z'), 'day', 'Asia/Shanghai', 92))).toEqual([
      '2026-11-27T16:00:00.000Z', '2026-11-28T16:00:00.000Z', '2026-11-29T16:00:00.000Z',
    ]);
  });

  it('are 23 or 25 hours long on the days the clocks change (New York)', () => {
    const spring = slotBounds(at('2026-03-07T12:00:00Z'), at('2026-03-09T12:00:00Z'), 'day', 'America/New_York', 92) ?? [];
    expect(iso(spring)).toEqual(['2026-03-07T05:00:00.000Z', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z', '2026-03-10T04:00:00.000Z']);
    expect(((spring[2] ?? 0) - (spring[1] ?? 0)) / 3_600_000).toBe(23);
    const fall = slotBounds(at('2026-11-01T12:00:00Z'), at('2026-11-01T13:00:00Z'), 'day', 'America/New_York', 92) ?? [];
    expect(((fall[1] ?? 0) - (fall[0] ?? 0)) / 3_600_000).toBe(25);
    // The hour that happens twice is two slots, an hour each.
    expect(iso(slotBounds(at('2026-11-01T05:10:00Z'), at('2026-11-01T06:10:00Z'), 'hour', 'America/New_York', 168))).toEqual([
      '2026-11-01T05:00:00.000Z', '2026-11-01T06:00:00.000Z', '2026-11-01T07:00:00.000Z',
    ]);
  });

  it('start at half past the UTC hour where the offset says so (Kolkata), and refuse too many', () => {
    expect(iso(slotBounds(at('2026-11-27T15:00:00Z'), at('2026-11-27T16:00:00Z'), 'hour', 'Asia/Kolkata', 168))).toEqual([
      '2026-11-27T14:30:00.000Z', '2026-11-27T15:30:00.000Z', '2026-11-27T16:30:00.000Z',
    ]);
    expect(slotBounds(at('2026-11-27T15:00:00Z'), at('2026-11-27T18:00:00Z'), 'hour', 'Asia/Kolkata', 3)).toBeUndefined();
    expect(slotBounds(at('2026-11-27T15:00:00Z'), at('2026-11-27T17:00:00Z'), 'hour', 'Asia/Kolkata', 3)).toHaveLength(4);
  });
});
