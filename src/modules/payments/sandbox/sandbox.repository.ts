import type { Executor } from '../../../platform/db/database.js';
import type { Currency } from '../../../platform/money.js';
import type { SandboxChargeStatus } from './sandbox.js';

/** The sandbox's "remote" records: what a PSP would keep on its side. */
export interface SandboxChargeTable {
  id: string;
  idempotency_key: string;
  payment_ref: string;
  customer_ref: string;
  amount_minor: number;
  currency: Currency;
  token: string;
  status: SandboxChargeStatus;
  failure_code: string | null;
  return_url: string;
  language: string;
  created_at: number;
  updated_at: number;
}

export interface SandboxRefundTable {
  id: string;
  charge_id: string;
  idempotency_key: string;
  amount_minor: number;
  created_at: number;
}

declare module '../../../platform/db/schema.js' {
  interface Tables {
    sandbox_charge: SandboxChargeTable;
    sandbox_refund: SandboxRefundTable;
  }
}

export type SandboxChargeRow = SandboxChargeTable;
export type SandboxRefundRow = SandboxRefundTable;

/** Records the charge unless its idempotency key was seen; false when it was (the caller reads that one). */
export async function insertCharge(db: Executor, row: SandboxChargeTable): Promise<boolean> {
  const result = await db.insertInto('sandbox_charge').values(row)
    .onConflict((oc) => oc.column('idempotency_key').doNothing()).executeTakeFirst();
  return result.numInsertedOrUpdatedRows === 1n;
}

export async function findCharge(db: Executor, id: string): Promise<SandboxChargeRow | undefined> {
  return db.selectFrom('sandbox_charge').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findChargeByKey(db: Executor, idempotencyKey: string): Promise<SandboxChargeRow | undefined> {
  return db.selectFrom('sandbox_charge').selectAll().where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
}

export async function updateChargeStatus(
  db: Executor, id: string, from: SandboxChargeStatus, to: SandboxChargeStatus, failureCode: string | null, nowMs: number,
): Promise<boolean> {
  const result = await db.updateTable('sandbox_charge').set({ status: to, failure_code: failureCode, updated_at: nowMs })
    .where('id', '=', id).where('status', '=', from).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function findRefundByKey(db: Executor, idempotencyKey: string): Promise<SandboxRefundRow | undefined> {
  return db.selectFrom('sandbox_refund').selectAll().where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
}

export async function refundedMinor(db: Executor, chargeId: string): Promise<number> {
  const row = await db.selectFrom('sandbox_refund').select((eb) => eb.fn.sum<number>('amount_minor').as('total'))
    .where('charge_id', '=', chargeId).executeTakeFirst();
  return Number(row?.total ?? 0);
}

export async function insertRefund(db: Executor, row: SandboxRefundTable): Promise<boolean> {
  const result = await db.insertInto('sandbox_refund').values(row)
    .onConflict((oc) => oc.column('idempotency_key').doNothing()).executeTakeFirst();
  return result.numInsertedOrUpdatedRows === 1n;
}
