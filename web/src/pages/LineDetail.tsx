import { lazy, Suspense, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api } from '../api/client';
import { keys, useLine, usePlan, useUsage } from '../api/queries';
import type { LineDetail as Line } from '../api/types';
import { ErrorNotice } from '../components/ErrorNotice';
import { AllowanceBars, ExpiryWarning, RenewLink, StatusBadge } from '../components/LineCard';
import { Loading, QueryState } from '../components/Status';
import { formatDateTime, formatPeriod } from '../lib/format';
import { useLocale } from '../lib/locale';

const UsageChart = lazy(() => import('../components/UsageChart'));
const EsimInstall = lazy(() => import('../components/EsimInstall'));

function Usage({ lineId }: { lineId: string }) {
  const { t } = useLocale();
  const usage = useUsage(lineId);
  if (usage.isPending) return <Loading />;
  const points = usage.data?.points ?? usage.data?.usage;
  if (usage.error || points === undefined) return <p className="muted">{t('lines.usageUnavailable')}</p>;
  return <Suspense fallback={<Loading />}><UsageChart points={points} /></Suspense>;
}

function AutoRenew({ line }: { line: Line }) {
  const { t, locale } = useLocale();
  const client = useQueryClient();
  const [enabled, setEnabled] = useState(line.autoRenew?.enabled ?? false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      await api('PUT', `/lines/${encodeURIComponent(line.id)}/auto-renew`, { body: { enabled, ...(line.planCode === null ? {} : { planCode: line.planCode }) } });
      await client.invalidateQueries({ queryKey: keys.line(line.id) });
      setSaved(true);
    } catch (caught) {
      setError(caught);
    }
    setBusy(false);
  };
  return (
    <form onSubmit={(event) => void save(event)}>
      <ErrorNotice error={error} />
      {saved ? <p className="notice notice-success" role="status">{t('common.saved')}</p> : null}
      <label className="check">
        <input type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} />
        {t('lines.autoRenewLabel')}
      </label>
      <p className="hint">{t('lines.autoRenewHint')}</p>
      {line.autoRenew?.enabled && line.autoRenew.nextRenewalAt
        ? <p>{t('lines.autoRenewNext', { date: formatDateTime(line.autoRenew.nextRenewalAt, locale) })}</p> : null}
      <button type="submit" className="button" disabled={busy}>{busy ? t('common.working') : t('common.save')}</button>
    </form>
  );
}

function LineView({ line }: { line: Line }) {
  const { t, locale, pick } = useLocale();
  const plan = usePlan(line.planCode ?? undefined).data;
  return (
    <>
      <header className="page-head">
        <div>
          <h1>{line.msisdn}</h1>
          <p className="muted">{t(`lines.type.${line.type}`)} · ICCID {line.iccid}</p>
        </div>
        <StatusBadge status={line.status} />
      </header>
      <ExpiryWarning line={line} />
      <section className="card" aria-labelledby="plan-title">
        <h2 id="plan-title">{plan === undefined ? t('lines.plan') : pick(plan.texts.name)}</h2>
        {line.currentPeriod === null ? <p className="muted">{t('lines.noPeriod')}</p> : (
          <dl className="facts">
            <div><dt>{t('lines.period')}</dt><dd>{formatPeriod(line.currentPeriod.startsAt, line.currentPeriod.endsAt, locale)}</dd></div>
            {line.validUntil === null ? null : <div><dt>{t('lines.validUntil')}</dt><dd>{formatDateTime(line.validUntil, locale)}</dd></div>}
            <div><dt>{t('lines.daysLeftLabel')}</dt><dd>{t('lines.daysLeft', { count: line.validityLeft.days })}</dd></div>
          </dl>
        )}
        <div className="actions">
          <RenewLink line={line} />
          {line.status === 'active' ? <Link className="button" to={`/plans?line=${encodeURIComponent(line.id)}&kind=addon`}>{t('lines.topUp')}</Link> : null}
          {line.planCode === null ? null : <Link className="button" to={`/plans?line=${encodeURIComponent(line.id)}`}>{t('lines.changePlan')}</Link>}
        </div>
      </section>
      <section className="card" aria-labelledby="left-title">
        <h2 id="left-title">{t('lines.whatIsLeft')}</h2>
        <AllowanceBars line={line} />
        {line.allowances.filter((a) => a.validUntil !== null && a.kind !== 'money').map((a) => (
          <p key={a.kind} className="hint">{t('lines.bucketUntil', { kind: t(`lines.kind.${a.kind}`), date: formatDateTime(a.validUntil ?? '', locale) })}</p>
        ))}
      </section>
      <section className="card" aria-labelledby="usage-title">
        <h2 id="usage-title">{t('lines.usageTitle')}</h2>
        <Usage lineId={line.id} />
      </section>
      {line.esim === null ? null : (
        <section className="card" aria-labelledby="esim-title">
          <h2 id="esim-title">{t('esim.title')}</h2>
          <Suspense fallback={<Loading />}><EsimInstall esim={line.esim} /></Suspense>
        </section>
      )}
      {line.planCode === null ? null : (
        <section className="card" aria-labelledby="renew-title">
          <h2 id="renew-title">{t('lines.autoRenewTitle')}</h2>
          {line.autoRenew === undefined ? <p className="muted">{t('lines.autoRenewUnavailable')}</p> : <AutoRenew line={line} />}
        </section>
      )}
    </>
  );
}

export default function LineDetail() {
  const { id = '' } = useParams();
  const line = useLine(id);
  return <section><QueryState isPending={line.isPending} error={line.error}>{() => (line.data === undefined ? null : <LineView line={line.data} />)}</QueryState></section>;
}
