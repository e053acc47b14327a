// The caption of a video frame, as Save PNG and Record write it under the overlay: what was
// predicted, from which source and when, at which settings, and how fast.
import type { ModelConfig } from '../../../model/config';
import type { BackendInfo } from '../../protocol';
import { settingsLine, speedLine } from '../caption';
import type { Caption } from '../screenshot';
import type { LiveFrame } from './live-frame';

function clock(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return `${m}:${(seconds - m * 60).toFixed(2).padStart(5, '0')}`;
}

export function frameCaption(f: LiveFrame, config: ModelConfig, backend: BackendInfo | null, layer: number, processedFps: number): Caption {
  const top = f.result.top5[0];
  const where = f.mediaTime === null ? 'live' : `at ${clock(f.mediaTime)}`;
  return {
    title: `${config.labels[top.index] ?? `class ${top.index}`} (${(top.prob * 100).toFixed(1)}%) · ${f.sourceName} ${where}`,
    lines: [settingsLine(config, f.opts, layer), `${speedLine(config, f.result, f.timing, backend)} · ${processedFps.toFixed(1)} frames/s`],
  };
}
