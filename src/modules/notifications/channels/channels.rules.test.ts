import { describe, expect, it } from 'vitest';
import { classifySubmitStatus, isDeliveryReceipt, parseDeliveryReceipt } from './smpp.rules.js';
import { isPermanentSmtpError } from './smtp.js';

describe('SMPP submit statuses', () => {
  it('treat an invalid destination and other refusals of the message itself as permanent', () => {
    for (const status of [0x0b, 0x50, 0x51, 0x01, 0x0104]) expect(classifySubmitStatus(status).permanent, status.toString(16)).toBe(true);
    expect(classifySubmitStatus(0x0b).description).toContain('ESME_RINVDSTADR');
  });

  it('treat throttling, a full queue, system errors and unknown statuses as worth a retry', () => {
    for (const status of [0x58, 0x14, 0x08, 0x45, 0x04, 0x0400]) expect(classifySubmitStatus(status).permanent, status.toString(16)).toBe(false);
    expect(classifySubmitStatus(0x58).description).toBe('ESME_RTHROTTLED (throttled), command_status 0x00000058');
  });
});

describe('SMPP delivery receipts', () => {
  it('recognise a receipt by its esm_class', () => {
    expect(isDeliveryReceipt(0x04)).toBe(true);
    expect(isDeliveryReceipt(0x00)).toBe(false);
    expect(isDeliveryReceipt(0x40)).toBe(false);
  });

  it('read the receipted_message_id and message_state TLVs', () => {
    expect(parseDeliveryReceipt({ receipted_message_id: 'abc', message_state: 2, text: 'id:abc stat:DELIVRD err:000' }))
      .toEqual({ messageId: 'abc', outcome: 'delivered', detail: 'DELIVRD err:000' });
    expect(parseDeliveryReceipt({ receipted_message_id: 'abc', message_state: 5 })).toEqual({ messageId: 'abc', outcome: 'failed', detail: 'UNDELIV' });
  });

  it('read the text format when the TLVs are missing', () => {
    const text = 'id:1A2B3C sub:001 dlvrd:000 submit date:2611270900 done date:2611270905 stat:UNDELIV err:001 text:Your code';
    expect(parseDeliveryReceipt({ text })).toEqual({ messageId: '1A2B3C', outcome: 'failed', detail: 'UNDELIV err:001' });
    expect(parseDeliveryReceipt({ text: 'id:9 sub:001 dlvrd:001 stat:EXPIRED err:000' })?.outcome).toBe('failed');
    expect(parseDeliveryReceipt({ text: 'id:9 sub:001 dlvrd:001 stat:REJECTD err:000' })?.outcome).toBe('failed');
  });

  it('ignore intermediate states and unreadable receipts', () => {
    expect(parseDeliveryReceipt({ receipted_message_id: 'abc', message_state: 1 })).toBeUndefined();
    expect(parseDeliveryReceipt({ text: 'id:7 stat:ACCEPTD' })).toBeUndefined();
    expect(parseDeliveryReceipt({ text: 'hello' })).toBeUndefined();
  });
});

describe('SMTP failures', () => {
  it('are permanent for 5xx replies about the message or recipient', () => {
    expect(isPermanentSmtpError({ code: 'EENVELOPE', responseCode: 550 })).toBe(true);
    expect(isPermanentSmtpError({ code: 'EMESSAGE', responseCode: 554 })).toBe(true);
    expect(isPermanentSmtpError({ code: 'EENVELOPE' })).toBe(true);
  });

  it('are transient for 4xx, 503, authentication and connection failures', () => {
    expect(isPermanentSmtpError({ code: 'EENVELOPE', responseCode: 451 })).toBe(false);
    expect(isPermanentSmtpError({ code: 'EPROTOCOL', responseCode: 503 })).toBe(false);
    expect(isPermanentSmtpError({ code: 'EAUTH', responseCode: 535 })).toBe(false);
    expect(isPermanentSmtpError({ code: 'ESOCKET' })).toBe(false);
    expect(isPermanentSmtpError({ code: 'ETIMEDOUT' })).toBe(false);
  });
});
