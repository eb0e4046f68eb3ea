import { useEffect, useRef } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { isTerminalOrder, keys, useOrder } from '../api/queries';
import type { OrderView } from '../api/types';
import { PaymentForm } from '../components/PaymentForm';
import { ProviderPayment } from '../components/payments/ProviderPayment';
import { ProviderStep } from '../components/payments/ProviderStep';
import { PriceSummary } from '../components/PriceSummary';
import { ShippingAddress } from '../components/ShippingAddress';
import { QueryState } from '../components/Status';
import { formatDateTime, formatMoney } from '../lib/format';
import { useLocale } from '../lib/locale';

const STEPS = ['pending_payment', 'paid', 'fulfilled'] as const;
const IN_FLIGHT: ReadonlySet<string> = new Set(['created', 'pending', 'unknown']);

function Progress({ order }: { order: OrderView }) {
  const { t } = useLocale();
  const reached = STEPS.indexOf(order.status as (typeof STEPS)[number]);
  const failed = reached === -1;
  return (
    <ol className={`progress ${failed ? 'progress-stopped' : ''}`}>
      {STEPS.map((step, index) => (
        <li key={step} className={!failed && index <= reached ? 'done' : undefined} aria-current={!failed && index === reached ? 'step' : undefined}>
          {t(`orders.step.${step}`)}
        </li>
      ))}
    </ol>
  );
}

/** Follows an order until it is fulfilled (or stops), saying each change aloud to screen readers. */
export default function OrderStatus() {
  const { id = '' } = useParams();
  const { t, locale, pick } = useLocale();
  const client = useQueryClient();
  const order = useOrder(id);
  const status = order.data?.status;
  const previous = useRef(status);
  useEffect(() => {
    // Fulfilment changes the line's balances and validity: refresh them once it lands.
    if (status === 'fulfilled' && previous.current !== 'fulfilled') void client.invalidateQueries({ queryKey: keys.lines });
    previous.current = status;
  }, [status, client]);
  return (
    <section className="narrow">
      <h1>{t('orders.statusTitle')}</h1>
      <QueryState isPending={order.isPending} error={order.error}>
        {() => {
          const o = order.data;
          if (o === undefined) return null;
          const pendingAction = o.payments.find((p) => p.status === 'requires_action' && p.actionUrl !== undefined);
          // A payment the provider has not answered yet: paying again now would only be refused.
          const confirming = o.status === 'pending_payment' && o.payments.some((p) => IN_FLIGHT.has(p.status));
          return (
            <>
              <p className={`status-line status-${o.status}`} role="status" aria-live="polite">
                <strong>{t(`orders.status.${o.status}`)}</strong> — {t(`orders.explain.${o.status}`)}
              </p>
              <Progress order={o} />
              {o.status === 'pending_payment' && o.lastPaymentFailure
                ? <p className="notice notice-error" role="alert">{t('orders.paymentFailed', { reason: t(`pay.failure.${o.lastPaymentFailure}`, { defaultValue: t('pay.failure.other') }) })}</p> : null}
              <section className="card" aria-labelledby="order-summary">
                <h2 id="order-summary">{pick(o.planName)}</h2>
                <p className="muted">{t(`orders.kind.${o.kind}`)} · {t('orders.placed', { date: formatDateTime(o.createdAt, locale) })}</p>
                <PriceSummary summary={o} period={o.period} promotionCode={o.promotionCode} bonusDataBytes={o.bonusDataBytes} paid={o.paidAt !== null} />
                <ShippingAddress order={o} />
              </section>
              {o.status === 'pending_payment' && pendingAction !== undefined ? <ProviderStep payment={pendingAction} /> : null}
              {confirming ? <p className="notice notice-info"><span className="spinner" aria-hidden="true" /> {t('orders.confirming')}</p> : null}
              {o.status === 'pending_payment' && !confirming ? (
                <section className="card" aria-labelledby="pay-now">
                  <h2 id="pay-now">{t('checkout.payTitle')}</h2>
                  <p className="hint">{t('orders.payBy', { date: formatDateTime(o.expiresAt, locale) })}</p>
                  <PaymentForm orderId={o.id} totalText={formatMoney(o.totalMinor, o.currency, locale)} />
                  <ProviderPayment orderId={o.id} totalText={formatMoney(o.totalMinor, o.currency, locale)} />
                </section>
              ) : null}
              <div className="actions">
                {o.status === 'paid' || o.status === 'fulfilled' || o.status === 'refunded'
                  ? <a className="button" href={`/api/v1/orders/${encodeURIComponent(o.id)}/receipt.pdf`} download>{t('orders.receipt')}</a> : null}
                {o.lineId && isTerminalOrder(o.status) ? <Link className="button primary" to={`/lines/${encodeURIComponent(o.lineId)}`}>{t('orders.toLine')}</Link> : null}
                <Link className="button" to="/orders">{t('orders.all')}</Link>
              </div>
            </>
          );
        }}
      </QueryState>
    </section>
  );
}
