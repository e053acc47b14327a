// Drives the bench page (bench/page/) in headless Chromium (WebGPU on, so SwiftShader here): our
// WebGPU engine and our CPU fallback beside onnxruntime-web's WASM and WebGPU providers, in one
// page on the same adapter. Golden inputs and the ONNX graphs are served to the page from
// ../shared through Playwright routes (never copied into the project). Peers are checked on the
// golden inputs first; rounds alternate the engines of a group, and the page times each forward.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createServer } from 'vite';
import type { BenchRow } from '../../src/model/results';
import type { BenchPageApi, PageEngine, PageInfo } from '../page/main';
import { checkPeer, describeCheck, failedCheck, type GoldenRef } from './golden-check';
import { onnxGraphPath } from './ort-node';
import { ORT_RS, SHARED, type PeerInfo, type TimedItem } from './ort-rows';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// The flags ../shared/WEBGPU-ON-CPU.md prescribes for Debian's Chromium on this closed network.
const CHROMIUM_ARGS = ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface PageBenchOptions {
  model: string;
  batches: number[];
  repeat: number;
  golden: Record<number, GoldenRef[]>;
  /** Also time the WebGPU group (default true; it takes minutes on SwiftShader). */
  webgpu?: boolean;
  rowsOf(items: TimedItem[]): BenchRow[];
  log(s: string): void;
}

type Api = { __bench: BenchPageApi };

export async function pageBench(o: PageBenchOptions): Promise<{ rows: BenchRow[]; peers: PeerInfo[]; info: PageInfo }> {
  const server = await createServer({ root: ROOT, configFile: join(ROOT, 'vite.config.ts'), logLevel: 'error', server: { host: '127.0.0.1', port: 0, hmr: false, open: false } });
  await server.listen();
  const addr = server.httpServer?.address();
  if (!addr || typeof addr === 'string') throw new Error('vite did not bind a TCP port');
  const base = `http://127.0.0.1:${addr.port}/`;
  const userDataDir = mkdtempSync(join(tmpdir(), 'tome-bench-page-'));
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.route('**/__shared/**', (route) => {
      const rel = decodeURIComponent(new URL(route.request().url()).pathname.replace(/^\/__shared\//, ''));
      if (rel.includes('..')) return route.fulfill({ status: 403 });
      return route.fulfill({ path: join(SHARED, rel), headers: { 'cross-origin-resource-policy': 'same-origin' } });
    });
    await page.goto(`${base}bench/page/index.html`);
    await page.waitForFunction(() => !!(window as unknown as Partial<Api>).__bench, null, { timeout: 120_000 });
    const inputs = o.golden[0].map((g) => `/__shared/golden/${g.inputFile}`);
    const graphs = Object.fromEntries(ORT_RS.map((r) => [r, `/__shared/${onnxGraphPath('onnx', o.model, r)}`]));
    o.log('page: loading the weights, our engines and onnxruntime-web');
    const info = await page.evaluate((s) => (window as unknown as Api).__bench.setup(s), { model: o.model, inputs, graphs, maxBatch: Math.max(...o.batches) });
    o.log(`page: crossOriginIsolated ${info.crossOriginIsolated}; ${info.wasm}; adapter ${info.adapter}`);
    for (const [k, v] of Object.entries(info.errors)) o.log(`page: ${k} did not start: ${v}`);

    const peers: PeerInfo[] = [];
    const ok = new Map<string, boolean>();
    for (const engine of o.webgpu === false ? (['ort-web-wasm'] as const) : (['ort-web-wasm', 'ort-web-webgpu'] as const)) {
      for (const r of ORT_RS) {
        let check;
        if (info.errors[engine]) check = failedCheck(engine, r, o.golden[r].length, info.errors[engine]);
        else {
          try {
            const logits = await page.evaluate(([e, rr]) => (window as unknown as Api).__bench.logits(e, rr), [engine, r] as [PageEngine, number]);
            check = checkPeer(engine, r, logits, o.golden[r]);
          } catch (e) {
            check = failedCheck(engine, r, o.golden[r].length, e);
          }
        }
        ok.set(`${engine}/${r}`, check.ok);
        peers.push({ engine, r, provider: `${info.providers[engine] ?? engine} (headless Chromium)`, check, verdict: describeCheck(check) });
        o.log(`${engine} r=${r}: ${describeCheck(check)}`);
      }
    }

    const item = (engine: PageEngine, r: number, batch: number): TimedItem => ({
      engine,
      setting: { r, schedule: 'constant' },
      batch,
      run: () => page.evaluate(([e, rr, b]) => (window as unknown as Api).__bench.time(e, rr, b), [engine, r, batch] as [PageEngine, number, number]),
      samples: [],
    });
    const group = (ours: PageEngine, peer: PageEngine): TimedItem[] => [
      ...(info.errors[ours] ? [] : o.batches.flatMap((b) => ORT_RS.map((r) => item(ours, r, b)))),
      ...o.batches.flatMap((b) => ORT_RS.filter((r) => ok.get(`${peer}/${r}`)).map((r) => item(peer, r, b))),
    ];
    const rows: BenchRow[] = [];
    // WebGPU on SwiftShader takes seconds per image: few rounds keep the bench bounded.
    for (const [items, rounds, label] of [
      [group('tome-cpu-page', 'ort-web-wasm'), o.repeat, 'page WASM'],
      [o.webgpu === false ? [] : group('tome-webgpu-page', 'ort-web-webgpu'), Math.min(3, o.repeat), 'page WebGPU'],
    ] as const) {
      for (const it of items) await it.run();
      for (let round = 0; round < rounds; round++) {
        for (const it of items) it.samples.push((await it.run()) as number);
        o.log(`${label}: round ${round + 1}/${rounds}`);
      }
      rows.push(...o.rowsOf(items));
    }
    if (pageErrors.length) o.log(`page errors: ${pageErrors.join(' | ')}`);
    return { rows, peers, info };
  } finally {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
    await server.close();
  }
}
