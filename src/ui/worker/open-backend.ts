// The worker's place for the one backend choice (src/backends/choose.ts): the browser's adapter,
// onnxruntime-web's WASM build for the CPU path (started and warmed here, so a runtime that
// cannot start is found now and no slider move pays for a session), the GPU memory the page may
// count on. What the page is told about it is a BackendInfo.
import { openBackend, type OpenedBackend } from '../../backends/choose';
import { DEFAULT_TOME } from '../../core/tome';
import type { ViTWeights } from '../../model/weights';
import type { BackendInfo } from '../protocol';

/**
 * The GPU memory the engine may count on (WebGPU does not tell): VITE_GPU_MEMORY_MB when the
 * page was built with it, else the device memory the browser reports (navigator.deviceMemory,
 * GiB, rounded down; Chromium only), else unchecked.
 */
function pageGpuMemoryBytes(): number | undefined {
  const mb = Number(import.meta.env.VITE_GPU_MEMORY_MB);
  if (mb > 0) return mb * 2 ** 20;
  const gib = (navigator as WorkerNavigator & { deviceMemory?: number }).deviceMemory;
  return gib ? gib * 2 ** 30 : undefined;
}

export async function openWorkerBackend(weights: ViTWeights): Promise<OpenedBackend & { info: BackendInfo }> {
  const opened = await openBackend(weights, 'auto', {
    async adapter() {
      if (!navigator.gpu) return { none: 'This browser does not offer WebGPU' };
      const adapter = await navigator.gpu.requestAdapter().catch(() => null);
      return adapter ?? { none: 'WebGPU is present but no GPU adapter was offered' };
    },
    async openOrt(w) {
      // Loaded lazily: a page with WebGPU never downloads ONNX Runtime.
      const { createOrtWebBackend, ortWasm } = await import('../../ort/web');
      const backend = createOrtWebBackend(w);
      try {
        // Its two sessions: the plain graph (r = 0) and the ToMe graph (every other setting).
        await backend.prepare(DEFAULT_TOME);
        await backend.prepare({ ...DEFAULT_TOME, r: 1 });
      } catch (e) {
        backend.dispose();
        throw e;
      }
      const { limitedBy } = ortWasm().threading;
      return { backend, note: limitedBy ? `One thread only: ${limitedBy}.` : 'WebAssembly threads are on.' };
    },
    memoryBytes: pageGpuMemoryBytes(),
    maxBatch: 1,
    // The page says what the CLI logs through the BackendInfo's reason and note.
    log: () => undefined,
  });
  const { backend, fallbackReason, note } = opened;
  const info: BackendInfo = { name: backend.name, description: backend.description, fallbackReason, note };
  return { ...opened, info };
}
