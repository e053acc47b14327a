// The speed-against-accuracy chart: top-1 on the eval set from `npm run bench`'s summary, with
// the speed-ups measured in this page where there are any, and a note that says where each
// number came from.
import type { Schedule } from '../../core/tome';
import type { AppState } from './app-state';
import { drawTradeoff, type TradeoffChart } from './chart';
import { ui } from './elements';
import { adapterLabel, benchSummary } from './summary';
import { readOptions } from './tome-controls';

export function drawSpeedChart(state: AppState): void {
  const o = readOptions();
  const summary = benchSummary();
  const measured = state.bench.rows;
  let chart: TradeoffChart | null = null;
  let note: string;
  if (summary) {
    const speedOf = (r: number, s: Schedule) => measured?.find((m) => m.r === r && m.schedule === s)?.speedupVsR0;
    chart = {
      points: summary.points.map((p) => ({ r: p.r, schedule: p.schedule, x: speedOf(p.r, p.schedule) ?? p.speedup, y: p.top1 * 100 })),
      current: o,
      xLabel: 'speed-up over r = 0',
      yLabel: 'top-1 (%)',
      yFormat: (v) => v.toFixed(0),
    };
    note = `Top-1 on the eval set for ${summary.model}. Speed-up ${measured ? `measured here (${state.bench.source === 'gpu-timestamp' ? 'GPU timestamps' : 'wall clock'})` : `from npm run bench on ${adapterLabel(summary.adapter)}`}.`;
    if (summary.model !== state.modelId) note += ` (The selected model is ${state.modelId}.)`;
  } else if (measured) {
    chart = {
      points: measured.map((m) => ({ r: m.r, schedule: m.schedule, x: m.r, y: m.speedupVsR0 })),
      current: o,
      xLabel: 'r',
      yLabel: 'speed-up',
      yFormat: (v) => `${v.toFixed(1)}×`,
    };
    note = 'Accuracy not measured yet (npm run bench writes bench/results/summary.json): speed-up measured here against r.';
  } else {
    note = 'Not measured yet: npm run bench writes bench/results/summary.json, or measure speed here.';
  }
  drawTradeoff(ui.chart, chart, 'not measured yet');
  ui.chartNote.textContent = note;
}
