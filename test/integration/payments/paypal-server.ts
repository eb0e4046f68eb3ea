import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';

/**
 * A local stand-in for PayPal's REST API on loopback: OAuth client credentials, Orders v2 (create,
 * get, capture, with `PayPal-Request-Id` idempotency), capture refunds, vault payment tokens, and
 * the webhook signing certificate. The real `@paypal/paypal-server-sdk` talks to it. Webhooks are
 * signed as PayPal signs them: SHA256withRSA over `transmissionId|time|webhookId|crc32(body)` with
 * an RSA key generated here, whose self-signed X.509 certificate this server serves.
 */
type Json = Record<string, unknown>;
type VaultBehaviour = 'ok' | 'declined' | 'payer_action';

interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly requestId: string | undefined;
  readonly body: Json;
}

// --- a minimal DER writer for one self-signed certificate ---

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, content: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * a + b];
  for (const value of rest) {
    const chunk = [value & 0x7f];
    for (let v = value >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}
function positiveInteger(bytes: Buffer): Buffer {
  return tlv(0x02, (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}
function utcTime(ms: number): Buffer {
  const iso = new Date(ms).toISOString();
  return tlv(0x17, Buffer.from(`${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`));
}
const commonName = (cn: string): Buffer => sequence(tlv(0x31, sequence(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn)))));

/** A self-signed X.509 v3 certificate (sha256WithRSAEncryption) for `key`, as PEM. */
export function selfSignedCertificate(privateKey: KeyObject, publicKey: KeyObject, cn: string, validFromMs: number, validToMs: number): string {
  const algorithm = sequence(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));
  const tbs = sequence(
    tlv(0xa0, positiveInteger(Buffer.from([2]))),
    positiveInteger(randomBytes(8)),
    algorithm,
    commonName(cn),
    sequence(utcTime(validFromMs), utcTime(validToMs)),
    commonName(cn),
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = sequence(tbs, algorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd()}\n-----END CERTIFICATE-----\n`;
}

const newId = (length = 17): string => randomBytes(16).toString('hex').toUpperCase().slice(0, length);

export class LocalPayPal {
  readonly requests: LoggedRequest[] = [];
  readonly orders = new Map<string, Json>();
  readonly refunds = new Map<string, Json>();
  readonly vault = new Map<string, VaultBehaviour>();
  readonly deletedTokens: string[] = [];
  /** Vault v3 setup tokens (saving a PayPal wallet without a purchase), by id. */
  readonly setupTokens = new Map<string, Json>();
  readonly clientId = `client${randomBytes(8).toString('hex')}`;
  readonly clientSecret = `secret${randomBytes(12).toString('hex')}`;
  readonly webhookId = `WH${newId(12)}`;
  readonly certificatePem: string;
  certificateFetches = 0;
  /** While true, `POST /v2/checkout/orders` creates the order and never answers (a timeout). */
  hangCreates = false;
  /** Orders whose capture the payer's bank declines. */
  readonly declineCapture = new Set<string>();
  private readonly privateKey: KeyObject;
  private readonly token = `A21AA${randomBytes(16).toString('hex')}`;
  private readonly replies = new Map<string, { status: number; body: string }>();
  private readonly server: Server;
  private baseUrl = '';

  constructor(nowMs: number) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.certificatePem = selfSignedCertificate(privateKey, publicKey, 'messageverificationcerts.sandbox.paypal.com', nowMs - 86_400_000, nowMs + 365 * 86_400_000);
    this.server = createServer((request, response) => {
      void this.handle(request, response).catch((error: unknown) => {
        response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'INTERNAL_SERVER_ERROR', message: String(error) }));
      });
    });
  }

  get url(): string {
    return this.baseUrl;
  }

  get certUrl(): string {
    return `${this.baseUrl}/v1/notifications/certs/CERT-360caa42-local`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  writes(): LoggedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path !== '/v1/oauth2/token');
  }

  /** The payer approves saving their wallet on PayPal's page (the setup token's `approve` link). */
  approveSetupToken(id: string): Json {
    const token = this.setupTokens.get(id);
    if (token === undefined) throw new Error(`no setup token ${id}`);
    token.status = 'APPROVED';
    return token;
  }

  order(id: string): Json {
    const order = this.orders.get(id);
    if (order === undefined) throw new Error(`no order ${id}`);
    return order;
  }

  /** The payer approves the order on PayPal's page. */
  approve(orderId: string): void {
    const order = this.order(orderId);
    if (order.status === 'PAYER_ACTION_REQUIRED' || order.status === 'CREATED') order.status = 'APPROVED';
  }

  /** A webhook delivery as PayPal sends it, signed at `sentAtMs` (or signed with another key: `forgeWith`). */
  webhook(eventType: string, resource: Json, sentAtMs: number, options: { eventId?: string; forgeWith?: KeyObject; certUrl?: string } = {}): { rawBody: string; headers: Record<string, string> } {
    const rawBody = JSON.stringify({
      id: options.eventId ?? `WH-${newId()}`, event_version: '1.0', create_time: new Date(sentAtMs).toISOString(),
      resource_type: eventType.startsWith('PAYMENT.CAPTURE') ? 'capture' : 'checkout-order', event_type: eventType, summary: eventType, resource,
    });
    const transmissionId = randomBytes(16).toString('hex');
    const transmissionTime = new Date(sentAtMs).toISOString();
    const message = `${transmissionId}|${transmissionTime}|${this.webhookId}|${crc32(Buffer.from(rawBody, 'utf8'))}`;
    const signature = sign('sha256', Buffer.from(message, 'utf8'), options.forgeWith ?? this.privateKey).toString('base64');
    return {
      rawBody,
      headers: {
        'content-type': 'application/json', 'paypal-transmission-id': transmissionId, 'paypal-transmission-time': transmissionTime,
        'paypal-transmission-sig': signature, 'paypal-cert-url': options.certUrl ?? this.certUrl, 'paypal-auth-algo': 'SHA256withRSA',
      },
    };
  }

  /** The order as the webhook resource of `CHECKOUT.ORDER.*`. */
  orderResource(orderId: string): Json {
    return this.visible(this.order(orderId));
  }

  /** The order's capture as the webhook resource of `PAYMENT.CAPTURE.*` (with its order id). */
  captureResource(orderId: string, patch: Json = {}): Json {
    const order = this.order(orderId);
    const unit = (order.purchase_units as Json[])[0] as Json;
    const capture = ((unit.payments as Json | undefined)?.captures as Json[] | undefined)?.[0] ?? {};
    return { ...capture, supplementary_data: { related_ids: { order_id: orderId } }, ...patch };
  }

  // --- the HTTP API ---

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    const requestId = typeof request.headers['paypal-request-id'] === 'string' ? request.headers['paypal-request-id'] : undefined;
    let body: Json = {};
    try {
      body = text === '' || url.pathname === '/v1/oauth2/token' ? {} : JSON.parse(text) as Json;
    } catch {
      return this.send(response, 400, { name: 'INVALID_REQUEST', message: 'Request is not well-formed' });
    }
    this.requests.push({ method, path: url.pathname, requestId, body });
    if (method === 'GET' && url.pathname.startsWith('/v1/notifications/certs/')) {
      this.certificateFetches += 1;
      response.writeHead(200, { 'content-type': 'text/plain' }).end(this.certificatePem);
      return;
    }
    if (url.pathname === '/v1/oauth2/token') return this.oauth(request, response, text);
    if (request.headers.authorization !== `Bearer ${this.token}`) return this.send(response, 401, { error: 'invalid_token', error_description: 'Token signature verification failed' });
    const replayKey = requestId === undefined || method !== 'POST' ? undefined : `${url.pathname} ${requestId}`;
    const earlier = replayKey === undefined ? undefined : this.replies.get(replayKey);
    if (earlier !== undefined) {
      response.writeHead(earlier.status, { 'content-type': 'application/json' }).end(earlier.body);
      return;
    }
    const [status, answer] = this.route(method, url.pathname, body);
    if (replayKey !== undefined && status < 500) this.replies.set(replayKey, { status, body: JSON.stringify(answer) });
    if (this.hangCreates && method === 'POST' && url.pathname === '/v2/checkout/orders') return;
    if (status === 204) {
      response.writeHead(204).end();
      return;
    }
    this.send(response, status, answer);
  }

  private send(response: ServerResponse, status: number, body: Json): void {
    response.writeHead(status, { 'content-type': 'application/json', 'paypal-debug-id': newId(13) }).end(JSON.stringify(body));
  }

  private oauth(request: IncomingMessage, response: ServerResponse, text: string): void {
    const expected = `Basic ${Buffer.from(`${this.clientId}:${this.clientSecret}`).toString('base64')}`;
    if (request.headers.authorization !== expected || new URLSearchParams(text).get('grant_type') !== 'client_credentials') {
      return this.send(response, 401, { error: 'invalid_client', error_description: 'Client Authentication failed' });
    }
    this.send(response, 200, { scope: 'https://uri.paypal.com/services/payments/payment', access_token: this.token, token_type: 'Bearer', app_id: 'APP-LOCAL', expires_in: 32400, nonce: newId() });
  }

  private route(method: string, path: string, body: Json): [number, Json] {
    const parts = path.split('/').filter((p) => p !== '');
    if (method === 'POST' && path === '/v2/checkout/orders') return this.createOrder(body);
    if (parts[0] === 'v2' && parts[1] === 'checkout' && parts[2] === 'orders' && parts[3] !== undefined) {
      const order = this.orders.get(parts[3]);
      if (order === undefined) return notFound('RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID');
      if (method === 'GET' && parts.length === 4) return [200, this.visible(order)];
      if (method === 'POST' && parts[4] === 'capture') return this.capture(order);
    }
    if (method === 'POST' && parts[1] === 'payments' && parts[2] === 'captures' && parts[4] === 'refund') return this.refund(parts[3] ?? '', body);
    if (method === 'POST' && path === '/v3/vault/setup-tokens') return this.createSetupToken(body);
    if (method === 'GET' && parts[0] === 'v3' && parts[2] === 'setup-tokens' && parts[3] !== undefined) {
      const token = this.setupTokens.get(parts[3]);
      return token === undefined ? notFound('RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID') : [200, token];
    }
    if (method === 'POST' && path === '/v3/vault/payment-tokens') return this.createPaymentToken(body);
    if (method === 'DELETE' && parts[1] === 'vault' && parts[2] === 'payment-tokens') {
      if (!this.vault.delete(parts[3] ?? '')) return notFound('RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID');
      this.deletedTokens.push(parts[3] ?? '');
      return [204, {}];
    }
    return notFound('NOT_FOUND', 'RESOURCE_NOT_FOUND');
  }

  private createSetupToken(body: Json): [number, Json] {
    const paypal = (body.payment_source as Json | undefined)?.paypal as Json | undefined;
    const context = paypal?.experience_context as Json | undefined;
    if (paypal === undefined || typeof context?.return_url !== 'string' || paypal.usage_type !== 'MERCHANT') return unprocessable('MISSING_REQUIRED_PARAMETER');
    const id = newId(17);
    const token: Json = {
      id, status: 'PAYER_ACTION_REQUIRED', customer: { id: newId(10) }, payment_source: { paypal: { usage_type: 'MERCHANT', return_url: context.return_url } },
      links: [{ href: `${this.baseUrl}/local/vault/approve/${id}`, rel: 'approve', method: 'GET' }, { href: `${this.baseUrl}/v3/vault/setup-tokens/${id}`, rel: 'self', method: 'GET' }],
    };
    this.setupTokens.set(id, token);
    return [200, token];
  }

  /** A payment token (vault id) from an approved setup token: the wallet can now be charged merchant-initiated. */
  private createPaymentToken(body: Json): [number, Json] {
    const source = (body.payment_source as Json | undefined)?.token as Json | undefined;
    const setup = this.setupTokens.get(String(source?.id ?? ''));
    if (source?.type !== 'SETUP_TOKEN' || setup === undefined) return notFound('RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID');
    if (setup.status !== 'APPROVED') return unprocessable('SETUP_TOKEN_NOT_APPROVED');
    const vaultId = randomBytes(4).toString('hex');
    this.vault.set(vaultId, 'ok');
    setup.status = 'VAULTED';
    return [200, { id: vaultId, customer: setup.customer, payment_source: { paypal: { email_address: 'payer@example.com', usage_type: 'MERCHANT' } } }];
  }

  private createOrder(body: Json): [number, Json] {
    const units = body.purchase_units as Json[] | undefined;
    const paypal = (body.payment_source as Json | undefined)?.paypal as Json | undefined;
    if (body.intent !== 'CAPTURE' || units === undefined || units.length !== 1 || paypal === undefined) return unprocessable('INVALID_PARAMETER_VALUE');
    const id = newId();
    const order: Json = {
      id, intent: 'CAPTURE', status: 'PAYER_ACTION_REQUIRED', create_time: new Date().toISOString(),
      purchase_units: [{ reference_id: 'default', ...units[0] }], payment_source: { paypal: {} },
      links: [{ href: `${this.baseUrl}/v2/checkout/orders/${id}`, rel: 'self', method: 'GET' }, { href: `${this.baseUrl}/checkoutnow?token=${id}`, rel: 'payer-action', method: 'GET' }],
      vault_requested: ((paypal.attributes as Json | undefined)?.vault as Json | undefined)?.store_in_vault === 'ON_SUCCESS',
    };
    if (typeof paypal.vault_id === 'string') {
      const behaviour = this.vault.get(paypal.vault_id);
      if (behaviour === undefined) return notFound('RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID');
      if (behaviour === 'declined') return unprocessable('INSTRUMENT_DECLINED');
      if (behaviour === 'payer_action') return unprocessable('PAYER_ACTION_REQUIRED');
      this.orders.set(id, order);
      order.links = [{ href: `${this.baseUrl}/v2/checkout/orders/${id}`, rel: 'self', method: 'GET' }];
      this.complete(order);
      return [201, this.visible(order)];
    }
    this.orders.set(id, order);
    return [200, this.visible(order)];
  }

  private complete(order: Json): void {
    const unit = (order.purchase_units as Json[])[0] as Json;
    order.status = 'COMPLETED';
    unit.payments = { captures: [{ id: newId(), status: 'COMPLETED', amount: unit.amount, custom_id: unit.custom_id, final_capture: true }] };
    if (order.vault_requested === true) {
      const vaultId = randomBytes(4).toString('hex');
      this.vault.set(vaultId, 'ok');
      order.payment_source = { paypal: { email_address: 'payer@example.com', attributes: { vault: { id: vaultId, status: 'VAULTED', customer: { id: newId(10) } } } } };
    }
  }

  private capture(order: Json): [number, Json] {
    if (order.status === 'COMPLETED') return unprocessable('ORDER_ALREADY_CAPTURED');
    if (order.status !== 'APPROVED') return unprocessable('ORDER_NOT_APPROVED');
    if (this.declineCapture.has(String(order.id))) return unprocessable('INSTRUMENT_DECLINED');
    this.complete(order);
    return [201, this.visible(order)];
  }

  private refund(captureId: string, body: Json): [number, Json] {
    const order = [...this.orders.values()].find((o) => JSON.stringify(o.purchase_units).includes(`"id":"${captureId}"`));
    if (order === undefined) return notFound('RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID');
    const captured = (((order.purchase_units as Json[])[0] as Json).amount as Json).value;
    const refunded = [...this.refunds.values()].filter((r) => r.capture_id === captureId).reduce((sum, r) => sum + Number((r.amount as Json).value), 0);
    const amount = (body.amount as Json | undefined) ?? { value: captured };
    if (refunded + Number(amount.value) > Number(captured) + 1e-9) return unprocessable('REFUND_AMOUNT_EXCEEDED');
    const refund = { id: newId(), status: 'COMPLETED', amount, capture_id: captureId };
    this.refunds.set(refund.id, refund);
    return [201, { id: refund.id, status: refund.status, amount }];
  }

  private visible(order: Json): Json {
    const { vault_requested: _v, ...rest } = order;
    return rest;
  }
}

function notFound(name: string, issue: string): [number, Json] {
  return [404, { name, message: 'The specified resource does not exist.', details: [{ issue }], debug_id: newId(13) }];
}

function unprocessable(issue: string): [number, Json] {
  return [422, { name: 'UNPROCESSABLE_ENTITY', message: 'The requested action could not be performed.', details: [{ issue, description: issue }], debug_id: newId(13) }];
}

export async function startLocalPayPal(nowMs: number): Promise<LocalPayPal> {
  return new LocalPayPal(nowMs).start();
}
