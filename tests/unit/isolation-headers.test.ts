// Cross-origin isolation (COOP + COEP), which ONNX Runtime's WASM threads need: sent by the Vite
// dev server and `vite preview`, and declared for the built site in the `_headers` file the build
// writes (the format static hosts such as Netlify and Cloudflare Pages read).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServer, preview, type PreviewServer, type ViteDevServer } from 'vite';
import { headersFile, ISOLATION_HEADERS, pageHeaders } from '../../src/ui/page/headers';

const ROOT = join(__dirname, '..', '..');
const servers: Array<ViteDevServer | PreviewServer> = [];
afterAll(() => Promise.all(servers.map((s) => s.close())));

function urlOf(s: ViteDevServer | PreviewServer): string {
  const addr = s.httpServer?.address();
  if (!addr || typeof addr === 'string') throw new Error('no TCP port');
  return `http://127.0.0.1:${addr.port}/`;
}

function expectIsolated(res: Response): void {
  expect(res.status).toBe(200);
  expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
  expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
}

describe('COOP/COEP headers', () => {
  it('are the pair that makes a page cross-origin isolated', () => {
    expect(ISOLATION_HEADERS).toEqual({ 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
  });

  it('come with every response of the dev server (page, worker script, the WASM file)', async () => {
    const server = await createServer({ root: ROOT, configFile: join(ROOT, 'vite.config.ts'), logLevel: 'error', server: { port: 0, hmr: false } });
    servers.push(server);
    await server.listen();
    const base = urlOf(server);
    expectIsolated(await fetch(base));
    expectIsolated(await fetch(`${base}src/ui/worker.ts`));
    expectIsolated(await fetch(`${base}node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm`));
  });

  it('come with the preview server', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'tome-preview-'));
    writeFileSync(join(outDir, 'index.html'), '<!doctype html><title>t</title>');
    const server = await preview({ root: ROOT, configFile: join(ROOT, 'vite.config.ts'), logLevel: 'error', preview: { port: 0 }, build: { outDir } });
    servers.push(server);
    expectIsolated(await fetch(urlOf(server)));
  });

  it('are declared for the built site in its _headers file, for every path', () => {
    const lines = headersFile(pageHeaders({}))
      .split('\n')
      .map((l) => l.trim());
    expect(lines[0]).toBe('/*');
    for (const [k, v] of Object.entries(ISOLATION_HEADERS)) expect(lines).toContain(`${k}: ${v}`);
  });
});
