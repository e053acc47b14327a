// The engine's check that a model fits an adapter before anything is allocated: every buffer
// against maxBufferSize and maxStorageBufferBindingSize, and the total against a memory
// estimate (src/model/gpu-budget.ts works them out from the config). A model that does not fit
// is refused with one line naming the limit, instead of losing the device halfway through an
// upload. choosePrecision picks f16 weights where f32 does not fit and f16 does.
import type { ModelConfig } from '../model/config';
import { checkGpuLimits, type AdapterLimits } from './budget';
import type { Precision } from './gpu-weights';

/** A model the adapter cannot hold; the message is the one line to show. */
export class GpuLimitError extends Error {
  override name = 'GpuLimitError';
}

export interface FitOptions {
  precision: Precision;
  maxBatch: number;
  /** GPU memory the caller estimates is available (WebGPU does not tell); unchecked when absent. */
  memoryBytes?: number;
}

/** Throws GpuLimitError when `c` does not fit `limits`. */
export function assertFits(c: ModelConfig, limits: AdapterLimits, o: FitOptions): void {
  const line = checkGpuLimits(c, { precision: o.precision, maxBatch: o.maxBatch }, limits, o.memoryBytes);
  if (line) throw new GpuLimitError(line);
}

/**
 * f32 when the model fits; else f16 weights (half the matmul weights' memory) when the adapter
 * has shader-f16 and that fits, with a note saying so; else GpuLimitError with f32's line.
 */
export function choosePrecision(
  c: ModelConfig,
  adapter: { limits: AdapterLimits; features: ReadonlySet<string> },
  o: Omit<FitOptions, 'precision'>,
): { precision: Precision; note?: string } {
  const f32 = checkGpuLimits(c, { precision: 'f32', maxBatch: o.maxBatch }, adapter.limits, o.memoryBytes);
  if (!f32) return { precision: 'f32' };
  if (adapter.features.has('shader-f16') && !checkGpuLimits(c, { precision: 'f16', maxBatch: o.maxBatch }, adapter.limits, o.memoryBytes)) {
    return { precision: 'f16', note: `${f32.replace(/; precision 'f16'.*$/, '')}: using f16 weights, which fit` };
  }
  throw new GpuLimitError(f32);
}
