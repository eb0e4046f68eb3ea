/**
 * Pure SMPP 3.4 rules: which `submit_sm_resp` statuses are permanent, and how a delivery receipt
 * (`deliver_sm` with a receipt `esm_class`) reads.
 */

/** Statuses after which the same message to the same number will never be accepted. */
const PERMANENT_STATUSES: Readonly<Record<number, string>> = {
  0x01: 'ESME_RINVMSGLEN (invalid message length)',
  0x0b: 'ESME_RINVDSTADR (invalid destination address)',
  0x33: 'ESME_RINVNUMDESTS (invalid number of destinations)',
  0x43: 'ESME_RINVESMCLASS (invalid esm_class)',
  0x50: 'ESME_RINVDSTTON (invalid destination TON)',
  0x51: 'ESME_RINVDSTNPI (invalid destination NPI)',
  0x62: 'ESME_RINVEXPIRY (invalid validity period)',
  0x0104: 'ESME_RINVDCS (invalid data coding)',
  0x0101: 'ESME_RPROHIBITED (destination prohibited)',
};

/** Statuses that say "later": the message may pass on a retry. Anything not listed is treated so too. */
const TRANSIENT_STATUSES: Readonly<Record<number, string>> = {
  0x04: 'ESME_RINVBNDSTS (not bound)',
  0x08: 'ESME_RSYSERR (system error)',
  0x14: 'ESME_RMSGQFUL (message queue full)',
  0x45: 'ESME_RSUBMITFAIL (submit failed)',
  0x58: 'ESME_RTHROTTLED (throttled)',
  0x64: 'ESME_RX_T_APPN (temporary failure at the application)',
};

export interface SubmitStatus {
  readonly permanent: boolean;
  readonly description: string;
}

export function classifySubmitStatus(status: number): SubmitStatus {
  const hex = `0x${status.toString(16).padStart(8, '0')}`;
  const permanent = PERMANENT_STATUSES[status];
  if (permanent !== undefined) return { permanent: true, description: `${permanent}, command_status ${hex}` };
  return { permanent: false, description: `${TRANSIENT_STATUSES[status] ?? 'SMSC refused the message'}, command_status ${hex}` };
}

/** `message_state` values (SMPP 3.4, 5.2.28). */
const MESSAGE_STATES: Readonly<Record<number, { stat: string; final: 'delivered' | 'failed' | undefined }>> = {
  1: { stat: 'ENROUTE', final: undefined },
  2: { stat: 'DELIVRD', final: 'delivered' },
  3: { stat: 'EXPIRED', final: 'failed' },
  4: { stat: 'DELETED', final: 'failed' },
  5: { stat: 'UNDELIV', final: 'failed' },
  6: { stat: 'ACCEPTD', final: undefined },
  7: { stat: 'UNKNOWN', final: undefined },
  8: { stat: 'REJECTD', final: 'failed' },
};

const STAT_OUTCOME: Readonly<Record<string, 'delivered' | 'failed' | undefined>> = Object.fromEntries(
  Object.values(MESSAGE_STATES).map((s) => [s.stat, s.final]),
);

export interface ParsedReceipt {
  readonly messageId: string;
  readonly outcome: 'delivered' | 'failed';
  readonly detail: string;
}

/** The fields of a `deliver_sm` PDU a receipt is read from. */
export interface ReceiptPdu {
  readonly esm_class?: number;
  readonly receipted_message_id?: string;
  readonly message_state?: number;
  readonly network_error_code?: Buffer;
  /** The receipt text, e.g. `id:7 sub:001 dlvrd:001 submit date:... done date:... stat:DELIVRD err:000 text:...`. */
  readonly text?: string;
}

/** True when a `deliver_sm` is an SMSC delivery receipt rather than a mobile-originated message. */
export function isDeliveryReceipt(esmClass: number | undefined): boolean {
  return ((esmClass ?? 0) & 0x3c) === 0x04;
}

/**
 * Reads a delivery receipt: the `receipted_message_id` and `message_state` TLVs when present,
 * else the de facto text format of SMPP 3.4 Appendix B. Undefined for an intermediate state
 * (ENROUTE, ACCEPTD) or a receipt it cannot read.
 */
export function parseDeliveryReceipt(pdu: ReceiptPdu): ParsedReceipt | undefined {
  const text = pdu.text ?? '';
  const field = (name: string): string | undefined => new RegExp(`(?:^|\\s)${name}:(\\S*)`, 'i').exec(text)?.[1];
  const messageId = pdu.receipted_message_id ?? field('id');
  if (messageId === undefined || messageId === '') return undefined;
  const stat = pdu.message_state !== undefined ? MESSAGE_STATES[pdu.message_state]?.stat : field('stat')?.toUpperCase();
  if (stat === undefined) return undefined;
  const outcome = STAT_OUTCOME[stat];
  if (outcome === undefined) return undefined;
  const err = field('err');
  return { messageId, outcome, detail: err === undefined ? stat : `${stat} err:${err}` };
}
