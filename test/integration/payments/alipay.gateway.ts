import { createSign, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlipayConfig } from '../../../src/platform/config.china-payments.js';
import { fenToYuan, formatBeijingTime, yuanToFen } from '../../../src/modules/payments/alipay/alipay.js';

/**
 * A local stand-in for Alipay's open-platform gateway (`/gateway.do`) that speaks its protocol:
 * requests are form/query fields signed RSA2 by the merchant (verified here with the merchant's
 * public key, over every field but `sign`, sorted, empty ones left out); answers are
 * `{"<method>_response": {...}, "sign": "..."}` signed with an Alipay key pair made for the test;
 * notifies are form bodies signed over every field but `sign` and `sign_type`. Trades live in
 * memory, keyed by `out_trade_no` like Alipay's. Keys are generated here with node:crypto.
 */
export interface FakeTrade {
  outTradeNo: string;
  tradeNo: string;
  totalFen: number;
  status: 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED';
  productCode: string;
  refunds: Map<string, number>;
  /** Precreated or page trades exist for query only once the customer scans or opens them. */
  visible: boolean;
}

type Behaviour = 'hang' | 'http500' | 'lose_answer' | 'system_error' | 'bad_sign';

function pem(kind: 'private' | 'public', key: import('node:crypto').KeyObject): string {
  return kind === 'private' ? key.export({ format: 'pem', type: 'pkcs8' }).toString() : key.export({ format: 'pem', type: 'spki' }).toString();
}

export function signContent(fields: Record<string, string>, exclude: readonly string[]): string {
  return Object.keys(fields).filter((k) => !exclude.includes(k) && fields[k] !== '').sort().map((k) => `${k}=${fields[k]}`).join('&');
}

export class FakeAlipayGateway {
  readonly appId = '2021000000000001';
  readonly merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
  readonly alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
  readonly trades = new Map<string, FakeTrade>();
  readonly requests: Array<{ method: string; biz: Record<string, unknown>; fields: Record<string, string> }> = [];
  readonly agreements = new Set<string>(['20265527000000000001']);
  /** Agreements whose payer's Alipay refuses a withholding (alipay.trade.pay answers ACQ.BUYER_BALANCE_NOT_ENOUGH). */
  readonly declinedAgreements = new Set<string>();
  /** Agreements whose withholding Alipay takes in and settles later (alipay.trade.pay answers 10003, the trade waits). */
  readonly inProcessAgreements = new Set<string>();
  /** Agreements by `external_agreement_no`, as the signing page makes them. */
  readonly signings = new Map<string, { externalAgreementNo: string; agreementNo: string | undefined; status: 'TEMP' | 'NORMAL' | 'UNSIGN'; biz: Record<string, unknown>; returnUrl: string | undefined }>();
  /** Behaviour of the next call of a method (consumed once). */
  readonly next = new Map<string, Behaviour>();
  private server: Server | undefined;
  private readonly hanging: ServerResponse[] = [];
  url = '';

  /** The clock notifies are dated by (tests point it at their ManualClock). */
  nowMs: () => number = () => Date.now();

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500).end(String(error));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/gateway.do`;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  config(overrides: Partial<AlipayConfig> = {}): AlipayConfig {
    return {
      appId: this.appId, privateKeyPem: pem('private', this.merchant.privateKey), alipayPublicKeyPem: pem('public', this.alipay.publicKey),
      gatewayUrl: this.url, agreement: false, ...overrides,
    };
  }

  /** Verifies the merchant's RSA2 signature over a request's fields (as Alipay does). */
  verifyRequest(fields: Record<string, string>): boolean {
    if (fields.sign_type !== 'RSA2' || fields.sign === undefined || fields.app_id !== this.appId) return false;
    return createVerify('RSA-SHA256').update(signContent(fields, ['sign']), 'utf8').verify(this.merchant.publicKey, fields.sign, 'base64');
  }

  /** The customer opens a page-pay URL in a browser: the signature is checked and the trade appears. */
  openPage(actionUrl: string): FakeTrade {
    const url = new URL(actionUrl);
    const fields = Object.fromEntries(url.searchParams);
    if (!this.verifyRequest(fields)) throw new Error('the page URL is not signed by the merchant');
    const biz = JSON.parse(fields.biz_content ?? '{}') as Record<string, string>;
    const trade = this.upsertTrade(biz);
    trade.visible = true;
    return trade;
  }

  /**
   * The customer opens the agreement signing page (`alipay.user.agreement.page.sign`): the
   * merchant's signature over the URL is checked and the agreement waits for the customer.
   */
  openSignPage(actionUrl: string): string {
    const fields = Object.fromEntries(new URL(actionUrl).searchParams);
    if (!this.verifyRequest(fields) || fields.method !== 'alipay.user.agreement.page.sign') throw new Error('not a signed agreement signing URL');
    const biz = JSON.parse(fields.biz_content ?? '{}') as Record<string, unknown>;
    const externalAgreementNo = String(biz.external_agreement_no);
    if (!this.signings.has(externalAgreementNo)) this.signings.set(externalAgreementNo, { externalAgreementNo, agreementNo: undefined, status: 'TEMP', biz, returnUrl: fields.return_url });
    return externalAgreementNo;
  }

  /** The customer signs in the Alipay app: the agreement is in force and can be charged. */
  signAgreement(externalAgreementNo: string): string {
    const signing = this.signings.get(externalAgreementNo);
    if (signing === undefined) throw new Error(`no signing ${externalAgreementNo}`);
    signing.agreementNo ??= `2026${String(Date.now()).slice(-8)}${String(this.signings.size).padStart(8, '0')}`;
    signing.status = 'NORMAL';
    this.agreements.add(signing.agreementNo);
    return signing.agreementNo;
  }

  /** The customer ends the agreement in the Alipay app: it can no longer be charged. */
  unsignAgreement(externalAgreementNo: string): void {
    const signing = this.signings.get(externalAgreementNo);
    if (signing?.agreementNo === undefined) throw new Error(`no signed agreement ${externalAgreementNo}`);
    signing.status = 'UNSIGN';
    this.agreements.delete(signing.agreementNo);
  }

  /** The `dut_user_sign` notify of a signing, signed by Alipay (or by `signWith`), form-encoded. */
  agreementNotify(externalAgreementNo: string, options: { notifyId?: string; notifyAtMs?: number; signWith?: import('node:crypto').KeyObject } = {}): string {
    const signing = this.signings.get(externalAgreementNo);
    if (signing?.agreementNo === undefined) throw new Error(`no signed agreement ${externalAgreementNo}`);
    const fields: Record<string, string> = {
      notify_type: signing.status === 'UNSIGN' ? 'dut_user_unsign' : 'dut_user_sign', notify_id: options.notifyId ?? `ntf${randomBytes(8).toString('hex')}`,
      notify_time: formatBeijingTime(options.notifyAtMs ?? this.nowMs()), app_id: this.appId, sign_type: 'RSA2', charset: 'utf-8',
      agreement_no: signing.agreementNo, external_agreement_no: externalAgreementNo, status: signing.status, personal_product_code: 'GENERAL_WITHHOLDING_P',
      sign_scene: String(signing.biz.sign_scene), sign_time: formatBeijingTime(this.nowMs()), valid_time: formatBeijingTime(this.nowMs()),
      invalid_time: '2115-02-01 00:00:00', alipay_user_id: '2088000000000001', alipay_logon_id: '138****0001',
    };
    fields.sign = createSign('RSA-SHA256').update(signContent(fields, ['sign', 'sign_type']), 'utf8').sign(options.signWith ?? this.alipay.privateKey, 'base64');
    return new URLSearchParams(fields).toString();
  }

  /** The customer pays (scans the QR code, confirms in the app). */
  pay(outTradeNo: string): FakeTrade {
    const trade = this.trade(outTradeNo);
    trade.visible = true;
    trade.status = 'TRADE_SUCCESS';
    return trade;
  }

  trade(outTradeNo: string): FakeTrade {
    const trade = this.trades.get(outTradeNo);
    if (trade === undefined) throw new Error(`no trade ${outTradeNo}`);
    return trade;
  }

  /** A notify for the trade as it stands, signed by Alipay (or by `signWith`), form-encoded. */
  notify(outTradeNo: string, options: { notifyId?: string; notifyAtMs?: number; fields?: Record<string, string>; signWith?: import('node:crypto').KeyObject } = {}): string {
    const trade = this.trade(outTradeNo);
    const refunded = [...trade.refunds.values()].reduce((a, b) => a + b, 0);
    const fields: Record<string, string> = {
      notify_time: formatBeijingTime(options.notifyAtMs ?? this.nowMs()), notify_type: 'trade_status_sync',
      notify_id: options.notifyId ?? `ntf${randomBytes(8).toString('hex')}`, app_id: this.appId, charset: 'utf-8', version: '1.0',
      sign_type: 'RSA2', trade_no: trade.tradeNo, out_trade_no: trade.outTradeNo, trade_status: trade.status,
      total_amount: fenToYuan(trade.totalFen), receipt_amount: fenToYuan(trade.totalFen), buyer_pay_amount: fenToYuan(trade.totalFen),
      subject: 'Roamline 订单', gmt_payment: formatBeijingTime(this.nowMs()),
      ...(refunded > 0 ? { refund_fee: fenToYuan(refunded), gmt_refund: formatBeijingTime(this.nowMs()) } : {}),
      ...options.fields,
    };
    fields.sign = createSign('RSA-SHA256').update(signContent(fields, ['sign', 'sign_type']), 'utf8').sign(options.signWith ?? this.alipay.privateKey, 'base64');
    return new URLSearchParams(fields).toString();
  }

  private upsertTrade(biz: Record<string, unknown>): FakeTrade {
    const outTradeNo = String(biz.out_trade_no);
    const existing = this.trades.get(outTradeNo);
    if (existing !== undefined) return existing;
    const totalFen = yuanToFen(String(biz.total_amount));
    if (totalFen === undefined) throw new Error(`bad total_amount ${String(biz.total_amount)}`);
    const trade: FakeTrade = {
      outTradeNo, tradeNo: `2026${randomBytes(10).toString('hex')}`, totalFen, status: 'WAIT_BUYER_PAY',
      productCode: String(biz.product_code), refunds: new Map(), visible: false,
    };
    this.trades.set(outTradeNo, trade);
    return trade;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const fields: Record<string, string> = Object.fromEntries(url.searchParams);
    for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) {
      if (Object.hasOwn(fields, k)) throw new Error(`field ${k} twice`);
      fields[k] = v;
    }
    const method = fields.method ?? 'unknown';
    const behaviour = this.next.get(method);
    this.next.delete(method);
    if (behaviour === 'hang') {
      this.hanging.push(res);
      return;
    }
    if (behaviour === 'http500') {
      res.writeHead(500).end('busy');
      return;
    }
    const biz = JSON.parse(fields.biz_content ?? '{}') as Record<string, unknown>;
    this.requests.push({ method, biz, fields });
    const answer = !this.verifyRequest(fields)
      ? { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature', sub_msg: 'signature mismatch' }
      : behaviour === 'system_error' ? { code: '20000', msg: 'Service Currently Unavailable', sub_code: 'isp.unknow-error' } : this.apply(method, biz);
    if (behaviour === 'lose_answer') {
      // The call is processed; its answer never arrives.
      this.hanging.push(res);
      return;
    }
    this.reply(res, method, answer, behaviour === 'bad_sign');
  }

  private reply(res: ServerResponse, method: string, answer: Record<string, unknown>, badSign: boolean): void {
    const inner = JSON.stringify(answer);
    const signer = badSign ? generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey : this.alipay.privateKey;
    const sign = createSign('RSA-SHA256').update(inner, 'utf8').sign(signer, 'base64');
    res.writeHead(200, { 'content-type': 'text/html;charset=utf-8' });
    res.end(`{"${method.replaceAll('.', '_')}_response":${inner},"sign":"${sign}"}`);
  }

  private apply(method: string, biz: Record<string, unknown>): Record<string, unknown> {
    const ok = { code: '10000', msg: 'Success' };
    const fail = (subCode: string) => ({ code: '40004', msg: 'Business Failed', sub_code: subCode, sub_msg: subCode });
    const outTradeNo = String(biz.out_trade_no ?? '');
    const found = this.trades.get(outTradeNo);
    switch (method) {
      case 'alipay.trade.precreate': {
        if (found !== undefined && found.status !== 'WAIT_BUYER_PAY') return fail('ACQ.TRADE_HAS_SUCCESS');
        const trade = this.upsertTrade(biz);
        return { ...ok, out_trade_no: trade.outTradeNo, qr_code: `https://qr.alipay.com/bax0${trade.tradeNo.slice(-12)}` };
      }
      case 'alipay.trade.pay': {
        const agreement = (biz.agreement_params as { agreement_no?: string } | undefined)?.agreement_no;
        if (biz.product_code !== 'GENERAL_WITHHOLDING' || agreement === undefined) return fail('ACQ.INVALID_PARAMETER');
        if (!this.agreements.has(agreement)) return fail('ACQ.AGREEMENT_NOT_EXIST');
        if (this.declinedAgreements.has(agreement)) return fail('ACQ.BUYER_BALANCE_NOT_ENOUGH');
        const trade = this.upsertTrade(biz);
        trade.visible = true;
        if (this.inProcessAgreements.has(agreement)) {
          return { code: '10003', msg: 'order success pay inprocess', out_trade_no: trade.outTradeNo, trade_no: trade.tradeNo, total_amount: fenToYuan(trade.totalFen) };
        }
        trade.status = 'TRADE_SUCCESS';
        return { ...ok, out_trade_no: trade.outTradeNo, trade_no: trade.tradeNo, total_amount: fenToYuan(trade.totalFen) };
      }
      case 'alipay.trade.query':
        if (found === undefined || !found.visible) return fail('ACQ.TRADE_NOT_EXIST');
        return { ...ok, out_trade_no: found.outTradeNo, trade_no: found.tradeNo, trade_status: found.status, total_amount: fenToYuan(found.totalFen) };
      case 'alipay.trade.close':
        if (found === undefined || !found.visible) return fail('ACQ.TRADE_NOT_EXIST');
        if (found.status !== 'WAIT_BUYER_PAY') return fail('ACQ.TRADE_STATUS_ERROR');
        found.status = 'TRADE_CLOSED';
        return { ...ok, out_trade_no: found.outTradeNo, trade_no: found.tradeNo };
      case 'alipay.trade.refund': {
        if (found === undefined || !found.visible) return fail('ACQ.TRADE_NOT_EXIST');
        const requestNo = String(biz.out_request_no ?? outTradeNo);
        const amount = yuanToFen(String(biz.refund_amount));
        const already = [...found.refunds.values()].reduce((a, b) => a + b, 0);
        if (found.refunds.has(requestNo)) return { ...ok, fund_change: 'N', refund_fee: fenToYuan(already), out_trade_no: outTradeNo };
        if (found.status !== 'TRADE_SUCCESS') return fail('ACQ.TRADE_STATUS_ERROR');
        if (amount === undefined || amount <= 0 || already + amount > found.totalFen) return fail('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL');
        found.refunds.set(requestNo, amount);
        if (already + amount === found.totalFen) found.status = 'TRADE_CLOSED';
        return { ...ok, fund_change: 'Y', refund_fee: fenToYuan(already + amount), out_trade_no: outTradeNo, trade_no: found.tradeNo };
      }
      case 'alipay.user.agreement.unsign':
        this.agreements.delete(String(biz.agreement_no));
        for (const signing of this.signings.values()) if (signing.agreementNo === biz.agreement_no) signing.status = 'UNSIGN';
        return ok;
      case 'alipay.user.agreement.query': {
        const signing = this.signings.get(String(biz.external_agreement_no ?? ''));
        if (biz.personal_product_code !== 'GENERAL_WITHHOLDING_P') return fail('INVALID_PARAMETER');
        if (signing?.agreementNo === undefined) return fail('USER_AGREEMENT_NOT_EXIST');
        return {
          ...ok, agreement_no: signing.agreementNo, external_agreement_no: signing.externalAgreementNo, status: signing.status,
          personal_product_code: 'GENERAL_WITHHOLDING_P', sign_scene: String(signing.biz.sign_scene), invalid_time: '2115-02-01 00:00:00',
          alipay_logon_id: '138****0001', principal_id: '2088000000000001',
        };
      }
      default:
        return { code: '40004', msg: 'Business Failed', sub_code: 'isv.invalid-method' };
    }
  }
}
