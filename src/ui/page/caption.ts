// The caption lines a saved picture carries (a still's Save PNG, a video frame's PNG and
// recording): what produced it, so the picture stands on its own.
import type { ForwardResult, Timing } from '../../core/backend';
import type { ToMeOptions } from '../../core/tome';
import type { ModelConfig } from '../../model/config';
import type { BackendInfo } from '../protocol';

/** Where the forwards run, as captions say it: the engine's description names WebGPU and the
 * adapter; the CPU path's names ONNX Runtime; the reference's says so. */
export function runsOn(info: BackendInfo | null): string {
  if (!info) return 'no backend yet';
  return info.name === 'cpu' ? `CPU · ${info.description}` : info.description;
}

/** "<model> · r = 8, constant schedule, merge, proportional attention · groups after block 12" */
export function settingsLine(config: ModelConfig, o: ToMeOptions, layer: number): string {
  return `${config.id} · r = ${o.r}, ${o.schedule} schedule, ${o.mode}${o.propAttn ? ', proportional attention' : ''} · groups after block ${Math.min(layer, config.depth)}`;
}

/** "tokens 197 → 41 · 12.3 ms per forward (GPU timestamps, <where it ran>)" */
export function speedLine(config: ModelConfig, result: ForwardResult, t: Timing, backend: BackendInfo | null): string {
  const source = t.source === 'gpu-timestamp' ? 'GPU timestamps' : 'wall clock';
  return `tokens ${result.tokens[0]} → ${result.tokens[config.depth]} · ${t.ms.toFixed(1)} ms per forward (${source}, ${runsOn(backend)})`;
}
