// The inference worker: loads weights (cached by the loader), owns the backend (WebGPU when the
// browser offers an adapter and the engine is built in, else the CPU fallback on ONNX Runtime WASM), decodes and
// preprocesses images, and runs forwards. Only the newest analyze request is ever run: one that
// arrives while a forward runs replaces any waiting one, and the running one's answer is dropped
// if it was superseded, so the slider never queues up work. A profile request (WebGPU only)
// runs between analyze requests and benchmark steps, one at a time, and is always answered.
import type { ForwardResult, Timing } from '../model/backend';
import type { ModelConfig } from '../model/config';
import type { ViTWeights } from '../model/weights';
import { loadModelBrowser } from '../model/load-browser';
import { prepareLimits, preprocess, type PreprocessGeometry } from '../model/preprocess';
import type { ToMeOptions } from '../model/tome';
import { decodeImage, type BrowserImage } from './decode';
import { cropInSource, inputToRgba } from './model-view';
import { openBackend, openCpuFallback, type OpenedBackend } from './open-backend';
import type { BenchPoint, BenchRow, FromWorker, ToWorker } from './protocol';

interface Loaded {
  weights: ViTWeights;
  opened: OpenedBackend;
}

interface CurrentImage {
  imageId: number;
  name: string;
  blob: Blob;
  /** Decoded pixels and model input, for the model `modelId` (its size limits and transform). */
  prepared: { modelId: string; decoded: BrowserImage; input: Float32Array; geometry: PreprocessGeometry };
}

interface BenchJob {
  benchId: number;
  points: BenchPoint[];
  repeat: number;
  next: number;
  times: number[][];
  cancelled: boolean;
  source: Timing['source'];
}

const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

let loaded: Loaded | null = null;
let loadingId: string | null = null;
let image: CurrentImage | null = null;
/** An image that arrived before any model was ready: prepared (or refused) once one is. */
let waitingImage: { imageId: number; blob: Blob; name: string } | null = null;
let pending: { requestId: number; opts: ToMeOptions } | null = null;
let bench: BenchJob | null = null;
let profileReq: { profileId: number; opts: ToMeOptions } | null = null;
let pumping = false;
/** r = 0 result per image for the loaded model (independent of schedule, mode and prop-attn). */
let baseline: { imageId: number; result: ForwardResult; timing: Timing } | null = null;

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  switch (m.type) {
    case 'load':
      void load(m.modelId, m.baseUrl);
      break;
    case 'image':
      void acceptImage(m.imageId, m.blob, m.name);
      break;
    case 'analyze':
      pending = { requestId: m.requestId, opts: m.opts };
      void pump();
      break;
    case 'bench':
      bench = { benchId: m.benchId, points: m.points, repeat: m.repeat, next: 0, times: m.points.map(() => []), cancelled: false, source: 'wall' };
      void pump();
      break;
    case 'profile':
      if (profileReq) post({ type: 'profile-error', profileId: profileReq.profileId, message: 'superseded by a newer profile request' });
      profileReq = { profileId: m.profileId, opts: m.opts };
      void pump();
      break;
    case 'cancel-bench':
      if (bench?.benchId === m.benchId) bench.cancelled = true;
      void pump();
      break;
    case 'lose-device':
      loaded?.opened.loseDevice?.();
      break;
  }
};

async function load(modelId: string, baseUrl: string): Promise<void> {
  loadingId = modelId;
  try {
    const weights = await loadModelBrowser(modelId, {
      baseUrl,
      onProgress: (p) => post({ type: 'progress', modelId, loaded: p.loaded, total: p.total }),
    });
    if (loadingId !== modelId) return; // another model was chosen meanwhile
    loaded?.opened.backend.dispose();
    loaded = null;
    baseline = null;
    const opened = await openBackend(weights, onDeviceLost);
    if (loadingId !== modelId) {
      opened.backend.dispose();
      return;
    }
    loaded = { weights, opened };
    post({ type: 'ready', modelId, config: weights.config, backend: opened.info });
    await reprepare(weights.config);
  } catch (e) {
    if (loadingId === modelId) post({ type: 'load-error', modelId, message: (e as Error).message });
  }
}

/** Device lost: rebuild the backend on a new device and redo the last request. */
async function onDeviceLost(message: string): Promise<void> {
  if (!loaded) return;
  const { weights } = loaded;
  try {
    loaded.opened = await openBackend(weights, onDeviceLost);
    post({ type: 'device-lost', message, recovered: true, backend: loaded.opened.info });
  } catch (e) {
    loaded.opened = await openCpuFallback(weights, `GPU device lost and not recreated: ${(e as Error).message}.`);
    post({ type: 'device-lost', message, recovered: false, backend: loaded.opened.info });
  }
  void pump();
}

async function acceptImage(imageId: number, blob: Blob, name: string): Promise<void> {
  if (!loaded) {
    waitingImage = { imageId, blob, name };
    return;
  }
  const config = loaded.weights.config;
  let prepared: CurrentImage['prepared'];
  try {
    prepared = await prepare(blob, config);
  } catch (e) {
    post({ type: 'image-error', imageId, name, message: `${name}: ${(e as Error).message}` });
    return;
  }
  if (loaded?.weights.config !== config) return; // the model changed meanwhile; its load re-sends
  image?.prepared.decoded.bitmap.close();
  image = { imageId, name, blob, prepared };
  baseline = null;
  sendView(image, config);
  void pump();
}

async function prepare(blob: Blob, config: ModelConfig): Promise<CurrentImage['prepared']> {
  const decoded = await decodeImage(blob, prepareLimits(config));
  try {
    const { input, geometry } = preprocess(decoded, config);
    return { modelId: config.id, decoded, input, geometry };
  } catch (e) {
    decoded.bitmap.close();
    throw e;
  }
}

/** After a model switch: the current image again, through the new model's transform. */
async function reprepare(config: ModelConfig): Promise<void> {
  if (waitingImage) {
    const w = waitingImage;
    waitingImage = null;
    return acceptImage(w.imageId, w.blob, w.name);
  }
  const img = image;
  if (!img) return;
  if (img.prepared.modelId !== config.id) {
    try {
      const prepared = await prepare(img.blob, config);
      img.prepared.decoded.bitmap.close();
      img.prepared = prepared;
    } catch (e) {
      post({ type: 'image-error', imageId: img.imageId, name: img.name, message: `${img.name}: ${(e as Error).message}` });
      return;
    }
  }
  sendView(img, config);
  void pump();
}

function sendView(img: CurrentImage, config: ModelConfig): void {
  const { decoded, input, geometry } = img.prepared;
  const rgba = inputToRgba(input, config);
  // The page gets its own copy of the bitmap: the worker keeps the original.
  void createImageBitmap(decoded.bitmap).then((bitmap) =>
    post(
      {
        type: 'view',
        view: {
          imageId: img.imageId,
          modelId: config.id,
          name: img.name,
          width: decoded.width,
          height: decoded.height,
          downscaledFrom: decoded.downscaledFrom,
          crop: cropInSource(geometry, config.imgSize),
          rgba,
          size: config.imgSize,
          bitmap,
        },
      },
      [bitmap, rgba.buffer],
    ),
  );
}

/** Runs waiting work one forward at a time: analyze requests first so the slider stays live,
 * then a profile request, then benchmark steps. */
async function pump(): Promise<void> {
  if (pumping) return;
  pumping = true;
  try {
    while (loaded && image && image.prepared.modelId === loaded.weights.config.id && !loaded.opened.isLost?.()) {
      if (pending) await analyzeLatest(loaded, image);
      else if (profileReq) await profileCurrent(loaded, image);
      else if (bench) await benchStep(loaded, image, bench);
      else break;
    }
  } finally {
    pumping = false;
  }
}

/** One forward of the current image: on WebGPU from its pixels (the engine preprocesses on the
 * GPU, bit-exact with the TypeScript transform), on the CPU from the TypeScript input. */
async function forward(l: Loaded, img: CurrentImage, opts: ToMeOptions): Promise<{ result: ForwardResult; timing: Timing }> {
  const { results, timing } = l.opened.runImages
    ? await l.opened.runImages([img.prepared.decoded], opts)
    : await l.opened.backend.run([img.prepared.input], opts);
  return { result: results[0], timing };
}

/** Whether a failure was the device going away: its lost promise may settle just after. */
async function lostWithin(opened: OpenedBackend, ms: number): Promise<boolean> {
  if (!opened.lost) return false;
  return Promise.race([opened.lost.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
}

async function analyzeLatest(l: Loaded, img: CurrentImage): Promise<void> {
  const req = pending!;
  pending = null;
  const config = l.weights.config;
  const opened = l.opened;
  try {
    if (baseline?.imageId !== img.imageId) {
      const b = await forward(l, img, { ...req.opts, r: 0 });
      baseline = { imageId: img.imageId, ...b };
      if (pending || image !== img || loaded !== l) return; // superseded: the next loop runs the newer one
    }
    const cur = req.opts.r === 0 ? { result: baseline.result, timing: baseline.timing } : await forward(l, img, req.opts);
    if (pending || image !== img || loaded !== l) return;
    post({
      type: 'analysis',
      requestId: req.requestId,
      imageId: img.imageId,
      modelId: config.id,
      opts: req.opts,
      baseline: baseline.result,
      baselineTiming: baseline.timing,
      current: cur.result,
      currentTiming: cur.timing,
    });
  } catch (e) {
    if (loaded !== l) return; // the model was switched under this forward: its answer is moot
    if (await lostWithin(opened, 1000)) {
      pending ??= req; // the device-lost handler re-runs it on the new device
      return;
    }
    post({ type: 'analyze-error', requestId: req.requestId, message: (e as Error).message });
  }
}

/** Profiles one forward of the current image (the engine's per-dispatch profile, and ToMe's
 * own cost). Every request gets an answer: a lost device or a model switch under it is an error,
 * never a hang (the lost promise is raced, since a lost device may never finish the work). */
async function profileCurrent(l: Loaded, img: CurrentImage): Promise<void> {
  const req = profileReq!;
  profileReq = null;
  const opened = l.opened;
  if (!opened.profile) {
    post({ type: 'profile-error', profileId: req.profileId, message: 'Profiling needs the WebGPU engine' });
    return;
  }
  const work = opened.profile([img.prepared.decoded], req.opts);
  const lost = opened.lost?.then(() => {
    throw new Error('the GPU device was lost');
  });
  // A loss after the profile finished is the device-lost handler's business, not a rejection.
  lost?.catch(() => undefined);
  try {
    const report = await (lost ? Promise.race([work, lost]) : work);
    post({ type: 'profile-done', profileId: req.profileId, opts: req.opts, report });
  } catch (e) {
    let message = (e as Error).message;
    if (loaded !== l) message = 'The model changed while profiling; profile again.';
    else if (opened.isLost?.() || (await lostWithin(opened, 1000))) message = `The GPU device was lost while profiling (${message}); profile again once it is back.`;
    post({ type: 'profile-error', profileId: req.profileId, message: `Profile failed: ${message}` });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** One timed forward of the in-page benchmark; a first untimed run per point warms pipelines. */
async function benchStep(l: Loaded, img: CurrentImage, job: BenchJob): Promise<void> {
  const perPoint = job.repeat + 1;
  const total = job.points.length * perPoint;
  if (!job.cancelled && job.next < total) {
    const point = job.points[Math.floor(job.next / perPoint)];
    try {
      const { timing } = await forward(l, img, { r: point.r, schedule: point.schedule, propAttn: true, mode: 'merge' });
      job.source = timing.source;
      if (job.next % perPoint !== 0) job.times[Math.floor(job.next / perPoint)].push(timing.ms);
    } catch (e) {
      job.cancelled = true;
      post({ type: 'analyze-error', requestId: -1, message: `benchmark: ${(e as Error).message}` });
    }
    job.next++;
    post({ type: 'bench-progress', benchId: job.benchId, done: job.next, total });
  }
  if (job.cancelled || job.next >= total) {
    bench = null;
    const r0 = job.points.findIndex((p) => p.r === 0);
    const base = r0 >= 0 && job.times[r0].length ? median(job.times[r0]) : NaN;
    const rows: BenchRow[] = job.points
      .map((p, i) => ({ p, t: job.times[i] }))
      .filter(({ t }) => t.length > 0)
      .map(({ p, t }) => ({ r: p.r, schedule: p.schedule, msMedian: median(t), speedup: base / median(t) }));
    post({ type: 'bench-done', benchId: job.benchId, rows, cancelled: job.cancelled, timingSource: job.source });
  }
}
