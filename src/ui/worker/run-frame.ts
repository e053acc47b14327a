// In the worker: one video frame through the loaded model's backend. The frame goes in as an
// ExternalFrame: the WebGPU engine copies it into a texture on the GPU and preprocesses it there
// (its pixels never come to the CPU); a CPU backend asks for its pixels, read here through a 2D
// canvas, and preprocesses them in TypeScript exactly as a still image's.
import type { Backend, ExternalFrame, ForwardResult, Timing } from '../../core/backend';
import type { RawImage } from '../../core/preprocess';
import type { ToMeOptions } from '../../core/tome';
import type { FrameAnswer } from '../protocol';

export interface FrameRun {
  result: ForwardResult;
  timing: Timing;
  workerMs: number;
  route: FrameAnswer['route'];
}

function framePixels(bitmap: ImageBitmap): RawImage {
  const { width, height } = bitmap;
  const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2D canvas in this worker');
  ctx.drawImage(bitmap, 0, 0);
  return { data: ctx.getImageData(0, 0, width, height).data, width, height, channels: 4 };
}

export async function runFrame(backend: Backend, bitmap: ImageBitmap, opts: ToMeOptions): Promise<FrameRun> {
  const t0 = performance.now();
  // The route is what happened, not what the backend is: whether its pixels were read.
  let read = false;
  const frame: ExternalFrame = {
    external: bitmap,
    width: bitmap.width,
    height: bitmap.height,
    pixels: () => {
      read = true;
      return framePixels(bitmap);
    },
  };
  const { results, timing } = await backend.run([frame], opts);
  return { result: results[0], timing, workerMs: performance.now() - t0, route: read ? 'pixels' : 'texture' };
}
