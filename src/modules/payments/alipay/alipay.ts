import { assert } from '../../../platform/assert.js';
import { HOUR_MS, MINUTE_MS } from '../../../platform/clock.js';
import { assertMinor } from '../../../platform/money.js';
import { providerKeyForPayment } from '../payments.js';
import type { ProviderStatus } from '../payments.provider.js';

/**
 * Alipay's rules without I/O: methods, amounts (yuan strings ↔ integer fen), trade states, the
 * asynchronous notify's fields, and times in Beijing time as the open platform writes them.
 */
export const ALIPAY_METHODS = {
  /** Desktop cashier (`alipay.trade.page.pay`): the customer is redirected to Alipay. */
  page: 'alipay_page',
  /** Mobile web (`alipay.trade.wap.pay`): opens the Alipay app, or Alipay's H5 cashier. */
  wap: 'alipay_wap',
  /** QR code (`alipay.trade.precreate`): the portal renders `qr_code` for the Alipay app to scan. */
  qr: 'alipay_qr',
  /** Agreement (withholding) payment (`alipay.trade.pay` with `agreement_params`): off-session only. */
  agreement: 'alipay_agreement',
} as const;
export type AlipayMethod = (typeof ALIPAY_METHODS)[keyof typeof ALIPAY_METHODS];

export const ALIPAY_PRODUCT_CODES: Record<AlipayMethod, string> = {
  alipay_page: 'FAST_INSTANT_TRADE_PAY',
  alipay_wap: 'QUICK_WAP_WAY',
  alipay_qr: 'FACE_TO_FACE_PAYMENT',
  alipay_agreement: 'GENERAL_WITHHOLDING',
};

/** Alipay direct settles in yuan: other currencies are refused before any call. */
export const ALIPAY_CURRENCY = 'CNY';
export const FAILURE_CURRENCY_NOT_SUPPORTED = 'currency_not_supported';
/** The sign type Roamline uses and accepts (SHA256withRSA); `RSA` (SHA-1) notifies are refused. */
export const ALIPAY_SIGN_TYPE = 'RSA2';
/** The text Alipay expects as the answer to a notify it must stop resending. */
export const ALIPAY_NOTIFY_ACK = 'success';

/**
 * A page or QR payment can be paid until this long after it was created (`time_expire`), which
 * is less than the platform's `ACTION_TTL_MS` (30 min): a payment the platform cancels as
 * abandoned can no longer be paid.
 */
export const ALIPAY_PAY_WINDOW_MS = 25 * MINUTE_MS;
/**
 * Alipay resends a notify (same `notify_id`) for about 25 hours, so a notify is refused as stale only
 * past this age; replays inside it are harmless (stored once per `notify_id`, applied idempotently).
 */
export const ALIPAY_NOTIFY_MAX_AGE_MS = 48 * HOUR_MS;
/** How far ahead of our clock a notify may be dated (clock skew). */
export const ALIPAY_NOTIFY_MAX_FUTURE_MS = 5 * MINUTE_MS;
export const ALIPAY_NOTIFY_MAX_BYTES = 16 * 1024;

const BEIJING_OFFSET_MS = 8 * HOUR_MS;

/** `amountMinor` fen as Alipay's `total_amount`: yuan with two decimals (1 → "0.01"), integer arithmetic only. */
export function fenToYuan(amountMinor: number): string {
  assertMinor(amountMinor);
  assert(amountMinor >= 0, 'an Alipay amount is never negative');
  const digits = String(amountMinor).padStart(3, '0');
  return `${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/**
 * Alipay's decimal yuan string as integer fen ("88.8" → 8880, "20" → 2000); undefined for anything
 * that is not a plain non-negative amount with at most two decimals (no sign, exponent, spaces or
 * leading zeros).
 */
export function yuanToFen(text: string): number | undefined {
  const match = /^(0|[1-9]\d{0,12})(?:\.(\d{1,2}))?$/.exec(text);
  if (match === null) return undefined;
  const yuan = Number(match[1]);
  const fen = Number((match[2] ?? '').padEnd(2, '0'));
  return yuan * 100 + fen;
}

/** `yyyy-MM-dd HH:mm:ss` in Beijing time (UTC+8, no daylight saving), as the open platform writes times. */
export function formatBeijingTime(ms: number): string {
  const d = new Date(ms + BEIJING_OFFSET_MS);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** The instant of a Beijing-time `yyyy-MM-dd HH:mm:ss`; undefined when malformed. */
export function parseBeijingTime(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) - BEIJING_OFFSET_MS;
  return formatBeijingTime(ms) === text ? ms : undefined;
}

/**
 * A trade state as the platform's outcome. `WAIT_BUYER_PAY`: the customer has yet to pay in the
 * app. `TRADE_CLOSED`: closed unpaid (timeout or our close) — or fully refunded after payment,
 * which `refunded` tells (a notify carrying a refund: the trade had succeeded).
 */
export function statusOfTrade(tradeStatus: string, refunded = false): ProviderStatus | undefined {
  switch (tradeStatus) {
    case 'WAIT_BUYER_PAY': return 'requires_action';
    case 'TRADE_SUCCESS':
    case 'TRADE_FINISHED': return 'succeeded';
    case 'TRADE_CLOSED': return refunded ? 'succeeded' : 'cancelled';
    default: return undefined;
  }
}

/** Our payment id from an `out_trade_no` we derived from it (`providerKeyForPayment`). */
export function paymentIdOfOutTradeNo(outTradeNo: string): string | undefined {
  const prefix = providerKeyForPayment('');
  if (!outTradeNo.startsWith(prefix)) return undefined;
  const id = outTradeNo.slice(prefix.length);
  return /^pay_[0-9A-Z]{26}$/.test(id) ? id : undefined;
}

/** Alipay's business failure `sub_code` as a failure code: `ACQ.TRADE_HAS_CLOSE` → `alipay_acq_trade_has_close`. */
export function failureCodeOf(subCode: string | undefined, code: string | undefined): string {
  const raw = subCode ?? `code_${code ?? 'unknown'}`;
  return `alipay_${raw.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`.slice(0, 100);
}

/** Codes of an answer whose outcome is unknown (service busy or failed): the call is asked about later, never repeated blindly. */
export function isUnknownOutcome(code: string | undefined, subCode: string | undefined): boolean {
  // 20000: the service is unavailable; ACQ.SYSTEM_ERROR: Alipay's own error (its docs say to query).
  return code === '20000' || subCode === 'ACQ.SYSTEM_ERROR' || subCode === 'aop.ACQ.SYSTEM_ERROR' || subCode === 'isp.unknow-error';
}

/** A verified notify, reduced to what the platform applies. */
export interface AlipayNotify {
  readonly notifyId: string;
  readonly appId: string;
  readonly outTradeNo: string;
  readonly tradeNo: string | undefined;
  readonly tradeStatus: string;
  readonly totalFen: number;
  /** The notify tells of a refund (partial: `TRADE_SUCCESS`, full: `TRADE_CLOSED`). */
  readonly refunded: boolean;
  readonly notifyAtMs: number;
}

/**
 * Reads the form fields of a notify whose signature has been verified. Undefined when a field
 * the platform needs is missing or malformed.
 */
export function readNotify(fields: Readonly<Record<string, string>>): AlipayNotify | undefined {
  const { notify_id: notifyId, app_id: appId, out_trade_no: outTradeNo, trade_status: tradeStatus, total_amount: total, notify_time: notifyTime } = fields;
  if (notifyId === undefined || appId === undefined || outTradeNo === undefined || tradeStatus === undefined || total === undefined || notifyTime === undefined) return undefined;
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(notifyId) || !/^[A-Za-z0-9_]{1,64}$/.test(outTradeNo)) return undefined;
  const totalFen = yuanToFen(total);
  const notifyAtMs = parseBeijingTime(notifyTime);
  if (totalFen === undefined || notifyAtMs === undefined || statusOfTrade(tradeStatus) === undefined) return undefined;
  const refunded = fields.gmt_refund !== undefined || (fields.refund_fee !== undefined && (yuanToFen(fields.refund_fee) ?? 0) > 0);
  return { notifyId, appId, outTradeNo, tradeNo: fields.trade_no, tradeStatus, totalFen, refunded, notifyAtMs };
}

/** The fields of a form-encoded body; undefined when a field repeats (which value was signed is then unclear). */
export function formFields(raw: string): Record<string, string> | undefined {
  const fields: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    if (Object.hasOwn(fields, key)) return undefined;
    fields[key] = value;
  }
  return fields;
}
