// ONNX Runtime in Node as a peer, on the ViT-Ti ONNX graphs of ../shared/onnx (plain r0, and the
// official ToMe at r13, also rewritten to other r by onnx-schedule.ts): `ort-cpu` (CPU execution
// provider, one intra-op thread per core) and `ort-webgpu` (its WebGPU execution provider, which
// brings its own Dawn; on this machine that Dawn takes the Vulkan route, lavapipe). Each is
// checked against the golden outputs of the same setting before anyone times it.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { effectiveR, rPerLayer } from '../../src/core/tome';
import { numPatches, tokenLayout, type ModelConfig } from '../../src/model/config';
import { ORT_NODE_SPIN_IN_RUN_ONLY } from '../../src/ort/node';
import { checkPeer, failedCheck, type GoldenRef, type PeerCheck } from './golden-check';
import { officialGraphAtSchedule } from './onnx-schedule';
import type { PeerSetting } from './peer-settings';

export type OrtNodeEngine = 'ort-cpu' | 'ort-webgpu';

export interface OrtNodePeer extends PeerSetting {
  engine: OrtNodeEngine;
  check: PeerCheck;
  /** Which provider ran where, for the results. */
  provider: string;
  /** A forward of the batch (golden inputs repeated); only when the check passed. */
  run?: (batch: Float32Array[]) => Promise<unknown>;
  dispose(): Promise<void>;
}

/** The CPU groups (ours and ONNX Runtime's, in Node and in the page) run this many times the
 * bench's rounds: a round takes seconds, and the targets compare speed-ups of two engines within a
 * few percent of each other, so the medians need many rounds (with 3x, 30 rounds, a target's
 * outcome changed from run to run of the same code). */
export const CPU_ROUNDS_FACTOR = 5;

/** The ONNX file of `model` with the official ToMe at `r` (0 = plain). */
export function onnxGraphPath(onnxDir: string, model: string, r: number): string {
  return `${onnxDir}/${model}.r${r}.onnx`;
}

/** The ToMe export's r, the graph every other ToMe setting is rewritten from. */
export const EXPORTED_R = 13;

/** The files every peer graph comes from: the plain export and the ToMe one. */
export function exportedGraphs(onnxDir: string, model: string): string[] {
  return [0, EXPORTED_R].map((r) => onnxGraphPath(onnxDir, model, r));
}

/** The official graph of `c` at setting `s`: an exported file (its path), or the ToMe export
 * rewritten to the setting's r per block (bytes). */
export function peerGraph(onnxDir: string, c: ModelConfig, s: PeerSetting): string | Uint8Array {
  if (s.schedule === 'constant' && (s.r === 0 || s.r === EXPORTED_R)) return onnxGraphPath(onnxDir, c.id, s.r);
  const rs = effectiveR(numPatches(c), rPerLayer(c.depth, s.r, s.schedule), tokenLayout(c));
  return officialGraphAtSchedule(readFileSync(onnxGraphPath(onnxDir, c.id, EXPORTED_R)), EXPORTED_R, rs);
}

/** Which Vulkan/GL driver this process has loaded (what the peer's Dawn really runs on). */
function loadedGpuDrivers(): string[] {
  const maps = readFileSync('/proc/self/maps', 'utf8');
  const names: Array<[RegExp, string]> = [
    [/libvulkan_lvp\.so/, 'lavapipe (Vulkan)'],
    [/libvk_swiftshader\.so/, 'SwiftShader (Vulkan)'],
    [/libgallium|swrast_dri|llvmpipe/, 'llvmpipe (GL)'],
  ];
  return names.filter(([re]) => re.test(maps)).map(([, n]) => n);
}

let ortDawnDrivers: string[] | undefined;

async function forward(session: ort.InferenceSession, batch: Float32Array[]): Promise<Float32Array> {
  const n = batch[0].length;
  const pixels = new Float32Array(batch.length * n);
  batch.forEach((x, i) => pixels.set(x, i * n));
  const S = Math.round(Math.sqrt(n / 3));
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', pixels, [batch.length, 3, S, S]) });
  return out[session.outputNames[0]].data as Float32Array;
}

/**
 * Opens the peer on `graph` (bytes or a path), runs every golden input and judges the logits.
 * `golden` must be the golden case of the graph's setting (r0 for the plain graph, r13 for ToMe
 * r13, ...).
 */
export async function openOrtNodePeer(
  engine: OrtNodeEngine,
  setting: PeerSetting,
  graph: string | Uint8Array,
  golden: GoldenRef[],
  threads = availableParallelism(),
): Promise<OrtNodePeer> {
  const before = new Set(loadedGpuDrivers());
  // Threads as our fallback's (one per core, spinning only while a run lasts): ONNX Runtime's
  // default would keep them spinning after a run and slow whatever the bench times next.
  const extra = ORT_NODE_SPIN_IN_RUN_ONLY;
  const options: ort.InferenceSession.SessionOptions =
    engine === 'ort-cpu'
      ? { executionProviders: ['cpu'], intraOpNumThreads: threads, graphOptimizationLevel: 'all', extra }
      : { executionProviders: ['webgpu'], graphOptimizationLevel: 'all', extra };
  let session: ort.InferenceSession;
  try {
    session = typeof graph === 'string' ? await ort.InferenceSession.create(graph, options) : await ort.InferenceSession.create(graph, options);
  } catch (e) {
    return { engine, ...setting, check: failedCheck(engine, setting.r, golden.length, e), provider: engine, dispose: async () => {} };
  }
  // The first WebGPU session loads ORT's Dawn and its driver; later ones find it loaded.
  const added = engine === 'ort-webgpu' ? (ortDawnDrivers ??= loadedGpuDrivers().filter((d) => !before.has(d))) : [];
  const provider =
    engine === 'ort-cpu'
      ? `onnxruntime-node ${ort.env.versions.node ?? ''} CPU execution provider, ${threads} intra-op threads`
      : `onnxruntime-node ${ort.env.versions.node ?? ''} WebGPU execution provider (its own Dawn)${added.length ? ` on ${added.join(', ')}` : ''}`;
  let check: PeerCheck;
  try {
    const logits: Float32Array[] = [];
    for (const g of golden) logits.push(await forward(session, [g.input]));
    check = checkPeer(engine, setting.r, logits, golden);
  } catch (e) {
    check = failedCheck(engine, setting.r, golden.length, e);
  }
  return {
    engine,
    ...setting,
    check,
    provider,
    run: check.ok ? (batch) => forward(session, batch) : undefined,
    dispose: () => session.release(),
  };
}
