import type { PlatformContext } from '../../platform/context.js';
import type { Money } from '../../platform/money.js';
import type { OrderGateway } from './payments.gateway.js';
import type { OutcomeStatus } from './payments.js';
import type { ProviderPayment, ProviderRegistry, SavedMethodDetails } from './payments.provider.js';

export interface PaymentsDeps extends PlatformContext {
  readonly gateway: OrderGateway;
  readonly registry: ProviderRegistry;
  /** Upper bound of one provider call. */
  readonly providerTimeoutMs: number;
  /** After this, a payment still `created` has no call in flight any more: its timeout has passed. */
  readonly settleAfterMs: number;
}

/** What one answer (create, cancel, webhook, reconciliation) says about a payment. */
export interface Outcome {
  readonly status: OutcomeStatus;
  readonly providerPaymentId?: string;
  readonly actionUrl?: string;
  readonly failureCode?: string;
  readonly amount?: Money;
  readonly savedMethod?: SavedMethodDetails;
}

export function outcomeOf(answer: ProviderPayment): Outcome {
  return {
    status: answer.status,
    providerPaymentId: answer.providerPaymentId,
    ...(answer.actionUrl !== undefined ? { actionUrl: answer.actionUrl } : {}),
    ...(answer.failureCode !== undefined ? { failureCode: answer.failureCode } : {}),
    ...(answer.amount !== undefined ? { amount: answer.amount } : {}),
    ...(answer.savedMethod !== undefined ? { savedMethod: answer.savedMethod } : {}),
  };
}
