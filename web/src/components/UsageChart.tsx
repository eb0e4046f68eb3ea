import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { UsagePoint } from '../api/types';
import { formatBytes } from '../lib/format';
import { useLocale } from '../lib/locale';

/** Sums usage per day (in the reader's time zone) for one kind: [day starts in seconds, totals]. */
export function dailyTotals(points: readonly UsagePoint[], kind: UsagePoint['kind']): [number[], number[]] {
  const byDay = new Map<number, number>();
  for (const point of points) {
    if (point.kind !== kind) continue;
    const day = new Date(point.at);
    day.setHours(0, 0, 0, 0);
    const key = day.getTime() / 1000;
    byDay.set(key, (byDay.get(key) ?? 0) + point.quantity);
  }
  const days = [...byDay.keys()].sort((a, b) => a - b);
  return [days, days.map((day) => byDay.get(day) ?? 0)];
}

/** Data used per day as bars (uPlot, loaded only with this page). */
export default function UsageChart({ points }: { points: readonly UsagePoint[] }) {
  const { t, locale } = useLocale();
  const container = useRef<HTMLDivElement>(null);
  const [days, totals] = dailyTotals(points, 'data');
  useEffect(() => {
    const element = container.current;
    if (element === null || days.length === 0) return;
    const dayFormat = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric' });
    const plot = new uPlot({
      width: element.clientWidth || 320,
      height: 200,
      legend: { show: false },
      cursor: { show: true, points: { show: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max, 1)] } },
      axes: [
        { values: (_u, splits) => splits.map((s) => dayFormat.format(new Date(s * 1000))), stroke: '#3b4a63' },
        { values: (_u, splits) => splits.map((s) => formatBytes(s, locale)), size: 64, stroke: '#3b4a63' },
      ],
      series: [{}, { label: t('lines.kind.data'), fill: 'rgba(11, 79, 138, 0.35)', stroke: '#0b4f8a', width: 2, paths: uPlot.paths.bars?.({ size: [0.6, 40] }) }],
    }, [days, totals], element);
    const resize = () => plot.setSize({ width: element.clientWidth || 320, height: 200 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [days.join(','), totals.join(','), locale, t]);
  if (days.length === 0) return <p className="muted">{t('lines.noUsage')}</p>;
  return (
    <figure className="chart">
      <div ref={container} aria-hidden="true" />
      <figcaption className="visually-hidden">{t('lines.usageChartSummary', { days: days.length })}</figcaption>
      <table className="visually-hidden">
        <caption>{t('lines.usageTitle')}</caption>
        <tbody>
          {days.map((day, index) => (
            <tr key={day}><th scope="row">{new Date(day * 1000).toLocaleDateString(locale)}</th><td>{formatBytes(totals[index] ?? 0, locale)}</td></tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
