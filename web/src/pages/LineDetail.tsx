import { lazy, Suspense, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useAutoRenew, useLine, usePlan, useUsage } from '../api/queries';
import type { LineDetail as Line, UsageGranularity } from '../api/types';
import { AutoRenewPanel } from '../components/AutoRenewPanel';
import { AllowanceBars, ExpiryWarning, RenewLink, StatusBadge } from '../components/LineCard';
import { Loading, QueryState } from '../components/Status';
import { formatDateTime, formatPeriod } from '../lib/format';
import { useLocale } from '../lib/locale';

const UsageChart = lazy(() => import('../components/UsageChart'));
const EsimInstall = lazy(() => import('../components/EsimInstall'));

const GRANULARITIES: readonly UsageGranularity[] = ['day', 'hour'];

/** Usage per day of the last 30 days, or per hour of the last 24 hours. */
function Usage({ lineId }: { lineId: string }) {
  const { t } = useLocale();
  const [granularity, setGranularity] = useState<UsageGranularity>('day');
  const usage = useUsage(lineId, granularity);
  return (
    <>
      <div className="segmented" role="group" aria-label={t('lines.usageRange')}>
        {GRANULARITIES.map((g) => (
          <button key={g} type="button" aria-pressed={granularity === g} onClick={() => setGranularity(g)}>{t(`lines.usageLast.${g}`)}</button>
        ))}
      </div>
      <QueryState isPending={usage.isPending} error={usage.error}>
        {() => (usage.data === undefined ? null : <Suspense fallback={<Loading />}><UsageChart chart={usage.data} /></Suspense>)}
      </QueryState>
    </>
  );
}

function LineView({ line }: { line: Line }) {
  const { t, locale, pick } = useLocale();
  const plan = usePlan(line.planCode ?? undefined).data;
  const autoRenew = useAutoRenew(line.id, line.planCode !== null).data;
  return (
    <>
      <header className="page-head">
        <div>
          <h1>{line.msisdn}</h1>
          <p className="muted">{t(`lines.type.${line.type}`)} · ICCID {line.iccid}</p>
        </div>
        <StatusBadge status={line.status} />
      </header>
      <ExpiryWarning line={line} autoRenewing={autoRenew?.enabled === true} />
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
          <AutoRenewPanel line={line} />
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
