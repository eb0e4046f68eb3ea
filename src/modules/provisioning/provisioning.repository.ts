import type { Dialect, Executor, Tx } from '../../platform/db/database.js';
import type { Sim, SimStatus, SimType } from './provisioning.js';

export interface SimTable {
  iccid: string;
  msisdn: string;
  type: SimType;
  status: SimStatus;
  smdp_address: string | null;
  matching_id: string | null;
  line_id: string | null;
  created_at: number;
  updated_at: number;
  assigned_at: number | null;
}

declare module '../../platform/db/schema.js' {
  interface Tables {
    sim: SimTable;
  }
}

export function toSim(row: SimTable): Sim {
  return {
    iccid: row.iccid, msisdn: row.msisdn, type: row.type, status: row.status,
    smdpAddress: row.smdp_address, matchingId: row.matching_id, lineId: row.line_id,
    createdAtMs: row.created_at, assignedAtMs: row.assigned_at,
  };
}

/** Inserts the rows whose ICCID and MSISDN are both new; returns how many were inserted. */
export async function insertSimsIfAbsent(db: Executor, rows: readonly SimTable[]): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await db.insertInto('sim').values([...rows]).onConflict((oc) => oc.doNothing()).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n);
}

export async function findSimByIccid(db: Executor, iccid: string): Promise<SimTable | undefined> {
  return db.selectFrom('sim').selectAll().where('iccid', '=', iccid).executeTakeFirst();
}

export async function findSimByLineId(db: Executor, lineId: string): Promise<SimTable | undefined> {
  return db.selectFrom('sim').selectAll().where('line_id', '=', lineId).executeTakeFirst();
}

export async function findSimByMsisdn(db: Executor, msisdn: string): Promise<SimTable | undefined> {
  return db.selectFrom('sim').selectAll().where('msisdn', '=', msisdn).executeTakeFirst();
}

/**
 * The ICCID of one SIM of `type` that is in stock. On PostgreSQL the row is locked and rows that
 * other transactions hold are skipped, so parallel allocations take different SIMs; SQLite
 * transactions are already serialised (`BEGIN IMMEDIATE`).
 */
export async function pickSimInStock(tx: Tx, dialect: Dialect, type: SimType): Promise<string | undefined> {
  const row = await tx.selectFrom('sim').select('iccid')
    .where('type', '=', type).where('status', '=', 'in_stock')
    .orderBy('iccid').limit(1)
    .$if(dialect === 'postgres', (qb) => qb.forUpdate().skipLocked())
    .executeTakeFirst();
  return row?.iccid;
}

/** Binds the SIM to `lineId` if it is still in one of `from` and unbound; returns whether it did. */
export async function assignSim(tx: Tx, iccid: string, lineId: string, from: readonly SimStatus[], nowMs: number): Promise<boolean> {
  const result = await tx.updateTable('sim')
    .set({ status: 'assigned', line_id: lineId, assigned_at: nowMs, updated_at: nowMs })
    .where('iccid', '=', iccid).where('status', 'in', [...from]).where('line_id', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Records what the SM-DP+ answered for an assigned eSIM, if it is still bound to `lineId`. */
export async function updateEsimProfile(db: Executor, iccid: string, lineId: string, smdpAddress: string, matchingId: string, nowMs: number): Promise<boolean> {
  const result = await db.updateTable('sim')
    .set({ smdp_address: smdpAddress, matching_id: matchingId, updated_at: nowMs })
    .where('iccid', '=', iccid).where('line_id', '=', lineId).where('type', '=', 'esim')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function countSims(db: Executor, type: SimType, status: SimStatus): Promise<number> {
  const row = await db.selectFrom('sim').select((eb) => eb.fn.countAll<number>().as('count'))
    .where('type', '=', type).where('status', '=', status).executeTakeFirst();
  return Number(row?.count ?? 0);
}
