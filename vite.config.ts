import { defaultClientConditions, defineConfig } from 'vite';

// Cross-origin isolation (COOP + COEP) gives the page SharedArrayBuffer, which ONNX Runtime's
// WASM threads (the fallback without WebGPU) need. The built site gets the same headers from
// public/_headers (see README, "Deploying").
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // onnxruntime-web's own switch for its builds that load the WASM glue (.mjs) from a URL we give
  // it (src/ort/web.ts) instead of inlining it: its threads then start from that small file, not
  // from whichever bundle chunk inlined the runtime (in a build, the app's whole worker).
  resolve: { conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions] },
  server: { host: '127.0.0.1', port: 5173, headers: ISOLATION_HEADERS },
  preview: { host: '127.0.0.1', port: 4173, headers: ISOLATION_HEADERS },
  // WGSL sources are imported with `?raw`; weights are served from public/weights.
  assetsInclude: ['**/*.wgsl'],
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
});
