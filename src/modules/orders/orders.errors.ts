import { DomainError } from '../../platform/errors.js';
import type { OrderStatus } from './orders.js';

export const ordersErrors = {
  notPayable: (status: OrderStatus) => new DomainError('orders.not_payable', `The order is ${status} and cannot be paid`, { status }),
  notCancellable: (status: OrderStatus) => new DomainError('orders.not_cancellable', `The order is ${status} and cannot be cancelled`, { status }),
  lineRequired: () => new DomainError('orders.line_required', 'Renewals and top-ups need the line they are for (lineId)'),
  newSimRequired: () => new DomainError('orders.new_sim_required', 'A new SIM order needs newSim'),
  planKindMismatch: (expected: 'base' | 'addon') =>
    new DomainError('orders.plan_kind_mismatch', expected === 'base' ? 'Renewals and new SIMs need a base plan' : 'Top-ups need an add-on', { expected }),
  noActivePeriod: () => new DomainError('orders.no_active_period', 'A top-up needs a plan that is active on the line now'),
  contactRequired: () => new DomainError('orders.contact_required', 'Give a contact phone number or e-mail address for the confirmation'),
  amountMismatch: () => new DomainError('orders.amount_mismatch', 'The payment does not match the order total'),
};
