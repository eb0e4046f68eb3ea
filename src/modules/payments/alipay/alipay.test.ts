import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fenToYuan, formFields, formatBeijingTime, paymentIdOfOutTradeNo, parseBeijingTime, readNotify, statusOfTrade, yuanToFen,
} from './alipay.js';

describe('Alipay amounts (integer fen ↔ yuan strings, no floats)', () => {
  it('writes fen as yuan with two decimals', () => {
    expect(fenToYuan(0)).toBe('0.00');
    expect(fenToYuan(1)).toBe('0.01');
    expect(fenToYuan(10)).toBe('0.10');
    expect(fenToYuan(99)).toBe('0.99');
    expect(fenToYuan(100)).toBe('1.00');
    expect(fenToYuan(8880)).toBe('88.80');
    expect(fenToYuan(10_000_000_000)).toBe('100000000.00');
    // 0.1 + 0.2 style errors cannot happen: 29 fen is "0.29", never "0.28999…".
    expect(fenToYuan(29)).toBe('0.29');
    expect(fenToYuan(100_000_000_000_007)).toBe('1000000000000.07');
  });
  it('refuses negative or fractional fen', () => {
    expect(() => fenToYuan(-1)).toThrow();
    expect(() => fenToYuan(1.5)).toThrow();
    expect(() => fenToYuan(Number.NaN)).toThrow();
  });
  it('reads Alipay amounts as integer fen, with zero, one or two decimals', () => {
    expect(yuanToFen('0.01')).toBe(1);
    expect(yuanToFen('88.88')).toBe(8888);
    expect(yuanToFen('88.8')).toBe(8880);
    expect(yuanToFen('20')).toBe(2000);
    expect(yuanToFen('0')).toBe(0);
    expect(yuanToFen('0.29')).toBe(29);
    expect(yuanToFen('100000000.00')).toBe(10_000_000_000);
  });
  it('refuses anything that is not a plain amount', () => {
    for (const bad of ['', '-1.00', '+1', '1.234', '1e3', ' 1.00', '1.00 ', '01.00', '1.', '.5', '1,00', '0x10', 'NaN', 'Infinity', '１.００', '99999999999999.00']) {
      expect(yuanToFen(bad), bad).toBeUndefined();
    }
  });
  it('round-trips every amount exactly', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 999_999_999_999_999 }), (fen) => {
      expect(yuanToFen(fenToYuan(fen))).toBe(fen);
    }));
  });
});

describe('Alipay times (Beijing time)', () => {
  it('writes and reads yyyy-MM-dd HH:mm:ss at UTC+8', () => {
    const ms = Date.UTC(2026, 10, 27, 17, 30, 5);
    expect(formatBeijingTime(ms)).toBe('2026-11-28 01:30:05');
    expect(parseBeijingTime('2026-11-28 01:30:05')).toBe(ms);
    expect(parseBeijingTime('2026-02-30 00:00:00')).toBeUndefined();
    expect(parseBeijingTime('2026-11-28T01:30:05')).toBeUndefined();
  });
});

describe('Alipay trade states and notifies', () => {
  it('maps trade states to payment outcomes', () => {
    expect(statusOfTrade('WAIT_BUYER_PAY')).toBe('requires_action');
    expect(statusOfTrade('TRADE_SUCCESS')).toBe('succeeded');
    expect(statusOfTrade('TRADE_FINISHED')).toBe('succeeded');
    expect(statusOfTrade('TRADE_CLOSED')).toBe('cancelled');
    // A full refund closes a paid trade: the notify tells it by its refund fields.
    expect(statusOfTrade('TRADE_CLOSED', true)).toBe('succeeded');
    expect(statusOfTrade('TRADE_PENDING')).toBeUndefined();
  });
  it('derives our payment id from out_trade_no only when we made it', () => {
    expect(paymentIdOfOutTradeNo('rl_pay_01KB0000000000000000000000')).toBe('pay_01KB0000000000000000000000');
    expect(paymentIdOfOutTradeNo('pay_01KB0000000000000000000000')).toBeUndefined();
    expect(paymentIdOfOutTradeNo('rl_pay_x')).toBeUndefined();
  });
  it('reads the fields the platform needs, refusing malformed ones', () => {
    const fields = {
      notify_id: 'n1', app_id: '2021000000000001', out_trade_no: 'rl_pay_01KB0000000000000000000000', trade_status: 'TRADE_SUCCESS',
      total_amount: '19.99', notify_time: '2026-11-27 17:00:00', trade_no: '2026112722001',
    };
    expect(readNotify(fields)).toMatchObject({ notifyId: 'n1', totalFen: 1999, refunded: false, notifyAtMs: Date.UTC(2026, 10, 27, 9) });
    expect(readNotify({ ...fields, gmt_refund: '2026-11-27 18:00:00', refund_fee: '19.99', trade_status: 'TRADE_CLOSED' })?.refunded).toBe(true);
    expect(readNotify({ ...fields, total_amount: '19.999' })).toBeUndefined();
    expect(readNotify({ ...fields, trade_status: 'NOPE' })).toBeUndefined();
    expect(readNotify({ ...fields, notify_time: 'yesterday' })).toBeUndefined();
    const { notify_id: _dropped, ...withoutId } = fields;
    expect(readNotify(withoutId)).toBeUndefined();
  });
  it('reads form bodies, refusing repeated fields', () => {
    expect(formFields('a=1&b=x+y&c=%E6%94%AF')).toEqual({ a: '1', b: 'x y', c: '支' });
    expect(formFields('a=1&a=2')).toBeUndefined();
  });
});
