// The ONNX Runtime CPU path in the browser (the page's fallback without WebGPU): onnxruntime-web's
// WASM build with SIMD, and threads when the page is cross-origin isolated (SharedArrayBuffer
// needs COOP/COEP; without it, one thread). Its .wasm and .mjs glue are served by our own app:
// Vite resolves the `?url` imports to files it serves in dev and emits into the build (vite.config
// picks the onnxruntime-web build that loads the glue from that URL). Idle threads sleep instead of
// spinning: the worker's own work between forwards (decoding, preprocessing, the patch maps) needs the cores.
import * as ort from 'onnxruntime-web/wasm';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import mjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import type { ViTWeights } from '../model/weights';
import { createOrtBackend, type OrtBackend } from './backend';

export { ortRefusal } from './backend';

export interface WasmThreading {
  threads: number;
  /** Why threads are off, when they are. */
  limitedBy?: string;
}

/** Threads the WASM runtime can use here: one per core when cross-origin isolated, else one. */
function wasmThreading(): WasmThreading {
  const cores = Math.max(1, navigator.hardwareConcurrency || 1);
  if (!globalThis.crossOriginIsolated)
    return { threads: 1, limitedBy: 'the page is not cross-origin isolated (no COOP/COEP headers), so WebAssembly threads are unavailable' };
  return { threads: cores };
}

let configured: WasmThreading | null = null;

/** onnxruntime-web/wasm with our .wasm URL and thread count; its settings are global, so set once. */
export function ortWasm(): { ort: typeof ort; threading: WasmThreading } {
  if (!configured) {
    configured = wasmThreading();
    ort.env.wasm.wasmPaths = { wasm: wasmUrl, mjs: mjsUrl };
    ort.env.wasm.numThreads = configured.threads;
    // Already off the main thread (the app's worker, or a bench page that waits anyway).
    ort.env.wasm.proxy = false;
  }
  return { ort, threading: configured };
}

export function describeWasm(t: WasmThreading): string {
  return `ONNX Runtime ${ort.env.versions.web ?? ''} WASM (SIMD, ${t.threads} thread${t.threads === 1 ? '' : 's'})`;
}

export function createOrtWebBackend(weights: ViTWeights): OrtBackend {
  const { threading } = ortWasm();
  return createOrtBackend(weights, {
    ort,
    session: { executionProviders: ['wasm'], graphOptimizationLevel: 'all', extra: { session: { intra_op: { allow_spinning: '0' } } } },
    description: describeWasm(threading),
  });
}
