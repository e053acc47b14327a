// Picks the page's backend, in the worker: our WebGPU engine when the browser offers an adapter
// and the model fits it (f16 weights where only those fit), else the CPU fallback (ONNX Runtime
// WASM, see openCpuFallback) with the reason (for a model over the adapter's limits, the one line
// naming the limit), so the page can say it. (The CLI picks its own, with Dawn, in src/cli/backends.ts.)
import type { Backend, ForwardResult, Timing } from '../core/backend';
import { DEFAULT_TOME, type ToMeOptions } from '../core/tome';
import type { RawImage } from '../core/preprocess';
import type { ViTWeights } from '../model/weights';
import { createReferenceBackend } from '../reference/backend';
import { requestEngineDevice } from '../gpu/device';
import { createFrameTexture } from '../gpu/frame-texture';
import type { BackendInfo, ProfileReport } from './protocol';

export interface PageBackend {
  backend: Backend;
  info: BackendInfo;
  /** Test hook: destroys the GPU device (WebGPU only). */
  loseDevice?: () => void;
  /** True once the device is gone (a failing forward is then retried on the new one). */
  isLost?: () => boolean;
  /** Resolves when the device is lost (a forward can fail a moment before this fires). */
  lost?: Promise<void>;
  /** WebGPU only: a forward from decoded pixels, preprocessed on the GPU in the same submission. */
  runImages?: (images: RawImage[], opts: ToMeOptions) => Promise<{ results: ForwardResult[]; timing: Timing }>;
  /**
   * WebGPU only: the engine's profile of one forward of `images` (a warm-up forward, then a
   * profiled one), and for r > 0 ToMe's own cost (its dispatches timed alone against the whole
   * forward, 3 rounds at batch 1). Leaves the engine's working buffers undefined: the next
   * forward starts afresh.
   */
  profile?: (images: RawImage[], opts: ToMeOptions) => Promise<ProfileReport>;
  /** WebGPU only: a video frame copied into this device's frame texture on the GPU
   * (copyExternalImageToTexture) and run from there; the bitmap stays the caller's. */
  runFrame?: (bitmap: ImageBitmap, opts: ToMeOptions) => Promise<{ results: ForwardResult[]; timing: Timing }>;
}

/**
 * Without WebGPU (or when the model does not fit the adapter): the fast CPU path (ONNX Runtime
 * WASM, loaded lazily), started with a forward at r = 0 and one at r = 1 so a runtime that cannot
 * start is found here and the first slider move does not pay for session creation; the
 * TypeScript reference for an architecture the ONNX path does not build graphs for, or as a last
 * resort.
 */
export async function openCpuFallback(weights: ViTWeights, fallbackReason: string): Promise<PageBackend> {
  const reference = (reason: string): PageBackend => ({
    backend: createReferenceBackend(weights),
    info: { kind: 'cpu', description: 'CPU reference (TypeScript, slow)', fallbackReason: reason },
  });
  try {
    const { createOrtWebBackend, ortRefusal, ortWasm } = await import('../ort/web');
    const refusal = ortRefusal(weights.config);
    if (refusal) return reference(`${fallbackReason} ${refusal}.`);
    const backend = createOrtWebBackend(weights);
    await backend.prepare(DEFAULT_TOME);
    await backend.prepare({ ...DEFAULT_TOME, r: 1 });
    const { threading } = ortWasm();
    const threadsNote = threading.limitedBy ? `One thread only: ${threading.limitedBy}.` : 'WebAssembly threads are on.';
    return { backend, info: { kind: 'cpu', description: backend.description, fallbackReason, threadsNote } };
  } catch (e) {
    return reference(`${fallbackReason} ONNX Runtime did not start either (${(e as Error).message.split('\n')[0]}).`);
  }
}

/**
 * The GPU memory the engine may count on (WebGPU does not tell): VITE_GPU_MEMORY_MB when the
 * page was built with it, else the device memory the browser reports (navigator.deviceMemory,
 * GiB, rounded down; Chromium only), else unchecked.
 */
function pageGpuMemoryBytes(): number | undefined {
  const mb = Number(import.meta.env.VITE_GPU_MEMORY_MB);
  if (mb > 0) return mb * 2 ** 20;
  const gib = (navigator as Navigator & { deviceMemory?: number }).deviceMemory;
  return gib ? gib * 2 ** 30 : undefined;
}

/**
 * `onLost` is called once if the device is lost for any reason other than our own dispose.
 * The device is created here (rather than by the engine) so the page can watch and, in tests,
 * destroy it.
 */
export async function openPageBackend(weights: ViTWeights, onLost: (message: string) => void): Promise<PageBackend> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return openCpuFallback(weights, 'This browser does not offer WebGPU.');
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (!adapter) return openCpuFallback(weights, 'WebGPU is present but no GPU adapter was offered.');
  // Loaded lazily: a browser without WebGPU never downloads the engine.
  const [{ createWebGpuBackend }, { choosePrecision, GpuLimitError }] = await Promise.all([import('../gpu/engine'), import('../gpu/limits')]);
  const memoryBytes = pageGpuMemoryBytes();
  let fit: ReturnType<typeof choosePrecision>;
  try {
    fit = choosePrecision(weights.config, adapter, { maxBatch: 1, memoryBytes });
  } catch (e) {
    if (e instanceof GpuLimitError) return openCpuFallback(weights, `${e.message}.`);
    throw e;
  }
  try {
    const f16 = fit.precision === 'f16';
    const device = await requestEngineDevice(adapter, { f16 });
    let disposed = false;
    let lost = false;
    const lostPromise = device.lost.then((info) => {
      lost = true;
      if (!disposed) onLost(info.message || `device lost (${info.reason})`);
    });
    const engine = await createWebGpuBackend(weights, { adapter, device, maxBatch: 1, precision: fit.precision, memoryBytes });
    // One texture for every frame of every stream (frames run one at a time), on this device:
    // a device lost takes it along and the new backend makes its own.
    const frames = createFrameTexture(device);
    const backend: Backend = {
      name: engine.name,
      config: engine.config,
      description: engine.description,
      run: (inputs, opts) => engine.run(inputs, opts),
      dispose: () => {
        disposed = true;
        frames.dispose();
        engine.dispose();
        device.destroy();
      },
    };
    const ai = adapter.info;
    const desc = [ai.vendor, ai.architecture, ai.device, ai.description].filter(Boolean).join(' ') || engine.description;
    return {
      backend,
      info: { kind: 'webgpu', description: f16 ? `${desc} · f16 weights (${fit.note})` : desc },
      loseDevice: () => device.destroy(),
      isLost: () => lost,
      lost: lostPromise,
      runImages: (images, opts) => engine.runImages(images, opts),
      runFrame: async (bitmap, opts) => engine.runTextures([await frames.fromExternal(bitmap, bitmap.width, bitmap.height)], opts),
      profile: async (images, opts) => {
        // ToMe's own cost only where there is ToMe work; the per-dispatch list stays in the
        // worker (the page shows families and blocks).
        const { kernels, ...report } = await engine.profile(images, opts, { tomeRounds: opts.r > 0 ? 3 : 0 });
        return report;
      },
    };
  } catch (e) {
    return openCpuFallback(weights, `The WebGPU engine failed to start: ${(e as Error).message}`);
  }
}
