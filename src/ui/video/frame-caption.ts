// The caption of a video frame, as Save PNG and Record write it under the overlay: what was
// predicted, from which source and when, at which settings, and how fast.
import type { ModelConfig } from '../../model/config';
import type { BackendInfo } from '../protocol';
import type { Caption } from '../screenshot';
import type { LiveFrame } from './live-frame';

function clock(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return `${m}:${(seconds - m * 60).toFixed(2).padStart(5, '0')}`;
}

export function frameCaption(f: LiveFrame, config: ModelConfig, backend: BackendInfo | null, layer: number, processedFps: number): Caption {
  const top = f.result.top5[0];
  const o = f.opts;
  const t = f.timing;
  const where = f.mediaTime === null ? 'live' : `at ${clock(f.mediaTime)}`;
  return {
    title: `${config.labels[top.index] ?? `class ${top.index}`} (${(top.prob * 100).toFixed(1)}%) · ${f.sourceName} ${where}`,
    lines: [
      `${config.id} · r = ${o.r}, ${o.schedule} schedule, ${o.mode}${o.propAttn ? ', proportional attention' : ''} · groups after block ${Math.min(layer, config.depth)}`,
      `tokens ${f.result.tokens[0]} → ${f.result.tokens[config.depth]} · ${t.ms.toFixed(1)} ms per forward (${t.source === 'gpu-timestamp' ? 'GPU timestamps' : 'wall clock'}, ${backend?.kind === 'webgpu' ? 'WebGPU ' + backend.description : 'CPU reference'}) · ${processedFps.toFixed(1)} frames/s`,
    ],
  };
}
