// Picks the backend in the worker: our WebGPU engine when the browser offers an adapter, else the
// CPU fallback (ONNX Runtime WASM) with the reason, so the page can say it.
import type { Backend, ForwardResult, Timing } from '../model/backend';
import { DEFAULT_TOME, type ToMeOptions } from '../model/tome';
import type { RawImage } from '../gpu/engine';
import type { ViTWeights } from '../model/weights';
import { createCpuBackend } from '../cpu/backend';
import type { BackendInfo, ProfileReport } from './protocol';

export interface OpenedBackend {
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
}

/**
 * Without WebGPU: the fast CPU path (ONNX Runtime WASM, loaded lazily), started with a forward at
 * r = 0 so a runtime that cannot start is found here; then the TypeScript reference as a last resort.
 */
export async function openCpuFallback(weights: ViTWeights, fallbackReason: string): Promise<OpenedBackend> {
  try {
    const { createOrtWebBackend, ortWasm } = await import('../ort/web');
    const backend = createOrtWebBackend(weights);
    // r = 0 runs one whole-model graph; any constant r > 0 runs the per-block graphs: creating
    // both now keeps the first slider move from paying for session creation.
    await backend.prepare(DEFAULT_TOME);
    await backend.prepare({ ...DEFAULT_TOME, r: 1 });
    const { threading } = ortWasm();
    const threadsNote = threading.limitedBy ? `One thread only: ${threading.limitedBy}.` : 'WebAssembly threads are on.';
    return { backend, info: { kind: 'cpu', description: backend.description, fallbackReason, threadsNote } };
  } catch (e) {
    const reason = `${fallbackReason} ONNX Runtime did not start either (${(e as Error).message.split('\n')[0]}).`;
    return { backend: createCpuBackend(weights), info: { kind: 'cpu', description: 'CPU reference (TypeScript, slow)', fallbackReason: reason } };
  }
}

/**
 * `onLost` is called once if the device is lost for any reason other than our own dispose.
 * The device is created here (rather than by the engine) so the page can watch and, in tests,
 * destroy it.
 */
export async function openBackend(weights: ViTWeights, onLost: (message: string) => void): Promise<OpenedBackend> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return openCpuFallback(weights, 'This browser does not offer WebGPU.');
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (!adapter) return openCpuFallback(weights, 'WebGPU is present but no GPU adapter was offered.');
  try {
    const wanted: GPUFeatureName[] = ['timestamp-query'];
    const device = await adapter.requestDevice({
      requiredFeatures: wanted.filter((f) => adapter.features.has(f)),
      requiredLimits: {
        maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxBufferSize: adapter.limits.maxBufferSize,
      },
    });
    let disposed = false;
    let lost = false;
    const lostPromise = device.lost.then((info) => {
      lost = true;
      if (!disposed) onLost(info.message || `device lost (${info.reason})`);
    });
    // Loaded lazily: a browser without WebGPU never downloads the engine.
    const { createWebGpuBackend } = await import('../gpu/engine');
    const engine = await createWebGpuBackend(weights, { adapter, device, maxBatch: 1 });
    const backend: Backend = {
      name: engine.name,
      config: engine.config,
      description: engine.description,
      run: (inputs, opts) => engine.run(inputs, opts),
      dispose: () => {
        disposed = true;
        engine.dispose();
        device.destroy();
      },
    };
    const ai = adapter.info;
    const desc = [ai.vendor, ai.architecture, ai.device, ai.description].filter(Boolean).join(' ') || engine.description;
    return {
      backend,
      info: { kind: 'webgpu', description: desc },
      loseDevice: () => device.destroy(),
      isLost: () => lost,
      lost: lostPromise,
      runImages: (images, opts) => engine.runImages(images, opts),
      profile: async (images, opts) => {
        engine.profile = true;
        let report: ProfileReport;
        try {
          await engine.runImages(images, opts); // warms the profiled path (one pass per dispatch)
          await engine.runImages(images, opts);
          const p = engine.lastProfile;
          if (!p) throw new Error('the engine recorded no profile');
          // The per-dispatch list stays in the worker: the page shows families and blocks.
          const { kernels, ...summary } = p;
          report = summary;
        } finally {
          engine.profile = false;
        }
        if (opts.r > 0) {
          const o = await engine.measureTomeOverhead(opts, 3, 1);
          report.tomeCost = { tomeMs: o.tomeMs, forwardMs: o.forwardMs, share: o.share };
        }
        return report;
      },
    };
  } catch (e) {
    return openCpuFallback(weights, `The WebGPU engine failed to start: ${(e as Error).message}`);
  }
}
