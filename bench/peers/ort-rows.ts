// The ONNX Runtime part of `tome bench`, in round-robin groups whose ratios the targets use:
// - CPU: our fast fallback (`tome-cpu`: our whole-forward graphs, ToMe inside, on onnxruntime-node)
//   beside `ort-cpu` (the same runtime on the exported ONNX graphs, plain and official ToMe r13,
//   and the latter rewritten to decreasing-16), each at the same settings (CPU_SETTINGS);
// - Vulkan: our WebGPU engine on Dawn's Vulkan route (lavapipe, `tome-webgpu-vulkan`) beside
//   `ort-webgpu` (onnxruntime-node's WebGPU provider, whose own Dawn takes the same route);
// - the page: our engine, our fallback on onnxruntime-web, and onnxruntime-web's WASM and
//   WebGPU providers in one headless Chromium page (page-driver.ts).
// Every peer is checked against the golden outputs first; a wrong one is reported, never timed.
// The ONNX graphs exist for ViT-Ti only: for another model only the fallback's rows are timed.
import { existsSync } from 'node:fs';
import type { BenchRow } from '../../src/core/results';
import type { Schedule } from '../../src/core/tome';
import type { ModelConfig } from '../../src/model/config';
import type { ViTWeights } from '../../src/model/weights';
import { settingName } from '../../src/eval/settings';
import { goldenDir, sharedPath } from '../../src/golden';
import { batchOf, benchRows, sideBySideRounds, timeRoundRobin, type BenchSetting } from '../../src/core/timing';
import { describeCheck, goldenRefs, peerInfo, type GoldenRef, type PeerCheck, type PeerInfo } from './golden-check';
import { CPU_ROUNDS_FACTOR, exportedGraphs, openOrtNodePeer, peerGraph, type OrtNodePeer } from './ort-node';
import { CPU_SETTINGS, GPU_SETTINGS, goldenCaseName, type PeerSetting } from './peer-settings';

export type { PeerInfo } from './golden-check';

/** One timed configuration and the forward that times it. */
export interface TimedItem extends BenchSetting {
  run: () => Promise<unknown>;
}

export interface OrtBenchOptions {
  weights: ViTWeights;
  /** The inputs the fallback is timed on where there are no golden ones (a model other than ViT-Ti). */
  inputs: Float32Array[];
  batches: number[];
  repeat: number;
  /** Which groups' peers to run; the CPU fallback rows are always measured. */
  ortNode: boolean;
  ortWeb: boolean;
  /** Also the GPU groups (Vulkan in Node, WebGPU in the page; default true): false times the CPU
   * fallback against the CPU peers only (bench/fallback-bench.ts). */
  gpu?: boolean;
  log: (s: string) => void;
}

/** Times `items` round-robin (warm-up rounds first) on the wall clock; their bench rows. */
async function timeGroup(items: TimedItem[], warmup: number, rounds: number, label: string, log: (s: string) => void): Promise<BenchRow[]> {
  const rr = sideBySideRounds(items, warmup, rounds);
  await timeRoundRobin(
    rr,
    (it) => it.run(),
    (round) => log(`${label}: round ${round + 1}/${rounds}`),
  );
  return benchRows(rr.items, rr.samples);
}

/** Timed items for the peers that passed their check: a wrong peer gets none. */
export function peerItems(
  peers: Array<PeerSetting & { engine: string; check: PeerCheck; run?: (batch: Float32Array[]) => Promise<unknown> }>,
  inputs: Float32Array[],
  batches: number[],
): TimedItem[] {
  return peers.flatMap((p) =>
    p.check.ok && p.run
      ? batches.map((b) => {
          const batch = batchOf(inputs, b);
          const run = p.run!;
          return { engine: p.engine, r: p.r, schedule: p.schedule, batch: b, run: () => run(batch) };
        })
      : [],
  );
}

async function nodePeers(
  engine: 'ort-cpu' | 'ort-webgpu',
  settings: readonly PeerSetting[],
  golden: Record<string, GoldenRef[]>,
  c: ModelConfig,
  log: (s: string) => void,
): Promise<OrtNodePeer[]> {
  const out: OrtNodePeer[] = [];
  for (const s of settings) {
    const p = await openOrtNodePeer(engine, s, peerGraph(sharedPath('onnx'), c, s), golden[goldenCaseName(s)]);
    log(`${engine} ${settingName({ ...s, mode: 'merge' })} (${p.provider}): ${describeCheck(p.check)}`);
    out.push(p);
  }
  return out;
}

export async function ortRows(d: OrtBenchOptions): Promise<{ rows: BenchRow[]; peers: PeerInfo[] }> {
  const c = d.weights.config;
  // The peers run the ONNX graphs of ../shared/onnx, which exist for one model only.
  const hasGraphs = exportedGraphs(sharedPath('onnx'), c.id).every((f) => existsSync(f));
  if (!hasGraphs && (d.ortNode || d.ortWeb)) d.log(`ONNX Runtime peers: no ONNX graphs of ${c.id} in ${sharedPath('onnx')}, so only the fallback is timed`);
  // Golden outputs per setting, by its case name (r0, r13, r16dec).
  const golden: Record<string, GoldenRef[]> | null = hasGraphs
    ? Object.fromEntries(CPU_SETTINGS.map((s) => [goldenCaseName(s), goldenRefs(goldenDir(), c.id, goldenCaseName(s))]))
    : null;
  const inputs = golden ? golden.r0.map((g) => g.input) : d.inputs;
  const rows: BenchRow[] = [];
  const peers: PeerInfo[] = [];
  const tome = (r: number, schedule: Schedule = 'constant') => ({ r, schedule, propAttn: true, mode: 'merge' as const });

  // CPU: the fallback and ort-cpu in the same rounds.
  const { createOrtNodeBackend, ortRefusal } = await import('../../src/ort/node');
  const refusal = ortRefusal(c);
  if (refusal) {
    d.log(`tome-cpu: not timed (${refusal})`);
    return { rows, peers };
  }
  const fallback = await createOrtNodeBackend(d.weights);
  d.log(`tome-cpu: ${fallback.description}`);
  const cpuPeers = d.ortNode && golden ? await nodePeers('ort-cpu', CPU_SETTINGS, golden, c, d.log) : [];
  peers.push(...cpuPeers.map(peerInfo));
  const cpuItems: TimedItem[] = [
    ...d.batches.flatMap((b) =>
      CPU_SETTINGS.map(({ r, schedule }) => ({
        engine: 'tome-cpu',
        r,
        schedule,
        batch: b,
        run: () => fallback.run(batchOf(inputs, b), tome(r, schedule)),
      })),
    ),
    ...peerItems(cpuPeers, inputs, d.batches),
  ];
  rows.push(...(await timeGroup(cpuItems, 2, CPU_ROUNDS_FACTOR * d.repeat, 'tome-cpu / ort-cpu', d.log)));
  fallback.dispose();
  await Promise.all(cpuPeers.map((p) => p.dispose()));

  if (d.ortNode && golden && d.gpu !== false) {
    // Vulkan: ORT's WebGPU provider is opened first, so the drivers it loads are its own.
    const gpuPeers = await nodePeers('ort-webgpu', GPU_SETTINGS, golden, c, d.log);
    peers.push(...gpuPeers.map(peerInfo));
    const { requestNodeAdapter } = await import('../../src/gpu/node-adapter');
    const { createWebGpuBackend } = await import('../../src/gpu/engine');
    const found = await requestNodeAdapter('vulkan').catch((e: Error) => (d.log(`no Vulkan adapter for our engine: ${e.message}`), null));
    if (found && found.route === 'vulkan') {
      const engine = await createWebGpuBackend(d.weights, { adapter: found.adapter, maxBatch: Math.max(...d.batches) });
      d.log(`tome-webgpu-vulkan: ${engine.description}`);
      const items: TimedItem[] = [
        ...d.batches.flatMap((b) =>
          GPU_SETTINGS.map(({ r, schedule }) => ({
            engine: 'tome-webgpu-vulkan',
            r,
            schedule,
            batch: b,
            run: () => engine.run(batchOf(inputs, b), tome(r, schedule)),
          })),
        ),
        ...peerItems(gpuPeers, inputs, d.batches),
      ];
      // ORT's WebGPU provider takes seconds per image here: few rounds keep the bench bounded.
      rows.push(...(await timeGroup(items, 1, Math.min(3, d.repeat), 'tome-webgpu-vulkan / ort-webgpu', d.log)));
      engine.dispose();
    } else if (found) d.log(`TOME_ADAPTER forces the ${found.route} route: no Vulkan comparison`);
    await Promise.all(gpuPeers.map((p) => p.dispose()));
  }

  if (d.ortWeb && golden) {
    const { pageBench } = await import('./page-driver');
    const page = await pageBench({ config: c, batches: d.batches, repeat: d.repeat, golden, webgpu: d.gpu !== false, log: d.log });
    rows.push(...page.rows);
    peers.push(...page.peers);
  }
  return { rows, peers };
}
