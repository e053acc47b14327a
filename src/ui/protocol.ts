// Messages between the page (src/ui/main.ts) and the inference worker (src/ui/worker.ts).
// The worker owns the model, the backend and the decoded image, so the page never blocks on a
// forward pass, a weight download or a large image decode.
import type { ModelConfig } from '../model/config';
import type { BackendName, ForwardResult, Timing } from '../core/backend';
import type { Schedule, ToMeOptions } from '../core/tome';
import type { ForwardProfile } from '../core/profile';
import type { BenchRow } from '../core/results';

export type ToWorker =
  | { type: 'load'; modelId: string; baseUrl: string }
  /** A model from the Hugging Face hub (cached in Cache Storage after its first download). */
  | { type: 'load-hub'; modelId: string; repo: string; endpoint: string }
  /** A model from local files: config.json + model.safetensors. */
  | { type: 'load-local'; modelId: string; name: string; config: File; weights: File }
  /** Stops the download of `modelId`; the previous model stays. */
  | { type: 'cancel-load'; modelId: string }
  /** A new image to decode; the previous one stays until this one decodes. */
  | { type: 'image'; imageId: number; blob: Blob; name: string }
  /** Classify the current image at r = 0 (cached) and with `opts`; supersedes older requests. */
  | { type: 'analyze'; requestId: number; opts: ToMeOptions }
  | { type: 'bench'; benchId: number; points: BenchPoint[]; repeat: number }
  | { type: 'cancel-bench'; benchId: number }
  /** Profile one forward of the current image with `opts` (WebGPU only): per kernel family,
   * per block, and ToMe's own cost. Runs after waiting analyze requests, before bench steps. */
  | { type: 'profile'; profileId: number; opts: ToMeOptions }
  /** Test hook: destroys the GPU device to exercise the recovery path. */
  | { type: 'lose-device' }
  /** One video frame (camera or file) to run with `opts`, ahead of any other work; always
   * answered ('frame-done' or 'frame-error'), with the bitmap handed back for display. */
  | { type: 'frame'; frameId: number; bitmap: ImageBitmap; opts: ToMeOptions };

export interface BenchPoint {
  r: number;
  schedule: Schedule;
}

/** Which backend runs the forwards, as the page shows it. */
export interface BackendInfo {
  name: BackendName;
  description: string;
  /** Why WebGPU is not the one running. */
  fallbackReason?: string;
  /** How it runs, when worth saying: f16 weights on the GPU, WebAssembly threads on the CPU. */
  note?: string;
}

/** What the model actually sees: its input tensor turned back into sRGB pixels. */
export interface ModelView {
  imageId: number;
  modelId: string;
  name: string;
  /** Size of the decoded image (after EXIF orientation) and whether it was downscaled first. */
  width: number;
  height: number;
  downscaledFrom?: { width: number; height: number };
  /** Center crop in decoded-image pixels, for drawing the sharp original under the overlay. */
  crop: { x: number; y: number; w: number; h: number };
  /** imgSize x imgSize RGBA of the de-normalised model input (for mean colours). */
  rgba: Uint8ClampedArray;
  size: number;
  /** The decoded image (downscaled if it was huge), for display only. */
  bitmap: ImageBitmap;
}

export interface Analysis {
  requestId: number;
  imageId: number;
  modelId: string;
  opts: ToMeOptions;
  baseline: ForwardResult;
  baselineTiming: Timing;
  current: ForwardResult;
  currentTiming: Timing;
}

export type FromWorker =
  /** Bytes of the model read so far; downloads also give their speed and the time left. */
  | { type: 'progress'; modelId: string; loaded: number; total: number; bytesPerSec?: number; etaSec?: number }
  /** `note`: where the weights came from (hub: the cache, or a verified download). */
  | { type: 'ready'; modelId: string; config: ModelConfig; backend: BackendInfo; note?: string }
  | { type: 'load-error'; modelId: string; message: string }
  | { type: 'view'; view: ModelView }
  | { type: 'image-error'; imageId: number; name: string; message: string }
  | ({ type: 'analysis' } & Analysis)
  | { type: 'analyze-error'; requestId: number; message: string }
  | { type: 'bench-progress'; benchId: number; done: number; total: number }
  | { type: 'bench-done'; benchId: number; rows: BenchRow[]; cancelled: boolean; timingSource: Timing['source'] }
  | { type: 'profile-done'; profileId: number; opts: ToMeOptions; report: ProfileReport }
  | { type: 'profile-error'; profileId: number; message: string }
  | { type: 'device-lost'; message: string; recovered: boolean; backend: BackendInfo }
  | ({ type: 'frame-done' } & FrameAnswer)
  | { type: 'frame-error'; frameId: number; message: string; bitmap: ImageBitmap };

/** A video frame's forward: on WebGPU from a texture copied on the GPU ('texture'), on the CPU
 * reference from the frame's pixels ('pixels'). `workerMs` is the worker's wall time for the
 * frame (copy or read-back, preprocessing, forward, read-back of the result). */
export interface FrameAnswer {
  frameId: number;
  opts: ToMeOptions;
  result: ForwardResult;
  timing: Timing;
  workerMs: number;
  route: 'texture' | 'pixels';
  bitmap: ImageBitmap;
}

/** The engine's profile of one forward (src/gpu/profile.ts) without the per-dispatch list; for
 * r > 0 with ToMe's own cost (its dispatches timed alone against the whole forward, batch 1). */
export type ProfileReport = Omit<ForwardProfile, 'kernels'>;
