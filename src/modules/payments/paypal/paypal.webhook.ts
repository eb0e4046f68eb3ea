import { X509Certificate, verify } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SECOND_MS } from '../../../platform/clock.js';
import { paymentsErrors } from '../payments.errors.js';
import { ProviderUnavailableError } from '../payments.provider.js';
import { PAYPAL_AUTH_ALGO, PAYPAL_WEBHOOK_TOLERANCE_MS, webhookSignedMessage } from './paypal.js';

const CERT_FETCH_TIMEOUT_MS = 5 * SECOND_MS;
const CERT_MAX_BYTES = 16 * 1024;
/** PayPal rotates its signing certificate rarely; a handful of URLs at most are ever seen. */
const CERT_CACHE_MAX_ENTRIES = 16;
const CERT_PATH_PREFIX = '/v1/notifications/certs/';

export interface PayPalWebhookVerifierOptions {
  readonly webhookId: string;
  /** Origins (`https://api.paypal.com`, ...) the certificate may come from; any other URL is refused unfetched. */
  readonly certOrigins: readonly string[];
  readonly nowMs: () => number;
}

function header(headers: IncomingHttpHeaders, name: string, maxLength: number): string {
  const value = headers[name];
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) throw paymentsErrors.webhookSignatureInvalid();
  return value;
}

/**
 * PayPal's webhook signature scheme, verified locally (no call to verify-webhook-signature):
 * SHA256withRSA over `transmissionId|transmissionTime|webhookId|crc32(raw body)` with the
 * certificate named by `paypal-cert-url` — fetched only from PayPal's own origins (an allow-list),
 * checked for validity dates, and cached by URL. A transmission older or newer than five minutes is
 * refused as stale (after the signature, which covers the time, has been checked).
 */
export function createPayPalWebhookVerifier(options: PayPalWebhookVerifierOptions) {
  const certificates = new Map<string, X509Certificate>();
  const allowed = new Set(options.certOrigins);

  function certUrlOf(value: string): URL {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw paymentsErrors.webhookSignatureInvalid();
    }
    // Only PayPal's hosts: an attacker's URL would bring the attacker's key.
    if (!allowed.has(url.origin) || !url.pathname.startsWith(CERT_PATH_PREFIX) || url.username !== '' || url.password !== '') {
      throw paymentsErrors.webhookSignatureInvalid();
    }
    return url;
  }

  async function fetchCertificate(url: URL): Promise<X509Certificate> {
    const cached = certificates.get(url.href);
    if (cached !== undefined) return cached;
    let text: string;
    try {
      const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(CERT_FETCH_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`status ${response.status}`);
      const body = Buffer.from(await response.arrayBuffer());
      if (body.length > CERT_MAX_BYTES) throw new Error('certificate too large');
      text = body.toString('utf8');
    } catch (error) {
      // PayPal resends the webhook later; its certificate host may be back by then.
      throw new ProviderUnavailableError(`paypal: cannot fetch the webhook certificate (${error instanceof Error ? error.message : 'error'})`);
    }
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(text);
    } catch {
      throw paymentsErrors.webhookSignatureInvalid();
    }
    if (certificates.size >= CERT_CACHE_MAX_ENTRIES) certificates.clear();
    certificates.set(url.href, certificate);
    return certificate;
  }

  /** Throws `payments.webhook_signature_invalid` or `payments.webhook_stale`; returns when the bytes are PayPal's. */
  async function verifyWebhook(rawBody: Buffer, headers: IncomingHttpHeaders): Promise<void> {
    const transmissionId = header(headers, 'paypal-transmission-id', 128);
    const transmissionTime = header(headers, 'paypal-transmission-time', 64);
    const signature = header(headers, 'paypal-transmission-sig', 2048);
    const algorithm = header(headers, 'paypal-auth-algo', 64);
    if (algorithm !== PAYPAL_AUTH_ALGO) throw paymentsErrors.webhookSignatureInvalid();
    const certificate = await fetchCertificate(certUrlOf(header(headers, 'paypal-cert-url', 2048)));
    const nowMs = options.nowMs();
    if (Date.parse(certificate.validFrom) > nowMs || Date.parse(certificate.validTo) < nowMs) throw paymentsErrors.webhookSignatureInvalid();
    const message = webhookSignedMessage(transmissionId, transmissionTime, options.webhookId, rawBody);
    const valid = verify('sha256', Buffer.from(message, 'utf8'), certificate.publicKey, Buffer.from(signature, 'base64'));
    if (!valid) throw paymentsErrors.webhookSignatureInvalid();
    const sentMs = Date.parse(transmissionTime);
    if (!Number.isFinite(sentMs) || Math.abs(nowMs - sentMs) > PAYPAL_WEBHOOK_TOLERANCE_MS) throw paymentsErrors.webhookStale();
  }

  return { verifyWebhook, cachedCertificates: (): number => certificates.size };
}
