import type { PlanView } from '../api/types';
import { countryName } from '../lib/format';
import { useLocale } from '../lib/locale';

/** The figures of a plan a traveller compares: days, data, minutes, SMS, where it works. */
export function PlanFacts({ plan }: { plan: PlanView }) {
  const { t, amount } = useLocale();
  const { dataBytes, voiceSeconds, smsCount } = plan.allowances;
  return (
    <ul className="plan-facts">
      {plan.validityDays === null ? null : <li>{t('plans.days', { count: plan.validityDays })}</li>}
      {dataBytes > 0 ? <li>{amount('data', dataBytes)}</li> : null}
      {voiceSeconds > 0 ? <li>{amount('voice', voiceSeconds)}</li> : null}
      {smsCount > 0 ? <li>{amount('sms', smsCount)}</li> : null}
    </ul>
  );
}

export function Coverage({ plan, limit = 3 }: { plan: PlanView; limit?: number }) {
  const { t, locale, pick } = useLocale();
  const countries = plan.coverage.countries;
  if (countries.length <= limit) return <>{countries.map((c) => countryName(c, locale)).join(t('common.listSeparator'))}</>;
  // Zone names already say how far they reach ("Asia-Pacific (15 destinations)"); the plan page lists them all.
  return <>{pick(plan.coverage.names)}</>;
}
