// The ViT + ToMe forward on ONNX Runtime: the dense parts run as segment graphs (vit-segments.ts)
// in an ONNX Runtime session, and between two segments our own ToMe code (the CPU reference's
// ranking and merge, src/reference/tome.ts) merges each image's tokens, sizes and patch->token map.
// Works with any ONNX Runtime flavour that implements onnxruntime-common (node, web).
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import type { ForwardResult } from '../core/backend';
import { numPatches } from '../model/config';
import { canonicalGroups, effectiveR, initialTokenOfPatch, rPerLayer, tokenCounts, type ToMeOptions } from '../core/tome';
import { softmax, topK } from '../core/prediction';
import type { ViTWeights } from '../model/weights';
import { applyMerge, planFromBest, type MergePlan } from '../reference/tome';
import { IO, SegmentBuilder, takesLogSize, type SegmentSpec } from './vit-segments';

/** The two things of an ONNX Runtime package this forward needs. */
export interface OrtRuntime {
  InferenceSession: { create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => Tensor;
}

/** The segments one forward runs for an r schedule: cut at every block whose (clamped) r > 0. */
export function segmentsFor(depth: number, effR: number[]): SegmentSpec[] {
  const merges = effR.flatMap((r, b) => (r > 0 ? [b] : []));
  const ends = [...merges, depth];
  return ends.map((to, i) => ({ from: i === 0 ? -1 : ends[i - 1], to }));
}

/** Sessions per segment, created on first use and kept (one per distinct cut of the blocks). */
export class SegmentSessions {
  private readonly builder: SegmentBuilder;
  private readonly sessions = new Map<string, Promise<InferenceSession>>();

  constructor(
    weights: ViTWeights,
    private readonly ort: OrtRuntime,
    private readonly options: InferenceSession.SessionOptions,
  ) {
    this.builder = new SegmentBuilder(weights);
  }

  get(s: SegmentSpec): Promise<InferenceSession> {
    const key = `${s.from}:${s.to}`;
    let p = this.sessions.get(key);
    if (!p) {
      p = this.ort.InferenceSession.create(this.builder.build(s), this.options);
      this.sessions.set(key, p);
      // A failed creation is not cached: the next forward tries again.
      p.catch(() => this.sessions.delete(key));
    }
    return p;
  }

  async dispose(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((p) => p.then((s) => s.release()).catch(() => undefined)));
  }
}

/** One batch of preprocessed CHW images through the segments, ToMe between them; `onPlan` sees
 * every merge decision (for tests comparing them with the reference's). */
export async function ortForward(
  weights: ViTWeights,
  sessions: SegmentSessions,
  ort: OrtRuntime,
  inputs: Float32Array[],
  opts: ToMeOptions,
  onPlan?: (image: number, block: number, plan: MergePlan) => void,
): Promise<ForwardResult[]> {
  const c = weights.config;
  const D = c.embedDim;
  const P = numPatches(c);
  const N = inputs.length;
  const S = c.imgSize;
  const chw = 3 * S * S;
  for (const [i, input] of inputs.entries()) {
    if (input.length !== chw) throw new Error(`input ${i} has ${input.length} values, expected 3x${S}x${S}`);
  }
  const rs = effectiveR(P, rPerLayer(c.depth, opts.r, opts.schedule));
  const tokens = tokenCounts(P, rs);
  const segments = segmentsFor(c.depth, rs);

  const pixels = new Float32Array(N * chw);
  inputs.forEach((input, i) => pixels.set(input, i * chw));
  let feeds: Record<string, Tensor> = { [IO.pixels]: new ort.Tensor('float32', pixels, [N, 3, S, S]) };
  const sizes: Float32Array[] = Array.from({ length: N }, () => new Float32Array(P + 1).fill(1));
  const maps: Int32Array[] = Array.from({ length: N }, () => initialTokenOfPatch(P));
  const mapAfter: Int32Array[][] = Array.from({ length: N }, () => new Array<Int32Array>(c.depth));
  let logits: Float32Array | null = null;

  for (const seg of segments) {
    const session = await sessions.get(seg);
    const out = await session.run(feeds);
    if (seg.to === c.depth) {
      logits = out[IO.logits].data as Float32Array;
      break;
    }
    // ToMe of block seg.to on each image: rank the graph's best matches, merge, new sizes and map.
    const T = tokens[seg.to];
    const T2 = tokens[seg.to + 1];
    const nA = Math.ceil(T / 2);
    const x = out[IO.xOut].data as Float32Array;
    const bestB = out[IO.bestB].data as BigInt64Array;
    const bestScore = out[IO.bestScore].data as Float32Array;
    const next = new Float32Array(N * T2 * D);
    const logSize = new Float32Array(N * T2);
    for (let i = 0; i < N; i++) {
      const b = Int32Array.from(bestB.subarray(i * nA, (i + 1) * nA), Number);
      const plan = planFromBest(T, rs[seg.to], b, bestScore.slice(i * nA, (i + 1) * nA));
      onPlan?.(i, seg.to, plan);
      const m = applyMerge(x.subarray(i * T * D, (i + 1) * T * D), T, D, sizes[i], maps[i], plan, opts.mode);
      next.set(m.x, i * T2 * D);
      sizes[i] = m.size;
      maps[i] = m.tokenOfPatch;
      mapAfter[i][seg.to] = m.tokenOfPatch;
      if (opts.propAttn) for (let t = 0; t < T2; t++) logSize[i * T2 + t] = Math.log(m.size[t]);
    }
    feeds = { [IO.x]: new ort.Tensor('float32', next, [N, T2, D]) };
    const following = segments[segments.indexOf(seg) + 1];
    if (takesLogSize(following, c.depth)) feeds[IO.logSize] = new ort.Tensor('float32', logSize, [N, T2]);
  }
  if (!logits) throw new Error('ONNX Runtime forward ended without logits');

  return inputs.map((_, i) => {
    const l = logits.slice(i * c.numClasses, (i + 1) * c.numClasses);
    const probs = softmax(l);
    // A block without a merge leaves the map as the block before it left it.
    const perBlock: Int32Array[] = [];
    let prev = initialTokenOfPatch(P);
    for (let b = 0; b < c.depth; b++) {
      prev = mapAfter[i][b] ?? prev;
      perBlock.push(prev.slice());
    }
    return { logits: l, probs, top5: topK(probs, 5), tokens: tokens.slice(), tokenOfPatch: perBlock, groups: canonicalGroups(maps[i]) };
  });
}
