import { randomBytes } from 'node:crypto';
import type { Clock } from '../../../platform/clock.js';
import type { WechatPayConfig } from '../../../platform/config.china-payments.js';
import { ProviderUnavailableError } from '../payments.provider.js';
import { authorizationHeader, checkSignature, requestMessage, signMessage } from './wechatpay.js';

export interface WechatPayAnswer {
  readonly status: number;
  /** The parsed JSON body (undefined for 204). */
  readonly body: unknown;
}

export interface WechatPayClient {
  /**
   * One signed API call. Throws `ProviderUnavailableError` when the outcome is unknown: no answer,
   * a 5xx or 429, or an answer whose signature does not verify. A 4xx is returned: it is an answer.
   */
  request(method: 'GET' | 'POST', path: string, body?: Record<string, unknown>): Promise<WechatPayAnswer>;
}

const MAX_ANSWER_BYTES = 256 * 1024;

/**
 * A WeChat Pay API v3 client over `fetch`: every request carries `Authorization:
 * WECHATPAY2-SHA256-RSA2048 ...` signed with the merchant private key over
 * `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n`; every 2xx answer must be signed by a configured platform
 * key (an error answer is checked when it is signed).
 */
export function createWechatPayClient(config: WechatPayConfig, clock: Clock, timeoutMs: number): WechatPayClient {
  const platformKeys = new Map(config.platformKeys.map((k) => [k.serial, k.publicKeyPem]));

  return {
    async request(method, path, body) {
      const url = new URL(path, config.apiBaseUrl);
      const payload = body === undefined ? '' : JSON.stringify(body);
      const timestampSeconds = Math.floor(clock.nowMs() / 1000);
      const nonce = randomBytes(16).toString('hex').toUpperCase();
      const signature = signMessage(config.privateKeyPem, requestMessage(method, `${url.pathname}${url.search}`, timestampSeconds, nonce, payload));
      let response: Response;
      let text: string;
      try {
        response = await fetch(url, {
          method,
          headers: {
            authorization: authorizationHeader({ mchid: config.mchId, nonce_str: nonce, timestamp: String(timestampSeconds), serial_no: config.merchantSerialNo, signature }),
            accept: 'application/json',
            'user-agent': 'roamline (WeChat Pay API v3)',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: payload }),
          redirect: 'error',
          signal: AbortSignal.timeout(timeoutMs),
        });
        text = await response.text();
      } catch (error) {
        throw new ProviderUnavailableError(`wechatpay ${method} ${url.pathname}: ${error instanceof Error ? error.message : 'failed'}`, { cause: error });
      }
      if (response.status >= 500 || response.status === 429) throw new ProviderUnavailableError(`wechatpay ${method} ${url.pathname}: HTTP ${response.status}`);
      if (text.length > MAX_ANSWER_BYTES) throw new ProviderUnavailableError(`wechatpay ${method} ${url.pathname}: answer too large`);
      const headers = {
        serial: response.headers.get('wechatpay-serial') ?? undefined,
        signature: response.headers.get('wechatpay-signature') ?? undefined,
        timestamp: response.headers.get('wechatpay-timestamp') ?? undefined,
        nonce: response.headers.get('wechatpay-nonce') ?? undefined,
      };
      const signed = headers.signature !== undefined;
      if (response.ok || signed) {
        const check = checkSignature(platformKeys, headers, text, clock.nowMs());
        if (check !== 'ok') throw new ProviderUnavailableError(`wechatpay ${method} ${url.pathname}: answer signature ${check}`);
      }
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        throw new ProviderUnavailableError(`wechatpay ${method} ${url.pathname}: answer is not JSON`);
      }
      return { status: response.status, body: parsed };
    },
  };
}
