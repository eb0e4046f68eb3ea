import type { PeriodView, PriceSummary as Summary } from '../api/types';
import { formatMoney, formatPeriod } from '../lib/format';
import { useLocale } from '../lib/locale';

/** Every amount of a quote or order, and the exact period it pays for. */
export function PriceSummary({ summary, period, promotionCode, bonusDataBytes = 0, paid = false }: {
  summary: Summary; period: PeriodView | null; promotionCode?: string | null | undefined; bonusDataBytes?: number; paid?: boolean;
}) {
  const { t, locale, amount } = useLocale();
  const money = (minor: number) => formatMoney(minor, summary.currency, locale);
  const rate = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 }).format(summary.taxRateBasisPoints / 10_000);
  return (
    <dl className="summary">
      <div><dt>{t('checkout.price')}</dt><dd>{money(summary.listPriceMinor)}</dd></div>
      <div><dt>{promotionCode ? t('checkout.discountCode', { code: promotionCode }) : t('checkout.discount')}</dt><dd>{summary.discountMinor > 0 ? `−${money(summary.discountMinor)}` : money(0)}</dd></div>
      <div><dt>{t('checkout.fees')}</dt><dd>{money(summary.feesMinor)}</dd></div>
      <div className="total"><dt>{paid ? t('checkout.totalPaid') : t('checkout.total')}</dt><dd>{money(summary.totalMinor)}</dd></div>
      <div className="tax"><dt>{t('checkout.taxIncluded', { rate, country: summary.taxCountry })}</dt><dd>{money(summary.taxMinor)}</dd></div>
      {bonusDataBytes > 0 ? <div className="bonus"><dt>{t('checkout.bonus')}</dt><dd>+{amount('data', bonusDataBytes)}</dd></div> : null}
      {period === null ? null : (
        <div className="period"><dt>{t('checkout.period')}</dt><dd>{formatPeriod(period.startsAt, period.endsAt, locale)}</dd></div>
      )}
    </dl>
  );
}
