// Starts the app (Vite dev server on 127.0.0.1, a free port) and a headless Debian Chromium with
// WebGPU enabled (SwiftShader here): what the in-browser benchmarks and the end-to-end tests
// (tests/e2e/harness.ts) drive.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

// Without --enable-unsafe-webgpu, Chromium on Linux exposes no navigator.gpu at all: that is how
// the tests open a browser without WebGPU.
const WEBGPU_ARG = '--enable-unsafe-webgpu';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Where Chromium (or Chrome) is: TOME_CHROMIUM, else Debian's, else the usual installs; null
 * when there is none (npm test then skips the tiers that need it, and says so). */
export function chromiumPath(env: Record<string, string | undefined> = process.env): string | null {
  if (env.TOME_CHROMIUM) return env.TOME_CHROMIUM;
  const candidates = [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
  ];
  return candidates.find((p) => existsSync(p)) ?? null;
}

export interface App {
  url: string;
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
  close(): Promise<void>;
}

export async function startServer(): Promise<ViteDevServer> {
  const server = await createServer({
    root: ROOT,
    configFile: join(ROOT, 'vite.config.ts'),
    logLevel: 'error',
    server: { host: '127.0.0.1', port: 0, strictPort: false, open: false, hmr: false },
  });
  await server.listen();
  return server;
}

export function serverUrl(server: ViteDevServer): string {
  const addr = server.httpServer?.address();
  if (!addr || typeof addr === 'string') throw new Error('vite did not bind a TCP port');
  return `http://127.0.0.1:${addr.port}/`;
}

export interface OpenOptions {
  webgpu?: boolean;
  viewport?: { width: number; height: number };
  deviceScaleFactor?: number;
  /** More Chromium flags (e.g. a fake camera). */
  args?: string[];
  /** Path under the server to open instead of the app. */
  path?: string;
  /** Serve every response without the COOP/COEP headers (a host that does not send them). */
  withoutIsolation?: boolean;
}

/** A fresh persistent profile, so a reload can be checked against the Cache Storage copy. */
export async function openPage(url: string, opts: OpenOptions = {}): Promise<App> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error("no Chromium or Chrome found: install Debian's chromium (scripts/system-deps.sh) or set TOME_CHROMIUM");
  const userDataDir = mkdtempSync(join(tmpdir(), 'tome-e2e-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [...(opts.webgpu === false ? CHROMIUM_ARGS : [WEBGPU_ARG, ...CHROMIUM_ARGS]), ...(opts.args ?? [])],
    viewport: opts.viewport ?? { width: 1440, height: 900 },
    deviceScaleFactor: opts.deviceScaleFactor ?? 1,
  });
  if (opts.withoutIsolation) {
    await context.route('**/*', async (route) => {
      const res = await route.fetch();
      const headers = { ...res.headers() };
      delete headers['cross-origin-opener-policy'];
      delete headers['cross-origin-embedder-policy'];
      await route.fulfill({ response: res, headers });
    });
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url + (opts.path ?? ''));
  return {
    url,
    context,
    page,
    errors,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
