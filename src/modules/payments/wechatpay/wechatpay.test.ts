import { createCipheriv, generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  authorizationHeader, checkSignature, decryptResource, outTradeNoOf, parseAuthorization, paymentIdOfOutTradeNo, requestMessage,
  responseMessage, rfc3339Beijing, signMessage, statusOfTradeState, verifyMessage,
} from './wechatpay.js';

const apiV3Key = 'abcdefghijklmnopqrstuvwxyz012345';

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString() };
}

function encrypt(plain: string, nonce: string, aad: string, key = apiV3Key): string {
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(key, 'utf8'), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  return Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]).toString('base64');
}

const platform = keyPair();
const other = keyPair();

describe('WeChat Pay signatures', () => {
  it('signs requests over METHOD\\nURL\\nTIMESTAMP\\nNONCE\\nBODY\\n and writes the Authorization header', () => {
    const message = requestMessage('POST', '/v3/pay/transactions/native', 1_780_000_000, 'N0NCE', '{"a":1}');
    expect(message).toBe('POST\n/v3/pay/transactions/native\n1780000000\nN0NCE\n{"a":1}\n');
    const signature = signMessage(platform.privateKeyPem, message);
    expect(verifyMessage(platform.publicKeyPem, message, signature)).toBe(true);
    expect(verifyMessage(other.publicKeyPem, message, signature)).toBe(false);
    const header = authorizationHeader({ mchid: '1900000001', nonce_str: 'N0NCE', timestamp: '1780000000', serial_no: 'ABC123', signature });
    expect(header.startsWith('WECHATPAY2-SHA256-RSA2048 mchid="1900000001",nonce_str="N0NCE"')).toBe(true);
    expect(parseAuthorization(header)).toEqual({ mchid: '1900000001', nonce_str: 'N0NCE', timestamp: '1780000000', serial_no: 'ABC123', signature });
    expect(parseAuthorization('Bearer x')).toBeUndefined();
    expect(parseAuthorization('WECHATPAY2-SHA256-RSA2048 mchid="1"')).toBeUndefined();
  });

  it('verifies answers and callbacks with the key the serial names, then the timestamp', () => {
    const nowMs = Date.UTC(2026, 10, 27, 9);
    const ts = String(nowMs / 1000);
    const body = '{"id":"evt"}';
    const signature = signMessage(platform.privateKeyPem, responseMessage(ts, 'n1', body));
    const keys = new Map([['OLD_SERIAL_1', other.publicKeyPem], ['NEW_SERIAL_2', platform.publicKeyPem]]);
    const headers = { serial: 'NEW_SERIAL_2', signature, timestamp: ts, nonce: 'n1' };
    expect(checkSignature(keys, headers, body, nowMs)).toBe('ok');
    expect(checkSignature(keys, { ...headers, serial: 'OLD_SERIAL_1' }, body, nowMs)).toBe('invalid');
    expect(checkSignature(keys, { ...headers, serial: 'UNKNOWN_SERIAL' }, body, nowMs)).toBe('invalid');
    expect(checkSignature(keys, headers, '{"id":"evt2"}', nowMs)).toBe('invalid');
    expect(checkSignature(keys, { ...headers, nonce: 'n2' }, body, nowMs)).toBe('invalid');
    expect(checkSignature(keys, { ...headers, signature: undefined }, body, nowMs)).toBe('invalid');
    expect(checkSignature(keys, { ...headers, signature: `WECHATPAY/SIGNTEST/${signature}` }, body, nowMs)).toBe('invalid');
    expect(checkSignature(keys, headers, body, nowMs + 300_000)).toBe('ok');
    expect(checkSignature(keys, headers, body, nowMs + 301_000)).toBe('stale');
    expect(checkSignature(keys, headers, body, nowMs - 301_000)).toBe('stale');
  });
});

describe('WeChat Pay callback resources (AES-256-GCM)', () => {
  const nonce = 'fdasflkja484';
  const aad = 'transaction';
  const plain = '{"trade_state":"SUCCESS"}';

  it('decrypts with the APIv3 key, nonce and associated data', () => {
    expect(decryptResource(apiV3Key, { algorithm: 'AEAD_AES_256_GCM', ciphertext: encrypt(plain, nonce, aad), nonce, associated_data: aad })).toBe(plain);
    expect(decryptResource(apiV3Key, { algorithm: 'AEAD_AES_256_GCM', ciphertext: encrypt(plain, nonce, ''), nonce })).toBe(plain);
  });

  it('refuses any tampering: ciphertext, tag, nonce, associated data, key, truncated tag', () => {
    const good = Buffer.from(encrypt(plain, nonce, aad), 'base64');
    const flip = (at: number): string => {
      const copy = Buffer.from(good);
      copy[at] = (copy[at] ?? 0) ^ 0x01;
      return copy.toString('base64');
    };
    const base = { algorithm: 'AEAD_AES_256_GCM', nonce, associated_data: aad };
    expect(() => decryptResource(apiV3Key, { ...base, ciphertext: flip(0) })).toThrow();
    expect(() => decryptResource(apiV3Key, { ...base, ciphertext: flip(good.length - 1) })).toThrow();
    expect(() => decryptResource(apiV3Key, { ...base, ciphertext: flip(good.length - 16) })).toThrow();
    expect(() => decryptResource(apiV3Key, { ...base, ciphertext: good.toString('base64'), nonce: 'fdasflkja485' })).toThrow();
    expect(() => decryptResource(apiV3Key, { ...base, ciphertext: good.toString('base64'), associated_data: 'refund' })).toThrow();
    expect(() => decryptResource('bbcdefghijklmnopqrstuvwxyz012345', { ...base, ciphertext: good.toString('base64') })).toThrow();
    // A short tag would make forging easy: only the full 16 bytes are accepted.
    expect(() => decryptResource(apiV3Key, { ...base, ciphertext: good.subarray(0, good.length - 4).toString('base64') })).toThrow();
    expect(() => decryptResource(apiV3Key, { ...base, ciphertext: good.subarray(0, 16).toString('base64') })).toThrow();
    expect(() => decryptResource(apiV3Key, { ...base, algorithm: 'AEAD_SM4_GCM', ciphertext: good.toString('base64') })).toThrow();
  });

  it('refuses random ciphertexts (property)', () => {
    for (let i = 0; i < 50; i += 1) {
      const ciphertext = randomBytes(17 + (i % 40)).toString('base64');
      expect(() => decryptResource(apiV3Key, { algorithm: 'AEAD_AES_256_GCM', ciphertext, nonce, associated_data: aad })).toThrow();
    }
  });
});

describe('WeChat Pay rules', () => {
  it('maps trade states to payment outcomes', () => {
    expect(statusOfTradeState('SUCCESS')).toBe('succeeded');
    expect(statusOfTradeState('REFUND')).toBe('succeeded');
    expect(statusOfTradeState('NOTPAY')).toBe('requires_action');
    expect(statusOfTradeState('USERPAYING')).toBe('pending');
    expect(statusOfTradeState('CLOSED')).toBe('cancelled');
    expect(statusOfTradeState('REVOKED')).toBe('cancelled');
    expect(statusOfTradeState('PAYERROR')).toBe('failed');
    expect(statusOfTradeState('WHATEVER')).toBeUndefined();
  });
  it('keeps out_trade_no within 32 characters, derived from our key', () => {
    const key = 'rl_pay_01KB0000000000000000000000';
    expect(key.length).toBe(33);
    expect(outTradeNoOf(key)).toBe('pay_01KB0000000000000000000000');
    expect(paymentIdOfOutTradeNo(outTradeNoOf(key))).toBe('pay_01KB0000000000000000000000');
    expect(outTradeNoOf('rl_short')).toBe('rl_short');
    expect(() => outTradeNoOf(`rl_${'x'.repeat(40)}`)).toThrow();
  });
  it('writes time_expire as RFC 3339 in Beijing time', () => {
    expect(rfc3339Beijing(Date.UTC(2026, 10, 27, 17, 25, 0))).toBe('2026-11-28T01:25:00+08:00');
  });
});
