// ToMe's bipartite soft matching and merge, as the official implementation
// (facebookresearch/ToMe tome/merge.py: bipartite_soft_matching, merge_wavg, merge_source),
// for one image, with the rules for the prefix tokens of TokenLayout: a class token (A_0, never
// a source, unmerged A kept in original order), a distillation token at index 1 (B_0, never a
// destination, kept at index 1), no class token (nothing protected, unmerged A in decreasing
// score order as merge.py's argsort leaves them), and registers (taken out of the sequence
// before the matching, put back unchanged right after the class token). The r schedule, its
// clamp, token counts and canonical groups live in src/core/tome.ts and are shared with the GPU
// engine.
import { clampR, type MergeMode } from '../core/tome';
import { CLASS_TOKEN_ONLY, type TokenLayout } from '../model/config';

export interface MergePlan {
  /** Tokens entering the merge (prefix tokens and registers included). */
  T: number;
  /** Tokens merged away (already clamped: clampR). */
  r: number;
  layout: TokenLayout;
  /** For each A token a (position 2a of the matched sequence, registers left out), its most
   * similar B token b (position 2b + 1); -1 for the class token. */
  bestB: Int32Array;
  /** Cosine similarity of each A token to its best B; -Infinity for the class token. */
  bestScore: Float32Array;
  /** The r merged A tokens, strongest match first. */
  srcA: Int32Array;
  /** The A tokens that stay, in their new order: original order (class token first), or without
   * a class token in decreasing score order. */
  keptA: Int32Array;
  /** Positions in the matched sequence of the A and B tokens when the split is not the official
   * alternate one (A = 2a, B = 2b + 1 when absent): see src/reference/tome-choices.ts. */
  aPos?: Int32Array;
  bPos?: Int32Array;
}

/** Position in the matched sequence of A token a and of B token b. */
const aAt = (plan: MergePlan, a: number) => (plan.aPos ? plan.aPos[a] : 2 * a);
const bAt = (plan: MergePlan, b: number) => (plan.bPos ? plan.bPos[b] : 2 * b + 1);

/** Where the registers sit in the full sequence: [first, first + registers). */
function registersAt(l: TokenLayout): number {
  return (l.classToken ? 1 : 0) + (l.distToken ? 1 : 0);
}

/** Position in the full sequence of position u of the matched sequence (the registers left out). */
export function fullPosition(u: number, l: TokenLayout): number {
  return u < registersAt(l) ? u : u + l.registers;
}

/**
 * Matches A = even tokens against B = odd tokens of the matched sequence (every token but the
 * registers) on the L2-normalised metric [T, C] (all T tokens' rows) and picks the r A tokens
 * with the highest best-score; r must already be clamped (clampR) by the caller. The class token
 * (A_0) is never a source; a distillation token, B_0 (token 1), is never a destination (the
 * official scores[..., 0, :] and scores[..., :, 0] = -inf). Ties (never exact in the golden
 * sets: `exact_tie` is false everywhere) go to the lower index, for the best B as for the ranking.
 */
export function bipartiteMatch(metric: Float32Array, T: number, C: number, r: number, layout: TokenLayout = CLASS_TOKEN_ONLY): MergePlan {
  const Tm = T - layout.registers;
  const nA = Math.ceil(Tm / 2);
  const nB = Math.floor(Tm / 2);
  const bestB = new Int32Array(nA).fill(-1);
  const bestScore = new Float32Array(nA).fill(-Infinity);
  const firstA = layout.classToken ? 1 : 0;
  const firstB = layout.distToken ? 1 : 0;
  for (let a = firstA; a < nA; a++) {
    const ao = fullPosition(2 * a, layout) * C;
    let best = -Infinity;
    let arg = -1;
    for (let b = firstB; b < nB; b++) {
      const bo = fullPosition(2 * b + 1, layout) * C;
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
  return planFromBest(T, r, bestB, bestScore, layout);
}

/**
 * The ranking half of the matching, from each A token's best B and score (with a class token,
 * entry 0 is ignored: it is never a source): the r A tokens with the highest score merge, ties to
 * the lower index. Shared with backends that compute the scores elsewhere (the ONNX Runtime
 * path). r must already be clamped (clampR).
 */
export function planFromBest(T: number, r: number, bestB: Int32Array, bestScore: Float32Array, layout: TokenLayout = CLASS_TOKEN_ONLY): MergePlan {
  const nA = Math.ceil((T - layout.registers) / 2);
  if (bestB.length !== nA || bestScore.length !== nA) throw new Error(`planFromBest: ${bestB.length} best-B entries for ${nA} A tokens`);
  if (r < 0 || r > clampR(r, T, layout)) throw new Error(`planFromBest: r=${r} out of range for ${T} tokens`);
  if (layout.classToken) {
    bestB[0] = -1;
    bestScore[0] = -Infinity;
  }
  const order = Array.from({ length: nA }, (_, a) => a);
  order.sort((x, y) => bestScore[y] - bestScore[x] || x - y);
  const srcA = Int32Array.from(order.slice(0, r));
  // merge.py sorts the unmerged A tokens back into order only when there is a class token.
  const kept = Int32Array.from(order.slice(r));
  const keptA = layout.classToken ? kept.sort() : kept;
  return { T, r, layout, bestB, bestScore, srcA, keptA };
}

/** Merges of a plan as [src, dst] positions in the full sequence (as the golden `merges`:
 * class token and registers counted), sorted by src. */
export function mergePairs(plan: MergePlan): Array<[number, number]> {
  const full = (u: number) => fullPosition(u, plan.layout);
  return [...plan.srcA].sort((x, y) => x - y).map((a) => [full(aAt(plan, a)), full(bAt(plan, plan.bestB[a]))]);
}

export interface MergeResult {
  x: Float32Array;
  size: Float32Array;
  tokenOfPatch: Int32Array;
  T: number;
}

/**
 * Position of every token after a plan (sources: their destination's, or -1 when pruned). New
 * order, as merge.py on the matched sequence: kept A tokens (keptA's order), then every B token
 * in original order; with a distillation token, cat([unm[:1], dst[:1], unm[1:], dst[1:]]) so
 * that it stays at index 1. The registers are put back where they were, after the class and
 * distillation tokens, and everything after them shifts by their count.
 */
export function newPositions(plan: MergePlan, mode: MergeMode): Int32Array {
  const { T, layout } = plan;
  const dist = layout.distToken;
  const nKept = plan.keptA.length;
  const nB = Math.floor((T - layout.registers) / 2);
  const full = (u: number) => fullPosition(u, layout);
  const keptPos = (i: number) => full(dist && i > 0 ? i + 1 : i);
  const bPos = (b: number) => full(dist ? (b === 0 ? 1 : nKept + b) : nKept + b);
  const pos = new Int32Array(T);
  const first = registersAt(layout);
  for (let g = 0; g < layout.registers; g++) pos[first + g] = first + g;
  for (let i = 0; i < nKept; i++) pos[full(aAt(plan, plan.keptA[i]))] = keptPos(i);
  for (let b = 0; b < nB; b++) pos[full(bAt(plan, b))] = bPos(b);
  for (const a of plan.srcA) pos[full(aAt(plan, a))] = mode === 'merge' ? bPos(plan.bestB[a]) : -1;
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
  const T2 = T - plan.r;
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
