import type Stripe from 'stripe';
import type { Language } from '../../../platform/i18n.js';
import { ProviderUnavailableError, type CreateProviderSetup, type ProviderSetup, type ProviderSetupFlow } from '../payments.provider.js';
import { METADATA_CUSTOMER_ID, savedCardOf } from './stripe.js';

/** Our setup id in the SetupIntent's and the Checkout Session's metadata: the webhook names the setup by it. */
export const METADATA_SETUP_ID = 'roamline_setup_id';
/** SetupIntent events the platform applies (as `setup` events); Checkout's expiry closes an abandoned page. */
export const SETUP_EVENTS = new Set(['setup_intent.succeeded', 'setup_intent.setup_failed', 'setup_intent.canceled', 'checkout.session.expired']);

const CHECKOUT_LOCALE: Record<Language, Stripe.Checkout.SessionCreateParams.Locale> = { en: 'en', 'zh-CN': 'zh', 'zh-TW': 'zh-TW' };

/** A Checkout Session in setup mode, read back with its SetupIntent and card. */
export function setupOfSession(session: Stripe.Checkout.Session): ProviderSetup {
  const intent = typeof session.setup_intent === 'object' ? session.setup_intent : null;
  if (intent?.status === 'succeeded') {
    const card = savedCardOf(intent.payment_method);
    return { status: 'succeeded', providerSetupId: session.id, ...(card !== undefined ? { savedMethod: card } : {}) };
  }
  if (intent?.status === 'canceled') return { status: 'cancelled', providerSetupId: session.id, failureCode: intent.cancellation_reason ?? 'canceled' };
  if (session.status === 'expired') return { status: 'cancelled', providerSetupId: session.id, failureCode: 'expired' };
  // The customer is still on Stripe's page (where a declined card can be retried).
  return { status: 'requires_action', providerSetupId: session.id, ...(session.url !== null ? { actionUrl: session.url } : {}) };
}

/**
 * Saving a card without paying, for off-session renewal: a Checkout Session in `setup` mode, so
 * that the card is entered on Stripe's hosted page (PCI SAQ A, no script of ours or Stripe's in the
 * portal). Stripe creates the SetupIntent (`usage: off_session`) and attaches the card to the
 * customer's Stripe Customer; its `setup_intent.succeeded` webhook, or the customer's return,
 * makes the platform read the session back and save the card's brand, last four digits and expiry.
 */
export function createStripeSetupFlow(stripe: Stripe, customerFor: (customerId: string) => Promise<string>, unavailable: (what: string, error: unknown) => Error): ProviderSetupFlow {
  async function createSetup(input: CreateProviderSetup): Promise<ProviderSetup> {
    const metadata = { [METADATA_SETUP_ID]: input.setupId, [METADATA_CUSTOMER_ID]: input.customerId };
    try {
      const customer = await customerFor(input.customerId);
      const session = await stripe.checkout.sessions.create({
        mode: 'setup', customer, allowed_payment_method_types: ['card'], locale: CHECKOUT_LOCALE[input.language],
        success_url: input.returnUrl, cancel_url: input.returnUrl, client_reference_id: input.setupId,
        metadata, setup_intent_data: { metadata },
      }, { idempotencyKey: input.idempotencyKey });
      if (session.url === null) throw new ProviderUnavailableError('stripe checkout session without a url');
      return { status: 'requires_action', providerSetupId: session.id, actionUrl: session.url };
    } catch (error) {
      if (error instanceof ProviderUnavailableError) throw error;
      throw unavailable('create setup', error);
    }
  }

  async function getSetup(ref: { idempotencyKey: string; providerSetupId: string | undefined }): Promise<ProviderSetup | undefined> {
    // A session whose create answer was lost is never shown to the customer: nothing to save.
    if (ref.providerSetupId === undefined || !ref.providerSetupId.startsWith('cs_')) return undefined;
    try {
      return setupOfSession(await stripe.checkout.sessions.retrieve(ref.providerSetupId, { expand: ['setup_intent', 'setup_intent.payment_method'] }));
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw unavailable('get setup', error);
    }
  }

  return { method: 'card', createSetup, getSetup };
}

/** A verified SetupIntent or Checkout event as a `setup` event; undefined for one that is not ours. */
export function setupEventOf(event: Stripe.Event): { eventId: string; providerPaymentId: string; paymentId: string; status: ProviderSetup['status'] } | undefined {
  const object = event.data.object as { object?: string; id?: string; metadata?: Record<string, string> | null; mode?: string };
  const setupId = object.metadata?.[METADATA_SETUP_ID];
  if (setupId === undefined || typeof object.id !== 'string') return undefined;
  const status = event.type === 'setup_intent.succeeded' ? 'succeeded'
    : event.type === 'setup_intent.setup_failed' ? 'requires_action'
      : 'cancelled';
  return { eventId: event.id, providerPaymentId: object.id, paymentId: setupId, status };
}
