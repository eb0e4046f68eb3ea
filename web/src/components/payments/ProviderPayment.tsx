import { useRef, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { api, isApiError, newIdempotencyKey } from '../../api/client';
import { keys, usePaymentMethods } from '../../api/queries';
import type { PaymentView } from '../../api/types';
import { useLocale } from '../../lib/locale';
import { ErrorNotice } from '../ErrorNotice';
import { safeActionUrl } from '../PaymentForm';
import { SetupNotice, useReturningSetup } from './ReturningSetup';
import { QR_METHODS, isMobileScreen, savedLabel, savedMethodsOf, suitsDevice, usePaymentOptions, type SavedMethodView, type SetupView } from './model';

interface Choice {
  readonly key: string;
  readonly label: string;
  readonly body: Record<string, unknown>;
}

/**
 * Paying with the real providers this deployment offers: each shows its own step — Stripe's
 * 3-D Secure page or its Alipay / WeChat Pay page, PayPal's approval, Alipay's cashier or QR code,
 * WeChat Pay's QR code (computer) or H5 page (phone). A card is charged only once saved on
 * Stripe's own page ("add a card"): its number never reaches Roamline (PCI SAQ A). Renders nothing
 * when only the sandbox is offered.
 */
export function ProviderPayment({ orderId, totalText, beforePay, disabled }: {
  orderId?: string; totalText: string; beforePay?: () => Promise<string>; disabled?: boolean;
}) {
  const { t } = useLocale();
  const navigate = useNavigate();
  const client = useQueryClient();
  const options = usePaymentOptions().data;
  const saved = (usePaymentMethods().data ?? []) as readonly SavedMethodView[];
  const [choice, setChoice] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const attemptKey = useRef<string | null>(null);
  // Back from saving a card on the provider's page (`?setup=`): saved cards then show as choices.
  const returning = useReturningSetup();
  const mobile = isMobileScreen();
  const real = (options?.methods ?? []).filter((o) => o.flow !== 'test_cards' && o.flow !== 'off_session_only' && suitsDevice(o, mobile));
  if (real.length === 0) return null;

  const choices: Choice[] = real.flatMap((option): Choice[] => {
    const name = t(`payments.method.${option.method}`, { defaultValue: option.method });
    if (option.flow !== 'saved_only') {
      return [{ key: option.method, label: name, body: { method: option.method, ...(option.token !== undefined ? { paymentMethodToken: option.token } : {}) } }];
    }
    return savedMethodsOf(saved, option.provider, option.method)
      .map((m) => ({ key: `saved:${m.id}`, label: t('pay.savedCard', { card: savedLabel(m) }), body: { method: option.method, paymentMethodId: m.id } }));
  });
  const cardProviders = [...new Set(real.filter((o) => o.flow === 'saved_only').map((o) => o.provider))]
    .filter((p) => options?.providers.some((x) => x.provider === p && x.saveWithoutPayment) === true);
  const selected = choices.find((c) => c.key === choice) ?? choices[0];

  const run = async (work: (id: string) => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      const id = orderId ?? (await beforePay?.());
      if (id !== undefined) await work(id);
    } catch (caught) {
      if (isApiError(caught) && caught.status >= 400 && caught.status < 500 && caught.code !== 'request.idempotency_in_progress') attemptKey.current = null;
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const pay = (event: FormEvent) => {
    event.preventDefault();
    if (selected === undefined) return;
    void run(async (id) => {
      attemptKey.current ??= newIdempotencyKey();
      const reply = await api<{ payment: PaymentView }>('POST', `/orders/${encodeURIComponent(id)}/payments`, { body: selected.body, headers: { 'idempotency-key': attemptKey.current } });
      attemptKey.current = null;
      await client.invalidateQueries({ queryKey: keys.orders });
      const action = QR_METHODS.has(reply.payment.method) ? undefined : safeActionUrl(reply.payment.actionUrl);
      // A QR code is shown on the order's status page, which follows the payment until it arrives.
      if (action !== undefined) window.location.assign(action);
      else await navigate(`/orders/${encodeURIComponent(id)}`);
    });
  };
  const addCard = (provider: string) => void run(async (id) => {
    const { setup } = await api<{ setup: SetupView }>('POST', '/payment-methods', { body: { provider, returnPath: `/orders/${id}` } });
    const action = safeActionUrl(setup.actionUrl);
    if (action !== undefined) window.location.assign(action);
    else await client.invalidateQueries({ queryKey: keys.paymentMethods });
  });

  return (
    <form onSubmit={pay} className="payment provider-payment" aria-label={t('payments.title')}>
      <fieldset>
        <legend>{t('payments.title')}</legend>
        {choices.map((c) => (
          <label key={c.key} className="radio">
            <input type="radio" name="provider-method" value={c.key} checked={selected?.key === c.key} onChange={() => setChoice(c.key)} />
            {c.label}
          </label>
        ))}
        {cardProviders.map((provider) => (
          <p key={provider} className="hint">
            <button type="button" className="button small" disabled={busy || disabled === true} onClick={() => addCard(provider)}>
              {t(`payments.add.${provider}`, { defaultValue: t('payments.add.other') })}
            </button>{' '}
            {t('payments.cardAtProvider')}
          </p>
        ))}
      </fieldset>
      <SetupNotice setup={returning.setup} />
      <ErrorNotice error={error ?? returning.error} />
      {selected === undefined ? null : (
        <button type="submit" className="button primary wide big" disabled={busy || disabled === true}>
          {busy ? t('common.working') : t('payments.payWith', { total: totalText, method: selected.label })}
        </button>
      )}
    </form>
  );
}
