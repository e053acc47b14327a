// The ONNX Runtime part of `tome bench`, in round-robin groups whose ratios the targets use:
// - CPU: our fast fallback (`tome-cpu`: segment graphs on onnxruntime-node + our ToMe) beside
//   `ort-cpu` (the same runtime on the whole ONNX graphs, plain and official ToMe r13);
// - Vulkan: our WebGPU engine on Dawn's Vulkan route (lavapipe, `tome-webgpu-vulkan`) beside
//   `ort-webgpu` (onnxruntime-node's WebGPU provider, whose own Dawn takes the same route);
// - the page: our engine, our fallback on onnxruntime-web, and onnxruntime-web's WASM and
//   WebGPU providers in one headless Chromium page (page-driver.ts).
// Every peer is checked against the golden outputs first; a wrong one is reported, never timed.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { BenchRow } from '../../src/model/results';
import type { Schedule } from '../../src/model/tome';
import type { ViTWeights } from '../../src/model/weights';
import { describeCheck, goldenRefs, type GoldenRef, type PeerCheck } from './golden-check';
import { onnxGraphPath, openOrtNodePeer, type OrtNodePeer } from './ort-node';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SHARED = join(ROOT, '..', 'shared');

/** Structurally the bench's own timed item, so its round-robin timer and row maker apply. */
export interface TimedItem {
  engine: string;
  setting: { r: number; schedule: Schedule };
  batch: number;
  run: () => Promise<unknown>;
  samples: number[];
}

export interface OrtBenchDeps {
  weights: ViTWeights;
  batches: number[];
  repeat: number;
  /** Which groups' peers to run; the CPU fallback rows are always measured. */
  ortNode: boolean;
  ortWeb: boolean;
  timeRoundRobin(items: TimedItem[], warmup: number, repeat: number, label: string): Promise<void>;
  rowsOf(items: TimedItem[]): BenchRow[];
  log(s: string): void;
}

/** A peer as the results list it: which provider ran where, and what its check found. */
export interface PeerInfo {
  engine: string;
  r: number;
  provider: string;
  check: PeerCheck;
  verdict: string;
}

/** The ToMe settings each group times: the plain model and the ONNX graphs' r. */
export const ORT_RS = [0, 13] as const;

export function batchOf(inputs: Float32Array[], n: number): Float32Array[] {
  return Array.from({ length: n }, (_, i) => inputs[i % inputs.length]);
}

export function peerInfo(p: { engine: string; r: number; provider: string; check: PeerCheck }): PeerInfo {
  return { engine: p.engine, r: p.r, provider: p.provider, check: p.check, verdict: describeCheck(p.check) };
}

/** Timed items for the peers that passed their check: a wrong peer gets none. */
export function peerItems(peers: Array<{ engine: string; r: number; check: PeerCheck; run?: (batch: Float32Array[]) => Promise<unknown> }>, inputs: Float32Array[], batches: number[]): TimedItem[] {
  return peers.flatMap((p) =>
    p.check.ok && p.run
      ? batches.map((b) => {
          const batch = batchOf(inputs, b);
          const run = p.run!;
          return { engine: p.engine, setting: { r: p.r, schedule: 'constant' as Schedule }, batch: b, run: () => run(batch), samples: [] };
        })
      : [],
  );
}

async function nodePeers(engine: 'ort-cpu' | 'ort-webgpu', golden: Record<number, GoldenRef[]>, model: string, log: (s: string) => void): Promise<OrtNodePeer[]> {
  const out: OrtNodePeer[] = [];
  for (const r of ORT_RS) {
    const p = await openOrtNodePeer(engine, r, onnxGraphPath(join(SHARED, 'onnx'), model, r), golden[r]);
    log(`${engine} r=${r} (${p.provider}): ${describeCheck(p.check)}`);
    out.push(p);
  }
  return out;
}

export async function ortRows(d: OrtBenchDeps): Promise<{ rows: BenchRow[]; peers: PeerInfo[] }> {
  const c = d.weights.config;
  const golden: Record<number, GoldenRef[]> = Object.fromEntries(ORT_RS.map((r) => [r, goldenRefs(join(SHARED, 'golden'), c.id, `r${r}`)]));
  const inputs = golden[0].map((g) => g.input);
  const rows: BenchRow[] = [];
  const peers: PeerInfo[] = [];
  const tome = (r: number) => ({ r, schedule: 'constant' as Schedule, propAttn: true, mode: 'merge' as const });

  // CPU: the fallback and ort-cpu in the same rounds.
  const { createOrtNodeBackend } = await import('../../src/ort/node');
  const fallback = await createOrtNodeBackend(d.weights);
  d.log(`tome-cpu: ${fallback.description}`);
  const cpuPeers = d.ortNode ? await nodePeers('ort-cpu', golden, c.id, d.log) : [];
  peers.push(...cpuPeers.map(peerInfo));
  const cpuItems: TimedItem[] = [
    ...d.batches.flatMap((b) => ORT_RS.map((r) => ({ engine: 'tome-cpu', setting: { r, schedule: 'constant' as Schedule }, batch: b, run: () => fallback.run(batchOf(inputs, b), tome(r)), samples: [] }))),
    ...peerItems(cpuPeers, inputs, d.batches),
  ];
  await d.timeRoundRobin(cpuItems, 2, d.repeat, 'tome-cpu / ort-cpu');
  rows.push(...d.rowsOf(cpuItems));
  fallback.dispose();
  await Promise.all(cpuPeers.map((p) => p.dispose()));

  if (d.ortNode) {
    // Vulkan: ORT's WebGPU provider is opened first, so the drivers it loads are its own.
    const gpuPeers = await nodePeers('ort-webgpu', golden, c.id, d.log);
    peers.push(...gpuPeers.map(peerInfo));
    const { requestNodeAdapter } = await import('../../src/gpu/node-adapter');
    const { createWebGpuBackend } = await import('../../src/gpu/engine');
    const found = await requestNodeAdapter('vulkan').catch((e: Error) => (d.log(`no Vulkan adapter for our engine: ${e.message}`), null));
    if (found && found.route === 'vulkan') {
      const engine = await createWebGpuBackend(d.weights, { adapter: found.adapter, maxBatch: Math.max(...d.batches) });
      d.log(`tome-webgpu-vulkan: ${engine.description}`);
      const items: TimedItem[] = [
        ...d.batches.flatMap((b) => ORT_RS.map((r) => ({ engine: 'tome-webgpu-vulkan', setting: { r, schedule: 'constant' as Schedule }, batch: b, run: () => engine.run(batchOf(inputs, b), tome(r)), samples: [] }))),
        ...peerItems(gpuPeers, inputs, d.batches),
      ];
      // ORT's WebGPU provider takes seconds per image here: few rounds keep the bench bounded.
      await d.timeRoundRobin(items, 1, Math.min(3, d.repeat), 'tome-webgpu-vulkan / ort-webgpu');
      rows.push(...d.rowsOf(items));
      engine.dispose();
    } else if (found) d.log(`TOME_ADAPTER forces the ${found.route} route: no Vulkan comparison`);
    await Promise.all(gpuPeers.map((p) => p.dispose()));
  }

  if (d.ortWeb) {
    const { pageBench } = await import('./page-driver');
    const page = await pageBench({ model: c.id, batches: d.batches, repeat: d.repeat, golden, rowsOf: d.rowsOf, log: d.log });
    rows.push(...page.rows);
    peers.push(...page.peers);
  }
  return { rows, peers };
}

export function peersTable(peers: PeerInfo[]): string {
  return [
    '| peer | graph | provider, where | check against ../shared/golden |',
    '|---|---|---|---|',
    ...peers.map((p) => `| ${p.engine} | ${p.r === 0 ? 'plain (r0.onnx)' : `official ToMe r=${p.r} (r${p.r}.onnx)`} | ${p.provider} | ${p.verdict} |`),
  ].join('\n');
}
