import { useRef, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { api, newIdempotencyKey } from '../api/client';
import { keys, usePaymentMethods } from '../api/queries';
import { isApiError } from '../api/client';
import type { PaymentView } from '../api/types';
import { useLocale } from '../lib/locale';
import { ErrorNotice } from './ErrorNotice';
import { savedLabel, savedMethodsOf, type SavedMethodView } from './payments/model';

/** The sandbox provider's test cards (npm start pays with these; nothing real is charged). */
export const SANDBOX_CARDS = [
  { token: 'pm_sandbox_visa', key: 'visa' },
  { token: 'pm_sandbox_declined', key: 'declined' },
  { token: 'pm_sandbox_3ds', key: 'threeDs' },
  { token: 'pm_sandbox_slow', key: 'slow' },
] as const;

/** Where the provider's own step (3-D Secure) happens: a web page, never another scheme (javascript:, data:). */
export function safeActionUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  return (url.startsWith('/') && !url.startsWith('//')) || /^https?:\/\//i.test(url) ? url : undefined;
}

/**
 * Pays an order with the sandbox: a method saved with it or one of its test cards (methods saved
 * with the other providers are in `ProviderPayment`). A provider step (3-D Secure) opens the
 * provider's page, which returns to the order's status page.
 */
export function PaymentForm({ orderId, totalText, beforePay, disabled, onFailure }: {
  orderId?: string; totalText: string; beforePay?: () => Promise<string>; disabled?: boolean; onFailure?: (error: unknown) => void;
}) {
  const { t } = useLocale();
  const navigate = useNavigate();
  const client = useQueryClient();
  // Every choice here is paid as `method: 'sandbox'`: only the sandbox's own saved methods.
  const saved = savedMethodsOf((usePaymentMethods().data ?? []) as readonly SavedMethodView[], 'sandbox', 'sandbox');
  const [choice, setChoice] = useState<string>('card:pm_sandbox_visa');
  const [save, setSave] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // One key per attempt: a retry after a lost answer reuses it, so the order is never paid twice.
  const attemptKey = useRef<string | null>(null);
  const pay = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const id = orderId ?? (await beforePay?.());
      if (id === undefined) return;
      attemptKey.current ??= newIdempotencyKey();
      const [kind, value = ''] = choice.split(/:(.*)/s);
      const body = kind === 'saved'
        ? { method: 'sandbox', paymentMethodId: value }
        : { method: 'sandbox', paymentMethodToken: value, savePaymentMethod: save };
      const reply = await api<{ payment: PaymentView }>('POST', `/orders/${encodeURIComponent(id)}/payments`, { body, headers: { 'idempotency-key': attemptKey.current } });
      attemptKey.current = null;
      await client.invalidateQueries({ queryKey: keys.orders });
      if (save) await client.invalidateQueries({ queryKey: keys.paymentMethods });
      const action = safeActionUrl(reply.payment.actionUrl);
      if (action !== undefined) {
        window.location.assign(action);
        return;
      }
      await navigate(`/orders/${encodeURIComponent(id)}`);
    } catch (caught) {
      // A definite answer (a decline, a bad card) ends this attempt; after a lost answer the same
      // key is sent again, so the provider cannot charge twice.
      if (isApiError(caught) && caught.status >= 400 && caught.status < 500 && caught.code !== 'request.idempotency_in_progress') attemptKey.current = null;
      setError(caught);
      onFailure?.(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(event) => void pay(event)} className="payment">
      <fieldset>
        <legend>{t('pay.method')}</legend>
        {saved.map((method) => (
          <label key={method.id} className="radio">
            <input type="radio" name="method" value={`saved:${method.id}`} checked={choice === `saved:${method.id}`} onChange={() => setChoice(`saved:${method.id}`)} />
            {t('pay.savedCard', { card: savedLabel(method) })}
          </label>
        ))}
        {SANDBOX_CARDS.map((card) => (
          <label key={card.token} className="radio">
            <input type="radio" name="method" value={`card:${card.token}`} checked={choice === `card:${card.token}`} onChange={() => setChoice(`card:${card.token}`)} />
            {t(`pay.sandbox.${card.key}`)}
          </label>
        ))}
        <p className="hint">{t('pay.sandboxHint')}</p>
      </fieldset>
      {choice.startsWith('card:') ? (
        <label className="check">
          <input type="checkbox" checked={save} onChange={(event) => setSave(event.target.checked)} />
          {t('pay.saveCard')}
        </label>
      ) : null}
      <ErrorNotice error={error} />
      <button type="submit" className="button primary wide big" disabled={busy || disabled === true}>
        {busy ? t('common.working') : t('pay.payTotal', { total: totalText })}
      </button>
    </form>
  );
}
