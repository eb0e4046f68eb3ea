import { useQueries } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../api/client';
import { keys, useOrders } from '../api/queries';
import type { PlanView } from '../api/types';
import { QueryState } from '../components/Status';
import { formatDate, formatMoney } from '../lib/format';
import { useLocale } from '../lib/locale';

/** Order history: status, amount, and the receipt of every paid order. */
export default function Orders() {
  const { t, locale, pick } = useLocale();
  const orders = useOrders();
  const codes = [...new Set((orders.data ?? []).map((order) => order.planCode))];
  const planQueries = useQueries({
    queries: codes.map((code) => ({ queryKey: keys.plan(code), queryFn: () => api<PlanView>('GET', `/plans/${encodeURIComponent(code)}`), staleTime: 5 * 60_000 })),
  });
  const plans = new Map(planQueries.flatMap((query) => (query.data === undefined ? [] : [[query.data.code, pick(query.data.texts.name)] as const])));
  return (
    <section>
      <h1>{t('orders.title')}</h1>
      <QueryState isPending={orders.isPending} error={orders.error}>
        {() => (orders.data?.length ?? 0) === 0 ? (
          <div className="card empty"><p>{t('orders.none')}</p><Link className="button primary" to="/plans">{t('dashboard.buyEsim')}</Link></div>
        ) : (
          <ul className="stack plain">
            {(orders.data ?? []).map((order) => (
              <li key={order.id} className="card order-row">
                <div>
                  <Link to={`/orders/${encodeURIComponent(order.id)}`} className="order-link">{plans.get(order.planCode) ?? order.planCode}</Link>
                  <p className="muted">{formatDate(order.createdAt, locale)} · {t(`orders.kind.${order.kind}`)}</p>
                </div>
                <div className="order-side">
                  <span className={`badge badge-order-${order.status}`}>{t(`orders.status.${order.status}`)}</span>
                  <strong>{formatMoney(order.totalMinor, order.currency, locale)}</strong>
                  {order.status === 'paid' || order.status === 'fulfilled' || order.status === 'refunded'
                    ? <a href={`/api/v1/orders/${encodeURIComponent(order.id)}/receipt.pdf`} download aria-label={t('orders.receiptFor', { date: formatDate(order.createdAt, locale) })}>{t('orders.receipt')}</a>
                    : null}
                </div>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </section>
  );
}
