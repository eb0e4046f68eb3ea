import { Link } from 'react-router';
import type { LineDetail, LineSummary } from '../api/types';
import { useAutoRenew, usePlan } from '../api/queries';
import { formatDate, formatDateTime } from '../lib/format';
import { useLocale } from '../lib/locale';
import { UsageBar } from './UsageBar';

/** Days left at or below which the dashboard warns that the line is about to expire. */
export const EXPIRY_WARNING_DAYS = 3;

export function StatusBadge({ status }: { status: LineSummary['status'] }) {
  const { t } = useLocale();
  return <span className={`badge badge-${status}`}>{t(`lines.status.${status}`)}</span>;
}

/** "Ends in 2 days", "expired: renew by … to keep the number", or nothing (nor when auto-renew is on). */
export function ExpiryWarning({ line, autoRenewing = false }: { line: LineSummary; autoRenewing?: boolean }) {
  const { t, locale } = useLocale();
  if (line.status === 'grace' && line.graceEndsAt !== null) {
    return <p className="notice notice-warning" role="alert">{t('lines.graceWarning', { date: formatDateTime(line.graceEndsAt, locale) })}</p>;
  }
  if (line.status === 'expired') return <p className="notice notice-warning">{t('lines.expiredWarning')}</p>;
  if (line.status === 'active' && line.validUntil !== null && line.validityLeft.days <= EXPIRY_WARNING_DAYS && !autoRenewing) {
    return (
      <p className="notice notice-warning" role="alert">
        {line.validityLeft.seconds < 86_400
          ? t('lines.endsToday', { date: formatDateTime(line.validUntil, locale) })
          : t('lines.endsSoon', { count: line.validityLeft.days, date: formatDateTime(line.validUntil, locale) })}
      </p>
    );
  }
  return null;
}

/** The allowance bars of a line: data, minutes, SMS, then the money balance as a figure. */
export function AllowanceBars({ line }: { line: LineDetail }) {
  const { t, amount } = useLocale();
  const metered = line.allowances.filter((a) => a.kind !== 'money' && a.granted > 0);
  const money = line.allowances.filter((a) => a.kind === 'money');
  if (metered.length === 0 && money.length === 0) return <p className="muted">{t('lines.noAllowances')}</p>;
  return (
    <div className="allowances">
      {metered.map((a) => (
        <div key={a.kind}>
          <UsageBar label={t(`lines.kind.${a.kind}`)} remaining={a.remaining} total={a.granted}
            remainingText={t('lines.left', { amount: amount(a.kind, a.remaining) })} totalText={t('lines.of', { amount: amount(a.kind, a.granted) })} />
          {a.upcoming > 0 ? <p className="hint">{t('lines.upcoming', { amount: amount(a.kind, a.upcoming) })}</p> : null}
        </div>
      ))}
      {money.map((a) => (
        <p key={`money-${a.currency ?? ''}`} className="balance">{t('lines.balance')} <strong>{amount('money', a.remaining, a.currency)}</strong></p>
      ))}
    </div>
  );
}

/**
 * "Renew" with the line's plan; once that has ended (grace, expired), "Renew <plan>" with the last
 * plan while it can still be ordered; "Choose a plan" otherwise and for a line that never had one.
 */
export function RenewLink({ line }: { line: LineSummary }) {
  const { t, pick } = useLocale();
  const lastPlan = usePlan(line.planCode === null ? line.lastPlanCode ?? undefined : undefined);
  const renewTo = (code: string) => `/checkout?line=${encodeURIComponent(line.id)}&plan=${encodeURIComponent(code)}`;
  if (line.planCode !== null) return <Link className="button primary" to={renewTo(line.planCode)}>{t('lines.renew')}</Link>;
  const last = lastPlan.data;
  if (last !== undefined && last.availability.orderable) {
    return <Link className="button primary" to={renewTo(last.code)}>{t('lines.renewPlan', { plan: pick(last.texts.name) })}</Link>;
  }
  return <Link className="button primary" to={`/plans?line=${encodeURIComponent(line.id)}`}>{t('checkout.choosePlan')}</Link>;
}

/** One line on the dashboard: number, plan, status, days left, bars, and renewal. */
export function LineCard({ line }: { line: LineDetail }) {
  const { t, locale, pick } = useLocale();
  const plan = usePlan(line.planCode ?? undefined).data;
  const autoRenew = useAutoRenew(line.id, line.planCode !== null).data;
  const nextCharge = autoRenew?.enabled === true ? autoRenew.nextCharge?.at : undefined;
  return (
    <article className="card line-card" aria-labelledby={`line-${line.id}`}>
      <header className="line-head">
        <div>
          <h2 id={`line-${line.id}`} className="line-number">{line.msisdn}</h2>
          <p className="muted">{t(`lines.type.${line.type}`)}{plan === undefined ? null : <> · {pick(plan.texts.name)}</>}</p>
        </div>
        <StatusBadge status={line.status} />
      </header>
      {line.status === 'active' ? (
        <p className="days-left"><strong>{t('lines.daysLeft', { count: line.validityLeft.days })}</strong>
          {line.validUntil === null ? null : <span className="muted"> · {t('lines.until', { date: formatDateTime(line.validUntil, locale) })}</span>}
        </p>
      ) : null}
      <ExpiryWarning line={line} autoRenewing={nextCharge !== undefined} />
      <AllowanceBars line={line} />
      <div className="actions">
        {nextCharge !== undefined
          ? <p className="auto-renew">{t('lines.autoRenewOn', { date: formatDate(nextCharge, locale) })}</p>
          : <RenewLink line={line} />}
        <Link className="button" to={`/lines/${encodeURIComponent(line.id)}`} aria-label={t('lines.detailsFor', { number: line.msisdn })}>{t('lines.details')}</Link>
      </div>
    </article>
  );
}
