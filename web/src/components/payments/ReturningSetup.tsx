import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { keys } from '../../api/queries';
import { useLocale } from '../../lib/locale';
import type { SetupView } from './model';

/** Back from the provider's page (`?setup=set_...`): asks once whether the method was saved, and says so. */
export function useReturningSetup(): { setup: SetupView | null; error: unknown } {
  const client = useQueryClient();
  const [params, setParams] = useSearchParams();
  const setupId = params.get('setup');
  const [setup, setSetup] = useState<SetupView | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (setupId === null || !/^set_[0-9A-Z]{26}$/.test(setupId)) return;
    let live = true;
    void api<{ setup: SetupView }>('POST', `/payment-methods/setups/${encodeURIComponent(setupId)}/confirm`, { body: {} })
      .then(async (reply) => {
        if (!live) return;
        setSetup(reply.setup);
        await client.invalidateQueries({ queryKey: keys.paymentMethods });
        setParams((next) => { next.delete('setup'); return next; }, { replace: true });
      })
      .catch((caught: unknown) => { if (live) setError(caught); });
    return () => {
      live = false;
    };
  }, [setupId]);
  return { setup, error };
}

/** Says whether the method of a setup the customer came back from was saved. */
export function SetupNotice({ setup }: { setup: SetupView | null }) {
  const { t } = useLocale();
  if (setup === null) return null;
  return (
    <p className={`notice ${setup.status === 'succeeded' ? 'notice-success' : setup.status === 'requires_action' ? 'notice-info' : 'notice-error'}`} role="status">
      {t(setup.status === 'succeeded' ? 'payments.setupSaved' : setup.status === 'requires_action' ? 'payments.setupWaiting' : 'payments.setupFailed')}
    </p>
  );
}
