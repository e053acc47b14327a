// Measured rows as chart series: one point per setting, y the accuracy the folder allows (top-1
// with labels, agreement with r = 0 without, the features' cosine to r = 0 for a model without a
// head), x the throughput or the speed-up over r = 0, one
// line per schedule and mode, the tooltip naming the setting and its figures.
import type { MeasuredRow } from './measure';
import { settingName } from './settings';
import type { ChartPoint, ChartSeries, TradeoffChart } from './tradeoff-chart';

export type XAxis = 'imgPerSec' | 'speedup';

/** Top-1 when the rows have labels, else the agreement with r = 0, else (a model without a
 * head) the features' mean cosine similarity to r = 0. */
export function accuracyOf(row: MeasuredRow): { value: number; name: string } {
  if (row.top1 !== undefined) return { value: row.top1, name: 'top-1' };
  if (row.agreement !== undefined) return { value: row.agreement, name: 'agreement with r = 0' };
  return { value: row.meanCosineToR0 ?? NaN, name: 'features: cosine to r = 0' };
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

export function pointTitle(row: MeasuredRow): string {
  const figures = [
    row.top1 !== undefined ? `top-1 ${pct(row.top1)}, top-5 ${pct(row.top5 ?? NaN)}` : '',
    row.agreement !== undefined ? `agreement ${pct(row.agreement)}, TV shift ${(row.meanTv ?? NaN).toFixed(3)}` : '',
    row.meanCosineToR0 !== undefined ? `features' cosine to r = 0 ${row.meanCosineToR0.toFixed(4)}` : '',
    `${row.imgPerSec.toFixed(1)} img/s (${row.speedup.toFixed(2)}x)`,
    `${row.meanFinalTokens.toFixed(0)} tokens left`,
    `${row.n} images`,
  ];
  return `${settingName(row)}: ${figures.filter(Boolean).join(', ')}`;
}

/** Solid for constant merging; dotted for the decreasing schedule, dashed for pruning. */
function dashOf(row: MeasuredRow): string | undefined {
  if (row.mode === 'prune') return row.schedule === 'decreasing' ? '6 2 1 2' : '4 3';
  return row.schedule === 'decreasing' ? '1 2' : undefined;
}

/** r = 0 belongs to every line (it is where each curve starts). */
function lineRows(rows: MeasuredRow[]): Array<{ line: string; rows: MeasuredRow[] }> {
  const r0 = rows.filter((r) => r.r === 0);
  const keys = [...new Set(rows.filter((r) => r.r > 0).map((r) => `${r.schedule} ${r.mode}`))];
  if (!keys.length) return [{ line: 'r0', rows: r0 }];
  return keys.map((line) => ({ line, rows: [...r0, ...rows.filter((r) => r.r > 0 && `${r.schedule} ${r.mode}` === line).sort((a, b) => a.r - b.r)] }));
}

export function measuredSeries(rows: MeasuredRow[], name: string, colour: string, x: XAxis, isCurrent?: (row: MeasuredRow) => boolean): ChartSeries {
  const points: ChartPoint[] = lineRows(rows).flatMap(({ line, rows: on }) =>
    on.map((row) => ({
      x: row[x],
      y: accuracyOf(row).value * 100,
      label: `${row.r}${row.r > 0 && row.schedule === 'decreasing' ? '↓' : ''}`,
      title: pointTitle(row),
      line,
      dash: dashOf(on[on.length - 1]),
      current: isCurrent?.(row) ? `${row.r}-${row.schedule}-${row.mode}` : undefined,
    })),
  );
  return { name, colour, points };
}

export const SERIES_COLOURS = ['#5aa9ff', '#f0954a', '#9be27a', '#e27ad0'] as const;

/** The chart `tome eval --out` writes: throughput against accuracy for one folder. */
export function reportChart(rows: MeasuredRow[], model: string, folder: string): TradeoffChart {
  const acc = rows.length ? accuracyOf(rows[0]).name : 'top-1';
  return {
    series: [measuredSeries(rows, model, SERIES_COLOURS[0], 'imgPerSec')],
    xLabel: 'images per second',
    yLabel: `${acc} (%)`,
    xFormat: (v) => String(v),
    yFormat: (v) => v.toFixed(0),
    width: 400,
    height: 240,
    title: `${model} on ${folder}`,
  };
}
