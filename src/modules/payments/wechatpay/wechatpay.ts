import { createDecipheriv, createSign, createVerify } from 'node:crypto';
import { z } from 'zod';
import { HOUR_MS, MINUTE_MS } from '../../../platform/clock.js';
import type { ProviderStatus } from '../payments.provider.js';

/**
 * WeChat Pay API v3 rules without network I/O: the request signature (`WECHATPAY2-SHA256-RSA2048`),
 * the verification of answers and callbacks with the platform key chosen by `Wechatpay-Serial`,
 * the AES-256-GCM decryption of callback resources (authentication tag checked), trade states.
 */
export const WECHATPAY_METHODS = {
  /** Native: the portal renders `code_url` as a QR code for WeChat to scan. */
  native: 'wechatpay_native',
  /** H5: a mobile browser outside WeChat is sent to `h5_url`, which opens WeChat to pay. */
  h5: 'wechatpay_h5',
} as const;
export type WechatPayMethod = (typeof WECHATPAY_METHODS)[keyof typeof WECHATPAY_METHODS];

/**
 * A direct (domestic) merchant is paid in CNY only; cross-border merchants use another API family
 * (not implemented): other currencies are refused before any call.
 */
export const WECHATPAY_CURRENCY = 'CNY';
export const WECHATPAY_AUTH_SCHEME = 'WECHATPAY2-SHA256-RSA2048';
/** Answers and callbacks whose `Wechatpay-Timestamp` is further than this from our clock are refused. */
export const WECHATPAY_TIMESTAMP_TOLERANCE_SECONDS = 300;
/** Like Alipay's: a Native or H5 payment can be paid for 25 minutes (< the platform's 30-minute action TTL). */
export const WECHATPAY_PAY_WINDOW_MS = 25 * MINUTE_MS;
export const WECHATPAY_CALLBACK_MAX_BYTES = 64 * 1024;
export const FAILURE_CLIENT_IP_REQUIRED = 'client_ip_required';
const GCM_TAG_BYTES = 16;
const OUT_TRADE_NO_MAX = 32;

/** The message a request is signed over: `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n` (URL: path and query). */
export function requestMessage(method: string, canonicalUrl: string, timestampSeconds: number, nonce: string, body: string): string {
  return `${method}\n${canonicalUrl}\n${timestampSeconds}\n${nonce}\n${body}\n`;
}

/** The message an answer or a callback is signed over: `TIMESTAMP\nNONCE\nBODY\n`. */
export function responseMessage(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

/** SHA256withRSA (PKCS#1 v1.5), base64. */
export function signMessage(privateKeyPem: string, message: string): string {
  return createSign('RSA-SHA256').update(message, 'utf8').sign(privateKeyPem, 'base64');
}

export function verifyMessage(publicKeyPem: string, message: string, signatureBase64: string): boolean {
  try {
    return createVerify('RSA-SHA256').update(message, 'utf8').verify(publicKeyPem, signatureBase64, 'base64');
  } catch {
    return false;
  }
}

export interface AuthorizationFields {
  readonly mchid: string;
  readonly nonce_str: string;
  readonly timestamp: string;
  readonly serial_no: string;
  readonly signature: string;
}

export function authorizationHeader(fields: AuthorizationFields): string {
  const { mchid, nonce_str: nonce, timestamp, serial_no: serial, signature } = fields;
  return `${WECHATPAY_AUTH_SCHEME} mchid="${mchid}",nonce_str="${nonce}",timestamp="${timestamp}",serial_no="${serial}",signature="${signature}"`;
}

/** The fields of an `Authorization` header; undefined when it is not a well-formed WeChat Pay v3 one. */
export function parseAuthorization(header: string | undefined): AuthorizationFields | undefined {
  if (header === undefined || !header.startsWith(`${WECHATPAY_AUTH_SCHEME} `)) return undefined;
  const fields: Record<string, string> = {};
  for (const match of header.slice(WECHATPAY_AUTH_SCHEME.length + 1).matchAll(/([a-z_]+)="([^"]*)"/g)) {
    const [, key = '', value = ''] = match;
    fields[key] = value;
  }
  const { mchid, nonce_str, timestamp, serial_no, signature } = fields;
  if (mchid === undefined || nonce_str === undefined || timestamp === undefined || serial_no === undefined || signature === undefined) return undefined;
  return { mchid, nonce_str, timestamp, serial_no, signature };
}

/** The `Wechatpay-*` headers of an answer or a callback. */
export interface WechatPaySignatureHeaders {
  readonly serial: string | undefined;
  readonly signature: string | undefined;
  readonly timestamp: string | undefined;
  readonly nonce: string | undefined;
}

export type SignatureCheck = 'ok' | 'invalid' | 'stale';

/**
 * Verifies an answer or a callback: the key is the one whose serial the sender names (during a
 * switch both are configured: each message says which signed it); the signature is checked first
 * (the timestamp is part of what is signed), then the timestamp against our clock.
 */
export function checkSignature(keys: ReadonlyMap<string, string>, headers: WechatPaySignatureHeaders, body: string, nowMs: number): SignatureCheck {
  const { serial, signature, timestamp, nonce } = headers;
  if (serial === undefined || signature === undefined || timestamp === undefined || nonce === undefined) return 'invalid';
  if (!/^\d{1,12}$/.test(timestamp) || nonce.length > 64 || signature.length > 1024) return 'invalid';
  const key = keys.get(serial);
  if (key === undefined || !verifyMessage(key, responseMessage(timestamp, nonce, body), signature)) return 'invalid';
  return Math.abs(Math.floor(nowMs / 1000) - Number(timestamp)) > WECHATPAY_TIMESTAMP_TOLERANCE_SECONDS ? 'stale' : 'ok';
}

export interface EncryptedResource {
  readonly algorithm: string;
  readonly ciphertext: string;
  readonly nonce: string;
  readonly associated_data?: string | undefined;
}

/**
 * Decrypts a callback resource: AES-256-GCM with the APIv3 key, the resource's nonce as IV and its
 * associated data; the last 16 bytes of the ciphertext are the authentication tag, and `final()`
 * throws unless it matches — a tampered ciphertext, nonce or associated data never decrypts.
 */
export function decryptResource(apiV3Key: string, resource: EncryptedResource): string {
  if (resource.algorithm !== 'AEAD_AES_256_GCM') throw new Error(`unsupported algorithm ${resource.algorithm}`);
  const key = Buffer.from(apiV3Key, 'utf8');
  if (key.length !== 32) throw new Error('the APIv3 key must be 32 bytes');
  const data = Buffer.from(resource.ciphertext, 'base64');
  if (data.length <= GCM_TAG_BYTES) throw new Error('ciphertext shorter than its authentication tag');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(resource.nonce, 'utf8'), { authTagLength: GCM_TAG_BYTES });
  decipher.setAuthTag(data.subarray(data.length - GCM_TAG_BYTES));
  decipher.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - GCM_TAG_BYTES)), decipher.final()]).toString('utf8');
}

/** A trade state as the platform's outcome. `REFUND`: paid, then (partly) refunded. */
export function statusOfTradeState(state: string): ProviderStatus | undefined {
  switch (state) {
    case 'SUCCESS':
    case 'REFUND': return 'succeeded';
    case 'NOTPAY': return 'requires_action';
    case 'USERPAYING': return 'pending';
    case 'CLOSED':
    case 'REVOKED': return 'cancelled';
    case 'PAYERROR': return 'failed';
    default: return undefined;
  }
}

/**
 * WeChat Pay's `out_trade_no` for the platform's idempotency key: at most 32 characters, so the
 * `rl_` prefix of a longer key is dropped (`rl_pay_…` → `pay_…`, still derived from our payment id).
 */
export function outTradeNoOf(idempotencyKey: string): string {
  if (idempotencyKey.length <= OUT_TRADE_NO_MAX) return idempotencyKey;
  const short = idempotencyKey.startsWith('rl_') ? idempotencyKey.slice(3) : idempotencyKey;
  if (short.length > OUT_TRADE_NO_MAX || !/^[0-9A-Za-z_\-*|@]+$/.test(short)) throw new Error(`no WeChat Pay out_trade_no for ${idempotencyKey}`);
  return short;
}

/** Our payment id from an `out_trade_no` made by `outTradeNoOf`. */
export function paymentIdOfOutTradeNo(outTradeNo: string): string | undefined {
  return /^pay_[0-9A-Z]{26}$/.test(outTradeNo) ? outTradeNo : undefined;
}

/** `failure code` of an error answer: `ORDER_CLOSED` → `wechatpay_order_closed`. */
export function failureCodeOf(code: unknown): string {
  const text = typeof code === 'string' && code.length > 0 ? code : 'error';
  return `wechatpay_${text.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`.slice(0, 100);
}

/** RFC 3339 in Beijing time, as WeChat Pay writes `time_expire` (`2026-11-27T17:25:00+08:00`). */
export function rfc3339Beijing(ms: number): string {
  const iso = new Date(ms + 8 * HOUR_MS).toISOString();
  return `${iso.slice(0, 19)}+08:00`;
}

export const CallbackSchema = z.object({
  id: z.string().min(1).max(64),
  create_time: z.string().max(40),
  event_type: z.string().min(1).max(64),
  resource_type: z.literal('encrypt-resource'),
  resource: z.object({
    original_type: z.string().max(40),
    algorithm: z.string().max(40),
    ciphertext: z.string().min(1).max(WECHATPAY_CALLBACK_MAX_BYTES),
    associated_data: z.string().max(256).optional(),
    nonce: z.string().min(1).max(64),
  }),
  summary: z.string().max(200).optional(),
});

export const TransactionSchema = z.object({
  appid: z.string(),
  mchid: z.string(),
  out_trade_no: z.string().min(1).max(32),
  transaction_id: z.string().optional(),
  trade_state: z.string(),
  amount: z.object({ total: z.number().int().nonnegative().optional(), currency: z.string().optional() }).optional(),
});
export type Transaction = z.infer<typeof TransactionSchema>;
