import { Link, useParams, useSearchParams } from 'react-router';
import { useMe, usePlan, useZones } from '../api/queries';
import type { MeteredKind, OveragePolicyView, PlanView } from '../api/types';
import { Coverage, PlanFacts } from '../components/PlanFacts';
import { QueryState } from '../components/Status';
import { countryName, formatBytes, formatDate, formatMoney } from '../lib/format';
import { useLocale } from '../lib/locale';
import { preferredCurrency, priceIn } from '../lib/plans';

const KINDS: readonly MeteredKind[] = ['data', 'voice', 'sms'];

function Overage({ plan, currency }: { plan: PlanView; currency: string }) {
  const { t, locale, pick } = useLocale();
  const zones = useZones().data ?? [];
  if (plan.overage === null) return <p>{t('plans.overageAddon')}</p>;
  const overage = plan.overage;
  const increment = (kind: MeteredKind, policy: Extract<OveragePolicyView, { mode: 'rated' }>): string => {
    if (kind === 'data') return formatBytes(policy.incrementUnits, locale);
    if (kind === 'voice') return t('plans.perSeconds', { count: policy.incrementUnits });
    return t('plans.perMessages', { count: policy.incrementUnits });
  };
  return (
    <div className="table-scroll">
      <table>
        <caption className="visually-hidden">{t('plans.overageTitle')}</caption>
        <thead><tr><th scope="col">{t('plans.usage')}</th><th scope="col">{t('plans.whenUsedUp')}</th></tr></thead>
        <tbody>
          {KINDS.map((kind) => {
            const policy = overage[kind];
            return (
              <tr key={kind}>
                <th scope="row">{t(`lines.kind.${kind}`)}</th>
                <td>
                  {policy.mode === 'blocked' ? t('plans.overageBlocked') : (
                    <ul className="plain">
                      {policy.rates.map((rate) => {
                        const price = rate.prices.find((p) => p.currency === currency) ?? rate.prices[0];
                        const zone = zones.find((z) => z.code === rate.zone);
                        return (
                          <li key={rate.zone}>
                            {price === undefined ? '—' : t('plans.ratePer', { price: formatMoney(price.amountMinor, price.currency, locale), unit: increment(kind, policy) })}
                            {zone === undefined ? null : <span className="muted"> · {pick(zone.names)}</span>}
                          </li>
                        );
                      })}
                    </ul>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function PlanPage({ plan }: { plan: PlanView }) {
  const { t, locale, pick, language } = useLocale();
  const me = useMe().data;
  const [params] = useSearchParams();
  const currency = params.get('currency') ?? preferredCurrency(me?.currency, language);
  const price = priceIn(plan, currency);
  const lineId = params.get('line');
  const checkout = `/checkout?plan=${encodeURIComponent(plan.code)}&currency=${encodeURIComponent(price?.currency ?? currency)}${lineId === null ? '' : `&line=${encodeURIComponent(lineId)}`}`;
  const collator = new Intl.Collator(locale);
  const countries = plan.coverage.countries.map((c) => countryName(c, locale)).sort((a, b) => collator.compare(a, b));
  return (
    <>
      <header className="page-head">
        <div>
          <h1>{pick(plan.texts.name)}</h1>
          <p className="muted"><Coverage plan={plan} /> · {t(`plans.scope.${plan.scope}`)}</p>
        </div>
        {price === undefined ? null : <p className="price big">{formatMoney(price.amountMinor, price.currency, locale)}</p>}
      </header>
      <PlanFacts plan={plan} />
      <p>{pick(plan.texts.description)}</p>
      {plan.scheduledPrices.filter((p) => p.currency === price?.currency).map((p) => (
        <p key={p.effectiveAt} className="notice notice-info">{t('plans.priceChange', { price: formatMoney(p.amountMinor, p.currency, locale), date: formatDate(p.effectiveAt, locale) })}</p>
      ))}
      <section className="card" aria-labelledby="coverage-title">
        <h2 id="coverage-title">{t('plans.coverage')}</h2>
        <p>{countries.join(t('common.listSeparator'))}</p>
      </section>
      <section className="card" aria-labelledby="overage-title">
        <h2 id="overage-title">{t('plans.overageTitle')}</h2>
        <Overage plan={plan} currency={price?.currency ?? currency} />
      </section>
      <section className="card" aria-labelledby="terms-title">
        <h2 id="terms-title">{t('plans.terms')}</h2>
        <p className="terms">{pick(plan.texts.terms)}</p>
      </section>
      <div className="sticky-buy">
        {plan.availability.orderable
          ? <Link className="button primary wide" to={checkout}>{lineId === null ? t('plans.buy') : plan.kind === 'addon' ? t('plans.topupWith') : t('plans.renewWith')}</Link>
          : <p className="notice notice-warning">{t('plans.notOrderable')}</p>}
      </div>
    </>
  );
}

export default function PlanDetail() {
  const { code = '' } = useParams();
  const { t } = useLocale();
  const plan = usePlan(code);
  return (
    <section>
      <p><Link to="/plans">← {t('plans.back')}</Link></p>
      <QueryState isPending={plan.isPending} error={plan.error}>{() => (plan.data === undefined ? null : <PlanPage plan={plan.data} />)}</QueryState>
    </section>
  );
}
