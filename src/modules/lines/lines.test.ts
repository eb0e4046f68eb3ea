import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, SECOND_MS } from '../../platform/clock.js';
import { DEFAULT_GRACE_MS, graceEndsAtMs, lastStartedPeriod, lineStatusAt, nextPeriod, periodAt, validUntilMs, validityLeft } from './lines.js';

const T0 = Date.UTC(2026, 10, 1);
const span = (startsAtMs: number, days: number) => ({ startsAtMs, endsAtMs: startsAtMs + days * DAY_MS });

describe('nextPeriod (the renewal rule)', () => {
  it('starts now when the line never had a period', () => {
    expect(nextPeriod({ periods: [], atMs: T0, validityDays: 30 })).toEqual({ startsAtMs: T0, endsAtMs: T0 + 30 * DAY_MS });
  });

  it('starts when the current period ends when renewed early, so no day is lost', () => {
    const current = span(T0, 30);
    const atMs = T0 + 10 * DAY_MS + 5 * HOUR_MS;
    expect(nextPeriod({ periods: [current], atMs, validityDays: 7 })).toEqual({ startsAtMs: current.endsAtMs, endsAtMs: current.endsAtMs + 7 * DAY_MS });
  });

  it('queues after the latest period when renewed twice ahead, whatever the order of the list', () => {
    const first = span(T0, 30);
    const queued = span(first.endsAtMs, 30);
    expect(nextPeriod({ periods: [queued, first], atMs: T0 + DAY_MS, validityDays: 30 }).startsAtMs).toBe(queued.endsAtMs);
  });

  it('starts now when renewed late (in grace or expired): the lapsed time is not paid for', () => {
    const ended = span(T0, 30);
    for (const late of [1, DAY_MS, DEFAULT_GRACE_MS + DAY_MS]) {
      const atMs = ended.endsAtMs + late;
      expect(nextPeriod({ periods: [ended], atMs, validityDays: 30 })).toEqual({ startsAtMs: atMs, endsAtMs: atMs + 30 * DAY_MS });
    }
  });

  it('starts exactly at the end when renewed at the instant the period ends', () => {
    const ended = span(T0, 30);
    expect(nextPeriod({ periods: [ended], atMs: ended.endsAtMs, validityDays: 1 })).toEqual({ startsAtMs: ended.endsAtMs, endsAtMs: ended.endsAtMs + DAY_MS });
    expect(nextPeriod({ periods: [ended], atMs: ended.endsAtMs - 1, validityDays: 1 }).startsAtMs).toBe(ended.endsAtMs);
  });

  it('refuses a validity that is not a whole number of days in range', () => {
    for (const validityDays of [0, -1, 1.5, 367, Number.NaN]) expect(() => nextPeriod({ periods: [], atMs: T0, validityDays })).toThrow();
  });
});

describe('line status', () => {
  const graceMs = DEFAULT_GRACE_MS;
  const period = span(T0, 30);

  it('is inactive without a period, also when one is only bought for later', () => {
    expect(lineStatusAt({ periods: [], atMs: T0, graceMs })).toBe('inactive');
    expect(lineStatusAt({ periods: [period], atMs: T0 - 1, graceMs })).toBe('inactive');
  });

  it('is active from the first millisecond of a period to the last', () => {
    expect(lineStatusAt({ periods: [period], atMs: T0, graceMs })).toBe('active');
    expect(lineStatusAt({ periods: [period], atMs: period.endsAtMs - 1, graceMs })).toBe('active');
  });

  it('is in grace for the grace time after the end, then expired', () => {
    expect(lineStatusAt({ periods: [period], atMs: period.endsAtMs, graceMs })).toBe('grace');
    expect(graceEndsAtMs({ periods: [period], atMs: period.endsAtMs, graceMs })).toBe(period.endsAtMs + 3 * DAY_MS);
    expect(lineStatusAt({ periods: [period], atMs: period.endsAtMs + graceMs - 1, graceMs })).toBe('grace');
    expect(lineStatusAt({ periods: [period], atMs: period.endsAtMs + graceMs, graceMs })).toBe('expired');
    expect(graceEndsAtMs({ periods: [period], atMs: period.endsAtMs + graceMs, graceMs })).toBeUndefined();
    expect(lineStatusAt({ periods: [period], atMs: period.endsAtMs, graceMs: 0 })).toBe('expired');
  });

  it('names the last period that started: the current one, the ended one, never one bought for later', () => {
    const next = span(period.endsAtMs, 7);
    expect(lastStartedPeriod([next, period], T0 - 1)).toBeUndefined();
    expect(lastStartedPeriod([next, period], T0 + DAY_MS)).toBe(period);
    expect(lastStartedPeriod([period, next], next.endsAtMs + graceMs)).toBe(next);
  });

  it('stays active across back-to-back periods', () => {
    const next = span(period.endsAtMs, 7);
    expect(lineStatusAt({ periods: [period, next], atMs: period.endsAtMs, graceMs })).toBe('active');
    expect(periodAt([period, next], period.endsAtMs)).toBe(next);
  });
});

describe('validity left', () => {
  const period = span(T0, 30);

  it('counts seconds and whole days to the end of the current period', () => {
    const atMs = T0 + 12 * HOUR_MS + 500;
    expect(validUntilMs([period], atMs)).toBe(period.endsAtMs);
    const left = validityLeft([period], atMs);
    expect(left.seconds).toBe(Math.floor((period.endsAtMs - atMs) / SECOND_MS));
    expect(left.days).toBe(30);
    expect(validityLeft([period], T0)).toEqual({ seconds: 30 * 86_400, days: 30 });
    expect(validityLeft([period], period.endsAtMs - 1)).toEqual({ seconds: 0, days: 1 });
  });

  it('includes periods already bought after the current one', () => {
    const queued = span(period.endsAtMs, 7);
    expect(validUntilMs([queued, period], T0)).toBe(queued.endsAtMs);
    expect(validityLeft([period, queued], T0).days).toBe(37);
    expect(validityLeft([period, queued], T0 + 1).days).toBe(37);
  });

  it('is zero when nothing is active', () => {
    expect(validUntilMs([period], period.endsAtMs)).toBeUndefined();
    expect(validityLeft([], T0)).toEqual({ seconds: 0, days: 0 });
  });
});
