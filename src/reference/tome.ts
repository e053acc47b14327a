// ToMe's bipartite soft matching and merge, as the official implementation
// (facebookresearch/ToMe tome/merge.py: bipartite_soft_matching, merge_wavg, merge_source),
// for one image with a class token, and optionally a distillation token at index 1 (DeiT
// distilled). The r schedule, its clamp, token counts and canonical groups live in
// src/core/tome.ts and are shared with the GPU engine.
import type { MergeMode } from '../core/tome';

export interface MergePlan {
  /** Tokens entering the merge (prefix tokens included). */
  T: number;
  /** Tokens merged away (already clamped to (T - protected) // 2). */
  r: number;
  /** A distillation token at index 1 (B_0): never a destination, kept at index 1. */
  distillToken: boolean;
  /** For each A token (token 2a), its most similar B token b (token 2b + 1); -1 for cls. */
  bestB: Int32Array;
  /** Cosine similarity of each A token to its best B; -Infinity for cls (never a source). */
  bestScore: Float32Array;
  /** The r merged A tokens, strongest match first. */
  srcA: Int32Array;
  /** The A tokens that stay, in original order (cls first). */
  keptA: Int32Array;
}

/**
 * Matches A = even tokens against B = odd tokens on the L2-normalised metric [T, C] and picks
 * the r A tokens with the highest best-score; r must already be clamped (clampR) by the caller.
 * The class token (A_0) is never a source; with a distillation token, B_0 (token 1) is never
 * a destination (the official scores[..., 0, :] and scores[..., :, 0] = -inf). Ties (never
 * exact in the golden set: its `exact_tie` is false everywhere) go to the lower index, for the
 * best B as for the ranking.
 */
export function bipartiteMatch(metric: Float32Array, T: number, C: number, r: number, opts: { distillToken?: boolean } = {}): MergePlan {
  const distillToken = opts.distillToken ?? false;
  const nA = Math.ceil(T / 2);
  const nB = Math.floor(T / 2);
  const bestB = new Int32Array(nA).fill(-1);
  const bestScore = new Float32Array(nA).fill(-Infinity);
  const firstB = distillToken ? 1 : 0;
  for (let a = 1; a < nA; a++) {
    const ao = 2 * a * C;
    let best = -Infinity;
    let arg = -1;
    for (let b = firstB; b < nB; b++) {
      const bo = (2 * b + 1) * C;
      let s = 0;
      for (let c = 0; c < C; c++) s += metric[ao + c] * metric[bo + c];
      if (s > best) {
        best = s;
        arg = b;
      }
    }
    bestB[a] = arg;
    bestScore[a] = best;
  }
  return planFromBest(T, r, bestB, bestScore, distillToken);
}

/**
 * The ranking half of the matching, from each A token's best B and score (entry 0, cls, is
 * ignored: it is never a source): the r A tokens with the highest score merge, ties to the lower
 * index. Shared with backends that compute the scores elsewhere (the ONNX Runtime path). r must
 * already be clamped to (T - protected) // 2.
 */
export function planFromBest(T: number, r: number, bestB: Int32Array, bestScore: Float32Array, distillToken = false): MergePlan {
  const nA = Math.ceil(T / 2);
  if (bestB.length !== nA || bestScore.length !== nA) throw new Error(`planFromBest: ${bestB.length} best-B entries for ${nA} A tokens`);
  if (r < 0 || r > Math.floor((T - (distillToken ? 2 : 1)) / 2)) throw new Error(`planFromBest: r=${r} out of range for ${T} tokens`);
  bestB[0] = -1;
  bestScore[0] = -Infinity;
  const order = Array.from({ length: nA }, (_, a) => a);
  order.sort((x, y) => bestScore[y] - bestScore[x] || x - y);
  const srcA = Int32Array.from(order.slice(0, r));
  const keptA = Int32Array.from(order.slice(r)).sort();
  return { T, r, distillToken, bestB, bestScore, srcA, keptA };
}

/** Merges of a plan as [src, dst] token positions (as the golden `merges`), sorted by src. */
export function mergePairs(plan: MergePlan): Array<[number, number]> {
  return [...plan.srcA].sort((x, y) => x - y).map((a) => [2 * a, 2 * plan.bestB[a] + 1]);
}

export interface MergeResult {
  x: Float32Array;
  size: Float32Array;
  tokenOfPatch: Int32Array;
  T: number;
}

/**
 * Position of every token after a plan (sources: their destination's, or -1 when pruned).
 * New order, as merge.py: kept A tokens (cls first), then every B token, both in original
 * order; with a distillation token, cat([unm[:1], dst[:1], unm[1:], dst[1:]]) so that it stays
 * at index 1.
 */
export function newPositions(plan: MergePlan, mode: MergeMode): Int32Array {
  const { T } = plan;
  const nKept = plan.keptA.length;
  const nB = Math.floor(T / 2);
  const keptPos = (i: number) => (plan.distillToken && i > 0 ? i + 1 : i);
  const bPos = (b: number) => (plan.distillToken ? (b === 0 ? 1 : nKept + b) : nKept + b);
  const pos = new Int32Array(T);
  for (let i = 0; i < nKept; i++) pos[2 * plan.keptA[i]] = keptPos(i);
  for (let b = 0; b < nB; b++) pos[2 * b + 1] = bPos(b);
  for (const a of plan.srcA) pos[2 * a] = mode === 'merge' ? bPos(plan.bestB[a]) : -1;
  return pos;
}

/**
 * Applies a plan to tokens x [T, D] with sizes [T] (order: newPositions). merge: each B
 * becomes the size-weighted mean of itself and its sources (Σ sᵢxᵢ / Σ sᵢ, computed for every
 * token as merge_wavg does), sizes add. prune: sources are dropped, B keeps its value and
 * size, their patches map to -1.
 */
export function applyMerge(x: Float32Array, T: number, D: number, size: Float32Array, tokenOfPatch: Int32Array, plan: MergePlan, mode: MergeMode): MergeResult {
  if (plan.T !== T) throw new Error(`applyMerge: plan is for ${plan.T} tokens, got ${T}`);
  const T2 = plan.keptA.length + Math.floor(T / 2);
  const newIndex = newPositions(plan, mode);

  // Sizes add in token order (float32, as the official scatter_reduce). Σ sᵢxᵢ is accumulated
  // in float64 (the float32 products, each exact in a double, then rounded once per token as
  // float32 multiplies do) only for a destination with several tokens; a lone token's value is
  // fround(x·s)/s, which is what that sum gives for one term, and x itself when s = 1: the same
  // values bit for bit, except that a -0 stays -0 where the sum (starting at +0) gave +0; faster.
  const size2 = new Float32Array(T2);
  const count = new Int32Array(T2);
  for (let t = 0; t < T; t++) {
    const n = newIndex[t];
    if (n < 0) continue;
    size2[n] += size[t];
    count[n]++;
  }
  const x2 = new Float32Array(T2 * D);
  const sumRow = new Int32Array(T2).fill(-1);
  let sums = 0;
  for (let n = 0; n < T2; n++) if (count[n] > 1) sumRow[n] = sums++;
  const acc = new Float64Array(sums * D);
  for (let t = 0; t < T; t++) {
    const n = newIndex[t];
    if (n < 0) continue;
    const s = size[t];
    const xo = t * D;
    if (sumRow[n] >= 0) {
      const ao = sumRow[n] * D;
      for (let d = 0; d < D; d++) acc[ao + d] += Math.fround(x[xo + d] * s);
    } else if (s === 1) {
      x2.set(x.subarray(xo, xo + D), n * D);
    } else {
      for (let d = 0; d < D; d++) x2[n * D + d] = Math.fround(x[xo + d] * s) / s;
    }
  }
  for (let n = 0; n < T2; n++) {
    if (sumRow[n] < 0) continue;
    const ao = sumRow[n] * D;
    for (let d = 0; d < D; d++) x2[n * D + d] = acc[ao + d] / size2[n];
  }
  const tokenOfPatch2 = tokenOfPatch.map((t) => (t < 0 ? -1 : newIndex[t]));
  return { x: x2, size: size2, tokenOfPatch: tokenOfPatch2, T: T2 };
}
