import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { ID_PREFIXES, createIdFactory, isId } from './ids.js';

describe('ids', () => {
  it('start with their prefix and have the ULID layout', () => {
    const ids = createIdFactory(new ManualClock());
    for (const prefix of ID_PREFIXES) {
      const id = ids(prefix);
      expect(id.startsWith(`${prefix}_`)).toBe(true);
      expect(id).toMatch(/^[a-z]{2,3}_[0-9A-HJKMNP-TV-Z]{26}$/);
    }
  });

  it('encode the creation time first, so later ids sort after earlier ones', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const ids = createIdFactory(clock);
    const made: string[] = [];
    // Steps of 1 ms cross base-32 digit boundaries; larger steps change the leading digits.
    for (const stepMs of [1, 1, 1, 30, 1, 1, 1000, 86_400_000, 1, 31_536_000_000]) {
      clock.advance(stepMs);
      made.push(ids('ord'));
    }
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
  });

  it('encode the instant itself: the epoch is all zeros', () => {
    expect(createIdFactory(new ManualClock(0))('cus').slice(4, 14)).toBe('0000000000');
    expect(createIdFactory(new ManualClock(32))('cus').slice(4, 14)).toBe('0000000010');
  });

  it('differ when made in the same millisecond', () => {
    const ids = createIdFactory(new ManualClock());
    const made = new Set(Array.from({ length: 1000 }, () => ids('evt')));
    expect(made.size).toBe(1000);
  });

  it('isId accepts only well-formed ids with the expected prefix', () => {
    const ids = createIdFactory(new ManualClock());
    const order = ids('ord');
    expect(isId(order, 'ord')).toBe(true);
    expect(isId(ids('pm'), 'pm')).toBe(true);
    expect(isId(order, 'pay')).toBe(false);
    expect(isId(order.toLowerCase(), 'ord')).toBe(false);
    expect(isId(`${order}0`, 'ord')).toBe(false);
    expect(isId(order.slice(0, -1), 'ord')).toBe(false);
    expect(isId(`ord_${'I'.repeat(26)}`, 'ord')).toBe(false);
    expect(isId(`ord_${'U'.repeat(26)}`, 'ord')).toBe(false);
    expect(isId(`ord_${'0'.repeat(26)}`, 'ord')).toBe(true);
    expect(isId('', 'ord')).toBe(false);
    expect(isId(` ${order}`, 'ord')).toBe(false);
  });
});
