import { percent } from '../lib/format';

interface UsageBarProps {
  readonly label: string;
  /** What is left, already formatted for the reader. */
  readonly remainingText: string;
  /** "of 5 GB", already formatted. */
  readonly totalText: string;
  readonly remaining: number;
  readonly total: number;
}

/** What is left of one allowance: a bar that empties as it is used, with the figures as text. */
export function UsageBar({ label, remainingText, totalText, remaining, total }: UsageBarProps) {
  const left = percent(remaining, total);
  const level = left <= 10 ? 'low' : left <= 25 ? 'medium' : 'high';
  return (
    <div className="usage">
      <div className="usage-head">
        <span className="usage-label">{label}</span>
        <span className="usage-figures"><strong>{remainingText}</strong> <span className="muted">{totalText}</span></span>
      </div>
      <div className={`bar bar-${level}`} role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={left} aria-valuetext={`${remainingText} ${totalText}`}>
        <span style={{ width: `${left}%` }} />
      </div>
    </div>
  );
}
