import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig, loadEnv, type Plugin } from 'vite';
import { headersFile, pageHeaders } from './src/ui/page/headers';

/**
 * The page's headers (src/ui/page/headers.ts) on every response of the dev and preview servers
 * (the worker's fetches follow its own script's CSP header, not the page's meta tag), as a meta
 * tag in index.html, and as the `_headers` file of a build (static hosts read it).
 */
function pageHeadersPlugin(headers: Record<string, string>): Plugin {
  let outDir = 'dist';
  return {
    name: 'tome-page-headers',
    configResolved(c) {
      outDir = c.build.outDir;
    },
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: headers['Content-Security-Policy'] }, injectTo: 'head-prepend' },
    ],
    writeBundle() {
      writeFileSync(join(outDir, '_headers'), headersFile(headers));
    },
  };
}

export default defineConfig(({ mode }) => {
  // VITE_HF_ENDPOINT / VITE_HF_DOWNLOAD_HOSTS from the environment or .env files.
  const headers = pageHeaders({ ...loadEnv(mode, fileURLToPath(new URL('.', import.meta.url)), 'VITE_HF_'), ...process.env });
  return {
    // onnxruntime-web's own switch for its builds that load the WASM glue (.mjs) from a URL we give
    // it (src/ort/web.ts) instead of inlining it: its threads then start from that small file, not
    // from whichever bundle chunk inlined the runtime (in a build, the app's whole worker).
    resolve: { conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions] },
    server: { host: '127.0.0.1', port: 5173, headers },
    preview: { host: '127.0.0.1', port: 4173, headers },
    plugins: [pageHeadersPlugin(headers)],
    // WGSL sources are imported with `?raw`; weights are served from public/weights.
    assetsInclude: ['**/*.wgsl'],
    build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
  };
});
