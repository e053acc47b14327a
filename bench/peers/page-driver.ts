// Drives the bench page (bench/page/) in headless Chromium (WebGPU on, so SwiftShader here): our
// WebGPU engine and our CPU fallback beside onnxruntime-web's WASM and WebGPU providers, in one
// page on the same adapter. Golden inputs and the ONNX graphs are served to the page from
// ../shared through Playwright routes (never copied into the project; a graph rewritten to
// another schedule, onnx-schedule.ts, is served from memory). Peers are checked on the
// golden inputs first; rounds alternate the engines of a group, and the page times each forward.
import type { BenchRow } from '../../src/core/results';
import { sharedPath } from '../../src/golden';
import { openPage, serverUrl, startServer } from '../browser';
import type { BenchPageApi, PageEngine, PageInfo } from '../page/api';
import { benchRows, sideBySideRounds } from '../../src/core/timing';
import { checkPeer, describeCheck, failedCheck, type GoldenRef, type PeerInfo } from './golden-check';
import { CPU_ROUNDS_FACTOR, peerGraph } from './ort-node';
import { CPU_SETTINGS, GPU_SETTINGS, goldenCaseName, type PeerSetting } from './peer-settings';
import { settingName } from '../../src/eval/settings';
import type { Schedule } from '../../src/core/tome';
import type { ModelConfig } from '../../src/model/config';

export interface PageBenchOptions {
  config: ModelConfig;
  batches: number[];
  repeat: number;
  /** Golden outputs per setting, by its case name (goldenCaseName). */
  golden: Record<string, GoldenRef[]>;
  /** Also time the WebGPU group (default true; it takes minutes on SwiftShader). */
  webgpu?: boolean;
  log(s: string): void;
}

/** A timed configuration of the page; its forward returns the time the page measured. */
interface PageItem {
  engine: PageEngine;
  r: number;
  schedule: Schedule;
  batch: number;
  run: () => Promise<number>;
}

type Api = { __bench: BenchPageApi };

export async function pageBench(o: PageBenchOptions): Promise<{ rows: BenchRow[]; peers: PeerInfo[]; info: PageInfo }> {
  const server = await startServer();
  const app = await openPage(serverUrl(server), { path: 'bench/page/index.html' });
  try {
    const { page } = app;
    // The page fetches the golden inputs and graphs only in setup(), after this route is in place.
    await page.route('**/__shared/**', (route) => {
      const rel = decodeURIComponent(new URL(route.request().url()).pathname.replace(/^\/__shared\//, ''));
      if (rel.includes('..')) return route.fulfill({ status: 403 });
      return route.fulfill({ path: sharedPath(rel), headers: { 'cross-origin-resource-policy': 'same-origin' } });
    });
    // Each peer setting's graph: a file of ../shared/onnx, or the ToMe export rewritten.
    const settings = new Map(CPU_SETTINGS.map((s) => [goldenCaseName(s), s]));
    await page.route('**/__peer-graph/**', (route) => {
      const s = settings.get(new URL(route.request().url()).pathname.replace(/^\/__peer-graph\//, ''));
      if (!s) return route.fulfill({ status: 404 });
      const graph = peerGraph(sharedPath('onnx'), o.config, s);
      const headers = { 'cross-origin-resource-policy': 'same-origin' };
      return typeof graph === 'string' ? route.fulfill({ path: graph, headers }) : route.fulfill({ body: Buffer.from(graph), headers });
    });
    await page.waitForFunction(() => !!(globalThis as unknown as Partial<Api>).__bench, null, { timeout: 120_000 });
    const inputs = o.golden.r0.map((g) => `/__shared/golden/${g.inputFile}`);
    const graphs = Object.fromEntries([...settings.keys()].map((k) => [k, `/__peer-graph/${k}`]));
    const gpuGraphs = GPU_SETTINGS.map(goldenCaseName);
    o.log('page: loading the weights, our engines and onnxruntime-web');
    const info = await page.evaluate((s) => (globalThis as unknown as Api).__bench.setup(s), {
      model: o.config.id,
      inputs,
      graphs,
      gpuGraphs,
      maxBatch: Math.max(...o.batches),
    });
    o.log(`page: crossOriginIsolated ${info.crossOriginIsolated}; ${info.wasm}; adapter ${info.adapter}`);
    for (const [k, v] of Object.entries(info.errors)) o.log(`page: ${k} did not start: ${v}`);

    const peers: PeerInfo[] = [];
    const ok = new Map<string, boolean>();
    const peerSettings = { 'ort-web-wasm': CPU_SETTINGS, 'ort-web-webgpu': GPU_SETTINGS } as const;
    for (const engine of o.webgpu === false ? (['ort-web-wasm'] as const) : (['ort-web-wasm', 'ort-web-webgpu'] as const)) {
      for (const s of peerSettings[engine]) {
        const golden = o.golden[goldenCaseName(s)];
        let check;
        if (info.errors[engine]) check = failedCheck(engine, s.r, golden.length, info.errors[engine]);
        else {
          try {
            const logits = await page.evaluate(([e, sc]) => (globalThis as unknown as Api).__bench.logits(e, sc), [engine, s] as [PageEngine, PeerSetting]);
            check = checkPeer(engine, s.r, logits, golden);
          } catch (e) {
            check = failedCheck(engine, s.r, golden.length, e);
          }
        }
        ok.set(`${engine}/${goldenCaseName(s)}`, check.ok);
        peers.push({ engine, ...s, provider: `${info.providers[engine] ?? engine} (headless Chromium)`, check, verdict: describeCheck(check) });
        o.log(`${engine} ${settingName({ ...s, mode: 'merge' })}: ${describeCheck(check)}`);
      }
    }

    const item = (engine: PageEngine, r: number, batch: number, schedule: Schedule = 'constant'): PageItem => ({
      engine,
      r,
      schedule,
      batch,
      run: () =>
        page.evaluate(([e, rr, b, sc]) => (globalThis as unknown as Api).__bench.time(e, rr, b, sc), [engine, r, batch, schedule] as [
          PageEngine,
          number,
          number,
          Schedule,
        ]),
    });
    // Each group at its peer's settings (the WebGPU one fewer: seconds per forward here); a peer
    // that failed its check at a setting is not timed there.
    const group = (ours: PageEngine, peer: keyof typeof peerSettings): PageItem[] => [
      ...(info.errors[ours] ? [] : o.batches.flatMap((b) => peerSettings[peer].map((s) => item(ours, s.r, b, s.schedule)))),
      ...o.batches.flatMap((b) => peerSettings[peer].filter((s) => ok.get(`${peer}/${goldenCaseName(s)}`)).map((s) => item(peer, s.r, b, s.schedule))),
    ];
    const rows: BenchRow[] = [];
    // WebGPU on SwiftShader takes seconds per image: few rounds keep the bench bounded.
    for (const [items, rounds, label] of [
      [group('tome-cpu-page', 'ort-web-wasm'), CPU_ROUNDS_FACTOR * o.repeat, 'page WASM'],
      [o.webgpu === false ? [] : group('tome-webgpu-page', 'ort-web-webgpu'), Math.min(3, o.repeat), 'page WebGPU'],
    ] as const) {
      if (!items.length) continue;
      // One warm-up round; each forward is timed by the page itself.
      const rr = sideBySideRounds(items, 1, rounds);
      for (let next = rr.next(); next; next = rr.next()) {
        rr.record(await next.item.run());
        if (next.timed && next.lastOfRound) o.log(`${label}: round ${next.round}/${rounds}`);
      }
      rows.push(...benchRows(rr.items, rr.samples));
    }
    if (app.errors.length) o.log(`page errors: ${app.errors.join(' | ')}`);
    return { rows, peers, info };
  } finally {
    await app.close();
    await server.close();
  }
}
