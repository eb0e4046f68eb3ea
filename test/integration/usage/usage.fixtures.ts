import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { inTransaction } from '../../../src/platform/db/database.js';
import type { Currency } from '../../../src/platform/money.js';
import type { GrantInput, UsageResult } from '../../../src/modules/balances/index.js';
import { signedInCustomer, type SignedInCustomer } from '../lines/lines.fixtures.js';
import { createOrder, payThroughGateway } from '../../support/orders.js';

export const NETWORK_KEY = 'network-key-for-tests-0123456789';
export const EUROPE = ['AT', 'BE', 'BG', 'CH', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GB', 'GR', 'HR', 'HU', 'IE', 'IS', 'IT', 'LI', 'LT', 'LU', 'LV', 'MT', 'NL', 'NO', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK'];

export interface TestLine extends SignedInCustomer {
  readonly lineId: string;
  readonly msisdn: string;
  readonly iccid: string;
}

/** A customer who bought `planCode` on a new eSIM through a real order, paid and fulfilled. */
export async function lineWithPlan(app: FastifyInstance, planCode: string, currency: Currency, language: 'en' | 'zh-CN' | 'zh-TW' = 'en'): Promise<TestLine> {
  const customer = await signedInCustomer(app, language);
  const order = await createOrder(customer.client, { kind: 'new_sim', planCode, currency, newSim: { type: 'esim' } });
  expect(await payThroughGateway(app, order.id)).toBe(true);
  const detail = (await customer.client.get(`/api/v1/orders/${order.id}`)).json() as { lineId: string };
  const line = (await customer.client.get(`/api/v1/lines/${detail.lineId}`)).json() as { msisdn: string; iccid: string };
  return { ...customer, lineId: detail.lineId, msisdn: line.msisdn, iccid: line.iccid };
}

let grantSerial = 0;

/** Grants a bucket directly (an adjustment), valid from `fromMs` for `days`. */
export async function grantBucket(app: FastifyInstance, lineId: string, input: Partial<GrantInput> & Pick<GrantInput, 'kind' | 'amount'>, fromMs: number, days = 30): Promise<string> {
  grantSerial += 1;
  const { bucket } = await inTransaction(app.roamline.ctx.database.db, (tx) => app.roamline.services.balances.grant(tx, {
    lineId, validFromMs: fromMs, validUntilMs: fromMs + days * 86_400_000, coverage: { zoneCode: 'EUROPE', countries: EUROPE },
    priority: 0, source: 'adjustment', sourceId: `adj_${lineId}_${grantSerial}`, idempotencyKey: `test:${lineId}:${grantSerial}`, ...input,
  }));
  return bucket.id;
}

let recordSerial = 0;

export function recordId(label = 'r'): string {
  recordSerial += 1;
  return `${label}-${recordSerial}-${Math.random().toString(36).slice(2, 8)}`;
}

export interface WireRecord {
  recordId: string;
  msisdn?: string;
  iccid?: string;
  type: 'data' | 'voice' | 'sms';
  quantity: number;
  country?: string;
  mccMnc?: string;
  startedAt: string;
}

export function record(line: { msisdn: string }, type: WireRecord['type'], quantity: number, atMs: number, extra: Partial<WireRecord> = {}): WireRecord {
  return { recordId: recordId(), msisdn: line.msisdn, type, quantity, country: 'FR', startedAt: new Date(atMs).toISOString(), ...extra };
}

/** Posts records with the network key; expects 200 and returns the results. */
export async function postUsage(app: FastifyInstance, records: readonly WireRecord[]): Promise<UsageResult[]> {
  const response = await app.inject({ method: 'POST', url: '/api/v1/usage', headers: { authorization: `Bearer ${NETWORK_KEY}` }, payload: { records } });
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as { results: UsageResult[] }).results;
}
