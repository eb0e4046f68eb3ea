/**
 * SIM / eSIM inventory. Other modules use the service (`createProvisioningService`): allocate an
 * eSIM profile or reserve a physical SIM for a new line, find a claimable SIM by its number, bind a
 * SIM to a line. Errors: `provisioning.esim_pool_empty` and `provisioning.physical_stock_empty`
 * (503), `provisioning.sim_unavailable` (409), `provisioning.sim_record_invalid` (400).
 */
export { createProvisioningService, MAX_IMPORT_SIMS, type ProvisioningDeps, type ProvisioningService } from './provisioning.service.js';
export { provisioningMigrations } from './provisioning.migrations.js';
export { localSmdpClient, type EsimProfileRef, type SmdpClient } from './smdp.js';
export { DEMO_CLAIMABLE_SIMS, DEMO_ESIM_POOL_SIZE, DEMO_PHYSICAL_STOCK_SIZE, DEMO_SMDP_ADDRESS } from './provisioning.demo.js';
export {
  SIM_STATUSES, SIM_TRANSITIONS, SIM_TYPES, activationCodeOf, esimActivationOf, isValidIccid, luhnCheckDigit, withLuhnCheckDigit,
  type EsimActivation, type Sim, type SimImport, type SimStatus, type SimType,
} from './provisioning.js';
