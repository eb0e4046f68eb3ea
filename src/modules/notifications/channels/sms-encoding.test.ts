import { describe, expect, it } from 'vitest';
import { concatReference, DATA_CODING_GSM7, DATA_CODING_UCS2, decodeSms, encodeSms, isGsm7, MAX_SEGMENTS } from './sms-encoding.js';

/** The text of each segment, without its concatenation header. */
function texts(text: string): { dataCoding: number; parts: string[]; esmClass: number; headers: number[][] } {
  const encoded = encodeSms(text, 42);
  const multi = encoded.segments.length > 1;
  return {
    dataCoding: encoded.dataCoding,
    esmClass: encoded.esmClass,
    parts: encoded.segments.map((s) => decodeSms(multi ? s.subarray(6) : s, encoded.dataCoding)),
    headers: multi ? encoded.segments.map((s) => [...s.subarray(0, 6)]) : [],
  };
}

describe('SMS encoding', () => {
  it('sends GSM 7-bit text with data_coding 0, one septet value per octet', () => {
    const encoded = encodeSms('Hi @ £5 _ é', 1);
    expect(encoded.dataCoding).toBe(DATA_CODING_GSM7);
    expect([...(encoded.segments[0] ?? [])]).toEqual([0x48, 0x69, 0x20, 0x00, 0x20, 0x01, 0x35, 0x20, 0x11, 0x20, 0x05]);
    expect(encoded.esmClass).toBe(0);
  });

  it('escapes the extension characters and counts them twice', () => {
    expect([...(encodeSms('€[', 1).segments[0] ?? [])]).toEqual([0x1b, 0x65, 0x1b, 0x3c]);
    expect(encodeSms('€'.repeat(80), 1).segments).toHaveLength(1); // 160 septets
    expect(encodeSms('€'.repeat(81), 1).segments).toHaveLength(2);
  });

  it('sends Chinese (and anything outside the GSM alphabet) as UCS-2, data_coding 8', () => {
    const encoded = encodeSms('您的验证码是 123456', 1);
    expect(encoded.dataCoding).toBe(DATA_CODING_UCS2);
    expect(encoded.segments[0]?.toString('hex')).toBe(Buffer.from('您的验证码是 123456', 'utf16le').swap16().toString('hex'));
    expect(isGsm7('naïve')).toBe(false);
    expect(isGsm7('Price: 5 EUR {ok}')).toBe(true);
  });

  it('fits 160 GSM characters or 70 UCS-2 characters in one SMS', () => {
    expect(encodeSms('a'.repeat(160), 1).segments).toHaveLength(1);
    expect(encodeSms('中'.repeat(70), 1).segments).toHaveLength(1);
  });

  it('splits long GSM text into 153-septet segments with a concatenation header', () => {
    const text = 'x'.repeat(153) + 'y'.repeat(153) + 'z';
    const { parts, headers, esmClass, dataCoding } = texts(text);
    expect(dataCoding).toBe(DATA_CODING_GSM7);
    expect(esmClass).toBe(0x40);
    expect(parts).toEqual(['x'.repeat(153), 'y'.repeat(153), 'z']);
    expect(headers).toEqual([[5, 0, 3, 42, 3, 1], [5, 0, 3, 42, 3, 2], [5, 0, 3, 42, 3, 3]]);
  });

  it('never splits an escape from its character', () => {
    const { parts } = texts('a'.repeat(152) + '€' + 'b'.repeat(10));
    expect(parts[0]).toBe('a'.repeat(152));
    expect(parts[1]).toBe('€' + 'b'.repeat(10));
  });

  it('splits long Chinese text into 67-character segments, never inside a surrogate pair', () => {
    const text = '漫'.repeat(100);
    const { parts, dataCoding } = texts(text);
    expect(dataCoding).toBe(DATA_CODING_UCS2);
    expect(parts.map((p) => p.length)).toEqual([67, 33]);
    expect(parts.join('')).toBe(text);
    const emoji = texts('中'.repeat(66) + '😀' + '中'.repeat(5));
    expect(emoji.parts[0]).toBe('中'.repeat(66));
    expect(emoji.parts[1]).toBe('😀' + '中'.repeat(5));
  });

  it('refuses a text that would need more than the segment limit', () => {
    expect(() => encodeSms('中'.repeat(67 * MAX_SEGMENTS + 1), 1)).toThrow(RangeError);
    expect(encodeSms('中'.repeat(67 * MAX_SEGMENTS), 1).segments).toHaveLength(MAX_SEGMENTS);
  });

  it('gives a message the same concatenation reference every time', () => {
    expect(concatReference('msg_01ABC')).toBe(concatReference('msg_01ABC'));
    expect(concatReference('msg_01ABC')).toBeLessThan(256);
  });
});
