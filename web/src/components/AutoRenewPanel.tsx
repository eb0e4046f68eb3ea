import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../api/client';
import { keys, useAutoRenew, usePaymentMethods } from '../api/queries';
import type { AutoRenewView, LineDetail } from '../api/types';
import { formatDateTime, formatMoney, formatPeriod } from '../lib/format';
import { useLocale } from '../lib/locale';
import { ErrorNotice } from './ErrorNotice';
import { safeActionUrl } from './PaymentForm';
import { offSessionMethods, savedLabel, type SavedMethodView } from './payments/model';
import { Loading } from './Status';
import { useAction } from './useAction';

function NextCharge({ view }: { view: AutoRenewView }) {
  const { t, locale } = useLocale();
  if (view.nextCharge === null) return null;
  const { at, totalMinor, currency, period } = view.nextCharge;
  return (
    <dl className="facts">
      <div><dt>{t('autoRenew.nextCharge')}</dt><dd>{formatDateTime(at, locale)}</dd></div>
      <div><dt>{t('autoRenew.amount')}</dt><dd>{formatMoney(totalMinor, currency, locale)}</dd></div>
      <div><dt>{t('checkout.period')}</dt><dd>{formatPeriod(period.startsAt, period.endsAt, locale)}</dd></div>
    </dl>
  );
}

/**
 * Auto-renew of a line: turning it on shows the price and the date of the next charge first (a
 * preview answer), and saves only when the traveller confirms that amount.
 */
export function AutoRenewPanel({ line }: { line: LineDetail }) {
  const { t, locale } = useLocale();
  const client = useQueryClient();
  const current = useAutoRenew(line.id);
  // Only a method the provider lets us charge while the traveller is away can renew the line.
  const methods = offSessionMethods((usePaymentMethods().data ?? []) as readonly SavedMethodView[]);
  const [methodId, setMethodId] = useState<string>('');
  const [preview, setPreview] = useState<AutoRenewView | null>(null);
  const { busy, error, run } = useAction();
  const path = `/lines/${encodeURIComponent(line.id)}/auto-renew`;

  const save = (view: AutoRenewView) => {
    client.setQueryData(keys.autoRenew(line.id), view);
    setPreview(null);
  };
  const currentId = current.data?.paymentMethod?.id;
  const chosenMethod = methodId || (methods.some((m) => m.id === currentId) ? currentId : methods[0]?.id) || '';
  const review = () => run(async () => {
    setPreview(await api<AutoRenewView>('PUT', path, { body: { enabled: true, confirm: false, ...(chosenMethod ? { paymentMethodId: chosenMethod } : {}) } }));
  });
  const confirm = (view: AutoRenewView) => run(async () => {
    save(await api<AutoRenewView>('PUT', path, {
      body: { enabled: true, confirm: true, ...(view.paymentMethod ? { paymentMethodId: view.paymentMethod.id } : {}), ...(view.nextCharge ? { expectedTotalMinor: view.nextCharge.totalMinor } : {}) },
    }));
  });
  const turnOff = () => run(async () => save(await api<AutoRenewView>('PUT', path, { body: { enabled: false, confirm: true } })));

  if (current.isPending) return <Loading />;
  if (current.error) return <ErrorNotice error={current.error} />;
  const view = current.data;
  const payUrl = safeActionUrl(view.renewal?.payUrl ?? undefined);
  return (
    <div className="auto-renew-panel">
      <ErrorNotice error={error} />
      {view.enabled ? (
        <>
          <p className="notice notice-success" role="status">
            {view.paymentMethod === null ? t('autoRenew.on') : t('autoRenew.onWith', { card: savedLabel(view.paymentMethod) })}
          </p>
          <NextCharge view={view} />
          {view.renewal !== null && view.renewal.failures > 0 ? (
            <p className="notice notice-warning" role="alert">
              {t('autoRenew.failed', { count: view.renewal.failures })}
              {view.renewal.nextAttemptAt === null ? null : <> {t('autoRenew.retry', { date: formatDateTime(view.renewal.nextAttemptAt, locale) })}</>}
              {payUrl === undefined ? null : <> <a href={payUrl}>{t('autoRenew.payNow')}</a></>}
            </p>
          ) : null}
          <button type="button" className="button" disabled={busy} onClick={() => void turnOff()}>{t('autoRenew.turnOff')}</button>
        </>
      ) : preview !== null ? (
        <>
          <p>{t('autoRenew.previewLead')}</p>
          <NextCharge view={preview} />
          {preview.paymentMethod === null ? null : <p className="muted">{t('autoRenew.chargedTo', { card: savedLabel(preview.paymentMethod) })}</p>}
          <div className="actions">
            <button type="button" className="button primary" disabled={busy} onClick={() => void confirm(preview)}>{t('autoRenew.confirm')}</button>
            <button type="button" className="button" disabled={busy} onClick={() => setPreview(null)}>{t('autoRenew.cancel')}</button>
          </div>
        </>
      ) : (
        <>
          <p className="muted">{view.disabledReason === 'expired' ? t('autoRenew.offExpired') : t('autoRenew.off')}</p>
          {methods.length === 0 ? (
            <p className="hint">{t('autoRenew.noOffSessionMethod')} <Link to="/account">{t('autoRenew.addMethod')}</Link></p>
          ) : (
            <>
              {methods.length > 1 ? (
                <div className="field">
                  <label htmlFor="auto-renew-method">{t('autoRenew.card')}</label>
                  <select id="auto-renew-method" value={chosenMethod} onChange={(event) => setMethodId(event.target.value)}>
                    {methods.map((m) => <option key={m.id} value={m.id}>{savedLabel(m)}</option>)}
                  </select>
                </div>
              ) : null}
              <button type="button" className="button primary" disabled={busy} onClick={() => void review()}>{t('autoRenew.turnOn')}</button>
            </>
          )}
          <p className="hint">{t('lines.autoRenewHint')}</p>
        </>
      )}
    </div>
  );
}
