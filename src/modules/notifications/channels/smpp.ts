import smpp from 'smpp';
import type { Logger } from 'pino';
import type { SmsChannelConfig } from '../../../platform/config.notifications.js';
import { PermanentDeliveryError, TransientDeliveryError, type ChannelSender, type Deliverable, type ReceiptSink } from './channel.js';
import { concatReference, encodeSms } from './sms-encoding.js';
import { classifySubmitStatus, isDeliveryReceipt, parseDeliveryReceipt } from './smpp.rules.js';

export type SmppConfig = Extract<SmsChannelConfig, { kind: 'smpp' }>;

export interface SmppTimeouts {
  readonly bindMs: number;
  readonly submitMs: number;
  readonly enquireLinkAnswerMs: number;
}

const DEFAULT_TIMEOUTS: SmppTimeouts = { bindMs: 10_000, submitMs: 10_000, enquireLinkAnswerMs: 10_000 };
const UNBIND_WAIT_MS = 2_000;
const INTERFACE_VERSION_3_4 = 0x34;
/** TON 1 (international) / NPI 1 (E.164) for destinations: we only send to E.164 numbers. */
const TON_INTERNATIONAL = 1;
const NPI_ISDN = 1;
/** Ask for a receipt of the final outcome, success or failure. */
const REGISTERED_DELIVERY_FINAL = 1;

/**
 * One bound SMPP transceiver session per process: opened on first use, kept alive with
 * `enquire_link`, replaced after any failure (socket error, unbind, unanswered request). In-flight
 * requests of a session that dies fail at once as transient, so their jobs retry.
 */
class SmppConnection {
  private session: smpp.Session | undefined;
  private opening: Promise<smpp.Session> | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly inFlight = new Set<(error: Error) => void>();

  constructor(
    private readonly config: SmppConfig,
    private readonly log: Logger,
    private readonly onReceipt: ReceiptSink,
    private readonly timeouts: SmppTimeouts,
  ) {}

  async bound(): Promise<smpp.Session> {
    if (this.closed) throw new TransientDeliveryError('the SMPP channel is closed');
    if (this.session !== undefined) return this.session;
    this.opening ??= this.open().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private open(): Promise<smpp.Session> {
    const { host, port, systemId, password, systemType } = this.config;
    return new Promise((resolve, reject) => {
      const session = smpp.connect({ host, port });
      let settled = false;
      const fail = (reason: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        session.destroy();
        reject(new TransientDeliveryError(`SMPP bind to ${host}:${port} failed: ${reason}`));
      };
      const timer = setTimeout(() => fail(`no answer within ${this.timeouts.bindMs} ms`), this.timeouts.bindMs);
      session.on('error', (error: Error) => (settled ? this.drop(session, `socket error: ${error.message}`) : fail(error.message)));
      session.on('close', () => (settled ? this.drop(session, 'connection closed') : fail('connection closed')));
      session.on('connect', () => {
        session.bind_transceiver({ system_id: systemId, password, system_type: systemType, interface_version: INTERFACE_VERSION_3_4 }, (pdu) => {
          if (pdu.command_status !== 0) return fail(classifySubmitStatus(pdu.command_status).description);
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.attach(session);
          this.log.info({ host, port, systemId }, 'SMPP session bound (transceiver)');
          resolve(session);
        });
      });
    });
  }

  private attach(session: smpp.Session): void {
    this.session = session;
    session.on('enquire_link', (pdu: smpp.PDU) => session.send(pdu.response()));
    session.on('deliver_sm', (pdu: smpp.PDU) => {
      session.send(pdu.response());
      this.receive(pdu);
    });
    session.on('unbind', (pdu: smpp.PDU) => {
      session.send(pdu.response());
      this.drop(session, 'the SMSC unbound the session');
    });
    this.keepAlive = setInterval(() => this.enquireLink(session), this.config.enquireLinkMs);
    this.keepAlive.unref();
  }

  /** Sends `enquire_link`; a session that does not answer in time is replaced. */
  private enquireLink(session: smpp.Session): void {
    const deadline = setTimeout(() => this.drop(session, 'enquire_link not answered'), this.timeouts.enquireLinkAnswerMs);
    deadline.unref();
    const sent = session.enquire_link({}, () => clearTimeout(deadline));
    if (!sent) {
      clearTimeout(deadline);
      this.drop(session, 'connection not writable');
    }
  }

  private receive(pdu: smpp.PDU): void {
    if (!isDeliveryReceipt(pdu.esm_class as number | undefined)) {
      this.log.info('SMPP: ignored a mobile-originated message (not a delivery receipt)');
      return;
    }
    const body = pdu.short_message as { message?: unknown } | undefined;
    const text = typeof body?.message === 'string' ? body.message : Buffer.isBuffer(body?.message) ? body.message.toString('latin1') : '';
    const receipt = parseDeliveryReceipt({
      esm_class: pdu.esm_class as number | undefined,
      receipted_message_id: pdu.receipted_message_id as string | undefined,
      message_state: pdu.message_state as number | undefined,
      text,
    });
    if (receipt === undefined) return;
    this.onReceipt({ transport: 'smpp', providerMessageId: receipt.messageId, outcome: receipt.outcome, detail: receipt.detail });
  }

  /** Forgets a session after a failure and fails what it still had in flight. */
  private drop(session: smpp.Session, reason: string): void {
    if (this.session !== session) return;
    this.session = undefined;
    clearInterval(this.keepAlive);
    this.log.warn({ reason }, 'SMPP session lost; the next message binds again');
    session.destroy();
    for (const reject of [...this.inFlight]) reject(new TransientDeliveryError(`SMPP session lost: ${reason}`));
  }

  /** Submits one `submit_sm`; resolves with the SMSC's message id. */
  async submit(fields: Record<string, unknown>): Promise<string> {
    const session = await this.bound();
    return new Promise((resolve, reject) => {
      const finish = (error: Error | undefined, messageId?: string): void => {
        clearTimeout(timer);
        this.inFlight.delete(abort);
        if (error === undefined) resolve(messageId ?? '');
        else reject(error);
      };
      const abort = (error: Error): void => finish(error);
      const timer = setTimeout(() => {
        finish(new TransientDeliveryError(`no submit_sm_resp within ${this.timeouts.submitMs} ms`));
        this.drop(session, 'submit_sm not answered');
      }, this.timeouts.submitMs);
      this.inFlight.add(abort);
      const sent = session.submit_sm(fields, (pdu) => {
        if (pdu.command_status === 0) return finish(undefined, String(pdu.message_id ?? ''));
        const status = classifySubmitStatus(pdu.command_status);
        finish(status.permanent ? new PermanentDeliveryError(`SMSC refused: ${status.description}`) : new TransientDeliveryError(`SMSC refused: ${status.description}`));
      });
      if (!sent) {
        finish(new TransientDeliveryError('SMPP connection not writable'));
        this.drop(session, 'connection not writable');
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.keepAlive);
    const session = this.session ?? (await this.opening?.catch(() => undefined));
    this.session = undefined;
    if (session === undefined) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, UNBIND_WAIT_MS);
      if (!session.unbind({}, () => {
        clearTimeout(timer);
        resolve();
      })) {
        clearTimeout(timer);
        resolve();
      }
    });
    session.destroy();
  }
}

/**
 * SMS over SMPP 3.4: `submit_sm` per segment (GSM 7-bit or UCS-2, UDH concatenation, see
 * `sms-encoding.ts`), a final delivery receipt requested for each, receipts passed to `onReceipt`.
 */
export function createSmppChannel(config: SmppConfig, log: Logger, onReceipt: ReceiptSink, timeouts: SmppTimeouts = DEFAULT_TIMEOUTS): ChannelSender {
  const connection = new SmppConnection(config, log, onReceipt, timeouts);
  return {
    transport: 'smpp',
    async send(message: Deliverable) {
      const destination = message.to.replace(/^\+/, '');
      if (!/^[1-9]\d{5,14}$/.test(destination)) throw new PermanentDeliveryError('the destination is not an E.164 number');
      let encoded;
      try {
        encoded = encodeSms(message.text, concatReference(message.id));
      } catch (error) {
        throw new PermanentDeliveryError(error instanceof Error ? error.message : 'the text cannot be sent as SMS');
      }
      const providerMessageIds: string[] = [];
      for (const segment of encoded.segments) {
        providerMessageIds.push(await connection.submit({
          source_addr_ton: config.sourceTon, source_addr_npi: config.sourceNpi, source_addr: config.sourceAddr,
          dest_addr_ton: TON_INTERNATIONAL, dest_addr_npi: NPI_ISDN, destination_addr: destination,
          esm_class: encoded.esmClass, registered_delivery: REGISTERED_DELIVERY_FINAL,
          data_coding: encoded.dataCoding, short_message: segment,
        }));
      }
      return { providerMessageIds };
    },
    close: () => connection.close(),
  };
}
