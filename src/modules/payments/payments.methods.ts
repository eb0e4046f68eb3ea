import { DomainError, NotFoundError } from '../../platform/errors.js';
import type { PaymentsDeps } from './payments.context.js';
import { withTimeout, type PaymentProvider, type ProviderRegistry } from './payments.provider.js';
import { deletePaymentMethod, findPaymentMethod, listPaymentMethods, type PaymentMethodRow } from './payments.repository.js';

/** Why a saved method cannot be charged with the customer absent. */
export type OffSessionRefusal = 'not_found' | 'provider_unavailable' | 'not_off_session';

/**
 * Whether a saved method can be charged off-session (auto-renew), and as which method: its
 * provider must be offered here and declare the method it charges among its `offSessionMethods`
 * (Stripe `card`, PayPal vault, Alipay agreement, sandbox; never Stripe's Alipay or WeChat Pay,
 * nor WeChat Pay Native).
 */
export function offSessionUse(registry: ProviderRegistry, row: Pick<PaymentMethodRow, 'provider' | 'method'>): { provider: PaymentProvider; method: string } | OffSessionRefusal {
  const provider = registry.byName(row.provider);
  if (provider === undefined) return 'provider_unavailable';
  // Rows saved before methods were recorded charge their provider's one saved kind.
  const method = row.method ?? provider.offSessionMethods[0];
  return method !== undefined && provider.offSessionMethods.includes(method) ? { provider, method } : 'not_off_session';
}

export interface SavedMethod {
  readonly row: PaymentMethodRow;
  /** It can renew off-session with this deployment's providers (see `offSessionUse`). */
  readonly offSession: boolean;
}

/** Saved payment methods of a customer: what the provider keeps (brand, last 4, expiry), never a card number. */
export function createSavedMethods(deps: PaymentsDeps) {
  const { database, registry, log } = deps;
  const db = database.db;

  return {
    list: async (customerId: string): Promise<SavedMethod[]> =>
      (await listPaymentMethods(db, customerId)).map((row) => ({ row, offSession: typeof offSessionUse(registry, row) !== 'string' })),

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
