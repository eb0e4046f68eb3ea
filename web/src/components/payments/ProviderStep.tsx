import { useEffect, useState } from 'react';
import type { PaymentSummaryView } from '../../api/types';
import { useLocale } from '../../lib/locale';
import { safeActionUrl } from '../PaymentForm';
import { QR_METHODS } from './model';

/** The QR code of a wallet payment (Alipay precreate, WeChat Pay Native), drawn by `qrcode` in its own chunk. */
function PaymentQr({ method, content }: { method: string; content: string }) {
  const { t } = useLocale();
  const [svg, setSvg] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void import('qrcode').then(({ default: QRCode }) => QRCode.toString(content, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })).then((text) => {
      if (live) setSvg(text);
    });
    return () => {
      live = false;
    };
  }, [content]);
  return (
    <figure className="qr payment-qr" data-method={method}>
      {svg === null ? null : <div className="qr-image" role="img" aria-label={t('payments.qrAlt')} dangerouslySetInnerHTML={{ __html: svg }} />}
      <figcaption className="hint">{t(method === 'wechatpay_native' ? 'payments.scanWechat' : 'payments.scanAlipay')}</figcaption>
    </figure>
  );
}

/**
 * The provider's own step of a payment waiting for the customer: a QR code to scan with the
 * wallet app, or the provider's page (Stripe's 3-D Secure, Alipay or WeChat Pay page, PayPal's
 * approval) to continue on. The order's status page polls until the payment arrives.
 */
export function ProviderStep({ payment }: { payment: Pick<PaymentSummaryView, 'method' | 'provider' | 'actionUrl'> }) {
  const { t } = useLocale();
  const action = payment.actionUrl;
  if (action === undefined) return null;
  if (QR_METHODS.has(payment.method)) {
    return (
      <section className="card provider-step" aria-labelledby="scan-title">
        <h2 id="scan-title">{t('payments.scanTitle')}</h2>
        <PaymentQr method={payment.method} content={action} />
        <p className="hint">{t('payments.waiting')}</p>
      </section>
    );
  }
  const url = safeActionUrl(action);
  if (url === undefined) return null;
  return (
    <p className="provider-step">
      <a className="button primary wide" href={url}>
        {/* A card's step is the bank's check (3-D Secure); a wallet's is the provider's page. */}
        {payment.method === 'sandbox' || payment.method === 'card'
          ? t('orders.continueBank') : t('payments.continueAt', { provider: t(`payments.provider.${payment.provider}`, { defaultValue: payment.provider }) })}
      </a>
    </p>
  );
}
