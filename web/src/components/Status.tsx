import { useTranslation } from 'react-i18next';
import { ErrorNotice } from './ErrorNotice';

export function Loading() {
  const { t } = useTranslation();
  return <p className="loading" role="status"><span className="spinner" aria-hidden="true" />{t('common.loading')}</p>;
}

/** Loading, error or the content: the three states every query has. */
export function QueryState({ isPending, error, children }: { isPending: boolean; error: unknown; children: () => React.ReactNode }) {
  if (error !== null && error !== undefined) return <ErrorNotice error={error} />;
  if (isPending) return <Loading />;
  return <>{children()}</>;
}
