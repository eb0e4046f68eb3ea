import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { UsageChartView } from '../api/types';
import { formatBytes, formatNumber } from '../lib/format';
import { useLocale } from '../lib/locale';

type Kind = 'data' | 'voice' | 'sms';
const KINDS: readonly Kind[] = ['data', 'voice', 'sms'];

/** The series of one kind: [point starts in seconds, amounts served]. */
export function seriesOf(chart: UsageChartView, kind: Kind): [number[], number[]] {
  return [chart.points.map((p) => Date.parse(p.start) / 1000), chart.points.map((p) => p[kind].served)];
}

/** How a point's start is written: its local date, or its local hour, in the chart's time zone. */
function pointFormat(chart: UsageChartView, locale: string, short: boolean): Intl.DateTimeFormat {
  const { timeZone } = chart;
  if (chart.granularity === 'day') return new Intl.DateTimeFormat(locale, short ? { month: 'numeric', day: 'numeric', timeZone } : { year: 'numeric', month: 'numeric', day: 'numeric', timeZone });
  return new Intl.DateTimeFormat(locale, short ? { hour: 'numeric', timeZone } : { month: 'numeric', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone });
}

/** Usage per day or hour as bars (uPlot, loaded only with this page), with the figures as a table for screen readers. */
export default function UsageChart({ chart }: { chart: UsageChartView }) {
  const { t, locale, amount } = useLocale();
  const [kind, setKind] = useState<Kind>('data');
  const container = useRef<HTMLDivElement>(null);
  const [starts, values] = seriesOf(chart, kind);
  const used = values.some((v) => v > 0);
  const axisValue = (value: number): string => (kind === 'data' ? formatBytes(value, locale) : kind === 'voice' ? formatNumber(Math.round(value / 60), locale) : formatNumber(value, locale));

  useEffect(() => {
    const element = container.current;
    if (element === null || !used) return;
    const axisFormat = pointFormat(chart, locale, true);
    const widthOf = (): number => Math.max(200, Math.floor(element.getBoundingClientRect().width || element.parentElement?.clientWidth || 300));
    const plot = new uPlot({
      width: widthOf(),
      height: 200,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max, 1)] } },
      axes: [
        { values: (_u, splits) => splits.map((s) => axisFormat.format(new Date(s * 1000))), stroke: '#3b4a63', grid: { show: false } },
        { values: (_u, splits) => splits.map(axisValue), size: 64, stroke: '#3b4a63', grid: { stroke: '#e2e8f0' } },
      ],
      series: [{}, { label: t(`lines.kind.${kind}`), fill: 'rgba(11, 79, 138, 0.55)', stroke: '#0b4f8a', width: 1, paths: uPlot.paths.bars?.({ size: [0.7, 24] }) }],
    }, [starts, values], element);
    // Half a slot of room on each side, so that the first and last bars show whole.
    const half = chart.granularity === 'day' ? 43_200 : 1800;
    const first = starts[0];
    const last = starts.at(-1);
    if (first !== undefined && last !== undefined) plot.setScale('x', { min: first - half, max: last + half });
    const observer = new ResizeObserver(() => plot.setSize({ width: widthOf(), height: 200 }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [chart, kind, locale, used]);

  const rows = chart.points.filter((p) => p.data.served + p.voice.served + p.sms.served > 0);
  const rowFormat = pointFormat(chart, locale, false);
  return (
    <div className="chart">
      <div className="segmented three" role="group" aria-label={t('lines.usageKind')}>
        {KINDS.map((k) => <button key={k} type="button" aria-pressed={kind === k} onClick={() => setKind(k)}>{t(`lines.kind.${k}`)}</button>)}
      </div>
      {used ? <div ref={container} className="chart-canvas" aria-hidden="true" /> : <p className="muted">{t('lines.noUsage')}</p>}
      {rows.length === 0 ? null : (
        // A hidden table keeps its content's width: the wrapper, 1 px wide and clipped, contains it.
        <div className="visually-hidden">
        <table>
          <caption>{t('lines.usageTitle')}</caption>
          <thead><tr><th scope="col">{t(chart.granularity === 'day' ? 'lines.day' : 'lines.hour')}</th>{KINDS.map((k) => <th key={k} scope="col">{t(`lines.kind.${k}`)}</th>)}</tr></thead>
          <tbody>
            {rows.map((p) => (
              <tr key={p.start}>
                <th scope="row">{rowFormat.format(new Date(p.start))}</th>
                {KINDS.map((k) => <td key={k}>{amount(k, p[k].served)}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
    </div>
  );
}
