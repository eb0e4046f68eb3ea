import { DomainError } from '../../platform/errors.js';

/** Errors of the provisioning module; codes are in the platform's one catalogue. */
export const provisioningErrors = {
  /**
   * 503, not 409: the customer's request is right and nothing they change makes it succeed; the
   * operator has to restock the pool. Fulfilment jobs retry it with backoff.
   */
  esimPoolEmpty: () => new DomainError('provisioning.esim_pool_empty', 'No eSIM profile is available right now; try again later'),
  physicalStockEmpty: () => new DomainError('provisioning.physical_stock_empty', 'No physical SIM is in stock right now; try again later'),
  simUnavailable: (iccid: string) => new DomainError('provisioning.sim_unavailable', 'This SIM is already assigned or cannot be assigned', { iccid }),
  simRecordInvalid: (index: number, field: string, reason: string) =>
    new DomainError('provisioning.sim_record_invalid', `SIM record ${index}: ${field} ${reason}`, { index, field }),
  inventoryBusy: () => new DomainError('internal.unavailable', 'The SIM inventory is busy; try again', {}, 1),
};
