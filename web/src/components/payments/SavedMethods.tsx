import { useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { keys, usePaymentMethods } from '../../api/queries';
import { useLocale } from '../../lib/locale';
import { ErrorNotice } from '../ErrorNotice';
import { safeActionUrl } from '../PaymentForm';
import { SetupNotice, useReturningSetup } from './ReturningSetup';
import { savedLabel, usePaymentOptions, type SavedMethodView, type SetupView } from './model';
import { useAction } from '../useAction';

const SANDBOX_CARD = 'pm_sandbox_visa';

/**
 * The account's saved payment methods: brand, last four digits, expiry, and whether each can renew
 * automatically; "add" starts the provider's own step (a card on Stripe's page, an Alipay
 * agreement on Alipay's page, the sandbox's test card at once). Card numbers never reach Roamline.
 */
export function SavedMethods() {
  const { t } = useLocale();
  const client = useQueryClient();
  const methods = usePaymentMethods();
  const options = usePaymentOptions().data;
  const returning = useReturningSetup();
  const { busy, error, run } = useAction();
  const list = (methods.data ?? []) as readonly SavedMethodView[];
  const addable = (options?.providers ?? []).filter((p) => p.saveWithoutPayment);

  const add = (provider: string) => void run(async () => {
    const { setup } = await api<{ setup: SetupView }>('POST', '/payment-methods', {
      body: { provider, returnPath: '/account', ...(provider === 'sandbox' ? { paymentMethodToken: SANDBOX_CARD } : {}) },
    });
    const action = safeActionUrl(setup.actionUrl);
    if (setup.status === 'requires_action' && action !== undefined) {
      window.location.assign(action);
      return;
    }
    await client.invalidateQueries({ queryKey: keys.paymentMethods });
  });
  const remove = (id: string) => void run(async () => {
    await api('DELETE', `/payment-methods/${encodeURIComponent(id)}`);
    await client.invalidateQueries({ queryKey: keys.paymentMethods });
  });

  const setup = returning.setup;
  return (
    <div className="saved-methods">
      <ErrorNotice error={error ?? returning.error} />
      <SetupNotice setup={setup} />
      {methods.error ? <p className="muted">{t('account.paymentMethodsUnavailable')}</p> : null}
      {!methods.error && list.length === 0 ? <p className="muted">{t('account.noPaymentMethods')}</p> : null}
      <ul className="plain sessions">
        {list.map((method) => (
          <li key={method.id} data-method={method.method ?? method.provider}>
            <div>
              <strong>{savedLabel(method)}</strong>{' '}
              <span className={`badge ${method.offSession === true ? 'badge-active' : ''}`}>
                {t(method.offSession === true ? 'payments.renewsAutomatically' : 'payments.notForAutoRenew')}
              </span>
              <p className="muted">{t(`payments.provider.${method.provider}`, { defaultValue: method.provider })}</p>
            </div>
            <button type="button" className="button small" disabled={busy} onClick={() => remove(method.id)}>{t('account.remove')}</button>
          </li>
        ))}
      </ul>
      <div className="actions">
        {addable.map((p) => (
          <button key={p.provider} type="button" className="button" disabled={busy} onClick={() => add(p.provider)}>
            {t(`payments.add.${p.provider}`, { defaultValue: t('payments.add.other') })}
          </button>
        ))}
      </div>
      {addable.some((p) => p.provider !== 'sandbox') ? <p className="hint">{t('payments.cardAtProvider')}</p> : null}
    </div>
  );
}
