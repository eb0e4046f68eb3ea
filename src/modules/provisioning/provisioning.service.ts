import { assert } from '../../platform/assert.js';
import type { PlatformContext } from '../../platform/context.js';
import { inTransaction, type Executor, type Tx } from '../../platform/db/database.js';
import { isId } from '../../platform/ids.js';
import { demoInventory } from './provisioning.demo.js';
import {
  checkSimImport, esimActivationOf, isValidMatchingId, isValidSmdpAddress,
  type EsimActivation, type Sim, type SimImport, type SimStatus, type SimType,
} from './provisioning.js';
import { provisioningErrors } from './provisioning.errors.js';
import {
  assignSim, countSims, findSimByIccid, findSimByLineId, findSimByMsisdn, insertSimsIfAbsent, pickSimInStock, toSim,
  updateEsimProfile, type SimTable,
} from './provisioning.repository.js';
import { localSmdpClient, type SmdpClient } from './smdp.js';

export interface ProvisioningDeps extends PlatformContext {
  /** The SM-DP+ (ES2+) client; the local one by default. */
  readonly smdp?: SmdpClient;
}

/** At most this many SIMs per import call (a vendor batch is typically 1,000 to 10,000). */
export const MAX_IMPORT_SIMS = 10_000;
const IMPORT_CHUNK = 200;
/** How many candidates an allocation tries before giving up when others keep taking them first. */
const ALLOCATION_ATTEMPTS = 5;

/**
 * SIM / eSIM inventory. Every SIM is assigned to at most one line, exactly once: assignments are
 * guarded updates (`... WHERE status IN (...) AND line_id IS NULL`) whose affected rows are checked,
 * and `sim.line_id` is unique.
 */
export function createProvisioningService(deps: ProvisioningDeps) {
  const { database, clock } = deps;
  const smdp = deps.smdp ?? localSmdpClient;

  /** Takes one SIM of `type` from stock for `lineId`; the same SIM again when the line already has one. */
  async function allocate(tx: Tx, type: SimType, lineId: string, empty: () => Error): Promise<Sim> {
    assert(isId(lineId, 'lin'), 'allocations are for a line id');
    const existing = await findSimByLineId(tx, lineId);
    if (existing !== undefined) {
      assert(existing.type === type, `line ${lineId} already has a ${existing.type} SIM`);
      return toSim(existing);
    }
    for (let attempt = 1; attempt <= ALLOCATION_ATTEMPTS; attempt += 1) {
      const iccid = await pickSimInStock(tx, database.dialect, type);
      if (iccid === undefined) throw empty();
      // Where the store cannot skip locked rows, another transaction may take this SIM between the
      // pick and the update: the guard then matches nothing and the next candidate is tried.
      if (await assignSim(tx, iccid, lineId, ['in_stock'], clock.nowMs())) return toSim(await mustFind(tx, iccid));
    }
    throw provisioningErrors.inventoryBusy();
  }

  async function mustFind(db: Executor, iccid: string): Promise<SimTable> {
    const row = await findSimByIccid(db, iccid);
    assert(row !== undefined, `SIM ${iccid} vanished`);
    return row;
  }

  /**
   * Adds a batch of SIMs (at most `MAX_IMPORT_SIMS`), all or nothing when a record is invalid
   * (`provisioning.sim_record_invalid`); SIMs whose ICCID or MSISDN is already known are skipped.
   */
  async function importSims(sims: readonly SimImport[]): Promise<{ inserted: number; skipped: number }> {
    assert(sims.length <= MAX_IMPORT_SIMS, `import at most ${MAX_IMPORT_SIMS} SIMs at once`);
    const nowMs = clock.nowMs();
    const rows: SimTable[] = sims.map((sim, index) => {
      const c = checkSimImport(sim, index);
      return {
        iccid: c.iccid, msisdn: c.msisdn, type: c.type, status: c.status, smdp_address: c.smdpAddress, matching_id: c.matchingId,
        line_id: null, created_at: nowMs, updated_at: nowMs, assigned_at: null,
      };
    });
    const inserted = await inTransaction(database.db, async (tx) => {
      let count = 0;
      for (let i = 0; i < rows.length; i += IMPORT_CHUNK) count += await insertSimsIfAbsent(tx, rows.slice(i, i + IMPORT_CHUNK));
      return count;
    });
    return { inserted, skipped: rows.length - inserted };
  }

  return {
    importSims,

    /**
     * Takes one eSIM profile from the pool for `lineId`, exactly once: parallel allocations never
     * get the same profile, and allocating again for the same line returns the same one. Throws
     * `provisioning.esim_pool_empty` (503) when the pool is empty. Call `confirmEsimDownload` after
     * the transaction commits.
     */
    allocateEsim: (tx: Tx, input: { lineId: string }): Promise<Sim> => allocate(tx, 'esim', input.lineId, provisioningErrors.esimPoolEmpty),

    /**
     * Takes one physical SIM from the warehouse for `lineId` (it is shipped later); the same SIM again
     * for the same line. Throws `provisioning.physical_stock_empty` (503) when none is in stock.
     */
    reservePhysicalSim: (tx: Tx, input: { lineId: string }): Promise<Sim> =>
      allocate(tx, 'physical', input.lineId, provisioningErrors.physicalStockEmpty),

    /** The claimable physical SIM with this E.164 number, or undefined (unknown, in stock or assigned). */
    async findClaimableSim(db: Executor, msisdn: string): Promise<Sim | undefined> {
      const row = await findSimByMsisdn(db, msisdn);
      return row !== undefined && row.type === 'physical' && row.status === 'claimable' ? toSim(row) : undefined;
    },

    async findSim(db: Executor, iccid: string): Promise<Sim | undefined> {
      const row = await findSimByIccid(db, iccid);
      return row === undefined ? undefined : toSim(row);
    },

    /**
     * Binds a given SIM to `lineId` if it is in one of `from` (default: in stock or claimable) and
     * unbound; idempotent for the same line. Throws `provisioning.sim_unavailable` (409) otherwise.
     */
    async markAssigned(tx: Tx, iccid: string, lineId: string, options: { from?: readonly SimStatus[] } = {}): Promise<Sim> {
      assert(isId(lineId, 'lin'), 'assignments are for a line id');
      const row = await findSimByIccid(tx, iccid);
      if (row?.status === 'assigned' && row.line_id === lineId) return toSim(row);
      const from = options.from ?? ['in_stock', 'claimable'];
      if (!(await assignSim(tx, iccid, lineId, from, clock.nowMs()))) throw provisioningErrors.simUnavailable(iccid);
      return toSim(await mustFind(tx, iccid));
    },

    /**
     * Asks the SM-DP+ to make an assigned eSIM's profile downloadable (ES2+ ConfirmOrder) and keeps
     * its answer. A network call: never call it inside a transaction.
     */
    async confirmEsimDownload(iccid: string): Promise<EsimActivation> {
      const row = await mustFind(database.db, iccid);
      assert(row.type === 'esim' && row.status === 'assigned' && row.line_id !== null, `SIM ${iccid} is not an assigned eSIM`);
      assert(row.smdp_address !== null && row.matching_id !== null, `eSIM ${iccid} has no profile`);
      const answer = await smdp.confirmOrder({ iccid, smdpAddress: row.smdp_address, matchingId: row.matching_id });
      if (!isValidSmdpAddress(answer.smdpAddress) || !isValidMatchingId(answer.matchingId)) {
        throw new Error(`SM-DP+ ${smdp.name} answered an unusable profile for ${iccid}`);
      }
      if (answer.smdpAddress !== row.smdp_address || answer.matchingId !== row.matching_id) {
        const kept = await updateEsimProfile(database.db, iccid, row.line_id, answer.smdpAddress, answer.matchingId, clock.nowMs());
        assert(kept, `eSIM ${iccid} changed line while its download was being confirmed`);
      }
      const activation = esimActivationOf({ type: 'esim', smdpAddress: answer.smdpAddress, matchingId: answer.matchingId });
      assert(activation !== undefined, 'an eSIM has an activation code');
      return activation;
    },

    /** How many SIMs of `type` are in `status` (stock levels for the back-office and alerts). */
    countSims: (db: Executor, type: SimType, status: SimStatus): Promise<number> => countSims(db, type, status),

    /** Loads the demo inventory (claimable SIMs, the eSIM pool, physical SIMs in stock); running it again adds nothing. */
    seedDemoInventory(): Promise<{ inserted: number; skipped: number }> {
      return importSims(demoInventory());
    },
  };
}

export type ProvisioningService = ReturnType<typeof createProvisioningService>;
