// In the worker: one video frame through the loaded model. On WebGPU the frame is copied into a
// texture on the GPU and preprocessed and run from there (its pixels never come to the CPU);
// on the CPU reference, which has no GPU to copy into, its pixels are read back in the worker
// and go through the TypeScript preprocessing, exactly as a still image does (slower).
import type { ForwardResult, Timing } from '../core/backend';
import type { ToMeOptions } from '../core/tome';
import { preprocess } from '../reference/preprocess';
import type { LoadedModel } from './model-session';
import type { FrameAnswer } from './protocol';

export interface FrameRun {
  result: ForwardResult;
  timing: Timing;
  workerMs: number;
  route: FrameAnswer['route'];
}

function framePixels(bitmap: ImageBitmap): { data: Uint8ClampedArray; width: number; height: number; channels: 4 } {
  const { width, height } = bitmap;
  const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2D canvas in this worker');
  ctx.drawImage(bitmap, 0, 0);
  return { data: ctx.getImageData(0, 0, width, height).data, width, height, channels: 4 };
}

export async function runFrame(l: LoadedModel, bitmap: ImageBitmap, opts: ToMeOptions): Promise<FrameRun> {
  const t0 = performance.now();
  const opened = l.opened;
  if (opened.runFrame) {
    const { results, timing } = await opened.runFrame(bitmap, opts);
    return { result: results[0], timing, workerMs: performance.now() - t0, route: 'texture' };
  }
  const { input } = preprocess(framePixels(bitmap), l.weights.config);
  const { results, timing } = await opened.backend.run([input], opts);
  return { result: results[0], timing, workerMs: performance.now() - t0, route: 'pixels' };
}
