// Messages between the page (src/ui/page/main.ts) and the inference worker (src/ui/worker/worker.ts).
// The worker owns the model, the backend and the decoded image, so the page never blocks on a
// forward pass, a weight download or a large image decode.
import type { ModelConfig } from '../model/config';
import type { BackendName, ForwardResult, Timing } from '../core/backend';
import type { Schedule, ToMeOptions } from '../core/tome';
import type { ForwardProfile } from '../core/profile';
import type { BenchRow } from '../core/results';
import type { FolderProgress } from '../eval/folder-run';
import type { FolderPlan } from '../eval/folder-plan';
import type { MeasuredRow } from '../eval/measure';
import type { MeasureReport } from '../eval/table';

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
  /** Classify the current image at r = 0 (cached) and with `opts`; supersedes older requests of
   * the same slot (the page's settings, or the compare view's setting B). */
  | { type: 'analyze'; requestId: number; slot: AnalysisSlot; opts: ToMeOptions }
  | { type: 'bench'; benchId: number; points: BenchPoint[]; repeat: number }
  | { type: 'cancel-bench'; benchId: number }
  /** Profile one forward of the current image with `opts` (WebGPU only): per kernel family,
   * per block, and ToMe's own cost. Runs after waiting analyze requests, before bench steps. */
  | { type: 'profile'; profileId: number; opts: ToMeOptions }
  /** Test hook: destroys the GPU device to exercise the recovery path. */
  | { type: 'lose-device' }
  /** One video frame (camera or file) to run with `opts`, ahead of any other work; always
   * answered ('frame-done' or 'frame-error'), with the bitmap handed back for display. */
  | { type: 'frame'; frameId: number; bitmap: ImageBitmap; opts: ToMeOptions }
  /** Measure a folder: every setting on every image, streamed a batch at a time between the
   * slider's requests; answered by 'folder-plan', 'folder-progress', then 'folder-done' or
   * 'folder-stopped'. A newer one replaces a running one. */
  | { type: 'folder'; folderId: number; request: FolderRequest }
  | { type: 'cancel-folder'; folderId: number };

/** A file of a picked or dropped folder, with its path inside the folder ('/'-separated). */
export interface FolderFile {
  path: string;
  file: File;
}

export interface FolderRequest {
  /** The folder's name, as the page shows it. */
  name: string;
  files: FolderFile[];
  /** 'auto': a labels.tsv/.csv at the top, else the class folders, else none. */
  labels: 'auto' | 'none';
  /** r = 0 first (measureSettings). */
  settings: ToMeOptions[];
  /** Images per step: every setting runs on them before the next are decoded. */
  batch: number;
}

/** An image left out of a folder measurement: it did not decode, or the backend refused it. */
export interface SkippedFile {
  path: string;
  reason: string;
}

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

/** Which of the page's settings an analysis is of: the main one (setting A of the compare view),
 * or the compare view's setting B. Each slot's newest request is answered. */
export type AnalysisSlot = 'main' | 'compare';

/** A setting ran on another backend than the loaded one: a design choice that one lacks. */
export interface ChoiceRoute {
  backend: BackendName;
  /** One line: where it runs and why. */
  reason: string;
}

export interface Analysis {
  requestId: number;
  slot: AnalysisSlot;
  imageId: number;
  modelId: string;
  opts: ToMeOptions;
  baseline: ForwardResult;
  baselineTiming: Timing;
  current: ForwardResult;
  currentTiming: Timing;
  /** Set when the current setting ran elsewhere than the r = 0 baseline (its timing then does not
   * compare with the baseline's). */
  route?: ChoiceRoute;
  /** A model without a head: each patch's feature colour (3 bytes per patch, RGB) for the current
   * setting, on the principal axes of this image's r = 0 patch features (feature-colours.ts). The
   * results carry no tokenFeatures (they stay in the worker). */
  featureColours?: Uint8Array;
}

export type FromWorker =
  /** Bytes of the model read so far; downloads also give their speed and the time left. */
  | { type: 'progress'; modelId: string; loaded: number; total: number; bytesPerSec?: number; etaSec?: number }
  /** `note`: where the weights came from (hub: the cache, or a verified download). */
  | { type: 'ready'; modelId: string; config: ModelConfig; sha256: string; backend: BackendInfo; note?: string }
  | { type: 'load-error'; modelId: string; message: string }
  | { type: 'view'; view: ModelView }
  | { type: 'image-error'; imageId: number; name: string; message: string }
  | ({ type: 'analysis' } & Analysis)
  | { type: 'analyze-error'; requestId: number; slot: AnalysisSlot; message: string }
  | { type: 'bench-progress'; benchId: number; done: number; total: number }
  | { type: 'bench-done'; benchId: number; rows: BenchRow[]; cancelled: boolean; timingSource: Timing['source'] }
  | { type: 'profile-done'; profileId: number; opts: ToMeOptions; report: ProfileReport }
  | { type: 'profile-error'; profileId: number; message: string }
  | { type: 'device-lost'; message: string; recovered: boolean; backend: BackendInfo }
  | ({ type: 'frame-done' } & FrameAnswer)
  | { type: 'frame-error'; frameId: number; message: string; bitmap: ImageBitmap }
  /** What the folder measurement will run on: the images, where the labels come from, what was left out. */
  | { type: 'folder-plan'; folderId: number; plan: Omit<FolderPlan, 'images'> & { images: number } }
  /** After each step: how far, the figures so far, and the images skipped since the last message. */
  | { type: 'folder-progress'; folderId: number; progress: FolderProgress; rows: MeasuredRow[]; skipped: SkippedFile[] }
  | { type: 'folder-done'; folderId: number; report: MeasureReport; skipped: SkippedFile[] }
  /** Cancelled (by the user, a model change or a lost device) or failed: one line, nothing kept. */
  | { type: 'folder-stopped'; folderId: number; message: string };

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
