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

/** The batch sizes to try, largest first: maxBatch, then halved down to 1. */
function batchesFrom(maxBatch: number): number[] {
  const out = [maxBatch];
  while (out[out.length - 1] > 1) out.push(Math.floor(out[out.length - 1] / 2));
  return out;
}

/**
 * f32 at `maxBatch` when the model fits; else f32 at a smaller batch (halving: a batch's
 * activations, e.g. DINOv2-L's MLP at 518 px, are what stops it), with a note saying so; else
 * f16 weights (half the matmul weights' memory) when the adapter has shader-f16 and that fits,
 * with a note; else GpuLimitError with f32's line at batch 1.
 */
export function choosePrecision(
  c: ModelConfig,
  adapter: { limits: AdapterLimits; features: ReadonlySet<string> },
  o: Omit<FitOptions, 'precision'>,
): { precision: Precision; maxBatch: number; note?: string } {
  const check = (precision: Precision, maxBatch: number) => checkGpuLimits(c, { precision, maxBatch }, adapter.limits, o.memoryBytes);
  const first = check('f32', o.maxBatch);
  if (!first) return { precision: 'f32', maxBatch: o.maxBatch };
  const smaller = batchesFrom(o.maxBatch).find((b) => b < o.maxBatch && !check('f32', b));
  if (smaller) return { precision: 'f32', maxBatch: smaller, note: `${first}: using batches of ${smaller}, which fit` };
  const f32 = check('f32', 1)!;
  const f16 = adapter.features.has('shader-f16') ? batchesFrom(o.maxBatch).find((b) => !check('f16', b)) : undefined;
  if (f16) return { precision: 'f16', maxBatch: f16, note: `${f32.replace(/; precision 'f16'.*$/, '')}: using f16 weights, which fit` };
  throw new GpuLimitError(f32);
}
