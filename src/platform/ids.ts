import { randomBytes } from 'node:crypto';
import type { Clock } from './clock.js';
import { assert } from './assert.js';

/**
 * Prefixed, time-ordered identifiers: `<prefix>_<10 chars of time><16 chars of randomness>` in
 * Crockford base32 (the ULID layout). Sorting ids sorts by creation time; the prefix tells what
 * an id is when it appears in a log line.
 */
export const ID_PREFIXES = [
  'cus', 'ses', 'otp', 'sev', 'job', 'msg', 'pln', 'zon', 'pro', 'red', 'lin', 'sim', 'sub',
  'quo', 'ord', 'pay', 'evt', 'bkt', 'ltx', 'pst', 'usg', 'rfd', 'pm', 'stf', 'aud', 'prc', 'pch',
  'prd', 'chg', 'sbr', 'ren', 'set',
] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_LENGTH = 10;
const RANDOM_LENGTH = 16;

function encodeTime(ms: number): string {
  assert(Number.isSafeInteger(ms) && ms >= 0, 'id time must be a non-negative integer');
  let out = '';
  let rest = ms;
  for (let i = 0; i < TIME_LENGTH; i += 1) {
    out = ALPHABET.charAt(rest % 32) + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeRandom(): string {
  const bytes = randomBytes(RANDOM_LENGTH);
  let out = '';
  for (const byte of bytes) out += ALPHABET.charAt(byte % 32);
  return out;
}

export type IdFactory = (prefix: IdPrefix) => string;

/** The next random part in ULID's monotonic order: the last character that is not `Z` goes up one, the rest after it to `0`. */
function increment(random: string): string {
  for (let i = random.length - 1; i >= 0; i -= 1) {
    const next = ALPHABET.indexOf(random.charAt(i)) + 1;
    if (next < 32) return `${random.slice(0, i)}${ALPHABET.charAt(next)}${'0'.repeat(random.length - 1 - i)}`;
  }
  assert(false, 'id randomness overflowed within one millisecond');
}

/**
 * Ids made by one factory sort in creation order even within one millisecond (and under a frozen
 * test clock): the random part is incremented instead of drawn again, as ULID's monotonic mode does.
 */
export function createIdFactory(clock: Clock): IdFactory {
  let lastMs = -1;
  let lastTime = '';
  let lastRandom = '';
  return (prefix) => {
    const nowMs = clock.nowMs();
    if (nowMs <= lastMs) {
      lastRandom = increment(lastRandom);
    } else {
      lastMs = nowMs;
      lastTime = encodeTime(nowMs);
      lastRandom = encodeRandom();
    }
    return `${prefix}_${lastTime}${lastRandom}`;
  };
}

const ID_PATTERN = /^[a-z]{2,3}_[0-9A-HJKMNP-TV-Z]{26}$/;

/** True when `value` has the shape of an id with this prefix (it may still not exist). */
export function isId(value: string, prefix: IdPrefix): boolean {
  return value.startsWith(`${prefix}_`) && ID_PATTERN.test(value);
}
