// The speed-against-accuracy chart: top-1 on the eval set from `npm run bench`'s summary (with
// the speed-ups measured in this page where there are any), and beside it the user's own folder
// measured here, live as it runs; a note says where each number came from. A folder without
// labels is measured by its agreement with r = 0, which is not top-1: then it is shown instead
// of the committed points, never on the same axis as them.
import type { Schedule } from '../../core/tome';
import type { MeasuredRow } from '../../eval/measure';
import { accuracyOf, measuredSeries } from '../../eval/measured-series';
import { settingName } from '../../eval/settings';
import { tradeoffNodes, type ChartPoint, type ChartSeries, type TradeoffChart } from '../../eval/tradeoff-chart';
import type { AppState } from './app-state';
import { drawSvgNodes } from './chart';
import { ui } from './elements';
import { adapterLabel, benchSummary } from './summary';
import { readOptions } from './tome-controls';

const COMMITTED = '#5aa9ff';
const FOLDER = '#9be27a';

function committedSeries(state: AppState): { series: ChartSeries; note: string } | null {
  const summary = benchSummary();
  if (!summary) return null;
  const o = readOptions();
  const measured = state.bench.rows;
  const speedOf = (r: number, s: Schedule) => measured?.find((m) => m.r === r && m.schedule === s)?.speedupVsR0;
  const points: ChartPoint[] = summary.points.map((p) => {
    const x = speedOf(p.r, p.schedule) ?? p.speedup;
    return {
      x,
      y: p.top1 * 100,
      label: `${p.r}${p.r > 0 && p.schedule === 'decreasing' ? '↓' : ''}`,
      title: `${settingName({ ...p, mode: 'merge' })} (eval set): top-1 ${(p.top1 * 100).toFixed(1)}%, speed-up ${x.toFixed(2)}x`,
      line: p.schedule,
      dash: p.schedule === 'decreasing' ? '1 2' : undefined,
      current: p.r === o.r && p.schedule === o.schedule && o.mode === 'merge' ? `${p.r}-${p.schedule}-merge` : undefined,
    };
  });
  // r = 0 starts the decreasing curve too.
  const r0 = points.find((p) => p.label === '0');
  if (r0 && points.some((p) => p.line === 'decreasing')) points.unshift({ ...r0, line: 'decreasing', current: undefined });
  let note = `Top-1 on the eval set for ${summary.model}; speed-up ${measured ? `measured here (${state.bench.source === 'gpu-timestamp' ? 'GPU timestamps' : 'wall clock'})` : `from npm run bench on ${adapterLabel(summary.adapter)}`}.`;
  if (summary.model !== state.modelId) note += ` (The selected model is ${state.modelId}.)`;
  return { series: { name: `eval set (${summary.model.split('_patch')[0]})`, colour: COMMITTED, points }, note };
}

/** The folder's rows: live while it runs, else the last finished (or kept) measurement. */
function folderRows(state: AppState): { rows: MeasuredRow[]; name: string; live: boolean } | null {
  const f = state.folder;
  if (f.rows?.length) return { rows: f.rows, name: f.picked?.name ?? 'folder', live: true };
  if (f.report && f.report.model === state.config?.id) return { rows: f.report.results, name: f.report.folder, live: false };
  return null;
}

/** The chart as the page draws it (also what its SVG and PNG exports hold). */
export function speedChart(state: AppState, width = 320, height = 170): { chart: TradeoffChart | null; note: string } {
  const o = readOptions();
  const committed = committedSeries(state);
  const folder = folderRows(state);
  const series: ChartSeries[] = [];
  const notes: string[] = [];
  const folderLabelled = folder?.rows[0]?.top1 !== undefined;
  if (committed && (!folder || folderLabelled)) {
    series.push(committed.series);
    notes.push(committed.note);
  }
  if (folder) {
    const isCurrent = (r: MeasuredRow) => r.r === o.r && (r.r === 0 || (r.schedule === o.schedule && r.mode === o.mode));
    series.push(measuredSeries(folder.rows, `${folder.name} (here)`, FOLDER, 'speedup', isCurrent));
    notes.push(
      `${folder.name}: ${folderLabelled ? 'top-1' : `${accuracyOf(folder.rows[0]).name} (no labels)`} and speed-up measured in this page${folder.live ? ', filling in as it runs' : ''}.`,
    );
  }
  if (!series.length && state.bench.rows) {
    const rows = state.bench.rows;
    const points = rows.map((m) => ({
      x: m.r,
      y: m.speedupVsR0,
      label: String(m.r),
      title: `${settingName({ ...m, mode: 'merge' })}: ${m.speedupVsR0.toFixed(2)}x`,
      line: m.schedule,
    }));
    return {
      chart: {
        series: [{ name: 'speed-up here', colour: COMMITTED, points }],
        xLabel: 'r',
        yLabel: 'speed-up',
        xFormat: String,
        yFormat: (v) => `${v.toFixed(1)}×`,
        width,
        height,
      },
      note: 'Accuracy not measured yet (npm run bench -- --out bench/results writes bench/results/summary.json, or measure a folder): speed-up measured here against r.',
    };
  }
  if (!series.length)
    return {
      chart: null,
      note: 'Not measured yet: npm run bench -- --out bench/results writes bench/results/summary.json, or measure speed or a folder here.',
    };
  const yLabel = folder && !folderLabelled ? `${accuracyOf(folder.rows[0]).name} (%)` : 'top-1 (%)';
  return { chart: { series, xLabel: 'speed-up over r = 0', yLabel, xFormat: String, yFormat: (v) => v.toFixed(0), width, height }, note: notes.join(' ') };
}

export function drawSpeedChart(state: AppState): void {
  const { chart, note } = speedChart(state);
  drawSvgNodes(
    ui.chart,
    chart ? tradeoffNodes(chart) : tradeoffNodes({ series: [], xLabel: '', yLabel: '', xFormat: String, yFormat: String, width: 320, height: 170 }),
  );
  ui.chartNote.textContent = note;
}
