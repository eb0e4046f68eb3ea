import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for api.stripe.com on loopback, speaking the subset of Stripe's HTTP API that
 * Roamline uses (form-encoded requests, JSON answers, `Idempotency-Key`, Stripe's error objects)
 * so that the real `stripe` SDK talks to it through its `host`/`port`/`protocol` settings. It
 * keeps its own PaymentIntents, Customers, PaymentMethods and Refunds, and signs webhook events
 * with the test's `whsec_` secret the way Stripe does (`t=...,v1=HMAC-SHA256(t.payload)`).
 *
 * Test cards are Stripe's test-mode PaymentMethod shortcuts: `pm_card_visa` (succeeds),
 * `pm_card_chargeDeclined` (declined), `pm_card_authenticationRequired` (3-D Secure on-session;
 * off-session it fails with `authentication_required`).
 */
type Json = Record<string, unknown>;
type CardBehaviour = 'succeed' | 'decline' | 'authenticate';

interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly idempotencyKey: string | undefined;
  readonly body: Json;
}

const SHORTCUTS: Record<string, { behaviour: CardBehaviour; brand: string; last4: string }> = {
  pm_card_visa: { behaviour: 'succeed', brand: 'visa', last4: '4242' },
  pm_card_mastercard: { behaviour: 'succeed', brand: 'mastercard', last4: '4444' },
  pm_card_chargeDeclined: { behaviour: 'decline', brand: 'visa', last4: '0002' },
  pm_card_authenticationRequired: { behaviour: 'authenticate', brand: 'visa', last4: '3184' },
};

/** `a[b][c]=1&e[0]=x` → `{a: {b: {c: '1'}}, e: ['x']}` (Stripe's form encoding). */
export function parseStripeForm(text: string): Json {
  const root: Json = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const parts = key.split(/\[|\]\[|\]/).filter((p) => p !== '');
    let node: Record<string, unknown> = root;
    parts.forEach((part, index) => {
      if (index === parts.length - 1) {
        node[part] = value;
        return;
      }
      const nextIsIndex = /^\d+$/.test(parts[index + 1] ?? '');
      node[part] ??= nextIsIndex ? [] : {};
      node = node[part] as Record<string, unknown>;
    });
  }
  return root;
}

const newId = (prefix: string): string => `${prefix}_local${randomBytes(10).toString('hex')}`;

export class LocalStripe {
  readonly requests: LoggedRequest[] = [];
  readonly intents = new Map<string, Json>();
  readonly methods = new Map<string, Json & { behaviour: CardBehaviour }>();
  readonly customers = new Map<string, Json>();
  readonly refunds = new Map<string, Json>();
  /** Checkout Sessions in setup mode and their SetupIntents (saving a card without paying). */
  readonly sessions = new Map<string, Json>();
  readonly setupIntents = new Map<string, Json>();
  /** While true, `POST /v1/payment_intents` creates the intent and never answers (a timeout). */
  hangCreates = false;
  /** While true, `POST /v1/checkout/sessions` is never answered and creates nothing (a create lost on the way). */
  hangSessions = false;
  private readonly replies = new Map<string, { fingerprint: string; status: number; body: string }>();
  private readonly server: Server;
  private baseUrl = '';

  constructor(readonly secretKey: string, readonly webhookSecret: string) {
    this.server = createServer((request, response) => {
      void this.handle(request, response).catch((error: unknown) => {
        response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { type: 'api_error', message: String(error) } }));
      });
    });
  }

  get url(): string {
    return this.baseUrl;
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
    return this.requests.filter((r) => r.method !== 'GET');
  }

  // --- what the customer does on Stripe's pages ---

  /** The customer completes (or fails) the PaymentIntent's next action: 3-D Secure, Alipay, WeChat Pay. */
  completeAction(intentId: string, approve: boolean): Json {
    const intent = this.intent(intentId);
    if (intent.status !== 'requires_action') return intent;
    if (approve) this.succeed(intent);
    else {
      Object.assign(intent, {
        status: 'requires_payment_method', next_action: null,
        last_payment_error: { type: 'card_error', code: 'payment_intent_authentication_failure', message: 'The customer failed authentication' },
      });
    }
    return intent;
  }

  /**
   * The customer enters a card on the Checkout page of a setup session: Stripe attaches it to the
   * session's customer for off-session use and the SetupIntent succeeds (or, for a declined card,
   * records the error and the page stays open).
   */
  completeSetup(sessionId: string, shortcut = 'pm_card_visa'): Json {
    const session = this.sessions.get(sessionId);
    if (session === undefined) throw new Error(`no session ${sessionId}`);
    const setupIntent = this.setupIntents.get(String(session.setup_intent));
    const pm = this.methodFor(shortcut);
    if (setupIntent === undefined || pm === undefined) throw new Error('no setup intent or card');
    if (pm.behaviour === 'decline') {
      Object.assign(setupIntent, { last_setup_error: { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline' } });
      return setupIntent;
    }
    Object.assign(pm, { customer: session.customer, set_up_off_session: true });
    Object.assign(setupIntent, { status: 'succeeded', payment_method: pm.id, last_setup_error: null });
    session.status = 'complete';
    return setupIntent;
  }

  setupIntent(id: string): Json {
    const intent = this.setupIntents.get(id);
    if (intent === undefined) throw new Error(`no setup intent ${id}`);
    return intent;
  }

  /** A webhook event about a SetupIntent as it stands (or with `patch`), signed at `timestampSeconds`. */
  setupEvent(type: string, setupIntentId: string, timestampSeconds: number, patch: Json = {}, eventId = newId('evt')): { rawBody: string; headers: Record<string, string> } {
    const object = { ...this.setupIntent(setupIntentId), ...patch };
    return this.signedEvent(type, object, timestampSeconds, eventId);
  }

  /** A webhook event about a payment method as it stands, signed at `timestampSeconds`. */
  methodEvent(type: string, paymentMethodId: string, timestampSeconds: number, eventId = newId('evt')): { rawBody: string; headers: Record<string, string> } {
    const method = this.methods.get(paymentMethodId);
    if (method === undefined) throw new Error(`no payment method ${paymentMethodId}`);
    const { behaviour: _behaviour, ...object } = method;
    return this.signedEvent(type, object, timestampSeconds, eventId);
  }

  intent(id: string): Json {
    const intent = this.intents.get(id);
    if (intent === undefined) throw new Error(`no intent ${id}`);
    return intent;
  }

  /** A webhook event about the intent as it stands (or with `patch`), signed at `timestampSeconds`. */
  event(type: string, intentId: string, timestampSeconds: number, patch: Json = {}, eventId = newId('evt')): { rawBody: string; headers: Record<string, string> } {
    const object = { ...this.intent(intentId), ...patch };
    return this.signedEvent(type, object, timestampSeconds, eventId);
  }

  /** A webhook event (Stripe's envelope around `object`), signed at `timestampSeconds`. */
  private signedEvent(type: string, object: Json, timestampSeconds: number, eventId: string): { rawBody: string; headers: Record<string, string> } {
    const payload = JSON.stringify({
      id: eventId, object: 'event', api_version: '2026-10-28.endive', created: timestampSeconds, livemode: false,
      pending_webhooks: 1, request: { id: null, idempotency_key: null }, type, data: { object },
    });
    return { rawBody: payload, headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': this.sign(payload, timestampSeconds) } };
  }

  /** Stripe's signature header: `t=<seconds>,v1=<hex HMAC-SHA256 of "t.payload" with the endpoint secret>`. */
  sign(payload: string, timestampSeconds: number, secret = this.webhookSecret): string {
    const v1 = createHmac('sha256', secret).update(`${timestampSeconds}.${payload}`, 'utf8').digest('hex');
    return `t=${timestampSeconds},v1=${v1}`;
  }

  // --- the HTTP API ---

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? '/', this.baseUrl);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = request.method === 'GET' ? parseStripeForm(url.search.slice(1)) : parseStripeForm(text);
    const key = typeof request.headers['idempotency-key'] === 'string' ? request.headers['idempotency-key'] : undefined;
    this.requests.push({ method: request.method ?? '', path: url.pathname, idempotencyKey: key, body });
    if (request.headers.authorization !== `Bearer ${this.secretKey}`) {
      return this.reply(response, 401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
    }
    const fingerprint = `${request.method} ${url.pathname} ${text}`;
    if (key !== undefined && request.method === 'POST') {
      const earlier = this.replies.get(key);
      if (earlier !== undefined) {
        if (earlier.fingerprint !== fingerprint) {
          return this.reply(response, 400, { error: { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.' } });
        }
        response.writeHead(earlier.status, { 'content-type': 'application/json', 'idempotent-replayed': 'true' }).end(earlier.body);
        return;
      }
    }
    const [status, answer] = this.route(request.method ?? 'GET', url.pathname, body);
    const serialized = JSON.stringify(answer);
    if (key !== undefined && request.method === 'POST') this.replies.set(key, { fingerprint, status, body: serialized });
    if (this.hangCreates && request.method === 'POST' && url.pathname === '/v1/payment_intents') return; // never answers
    if (this.hangSessions && request.method === 'POST' && url.pathname === '/v1/checkout/sessions') return;
    response.writeHead(status, { 'content-type': 'application/json', 'request-id': newId('req') }).end(serialized);
  }

  private reply(response: ServerResponse, status: number, body: Json): void {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private route(method: string, path: string, body: Json): [number, Json] {
    const parts = path.split('/').filter((p) => p !== '');
    if (method === 'POST' && path === '/v1/customers') return [200, this.createCustomer(body)];
    if (method === 'POST' && path === '/v1/payment_intents') return this.createIntent(body);
    if (method === 'GET' && path === '/v1/payment_intents/search') return [200, this.search(body)];
    if (parts[1] === 'payment_intents' && parts[2] !== undefined) {
      const intent = this.intents.get(parts[2]);
      if (intent === undefined) return missing('payment_intent', parts[2]);
      if (method === 'GET' && parts.length === 3) return [200, this.expanded(intent, body.expand)];
      if (method === 'POST' && parts[3] === 'cancel') return this.cancel(intent);
      if (method === 'POST' && parts[3] === 'confirm') return this.confirm(intent, body);
    }
    if (method === 'POST' && path === '/v1/refunds') return this.refund(body);
    if (method === 'POST' && path === '/v1/checkout/sessions') return this.createSession(body);
    if (method === 'GET' && parts[1] === 'checkout' && parts[2] === 'sessions' && parts[3] !== undefined) {
      const session = this.sessions.get(parts[3]);
      return session === undefined ? missing('checkout_session', parts[3]) : [200, this.expandedSession(session, body.expand)];
    }
    if (method === 'GET' && parts[1] === 'setup_intents' && parts[2] !== undefined) {
      const intent = this.setupIntents.get(parts[2]);
      return intent === undefined ? missing('setup_intent', parts[2]) : [200, intent];
    }
    if (method === 'POST' && parts[1] === 'payment_methods' && parts[3] === 'detach') {
      const pm = this.methods.get(parts[2] ?? '');
      if (pm === undefined) return missing('payment_method', parts[2] ?? '');
      pm.customer = null;
      return [200, pm];
    }
    return [404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path})` } }];
  }

  /** Checkout in setup mode: a hosted page that collects a card for later (off-session) use through a SetupIntent. */
  private createSession(body: Json): [number, Json] {
    if (body.mode !== 'setup') return invalid('mode', 'This local server speaks setup mode only');
    const customer = String(body.customer ?? '');
    if (!this.customers.has(customer)) return missing('customer', customer);
    const types = (body.allowed_payment_method_types ?? ['card']) as string[];
    const setupData = (body.setup_intent_data ?? {}) as Json;
    const setupIntent: Json = {
      id: newId('seti'), object: 'setup_intent', status: 'requires_payment_method', customer, usage: 'off_session', payment_method: null,
      payment_method_types: types, metadata: setupData.metadata ?? {}, last_setup_error: null, cancellation_reason: null, next_action: null,
      client_secret: `seti_secret_${randomBytes(8).toString('hex')}`, livemode: false, created: Math.floor(Date.now() / 1000),
    };
    this.setupIntents.set(String(setupIntent.id), setupIntent);
    const id = newId('cs');
    const session: Json = {
      id, object: 'checkout.session', mode: 'setup', status: 'open', customer, setup_intent: setupIntent.id, payment_intent: null,
      url: `${this.baseUrl}/local/checkout/${id}`, success_url: body.success_url ?? null, cancel_url: body.cancel_url ?? null,
      client_reference_id: body.client_reference_id ?? null, locale: body.locale ?? null, metadata: body.metadata ?? {}, livemode: false,
    };
    this.sessions.set(id, session);
    return [200, session];
  }

  private expandedSession(session: Json, expand: unknown): Json {
    const wanted = Array.isArray(expand) ? expand.map(String) : [];
    if (!wanted.includes('setup_intent')) return session;
    const setupIntent = this.setupIntents.get(String(session.setup_intent));
    if (setupIntent === undefined) return session;
    let intent: Json = setupIntent;
    if (wanted.includes('setup_intent.payment_method') && typeof setupIntent.payment_method === 'string') {
      const pm = this.methods.get(setupIntent.payment_method);
      if (pm !== undefined) {
        const { behaviour: _b, set_up_off_session: _s, ...visible } = pm;
        intent = { ...setupIntent, payment_method: visible };
      }
    }
    return { ...session, setup_intent: intent };
  }

  private createCustomer(body: Json): Json {
    const customer = { id: newId('cus'), object: 'customer', metadata: body.metadata ?? {} };
    this.customers.set(customer.id, customer);
    return customer;
  }

  /** A shortcut (`pm_card_visa`) makes a new PaymentMethod each time, as in Stripe's test mode. */
  private methodFor(ref: string): (Json & { behaviour: CardBehaviour }) | undefined {
    const existing = this.methods.get(ref);
    if (existing !== undefined) return existing;
    const shortcut = SHORTCUTS[ref];
    if (shortcut === undefined) return undefined;
    const pm = {
      id: newId('pm'), object: 'payment_method', type: 'card', customer: null, behaviour: shortcut.behaviour,
      card: { brand: shortcut.brand, last4: shortcut.last4, exp_month: 12, exp_year: 2031, funding: 'credit', country: 'US' },
    };
    this.methods.set(pm.id, pm);
    return pm;
  }

  private createIntent(body: Json): [number, Json] {
    const types = (body.allowed_payment_method_types ?? ['card']) as string[];
    const amount = Number(body.amount);
    if (!Number.isSafeInteger(amount) || amount < 1) return invalid('amount', 'Invalid integer');
    const intent: Json = {
      id: newId('pi'), object: 'payment_intent', amount, amount_received: 0, currency: String(body.currency), status: 'requires_payment_method',
      customer: body.customer ?? null, metadata: body.metadata ?? {}, next_action: null, last_payment_error: null, payment_method: null,
      payment_method_types: types, allowed_payment_method_types: types, setup_future_usage: body.setup_future_usage ?? null,
      cancellation_reason: null, capture_method: 'automatic', confirmation_method: 'automatic', livemode: false,
      client_secret: `secret_${randomBytes(8).toString('hex')}`, created: Math.floor(Date.now() / 1000),
    };
    this.intents.set(String(intent.id), intent);
    if (body.confirm !== 'true') return [200, intent];
    const type = types[0];
    if (type === 'alipay' || type === 'wechat_pay') return [200, this.walletAction(intent, type, body)];
    const pm = this.methodFor(String(body.payment_method ?? ''));
    if (pm === undefined) return missing('payment_method', String(body.payment_method));
    intent.payment_method = pm.id;
    return this.attempt(intent, pm, body.off_session === 'true', body);
  }

  private walletAction(intent: Json, type: string, body: Json): Json {
    intent.payment_method = newId('pm');
    intent.status = 'requires_action';
    intent.next_action = type === 'alipay'
      ? { type: 'alipay_handle_redirect', alipay_handle_redirect: { url: `${this.baseUrl}/local/alipay/${String(intent.id)}`, return_url: body.return_url ?? null, native_url: null, native_data: null } }
      : {
        type: 'wechat_pay_display_qr_code',
        wechat_pay_display_qr_code: {
          data: `weixin://wxpay/bizpayurl?pr=${String(intent.id)}`, hosted_instructions_url: `${this.baseUrl}/local/wechat/${String(intent.id)}`,
          image_data_url: 'data:image/png;base64,AA==', image_url_png: `${this.baseUrl}/qr.png`, image_url_svg: `${this.baseUrl}/qr.svg`,
        },
      };
    return intent;
  }

  /** One confirmation of the intent with a card, as the card's issuer would answer. */
  private attempt(intent: Json, pm: Json & { behaviour: CardBehaviour }, offSession: boolean, body: Json): [number, Json] {
    if (pm.behaviour === 'decline') {
      Object.assign(intent, { status: 'requires_payment_method', last_payment_error: { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' } });
      return cardError(intent, 'card_declined', 'insufficient_funds');
    }
    const savedForOffSession = pm.customer !== null && pm.customer !== undefined && pm.set_up_off_session === true;
    if (pm.behaviour === 'authenticate' && offSession && savedForOffSession) {
      Object.assign(intent, { status: 'requires_payment_method', last_payment_error: { type: 'card_error', code: 'authentication_required', decline_code: 'authentication_required', message: 'This payment requires authentication.', payment_method: pm } });
      return cardError(intent, 'authentication_required', 'authentication_required');
    }
    if (pm.behaviour === 'authenticate') {
      intent.status = 'requires_action';
      intent.next_action = { type: 'redirect_to_url', redirect_to_url: { url: `${this.baseUrl}/local/3ds/${String(intent.id)}`, return_url: body.return_url ?? null } };
      intent.last_payment_error = null;
      return [200, this.expanded(intent, body.expand)];
    }
    this.succeed(intent);
    return [200, this.expanded(intent, body.expand)];
  }

  private succeed(intent: Json): void {
    Object.assign(intent, { status: 'succeeded', amount_received: intent.amount, next_action: null, last_payment_error: null });
    const pm = this.methods.get(String(intent.payment_method));
    if (pm !== undefined && intent.setup_future_usage === 'off_session') Object.assign(pm, { customer: intent.customer, set_up_off_session: true });
  }

  private confirm(intent: Json, body: Json): [number, Json] {
    if (intent.status !== 'requires_payment_method' && intent.status !== 'requires_confirmation') return unexpectedState(intent);
    const pm = this.methodFor(String(body.payment_method ?? intent.payment_method ?? ''));
    if (pm === undefined) return missing('payment_method', String(body.payment_method));
    intent.payment_method = pm.id;
    return this.attempt(intent, pm, body.off_session === 'true', body);
  }

  private cancel(intent: Json): [number, Json] {
    if (!['requires_payment_method', 'requires_action', 'requires_confirmation', 'requires_capture'].includes(String(intent.status))) return unexpectedState(intent);
    Object.assign(intent, { status: 'canceled', cancellation_reason: 'abandoned', next_action: null });
    return [200, intent];
  }

  private search(body: Json): Json {
    const match = /^metadata\['([a-z_]+)'\]:'([^']+)'$/.exec(String(body.query ?? ''));
    const found = match === null ? [] : [...this.intents.values()].filter((i) => (i.metadata as Record<string, string>)[match[1] ?? ''] === match[2]);
    const expand = Array.isArray(body.expand) && body.expand.includes('data.payment_method') ? ['payment_method'] : [];
    return { object: 'search_result', url: '/v1/payment_intents/search', has_more: false, next_page: null, data: found.map((i) => this.expanded(i, expand)) };
  }

  private refund(body: Json): [number, Json] {
    const intent = this.intents.get(String(body.payment_intent));
    if (intent === undefined) return missing('payment_intent', String(body.payment_intent));
    if (intent.status !== 'succeeded') return invalid('payment_intent', 'This PaymentIntent does not have a successful charge to refund.', 'charge_not_refundable');
    const refunded = [...this.refunds.values()].filter((r) => r.payment_intent === intent.id).reduce((sum, r) => sum + Number(r.amount), 0);
    const amount = body.amount === undefined ? Number(intent.amount_received) - refunded : Number(body.amount);
    if (refunded + amount > Number(intent.amount_received)) return invalid('amount', 'Refund amount is greater than unrefunded amount on charge', 'amount_too_large');
    const refund = { id: newId('re'), object: 'refund', amount, currency: intent.currency, payment_intent: intent.id, status: 'succeeded', failure_reason: null };
    this.refunds.set(refund.id, refund);
    return [200, refund];
  }

  private expanded(intent: Json, expand: unknown): Json {
    if (!Array.isArray(expand) || !expand.includes('payment_method') || typeof intent.payment_method !== 'string') return intent;
    const pm = this.methods.get(intent.payment_method);
    if (pm === undefined) return intent;
    const { behaviour: _b, set_up_off_session: _s, ...visible } = pm;
    return { ...intent, payment_method: visible };
  }
}

function missing(kind: string, id: string): [number, Json] {
  return [404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such ${kind}: '${id}'`, param: kind } }];
}

function invalid(param: string, message: string, code = 'parameter_invalid'): [number, Json] {
  return [400, { error: { type: 'invalid_request_error', code, message, param } }];
}

function unexpectedState(intent: Json): [number, Json] {
  return [400, { error: { type: 'invalid_request_error', code: 'payment_intent_unexpected_state', message: `This PaymentIntent's status is ${String(intent.status)}.`, payment_intent: intent } }];
}

function cardError(intent: Json, code: string, declineCode: string): [number, Json] {
  return [402, { error: { type: 'card_error', code, decline_code: declineCode, message: 'Your card was declined.', payment_intent: intent, payment_method: { id: intent.payment_method } } }];
}

export async function startLocalStripe(): Promise<LocalStripe> {
  return new LocalStripe(`sk_test_${randomBytes(12).toString('hex')}`, `whsec_${randomBytes(24).toString('base64url').replace(/[-_]/g, 'x')}`).start();
}
