import { createServer as createHttpServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import smpp from 'smpp';
import { SMTPServer } from 'smtp-server';
import { expect } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../../src/platform/config.js';
import type { NotificationsConfig } from '../../../src/platform/config.notifications.js';
import type { DeliveryView } from '../../../src/modules/notifications/index.js';

/**
 * Local servers speaking the real protocols, for the notification channels' tests: an SMTP server
 * (the `smtp-server` package), an SMSC (the `smpp` package's server) and an HTTP SMS gateway. Each
 * listens on 127.0.0.1 on a free port and answers as its `behaviour` says.
 */

function portOf(server: { address(): AddressInfo | string | null }): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server not listening on TCP');
  return address.port;
}

export function channelsConfig(base: Config, patch: Partial<NotificationsConfig>): Partial<Config> {
  return { notifications: { ...base.notifications, ...patch } };
}

/* ---------------------------------------------------------------- SMTP */

export interface ReceivedMail {
  readonly envelopeTo: string[];
  readonly raw: string;
  readonly parsed: ParsedMail;
}

export interface LocalSmtpServer {
  readonly port: number;
  readonly received: ReceivedMail[];
  /** Answers for the next messages, in order; an empty queue accepts. E.g. `[451, 451]` or `[550]`. */
  readonly replies: number[];
  connections: number;
  close(): Promise<void>;
}

export async function startSmtpServer(): Promise<LocalSmtpServer> {
  const received: ReceivedMail[] = [];
  const replies: number[] = [];
  const state = { connections: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      state.connections += 1;
      callback();
    },
    onRcptTo(_address, _session, callback) {
      const reply = replies.shift();
      if (reply === undefined) return callback();
      const error = Object.assign(new Error(reply >= 500 ? 'mailbox unavailable' : 'try again later'), { responseCode: reply });
      callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw).then((parsed) => {
          received.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), raw, parsed });
          callback();
        }, callback);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = portOf(server.server);
  return {
    port, received, replies,
    get connections() {
      return state.connections;
    },
    set connections(value: number) {
      state.connections = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function smtpChannel(port: number): NotificationsConfig['email'] {
  return { kind: 'smtp', host: '127.0.0.1', port, security: 'none', user: undefined, pass: undefined, from: 'Roamline <no-reply@roamline.test>', poolSize: 2 };
}

/* ---------------------------------------------------------------- SMPP */

export interface SubmittedSm {
  readonly destination: string;
  readonly source: string;
  readonly sourceTon: number;
  readonly sourceNpi: number;
  readonly dataCoding: number;
  readonly esmClass: number;
  readonly registeredDelivery: number;
  /** The user data header's information elements, e.g. `[0x00, 0x03, ref, total, seq]` for concatenation. */
  readonly udh: number[][];
  /** The text as the smpp package's server decoded it. */
  readonly text: string;
  readonly messageId: string;
}

export interface LocalSmsc {
  readonly port: number;
  readonly submitted: SubmittedSm[];
  readonly binds: Array<{ systemId: string; password: string; command: string }>;
  readonly enquireLinks: { count: number };
  /** command_status answers for the next submit_sm, in order; an empty queue accepts. */
  readonly statuses: number[];
  /** When set, each accepted submit_sm is followed by this receipt. */
  receipts: 'delivered-tlv' | 'failed-text' | 'none';
  /** Drops every open session (the SMSC restarts). */
  dropSessions(): void;
  close(): Promise<void>;
}

export async function startSmsc(password = 'secret'): Promise<LocalSmsc> {
  const submitted: SubmittedSm[] = [];
  const binds: LocalSmsc['binds'] = [];
  const statuses: number[] = [];
  const enquireLinks = { count: 0 };
  let nextId = 1000;
  const smsc: LocalSmsc = {
    port: 0, submitted, binds, statuses, enquireLinks, receipts: 'delivered-tlv',
    dropSessions: () => {
      for (const session of [...server.sessions]) session.destroy();
    },
    close: () => new Promise<void>((resolve) => {
      for (const session of [...server.sessions]) session.destroy();
      server.close(() => resolve());
    }),
  };
  const server = smpp.createServer({}, (session) => {
    session.on('error', () => undefined);
    session.on('bind_transceiver', (pdu: smpp.PDU) => {
      binds.push({ systemId: String(pdu.system_id), password: String(pdu.password), command: pdu.command });
      session.send(pdu.response({ command_status: pdu.password === password ? 0 : 0x0e, system_id: 'test-smsc' }));
    });
    session.on('enquire_link', (pdu: smpp.PDU) => {
      enquireLinks.count += 1;
      session.send(pdu.response());
    });
    session.on('unbind', (pdu: smpp.PDU) => {
      session.send(pdu.response());
      session.close();
    });
    session.on('submit_sm', (pdu: smpp.PDU) => {
      const status = statuses.shift() ?? 0;
      if (status !== 0) {
        session.send(pdu.response({ command_status: status }));
        return;
      }
      const messageId = `M${(nextId += 1).toString(16).toUpperCase()}`;
      const decoded = pdu.short_message as { message?: unknown; udh?: Buffer[] };
      submitted.push({
        destination: String(pdu.destination_addr), source: String(pdu.source_addr),
        sourceTon: Number(pdu.source_addr_ton), sourceNpi: Number(pdu.source_addr_npi),
        dataCoding: Number(pdu.data_coding), esmClass: Number(pdu.esm_class), registeredDelivery: Number(pdu.registered_delivery),
        udh: (decoded.udh ?? []).map((ie) => [...ie]), text: typeof decoded.message === 'string' ? decoded.message : '', messageId,
      });
      session.send(pdu.response({ message_id: messageId }));
      if (smsc.receipts === 'none') return;
      // The receipt follows the answer, as an SMSC's does once the handset acknowledged.
      setTimeout(() => {
        const base = { source_addr: String(pdu.destination_addr), destination_addr: String(pdu.source_addr), esm_class: 0x04 };
        if (smsc.receipts === 'delivered-tlv') {
          session.deliver_sm({ ...base, short_message: `id:${messageId} sub:001 dlvrd:001 submit date:2611270900 done date:2611270901 stat:DELIVRD err:000 text:`, receipted_message_id: messageId, message_state: 2 });
        } else {
          session.deliver_sm({ ...base, short_message: `id:${messageId} sub:001 dlvrd:000 submit date:2611270900 done date:2611270901 stat:UNDELIV err:001 text:` });
        }
      }, 20);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return Object.assign(smsc, { port: portOf(server) });
}

export function smppChannel(port: number, overrides: Partial<Extract<NotificationsConfig['sms'], { kind: 'smpp' }>> = {}): NotificationsConfig['sms'] {
  return {
    kind: 'smpp', host: '127.0.0.1', port, systemId: 'roamline', password: 'secret', systemType: '',
    sourceAddr: 'Roamline', sourceTon: 5, sourceNpi: 0, enquireLinkMs: 30_000, ...overrides,
  };
}

/* ---------------------------------------------------------------- HTTP gateway */

export interface GatewayRequest {
  readonly headers: IncomingHttpHeaders;
  readonly body: { to: string; from?: string; text: string; reference: string };
}

export interface LocalGateway {
  readonly url: string;
  readonly requests: GatewayRequest[];
  /** Status codes for the next requests, in order; an empty queue answers 202 with an id. */
  readonly statuses: number[];
  close(): Promise<void>;
}

export async function startGateway(): Promise<LocalGateway> {
  const requests: GatewayRequest[] = [];
  const statuses: number[] = [];
  let nextId = 1;
  const server: HttpServer = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as GatewayRequest['body'] });
      const status = statuses.shift() ?? 202;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(status < 300 ? JSON.stringify({ id: `gw-${nextId++}`, status: 'accepted' }) : JSON.stringify({ error: `status ${status}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${portOf(server)}/v1/sms`, requests, statuses,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/* ---------------------------------------------------------------- helpers */

/** Waits (bounded) until the message reaches `status`; receipts arrive asynchronously. */
export async function waitForStatus(app: FastifyInstance, id: string, status: DeliveryView['status'], timeoutMs = 5_000): Promise<DeliveryView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await app.roamline.services.notifications.findDelivery(id);
    if (view?.status === status) return view;
    if (Date.now() > deadline) {
      expect(view?.status, `message ${id}: ${view?.lastError ?? ''}`).toBe(status);
      throw new Error('unreachable');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The delivery job of a message. */
export async function jobOf(app: FastifyInstance, notificationId: string): Promise<{ status: string; attempts: number; run_at: number } | undefined> {
  return app.roamline.ctx.database.db.selectFrom('job').select(['status', 'attempts', 'run_at'])
    .where('kind', '=', 'notifications.deliver').where('payload', '=', JSON.stringify({ notificationId }))
    .executeTakeFirst();
}
