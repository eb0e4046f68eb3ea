import { DomainError, NotFoundError } from '../../platform/errors.js';
import type { PaymentsDeps } from './payments.context.js';
import { withTimeout } from './payments.provider.js';
import { deletePaymentMethod, findPaymentMethod, listPaymentMethods, type PaymentMethodRow } from './payments.repository.js';

/** Saved payment methods of a customer: what the provider keeps (brand, last 4, expiry), never a card number. */
export function createSavedMethods(deps: PaymentsDeps) {
  const { database, registry, log } = deps;
  const db = database.db;

  return {
    list: (customerId: string): Promise<PaymentMethodRow[]> => listPaymentMethods(db, customerId),

    /** Detaches the method at the provider, then forgets it; another customer's id is `request.not_found`. */
    async remove(customerId: string, id: string): Promise<void> {
      const method = await findPaymentMethod(db, customerId, id);
      if (method === undefined) throw new NotFoundError('payment method');
      const provider = registry.byName(method.provider);
      if (provider !== undefined) {
        try {
          await withTimeout(() => provider.detachPaymentMethod(method.provider_method_ref), deps.providerTimeoutMs, `${provider.name} detach`);
        } catch (error) {
          log.warn({ err: error, paymentMethodId: id }, 'could not detach the payment method at the provider');
          throw new DomainError('internal.unavailable', 'The payment provider did not answer; try again shortly', {}, 30);
        }
      }
      await deletePaymentMethod(db, customerId, id);
    },
  };
}
