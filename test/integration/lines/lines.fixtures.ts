import type { FastifyInstance } from 'fastify';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { expect } from 'vitest';
import { withLuhnCheckDigit, type SimImport } from '../../../src/modules/provisioning/index.js';
import { inTransaction, type Tx } from '../../../src/platform/db/database.js';
import { GOOD_PASSWORD, newClient, uniqueEmail } from '../../support/accounts.js';
import type { TestClient } from '../../support/http.js';

let serial = Math.floor(Math.random() * 1_000_000);

/** A fresh valid Hong Kong mobile number on +852 5xxx xxxx (customers' own numbers in tests are +852 61...). */
export function uniqueSimMsisdn(): string {
  for (;;) {
    serial += 1;
    const candidate = `+8525${String(serial * 7919 % 10_000_000).padStart(7, '0')}`;
    const phone = parsePhoneNumberFromString(candidate);
    if (phone?.isValid() === true && phone.getType() === 'MOBILE') return candidate;
  }
}

/** A fresh ICCID with a valid Luhn digit. */
export function uniqueIccid(): string {
  serial += 1;
  return withLuhnCheckDigit(`8985298${String(serial).padStart(11, '0')}`);
}

export function physicalSim(status: 'in_stock' | 'claimable' = 'claimable'): SimImport {
  return { iccid: uniqueIccid(), msisdn: uniqueSimMsisdn(), type: 'physical', status };
}

export function esimProfile(): SimImport {
  const iccid = uniqueIccid();
  return { iccid, msisdn: uniqueSimMsisdn(), type: 'esim', smdpAddress: 'smdp.example.com', matchingId: `TEST-${iccid.slice(-8)}` };
}

/** Loads SIMs through the provisioning service, like an operator's inventory import. */
export async function stock(app: FastifyInstance, ...sims: SimImport[]): Promise<SimImport[]> {
  const result = await app.roamline.services.provisioning.importSims(sims);
  expect(result.inserted).toBe(sims.length);
  return sims;
}

export interface SignedInCustomer {
  readonly client: TestClient;
  readonly customerId: string;
  readonly email: string;
}

/** An active customer (through the accounts service), signed in with a password on its own client and IP. */
export async function signedInCustomer(app: FastifyInstance, language: 'en' | 'zh-CN' | 'zh-TW' = 'en'): Promise<SignedInCustomer> {
  const email = uniqueEmail('line-owner');
  const customerId = await app.roamline.services.accounts.signIn.provisionCustomer({ email, password: GOOD_PASSWORD, language });
  const client = newClient(app);
  const login = await client.post('/api/v1/auth/login', { contact: email, password: GOOD_PASSWORD });
  expect(login.statusCode, login.body).toBe(200);
  return { client, customerId, email };
}

export function tx<T>(app: FastifyInstance, work: (tx: Tx) => Promise<T>): Promise<T> {
  return inTransaction(app.roamline.ctx.database.db, work);
}

/** A problem body without the fields that differ per request. */
export function stripRequest(body: string): Record<string, unknown> {
  return { ...(JSON.parse(body) as Record<string, unknown>), requestId: undefined };
}
