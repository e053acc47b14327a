// The Live card: the newest frame's figures (top-1 with its probability, time per forward and
// how it was timed, frames processed against the source's rate, frames dropped, tokens, the
// share of patches whose group changed), the strip chart of the last seconds, and the
// alternate-frame r = 0 figure when it is on.
import type { ModelConfig } from '../../../model/config';
import type { BackendInfo } from '../../protocol';
import { ms } from '../format';
import type { AltSummary } from './alternate-baseline';
import type { SchedulerStats } from './frame-scheduler';
import type { LiveFrame } from './live-frame';
import type { StripChartData } from './strip-chart';
import { drawStripChart } from './strip-chart-svg';
import { videoUi } from './video-elements';

function cell(metric: string): HTMLTableCellElement {
  return videoUi.stats.querySelector(`tr[data-metric="${metric}"] td:last-child`) as HTMLTableCellElement;
}

function set(metric: string, text: string, label?: string): void {
  const c = cell(metric);
  c.textContent = text;
  c.title = text;
  if (label) (c.previousElementSibling as HTMLElement).textContent = label;
}

const fps = (v: number) => (v >= 10 ? v.toFixed(0) : v.toFixed(1));

export function showLiveFrame(f: LiveFrame, config: ModelConfig, backend: BackendInfo['name'], changedShare: number | null): void {
  const top = f.result.top5[0];
  set('top1', `${config.labels[top.index] ?? `class ${top.index}`} ${(top.prob * 100).toFixed(1)}%`);
  const how = f.timing.source === 'gpu-timestamp' ? 'Forward (GPU time)' : backend === 'webgpu' ? 'Forward (wall clock)' : 'Forward (CPU, wall)';
  set('ms', `${ms(f.timing.ms)} at r = ${f.opts.r}${f.opts.schedule === 'decreasing' ? ' dec.' : ''}`, how);
  set('tokens', `${f.result.tokens[config.depth]} of ${f.result.tokens[0]}`);
  set('changed', changedShare === null ? '—' : `${(changedShare * 100).toFixed(1)}% of patches`);
  cell('top1').parentElement!.title = f.route === 'texture' ? 'frame copied into a GPU texture' : 'frame read back to pixels for the CPU backend';
}

export function showLiveRates(s: SchedulerStats): void {
  set('fps', `${fps(s.processedFps)} of ${fps(s.offeredFps)} fps`);
  const seen = s.offered;
  set('dropped', seen ? `${s.dropped} of ${seen} (${((100 * s.dropped) / seen).toFixed(0)}%)` : '0');
}

export function clearLive(): void {
  for (const m of ['top1', 'ms', 'fps', 'dropped', 'tokens', 'changed']) set(m, '');
  videoUi.altOut.hidden = true;
}

export function drawLiveChart(data: StripChartData): void {
  drawStripChart(videoUi.chart, data.samples(), data.windowMs);
}

export function showAlternate(enabled: boolean, s: AltSummary, r: number): void {
  videoUi.altOut.hidden = !enabled;
  if (!enabled) return;
  if (r === 0) {
    videoUi.altOut.textContent = 'At r = 0 every frame is unmerged: nothing to compare.';
    return;
  }
  const speed =
    s.speedup === null
      ? 'speed-up: waiting for both kinds of frame'
      : `r = ${r} is ${s.speedup.toFixed(2)}× faster than r = 0 (median forward, ${s.mergedFrames} + ${s.baselineFrames} frames)`;
  const agree = s.compared ? `; top-1 agrees with the r = 0 frame before it on ${s.agreed} of ${s.compared}` : '';
  videoUi.altOut.textContent = `${speed}${agree} (neighbouring frames, not the same frame twice).`;
}

export function showLiveState(text: string): void {
  videoUi.liveState.textContent = text;
}
