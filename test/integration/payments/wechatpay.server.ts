import { createCipheriv, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WechatPayConfig } from '../../../src/platform/config.china-payments.js';
import { parseAuthorization, requestMessage, responseMessage, signMessage, verifyMessage } from '../../../src/modules/payments/wechatpay/wechatpay.js';

/**
 * A local stand-in for WeChat Pay API v3 that speaks its protocol: it verifies each request's
 * `Authorization: WECHATPAY2-SHA256-RSA2048 ...` with the merchant's public key (and its serial,
 * mchid and a 5-minute timestamp window), answers JSON signed with the current platform key
 * (`Wechatpay-Serial/-Signature/-Timestamp/-Nonce`), and builds callbacks whose resource is
 * encrypted with AES-256-GCM under the APIv3 key. Orders live in memory by `out_trade_no`.
 * Every key is generated here with node:crypto.
 */
export interface FakeOrder {
  outTradeNo: string;
  transactionId: string;
  appid: string;
  total: number;
  currency: string;
  state: 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'REFUND' | 'USERPAYING' | 'PAYERROR';
  kind: 'native' | 'h5';
  payerClientIp: string | undefined;
}

export interface FakeRefund { outRefundNo: string; outTradeNo: string; refundId: string; amount: number; status: 'PROCESSING' | 'SUCCESS' }

interface PlatformKey { serial: string; privateKey: KeyObject; publicKeyPem: string }

type Behaviour = 'hang' | 'http500' | 'lose_answer' | 'bad_sign' | 'unsigned';

const keyPair = (): { privateKey: KeyObject; publicKeyPem: string } => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString() };
};

export class FakeWechatPay {
  readonly mchId = '1900000109';
  readonly appId = 'wxd678efh567hg6787';
  readonly apiV3Key = randomBytes(16).toString('hex');
  readonly merchantSerial = '3775B6A45ACD588826D15E583A95F5DD0EBC8C8B';
  readonly merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
  /** The platform certificate WeChat Pay signs with, and the public key it is switching to. */
  readonly oldPlatform: PlatformKey = { serial: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1', ...keyPair() };
  readonly newPlatform: PlatformKey = { serial: 'PUB_KEY_ID_0119000001092025112700111', ...keyPair() };
  signing: PlatformKey = this.oldPlatform;
  readonly orders = new Map<string, FakeOrder>();
  readonly refunds = new Map<string, FakeRefund>();
  readonly requests: Array<{ method: string; path: string; body: Record<string, unknown> | undefined }> = [];
  readonly next = new Map<string, Behaviour>();
  /** How a new refund answers first (WeChat Pay usually says PROCESSING). */
  refundStartsAs: FakeRefund['status'] = 'PROCESSING';
  nowMs: () => number = () => Date.now();
  url = '';
  private server: Server | undefined;
  private readonly hanging: ServerResponse[] = [];

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch((error: unknown) => res.writeHead(500).end(String(error)));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  config(platformKeys: readonly PlatformKey[] = [this.oldPlatform, this.newPlatform]): WechatPayConfig {
    return {
      mchId: this.mchId, appId: this.appId, merchantSerialNo: this.merchantSerial,
      privateKeyPem: this.merchant.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), apiV3Key: this.apiV3Key,
      platformKeys: platformKeys.map((k) => ({ serial: k.serial, publicKeyPem: k.publicKeyPem })), apiBaseUrl: this.url,
    };
  }

  order(outTradeNo: string): FakeOrder {
    const order = this.orders.get(outTradeNo);
    if (order === undefined) throw new Error(`no order ${outTradeNo}`);
    return order;
  }

  /** The customer pays in WeChat. */
  pay(outTradeNo: string): FakeOrder {
    const order = this.order(outTradeNo);
    order.state = 'SUCCESS';
    return order;
  }

  /** Signs `body` as WeChat Pay signs answers and callbacks. */
  sign(body: string, options: { key?: PlatformKey; serial?: string; timestampSeconds?: number; signWith?: KeyObject } = {}): Record<string, string> {
    const key = options.key ?? this.signing;
    const timestamp = String(options.timestampSeconds ?? Math.floor(this.nowMs() / 1000));
    const nonce = randomBytes(16).toString('hex');
    const signer = options.signWith ?? key.privateKey;
    const signature = signMessage(signer.export({ format: 'pem', type: 'pkcs8' }).toString(), responseMessage(timestamp, nonce, body));
    return { 'wechatpay-serial': options.serial ?? key.serial, 'wechatpay-signature': signature, 'wechatpay-timestamp': timestamp, 'wechatpay-nonce': nonce };
  }

  encrypt(plain: string, nonce: string, aad: string, key = this.apiV3Key): string {
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(key, 'utf8'), Buffer.from(nonce, 'utf8'));
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    return Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]).toString('base64');
  }

  transaction(order: FakeOrder, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      appid: order.appid, mchid: this.mchId, out_trade_no: order.outTradeNo, transaction_id: order.transactionId,
      trade_type: order.kind === 'h5' ? 'MWEB' : 'NATIVE', trade_state: order.state, trade_state_desc: order.state,
      bank_type: 'OTHERS', success_time: new Date(this.nowMs()).toISOString(), payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
      amount: { total: order.total, payer_total: order.total, currency: order.currency, payer_currency: 'CNY' }, ...overrides,
    };
  }

  /**
   * A TRANSACTION.SUCCESS callback for the order as it stands: the body and its headers, signed by
   * the current platform key unless told otherwise; `tamper` flips one bit of the ciphertext
   * before signing (so only the GCM tag can catch it).
   */
  callback(outTradeNo: string, options: {
    id?: string; transaction?: Record<string, unknown>; timestampSeconds?: number; key?: PlatformKey; serial?: string;
    signWith?: KeyObject; tamper?: boolean; apiV3Key?: string;
  } = {}): { body: string; headers: Record<string, string> } {
    const order = this.order(outTradeNo);
    const nonce = randomBytes(6).toString('hex');
    const plain = JSON.stringify(this.transaction(order, options.transaction));
    let ciphertext = this.encrypt(plain, nonce, 'transaction', options.apiV3Key);
    if (options.tamper === true) {
      const bytes = Buffer.from(ciphertext, 'base64');
      bytes[5] = (bytes[5] ?? 0) ^ 0x01;
      ciphertext = bytes.toString('base64');
    }
    const body = JSON.stringify({
      id: options.id ?? `EV-${randomBytes(8).toString('hex')}`, create_time: new Date(this.nowMs()).toISOString(),
      resource_type: 'encrypt-resource', event_type: 'TRANSACTION.SUCCESS', summary: '支付成功',
      resource: { original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', ciphertext, associated_data: 'transaction', nonce },
    });
    const headers = this.sign(body, {
      ...(options.key !== undefined ? { key: options.key } : {}), ...(options.serial !== undefined ? { serial: options.serial } : {}),
      ...(options.timestampSeconds !== undefined ? { timestampSeconds: options.timestampSeconds } : {}),
      ...(options.signWith !== undefined ? { signWith: options.signWith } : {}),
    });
    return { body, headers: { 'content-type': 'application/json', ...headers } };
  }

  private verify(req: IncomingMessage, path: string, body: string): string | undefined {
    const auth = parseAuthorization(req.headers.authorization);
    if (auth === undefined) return 'no WECHATPAY2-SHA256-RSA2048 authorization';
    if (auth.mchid !== this.mchId || auth.serial_no !== this.merchantSerial) return 'unknown merchant or certificate serial';
    if (Math.abs(Number(auth.timestamp) - Math.floor(this.nowMs() / 1000)) > 300) return 'timestamp out of range';
    const message = requestMessage(req.method ?? '', path, Number(auth.timestamp), auth.nonce_str, body);
    const publicKey = this.merchant.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    return verifyMessage(publicKey, message, auth.signature) ? undefined : 'signature mismatch';
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '/';
    const pathname = new URL(path, 'http://127.0.0.1').pathname;
    const behaviour = this.next.get(pathname);
    this.next.delete(pathname);
    if (behaviour === 'hang') {
      this.hanging.push(res);
      return;
    }
    if (behaviour === 'http500') {
      this.send(res, 500, { code: 'SYSTEM_ERROR', message: '系统错误' });
      return;
    }
    const problem = this.verify(req, path, text);
    if (problem !== undefined) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'SIGN_ERROR', message: problem }));
      return;
    }
    const body = text === '' ? undefined : JSON.parse(text) as Record<string, unknown>;
    this.requests.push({ method: req.method ?? '', path, body });
    const [status, answer] = this.apply(req.method ?? '', pathname, new URL(path, 'http://127.0.0.1').searchParams, body);
    if (behaviour === 'lose_answer') {
      this.hanging.push(res);
      return;
    }
    this.send(res, status, answer, behaviour);
  }

  private send(res: ServerResponse, status: number, answer: unknown, behaviour?: Behaviour): void {
    const text = answer === undefined ? '' : JSON.stringify(answer);
    const headers = behaviour === 'unsigned' ? {}
      : behaviour === 'bad_sign' ? this.sign(text, { signWith: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey }) : this.sign(text);
    res.writeHead(status, { ...(text === '' ? {} : { 'content-type': 'application/json' }), 'request-id': randomBytes(8).toString('hex'), ...headers });
    res.end(text);
  }

  private apply(method: string, pathname: string, query: URLSearchParams, body: Record<string, unknown> | undefined): [number, unknown] {
    const error = (status: number, code: string): [number, unknown] => [status, { code, message: code }];
    const prepay = /^\/v3\/pay\/transactions\/(native|h5)$/.exec(pathname);
    if (method === 'POST' && prepay !== null && body !== undefined) {
      const kind = prepay[1] as 'native' | 'h5';
      const amount = body.amount as { total?: number; currency?: string } | undefined;
      if (body.mchid !== this.mchId || body.appid !== this.appId || typeof body.out_trade_no !== 'string' || typeof amount?.total !== 'number') return error(400, 'PARAM_ERROR');
      if (typeof body.notify_url !== 'string' || typeof body.description !== 'string') return error(400, 'PARAM_ERROR');
      const ip = (body.scene_info as { payer_client_ip?: string } | undefined)?.payer_client_ip;
      if (kind === 'h5' && ip === undefined) return error(400, 'PARAM_ERROR');
      const existing = this.orders.get(body.out_trade_no);
      if (existing !== undefined && (existing.total !== amount.total || existing.kind !== kind)) return error(400, 'OUT_TRADE_NO_USED');
      const order = existing ?? {
        outTradeNo: body.out_trade_no, transactionId: `4200${randomBytes(12).toString('hex')}`, appid: this.appId, total: amount.total,
        currency: amount.currency ?? 'CNY', state: 'NOTPAY' as const, kind, payerClientIp: ip,
      };
      this.orders.set(order.outTradeNo, order);
      return kind === 'native'
        ? [200, { code_url: `weixin://wxpay/bizpayurl?pr=${order.transactionId.slice(-10)}` }]
        : [200, { h5_url: `https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx${order.transactionId.slice(-12)}&package=1` }];
    }
    const query1 = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)$/.exec(pathname);
    if (method === 'GET' && query1 !== null) {
      if (query.get('mchid') !== this.mchId) return error(400, 'PARAM_ERROR');
      const order = this.orders.get(decodeURIComponent(query1[1] ?? ''));
      return order === undefined ? error(404, 'ORDER_NOT_EXIST') : [200, this.transaction(order)];
    }
    const close = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)\/close$/.exec(pathname);
    if (method === 'POST' && close !== null) {
      const order = this.orders.get(decodeURIComponent(close[1] ?? ''));
      if (order === undefined) return error(404, 'ORDER_NOT_EXIST');
      if (order.state === 'SUCCESS' || order.state === 'REFUND') return error(400, 'ORDERPAID');
      order.state = 'CLOSED';
      return [204, undefined];
    }
    const refundQuery = /^\/v3\/refund\/domestic\/refunds\/([^/]+)$/.exec(pathname);
    if (method === 'GET' && refundQuery !== null) {
      const refund = this.refunds.get(decodeURIComponent(refundQuery[1] ?? ''));
      if (refund === undefined) return error(404, 'RESOURCE_NOT_EXISTS');
      // The bank settles a processing refund by the next time anyone asks.
      refund.status = 'SUCCESS';
      return [200, this.refundView(refund)];
    }
    if (method === 'POST' && pathname === '/v3/refund/domestic/refunds' && body !== undefined) {
      const amount = body.amount as { refund?: number; total?: number; currency?: string } | undefined;
      const order = this.orders.get(String(body.out_trade_no));
      if (order === undefined) return error(404, 'RESOURCE_NOT_EXISTS');
      const key = String(body.out_refund_no);
      const existing = this.refunds.get(key);
      if (existing !== undefined) return [200, this.refundView(existing)];
      if (order.state !== 'SUCCESS' && order.state !== 'REFUND') return error(403, 'TRADE_STATE_ERROR');
      if (amount?.total !== order.total || amount.currency !== 'CNY' || typeof amount.refund !== 'number') return error(400, 'PARAM_ERROR');
      const refunded = [...this.refunds.values()].filter((r) => r.outTradeNo === order.outTradeNo).reduce((sum, r) => sum + r.amount, 0);
      if (amount.refund <= 0 || refunded + amount.refund > order.total) return error(403, 'NOT_ENOUGH');
      const refund: FakeRefund = { outRefundNo: key, outTradeNo: order.outTradeNo, refundId: `5030${randomBytes(10).toString('hex')}`, amount: amount.refund, status: this.refundStartsAs };
      this.refunds.set(key, refund);
      order.state = 'REFUND';
      return [200, this.refundView(refund)];
    }
    return error(404, 'NOT_FOUND');
  }

  private refundView(refund: FakeRefund): Record<string, unknown> {
    const order = this.order(refund.outTradeNo);
    return {
      refund_id: refund.refundId, out_refund_no: refund.outRefundNo, transaction_id: order.transactionId, out_trade_no: order.outTradeNo,
      channel: 'ORIGINAL', status: refund.status, amount: { total: order.total, refund: refund.amount, currency: 'CNY' },
    };
  }
}
