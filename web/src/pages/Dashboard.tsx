import { useQueries } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api/client';
import { keys, useLines, useMe } from '../api/queries';
import type { LineDetail } from '../api/types';
import { ErrorNotice } from '../components/ErrorNotice';
import { LineCard } from '../components/LineCard';
import { Loading } from '../components/Status';

/** Home: every line with what is left, when it ends, and a renew button. */
export function Dashboard() {
  const { t } = useTranslation();
  const me = useMe().data;
  const lines = useLines();
  const details = useQueries({
    queries: (lines.data ?? []).map((line) => ({
      queryKey: keys.line(line.id),
      queryFn: () => api<LineDetail>('GET', `/lines/${encodeURIComponent(line.id)}`),
      staleTime: 30_000,
    })),
  });
  const greeting = me?.name ? t('dashboard.helloName', { name: me.name }) : t('dashboard.hello');
  return (
    <section>
      <h1>{t('dashboard.title')}</h1>
      <p className="lead">{greeting}</p>
      {lines.error ? <ErrorNotice error={lines.error} /> : null}
      {lines.isPending ? <Loading /> : null}
      {lines.data?.length === 0 ? (
        <div className="card empty">
          <h2>{t('dashboard.noLinesTitle')}</h2>
          <p>{t('dashboard.noLines')}</p>
          <div className="actions">
            <Link className="button primary" to="/plans">{t('dashboard.buyEsim')}</Link>
            <Link className="button" to="/lines/claim">{t('dashboard.claimSim')}</Link>
          </div>
        </div>
      ) : null}
      <div className="stack">
        {(lines.data ?? []).map((line, index) => {
          const detail = details[index];
          if (detail?.data !== undefined) return <LineCard key={line.id} line={detail.data} />;
          if (detail?.error) return <ErrorNotice key={line.id} error={detail.error} />;
          return <LineCard key={line.id} line={{ ...line, esim: null, allowances: [] }} />;
        })}
      </div>
      {lines.data !== undefined && lines.data.length > 0 ? (
        <p className="center"><Link to="/lines/claim">{t('dashboard.claimAnother')}</Link></p>
      ) : null}
    </section>
  );
}
