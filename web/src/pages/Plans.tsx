import { useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useLine, useMe, usePlans, useZones } from '../api/queries';
import type { PlanView } from '../api/types';
import { SelectField } from '../components/Field';
import { Coverage, PlanFacts } from '../components/PlanFacts';
import { QueryState } from '../components/Status';
import { countryName, formatMoney } from '../lib/format';
import { useLocale } from '../lib/locale';
import { CURRENCIES, LENGTH_FILTERS, matchesLength, preferredCurrency, priceIn, rememberCurrency, type LengthFilter } from '../lib/plans';

const MAX_COMPARE = 3;

function Compare({ plans, currency }: { plans: readonly PlanView[]; currency: string }) {
  const { t, locale, pick, amount } = useLocale();
  const rows: Array<[string, (plan: PlanView) => string]> = [
    [t('plans.price'), (p) => { const price = priceIn(p, currency); return price === undefined ? '—' : formatMoney(price.amountMinor, price.currency, locale); }],
    [t('plans.validity'), (p) => (p.validityDays === null ? '—' : t('plans.days', { count: p.validityDays }))],
    [t('lines.kind.data'), (p) => (p.allowances.dataBytes > 0 ? amount('data', p.allowances.dataBytes) : '—')],
    [t('lines.kind.voice'), (p) => (p.allowances.voiceSeconds > 0 ? amount('voice', p.allowances.voiceSeconds) : '—')],
    [t('lines.kind.sms'), (p) => (p.allowances.smsCount > 0 ? amount('sms', p.allowances.smsCount) : '—')],
    [t('plans.coverage'), (p) => t('plans.countries', { count: p.coverage.countries.length })],
    [t('plans.scopeLabel'), (p) => t(`plans.scope.${p.scope}`)],
    [t('plans.whenUsedUp'), (p) => (p.overage?.data.mode === 'rated' ? t('plans.overageRated') : t('plans.overageBlocked'))],
  ];
  return (
    <section className="card compare" aria-labelledby="compare-title" id="compare">
      <h2 id="compare-title">{t('plans.compareTitle')}</h2>
      <div className="table-scroll">
        <table>
          <thead><tr><td />{plans.map((p) => <th key={p.code} scope="col">{pick(p.texts.name)}</th>)}</tr></thead>
          <tbody>
            {rows.map(([label, value]) => (
              <tr key={label}><th scope="row">{label}</th>{plans.map((p) => <td key={p.code}>{value(p)}</td>)}</tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function PlanCard({ plan, currency, lineId, compared, onCompare, compareFull }: {
  plan: PlanView; currency: string; lineId: string | null; compared: boolean; onCompare: (on: boolean) => void; compareFull: boolean;
}) {
  const { t, locale, pick } = useLocale();
  const price = priceIn(plan, currency);
  // The plan page shows the price in the currency chosen here.
  const detail = `/plans/${encodeURIComponent(plan.code)}?currency=${encodeURIComponent(price?.currency ?? currency)}${lineId === null ? '' : `&line=${encodeURIComponent(lineId)}`}`;
  return (
    <article className="card plan-card" aria-labelledby={`plan-${plan.code}`}>
      <div className="plan-top">
        <div>
          <h2 id={`plan-${plan.code}`}>{pick(plan.texts.name)}</h2>
          <p className="muted"><Coverage plan={plan} /> · {t(`plans.scope.${plan.scope}`)}</p>
        </div>
        {price === undefined ? null : <p className="price">{formatMoney(price.amountMinor, price.currency, locale)}</p>}
      </div>
      <PlanFacts plan={plan} />
      <p>{pick(plan.texts.description)}</p>
      <div className="actions">
        <Link className="button primary" to={detail} aria-label={t('plans.viewFor', { name: pick(plan.texts.name) })}>{t('plans.view')}</Link>
        <label className="check inline">
          <input type="checkbox" checked={compared} disabled={!compared && compareFull} onChange={(event) => onCompare(event.target.checked)} />
          {t('plans.compare')}
        </label>
      </div>
    </article>
  );
}

export default function Plans() {
  const { t, locale, language } = useLocale();
  const me = useMe().data;
  const [params, setParams] = useSearchParams();
  const country = params.get('country') ?? '';
  const scope = (params.get('scope') ?? '') as '' | 'local' | 'roaming';
  const length = (params.get('length') ?? 'any') as LengthFilter;
  const lineId = params.get('line');
  // Top-ups (add-ons) are offered for a line that has a plan; otherwise base plans.
  const kind = lineId !== null && params.get('kind') === 'addon' ? 'addon' : 'base';
  const [currency, setCurrency] = useState(() => params.get('currency') ?? preferredCurrency(me?.currency, language));
  const [compared, setCompared] = useState<string[]>([]);
  const zones = useZones();
  const plans = usePlans({ kind, ...(country && kind === 'base' ? { country } : {}), ...(scope && kind === 'base' ? { scope } : {}), currency });
  // A top-up is offered only for the plan the line has now (the API refuses the others).
  const line = useLine(kind === 'addon' ? lineId : null);
  const linePlan = line.data?.planCode ?? null;

  const countries = useMemo(() => {
    const codes = new Set((zones.data ?? []).flatMap((zone) => zone.countries));
    const collator = new Intl.Collator(locale);
    return [...codes].map((code) => ({ value: code, label: countryName(code, locale) })).sort((a, b) => collator.compare(a.label, b.label));
  }, [zones.data, locale]);

  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value === '' || value === 'any') next.delete(key);
    else next.set(key, value);
    setParams(next, { replace: true });
  };
  const shown = (plans.data ?? []).filter((plan) => (kind === 'addon'
    ? linePlan !== null && (plan.addonFor ?? []).includes(linePlan)
    : matchesLength(plan, length)));
  const comparedPlans = shown.filter((plan) => compared.includes(plan.code));

  return (
    <section>
      <h1>{kind === 'addon' ? t('plans.topupTitle') : t('plans.title')}</h1>
      <p className="lead">{kind === 'addon' ? t('plans.topupLead') : t('plans.lead')}</p>
      <form className="filters card" role="search" aria-label={t('plans.filters')} onSubmit={(event) => event.preventDefault()}>
        {/* A top-up follows the line's plan: where and how long are already decided. */}
        {kind === 'addon' ? null : (
          <SelectField label={t('plans.destination')} value={country} onChange={(value) => set('country', value)}
            options={[{ value: '', label: t('plans.anyCountry') }, ...countries]} name="country" />
        )}
        <div className="filter-row">
          {kind === 'addon' ? null : (
            <>
              <SelectField label={t('plans.scopeLabel')} value={scope} onChange={(value) => set('scope', value)} name="scope"
                options={[{ value: '', label: t('plans.anyScope') }, { value: 'roaming', label: t('plans.scope.roaming') }, { value: 'local', label: t('plans.scope.local') }]} />
              <SelectField label={t('plans.length')} value={length} onChange={(value) => set('length', value)} name="length"
                options={LENGTH_FILTERS.map((value) => ({ value, label: t(`plans.lengths.${value}`) }))} />
            </>
          )}
          <SelectField label={t('plans.currency')} value={currency} name="currency"
            onChange={(value) => { setCurrency(value); rememberCurrency(value); }}
            options={CURRENCIES.map((value) => ({ value, label: value }))} />
        </div>
      </form>
      <QueryState isPending={plans.isPending || (kind === 'addon' && line.isPending)} error={plans.error ?? line.error}>
        {() => (
          <>
            <p role="status" className="muted">{t('plans.found', { count: shown.length })}</p>
            {comparedPlans.length >= 2 ? <a className="button compare-jump" href="#compare">{t('plans.compareN', { count: comparedPlans.length })}</a> : null}
            <div className="stack">
              {shown.map((plan) => (
                <PlanCard key={plan.code} plan={plan} currency={currency} lineId={lineId}
                  compared={compared.includes(plan.code)} compareFull={compared.length >= MAX_COMPARE}
                  onCompare={(on) => setCompared((list) => (on ? [...list, plan.code] : list.filter((c) => c !== plan.code)))} />
              ))}
            </div>
            {comparedPlans.length >= 2 ? <Compare plans={comparedPlans} currency={currency} /> : null}
          </>
        )}
      </QueryState>
    </section>
  );
}
