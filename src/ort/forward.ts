// The ViT + ToMe forward on ONNX Runtime: one run of a whole-forward graph (vit-graph.ts: the
// plain ViT at r = 0, else the ToMe graph, ToMe inside it) per batch; then, on the host, each image's patch->token map after
// every block from the merge decisions the graph outputs (the reference's own bookkeeping,
// src/reference/tome.ts), and the prediction. Works with any ONNX Runtime flavour that
// implements onnxruntime-common (node, web).
import type { InferenceSession, Tensor, TensorConstructor } from 'onnxruntime-common';
import type { ForwardResult } from '../core/backend';
import { isHeadless, numPatches, tokenLayout, type ModelConfig, type TokenLayout } from '../model/config';
import {
  canonicalGroups,
  choicesOf,
  effectiveR,
  initialTokenOfPatch,
  OFFICIAL_CHOICES,
  rPerLayer,
  tokenCounts,
  unofficialChoices,
  type DesignChoices,
  type MergeMode,
  type ToMeOptions,
} from '../core/tome';
import { softmax, topK } from '../core/prediction';
import type { ViTWeights } from '../model/weights';
import { newPositions, type MergePlan } from '../reference/tome';
import { bipartiteStarts, splitSizes } from './merge-graph';
import { blockSplits, type SplitPositions } from '../core/tome-choices';
import { IO, ViTGraphBuilder } from './vit-graph';

/** The two things of an ONNX Runtime package this forward needs. */
export interface OrtRuntime {
  InferenceSession: { create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession> };
  Tensor: TensorConstructor;
}

/** The model's sessions: the plain graph for r = 0, the ToMe graph for every other setting with
 * the official design choices, and one ToMe graph per other set of choices asked for; each
 * created on first use and kept. And the array their batches are fed from. */
export class ForwardSessions {
  private readonly sessions = new Map<string, Promise<InferenceSession>>();
  private readonly builder: ViTGraphBuilder;
  readonly staging = new BatchStaging();

  constructor(
    weights: ViTWeights,
    private readonly ort: OrtRuntime,
    private readonly options: InferenceSession.SessionOptions,
  ) {
    this.builder = new ViTGraphBuilder(weights);
  }

  get(tome: boolean, choices: DesignChoices = OFFICIAL_CHOICES): Promise<InferenceSession> {
    const key = tome ? `tome ${unofficialChoices(choices).join(' ')}` : 'plain';
    let p = this.sessions.get(key);
    if (!p) {
      p = Promise.resolve().then(() => this.ort.InferenceSession.create(this.builder.build(tome, choices), this.options));
      this.sessions.set(key, p);
      // A failed creation is not kept: the next forward tries again.
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

/** One batch of preprocessed CHW images through the graph; `onPlan` sees every merge decision
 * (for tests comparing them with the reference's). */
export async function ortForward(
  weights: ViTWeights,
  sessions: ForwardSessions,
  ort: OrtRuntime,
  inputs: Float32Array[],
  opts: ToMeOptions,
  onPlan?: (image: number, block: number, plan: MergePlan) => void,
): Promise<ForwardResult[]> {
  const c = weights.config;
  const P = numPatches(c);
  const layout = tokenLayout(c);
  const N = inputs.length;
  const S = c.imgSize;
  const chw = 3 * S * S;
  for (const [i, input] of inputs.entries()) {
    if (input.length !== chw) throw new Error(`input ${i} has ${input.length} values, expected 3x${S}x${S}`);
  }
  const rs = effectiveR(P, rPerLayer(c.depth, opts.r, opts.schedule), layout);
  const tokens = tokenCounts(P, rs, layout);

  const tome = rs.some((r) => r > 0);
  const choices = choicesOf(opts);
  // A split other than alternate: each merging block's A and B positions (data-independent: they
  // depend on the seed, the block and its token count only), fed to the graph and kept for the plans.
  const splits = tome && choices.split !== 'alternate' ? blockSplits(choices, tokens, rs, layout) : null;
  const feeds: Record<string, Tensor> = {};
  if (tome) {
    feeds[IO.r] = new ort.Tensor('int64', BigInt64Array.from(rs, BigInt), [c.depth]);
    feeds[IO.keep] = new ort.Tensor('float32', Float32Array.of(opts.mode === 'merge' ? 1 : 0), [1]);
    feeds[IO.propAttn] = new ort.Tensor('float32', Float32Array.of(opts.propAttn ? 1 : 0), [1]);
    if (splits) Object.assign(feeds, splitFeeds(ort, splits, splitSizes(tokens[0], layout), layout));
  }
  const pixels = sessions.staging.take(inputs);
  let out: InferenceSession.ReturnType;
  try {
    feeds[IO.pixels] = new ort.Tensor('float32', pixels.data, [N, 3, S, S]);
    out = await (await sessions.get(tome, choices)).run(feeds);
  } finally {
    pixels.release();
  }
  const output = imageOutputs(c, out, N);

  const decisions = tome ? graphDecisions(out, N) : null;
  return inputs.map((_, i) => {
    let map = initialTokenOfPatch(P, layout);
    const perBlock: Int32Array[] = [];
    const at = { matched: 0 };
    for (let b = 0; b < c.depth; b++) {
      // Only the blocks that merge have decisions in the graph's outputs.
      const plan = decisions && rs[b] > 0 ? graphPlan(decisions.of(i), at, tokens[b], rs[b], layout, splits?.[b] ?? undefined) : null;
      if (plan) {
        onPlan?.(i, b, plan);
        map = mergeMap(map, plan, opts.mode);
      }
      perBlock.push(map.slice());
    }
    return { ...output(i), tokens: tokens.slice(), tokenOfPatch: perBlock, groups: canonicalGroups(map) };
  });
}

/**
 * The batch's pixels as one [N, 3, S, S] array. A batch of one is its own input (no copy); a
 * larger batch is copied into an array kept from the last forward of that size: a fresh 4.8 MB
 * array per batch-8 forward of a ViT at 224 px cost ~2.8 ms here (zeroing and first-touch page
 * faults) against ~0.4 ms for the copy alone, 3% of a decreasing-16 forward. A forward that
 * overlaps another (the array still taken) gets a fresh array.
 */
export class BatchStaging {
  private kept: Float32Array | null = null;
  private taken = false;

  take(inputs: Float32Array[]): { data: Float32Array; release(): void } {
    if (inputs.length === 1) return { data: inputs[0], release: () => {} };
    const n = inputs.reduce((sum, x) => sum + x.length, 0);
    const reuse = !this.taken && this.kept?.length === n;
    const data = reuse ? this.kept! : new Float32Array(n);
    let at = 0;
    for (const x of inputs) {
      data.set(x, at);
      at += x.length;
    }
    if (this.taken) return { data, release: () => {} };
    this.taken = true;
    this.kept = data;
    return { data, release: () => (this.taken = false) };
  }
}

type Prediction = Pick<ForwardResult, 'logits' | 'probs' | 'top5' | 'features' | 'tokenFeatures'>;

/** Image i's prediction from the graph's outputs: a classifier's logits, their softmax and top-5;
 * for a model without a head (as the reference) no logits, its pooled features and its tokens. */
function imageOutputs(c: ModelConfig, out: InferenceSession.ReturnType, N: number): (i: number) => Prediction {
  const part = (name: string, i: number) => {
    const data = out[name].data as Float32Array;
    const n = data.length / N;
    return data.slice(i * n, (i + 1) * n);
  };
  if (isHeadless(c)) {
    const none = new Float32Array(0);
    return (i) => ({ logits: none, probs: none, top5: [], features: part(IO.features, i), tokenFeatures: part(IO.tokenFeatures, i) });
  }
  return (i) => {
    const logits = part(IO.logits, i);
    const probs = softmax(logits);
    return { logits, probs, top5: topK(probs, 5) };
  };
}

/** One image's merge decisions, every block's one after the other (vit-graph.ts IO). */
interface Decisions {
  ranking: Int32Array;
  bestB: Int32Array;
  bestScore: Float32Array;
}

function graphDecisions(out: InferenceSession.ReturnType, N: number): { of(i: number): Decisions } {
  const ranking = out[IO.ranking].data as Int32Array;
  const bestB = out[IO.bestB].data as Int32Array;
  const bestScore = out[IO.bestScore].data as Float32Array;
  const matched = bestB.length / N;
  return {
    of: (i) => ({
      ranking: ranking.subarray(i * matched, (i + 1) * matched),
      bestB: bestB.subarray(i * matched, (i + 1) * matched),
      bestScore: bestScore.subarray(i * matched, (i + 1) * matched),
    }),
  };
}

/**
 * The next block's decisions (read at `at`, which moves past them) as the reference's MergePlan:
 * A and B indices over the matched sequence (registers left out), the class token never a
 * source; the graph's A' and B' leave the protected tokens out (merge-graph.ts). The kept A are
 * the graph's ranking after the first r, in its order, or with a class token that token and the
 * rest in original order (as the graph orders the tokens).
 */
function graphPlan(d: Decisions, at: { matched: number }, T: number, r: number, layout: TokenLayout, split?: SplitPositions): MergePlan {
  const start = bipartiteStarts(layout);
  const aShift = start.a / 2;
  const bShift = (start.b - 1) / 2;
  const nA = Math.ceil((T - layout.registers) / 2);
  const bestB = new Int32Array(nA).fill(-1);
  const bestScore = new Float32Array(nA).fill(-Infinity);
  for (let a = aShift; a < nA; a++) {
    bestB[a] = d.bestB[at.matched + a - aShift] + bShift;
    bestScore[a] = d.bestScore[at.matched + a - aShift];
  }
  // Plain loops: this runs per image and block on every forward, and at batch 1 the host's part
  // is a measurable share of a ~11 ms decreasing-16 forward.
  const ranking = new Int32Array(nA - aShift);
  for (let i = 0; i < ranking.length; i++) ranking[i] = d.ranking[at.matched + i] + aShift;
  at.matched += nA - aShift;
  const srcA = ranking.slice(0, r);
  let keptA = ranking.slice(r);
  if (layout.classToken) {
    // The class token (A_0, outside A') is kept, first; the rest in original order.
    const withClass = new Int32Array(keptA.length + 1);
    withClass.set(keptA.sort(), 1);
    keptA = withClass;
  }
  return { T, r, layout, bestB, bestScore, srcA, keptA, ...(split && { aPos: split.a, bPos: split.b }) };
}

/** The split's graph inputs (vit-graph.ts IO.splitA ...): every merging block's A' and B' (its A
 * and B without the protected tokens), padded to the first block's counts (none for a block that
 * does not merge). */
function splitFeeds(ort: OrtRuntime, splits: Array<SplitPositions | null>, max: { a: number; b: number }, layout: TokenLayout): Record<string, Tensor> {
  const depth = splits.length;
  const feeds: Record<string, Tensor> = {};
  for (const [part, skip, name, countName] of [
    ['a', layout.classToken ? 1 : 0, IO.splitA, IO.splitACount],
    ['b', layout.distToken ? 1 : 0, IO.splitB, IO.splitBCount],
  ] as const) {
    const positions = new BigInt64Array(depth * max[part]);
    const counts = new BigInt64Array(depth);
    splits.forEach((s, b) => {
      if (!s) return;
      const own = s[part].subarray(skip);
      own.forEach((p, i) => (positions[b * max[part] + i] = BigInt(p)));
      counts[b] = BigInt(own.length);
    });
    feeds[name] = new ort.Tensor('int64', positions, [depth, max[part]]);
    feeds[countName] = new ort.Tensor('int64', counts, [depth]);
  }
  return feeds;
}

/** The patch->token map after a merge (a pruned token's patches: -1). */
function mergeMap(map: Int32Array, plan: MergePlan, mode: MergeMode): Int32Array {
  const to = newPositions(plan, mode);
  const out = new Int32Array(map.length);
  for (let p = 0; p < map.length; p++) out[p] = map[p] < 0 ? -1 : to[map[p]];
  return out;
}
