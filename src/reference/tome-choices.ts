// ToMe's design choices as the paper's ablations describe them (Bolya et al. 2023, Tables 1 and
// 2), for one image, beside the official algorithm of ./tome.ts (which the forward keeps using,
// untouched, when every choice is the official one):
//   metric     k (keys, mean over heads: the official), q, v (the same over queries, values), or
//              x (the token itself, the residual stream the merge averages);
//   distance   cosine (L2-normalised features, dot product: the official), dot (raw features),
//              euclidean (minus the squared distance of the raw features, so higher = closer);
//   split      bipartite matching's sets: alternate positions (the official), sequential (the
//              first half against the second), random (a seeded shuffle, one per block); the class
//              token stays A_0 and a distillation token B_0 whatever the split;
//   matching   bipartite (the official), greedy (the most similar pair of tokens not yet taken,
//              r times, any two tokens), kmeans (Lloyd's k-means on the features, fixed
//              iterations, N - r clusters of the N mergeable tokens);
//   weighting  a merged group's value: size-weighted mean (the official), plain mean, the
//              destination's own value (keep), element-wise max.
// Sizes add whatever the weighting (proportional attention and the patch->token map stay
// meaningful). Greedy and k-means keep every token that stays in its original order (a group
// sits where its earliest token was); bipartite keeps merge.py's order ([unmerged A, B]).
import { choicesOf, clampR, type DesignChoices, type Distance, type MergeMode, type Weighting } from '../core/tome';
import type { TokenLayout } from '../model/config';
import { fullPosition, newPositions, planFromBest, type MergePlan, type MergeResult } from './tome';
import { KMEANS_ITERATIONS, splitPositions } from '../core/tome-choices';

/**
 * The features a block compares, [T, C] for all T tokens: the keys, queries or values of qkv
 * [T, 3D] averaged over heads (in float64, as the official metric), or the token x [T, D]
 * itself; L2-normalised for the cosine distance. `keysCosine`, the attention's own metric, is
 * returned as it is for keys under the cosine distance.
 */
export function metricFeatures(
  c: Pick<DesignChoices, 'metric' | 'distance'>,
  qkv: Float32Array,
  x: Float32Array,
  T: number,
  D: number,
  heads: number,
  keysCosine: Float32Array,
): { features: Float32Array; C: number } {
  const hd = D / heads;
  if (c.metric === 'k' && c.distance === 'cosine') return { features: keysCosine, C: hd };
  let features: Float32Array;
  let C: number;
  if (c.metric === 'x') {
    features = x.slice(0, T * D);
    C = D;
  } else {
    const part = { q: 0, k: 1, v: 2 }[c.metric];
    features = new Float32Array(T * hd);
    C = hd;
    for (let t = 0; t < T; t++) {
      for (let d = 0; d < hd; d++) {
        let s = 0;
        for (let h = 0; h < heads; h++) s += qkv[t * 3 * D + part * D + h * hd + d];
        features[t * hd + d] = s / heads;
      }
    }
  }
  if (c.distance === 'cosine') normaliseRows(features, T, C);
  return { features, C };
}

function normaliseRows(f: Float32Array, rows: number, C: number): void {
  for (let t = 0; t < rows; t++) {
    let n = 0;
    for (let c = 0; c < C; c++) n += f[t * C + c] * f[t * C + c];
    const inv = 1 / Math.sqrt(n);
    for (let c = 0; c < C; c++) f[t * C + c] *= inv;
  }
}

/** Similarity of rows i and j of f (higher = more alike): the dot product of the features (already
 * normalised for cosine), or minus their squared euclidean distance. */
export function similarity(f: Float32Array, C: number, i: number, j: number, distance: Distance): number {
  let s = 0;
  if (distance === 'euclidean') {
    for (let c = 0; c < C; c++) {
      const d = f[i * C + c] - f[j * C + c];
      s += d * d;
    }
    return -s;
  }
  for (let c = 0; c < C; c++) s += f[i * C + c] * f[j * C + c];
  return s;
}

/** Where every token goes after a block's merge: its new index (-1: pruned), and which tokens
 * are sources (merged into another token, whose value `keep` keeps). */
export interface ChoiceStep {
  newIndex: Int32Array;
  isSource: Uint8Array;
  /** The bipartite plan, when the matching is bipartite (for traces). */
  plan: MergePlan | null;
}

/**
 * Bipartite soft matching under the split and distance chosen: each A token's most similar B
 * (ties to the lower B), the r best A tokens merge (ties to the lower A), as ./tome.ts does for
 * the official split; the same protections (class token never a source, distillation token never
 * a destination) and the same new order.
 */
export function bipartiteChoice(
  f: Float32Array,
  C: number,
  T: number,
  r: number,
  layout: TokenLayout,
  c: DesignChoices,
  block: number,
  mode: MergeMode,
): ChoiceStep {
  const Tm = T - layout.registers;
  const { a, b } = splitPositions(Tm, layout, c.split, c.seed, block);
  const bestB = new Int32Array(a.length).fill(-1);
  const bestScore = new Float32Array(a.length).fill(-Infinity);
  const firstA = layout.classToken ? 1 : 0;
  const firstB = layout.distToken ? 1 : 0;
  for (let i = firstA; i < a.length; i++) {
    let best = -Infinity;
    let arg = -1;
    for (let j = firstB; j < b.length; j++) {
      const s = similarity(f, C, fullPosition(a[i], layout), fullPosition(b[j], layout), c.distance);
      if (s > best) {
        best = s;
        arg = j;
      }
    }
    bestB[i] = arg;
    bestScore[i] = best;
  }
  const plan = { ...planFromBest(T, r, bestB, bestScore, layout), ...(c.split === 'alternate' ? {} : { aPos: a, bPos: b }) };
  const isSource = new Uint8Array(T);
  for (const s of plan.srcA) isSource[fullPosition(plan.aPos ? plan.aPos[s] : 2 * s, layout)] = 1;
  return { newIndex: newPositions(plan, mode), isSource, plan };
}

/** The tokens that may merge under greedy and k-means matching, as full positions: every matched
 * token but the class and distillation tokens (never merged, as in the official matching). */
function mergeable(T: number, layout: TokenLayout): number[] {
  const first = (layout.classToken ? 1 : 0) + (layout.distToken ? 1 : 0);
  return Array.from({ length: T - layout.registers - first }, (_, i) => fullPosition(i + first, layout));
}

/** Every token that is not a source keeps its original order; a source goes where its group's
 * destination goes, or nowhere when pruned. */
function orderKeeping(T: number, dstOf: Int32Array, mode: MergeMode): ChoiceStep {
  const newIndex = new Int32Array(T);
  const isSource = new Uint8Array(T);
  let n = 0;
  for (let t = 0; t < T; t++) {
    if (dstOf[t] === t) newIndex[t] = n++;
    else isSource[t] = 1;
  }
  for (let t = 0; t < T; t++) if (isSource[t]) newIndex[t] = mode === 'merge' ? newIndex[dstOf[t]] : -1;
  return { newIndex, isSource, plan: null };
}

/**
 * Greedy matching: all pairs of mergeable tokens ranked by similarity (ties to the lower first
 * token, then the lower second), taken in that order whenever neither token is taken yet, until
 * r pairs; the later token of a pair merges into the earlier. The same as picking the most
 * similar free pair r times over; O(N² log N).
 */
export function greedyChoice(f: Float32Array, C: number, T: number, r: number, layout: TokenLayout, distance: Distance, mode: MergeMode): ChoiceStep {
  const tokens = mergeable(T, layout);
  const pairs: Array<{ i: number; j: number; s: number }> = [];
  for (let x = 0; x < tokens.length; x++) {
    for (let y = x + 1; y < tokens.length; y++) pairs.push({ i: tokens[x], j: tokens[y], s: similarity(f, C, tokens[x], tokens[y], distance) });
  }
  pairs.sort((p, q) => q.s - p.s || p.i - q.i || p.j - q.j);
  const dstOf = Int32Array.from({ length: T }, (_, t) => t);
  const taken = new Uint8Array(T);
  let merged = 0;
  for (const { i, j } of pairs) {
    if (merged === r) break;
    if (taken[i] || taken[j]) continue;
    taken[i] = taken[j] = 1;
    dstOf[j] = i;
    merged++;
  }
  return orderKeeping(T, dstOf, mode);
}

/**
 * k-means matching: the N mergeable tokens in k = N - r clusters. Centroids start at the tokens
 * floor(c·N / k) (spread evenly, deterministic), then KMEANS_ITERATIONS rounds of: each token to
 * its most similar centroid (ties to the lower cluster), each centroid to its members' mean
 * (re-normalised for cosine; an empty cluster keeps its centroid). A cluster left empty is filled
 * by splitting the latest token off the largest cluster (ties to the lower cluster), so exactly r
 * tokens merge. Each cluster merges into its earliest token.
 */
export function kmeansChoice(f: Float32Array, C: number, T: number, r: number, layout: TokenLayout, distance: Distance, mode: MergeMode): ChoiceStep {
  const tokens = mergeable(T, layout);
  const N = tokens.length;
  const k = N - r;
  const centroids = new Float32Array(k * C);
  for (let c = 0; c < k; c++) centroids.set(f.subarray(tokens[Math.floor((c * N) / k)] * C, tokens[Math.floor((c * N) / k)] * C + C), c * C);
  const assign = new Int32Array(N);
  const points = new Float32Array(N * C);
  tokens.forEach((t, i) => points.set(f.subarray(t * C, t * C + C), i * C));
  const both = new Float32Array((N + k) * C);
  for (let it = 0; it < KMEANS_ITERATIONS; it++) {
    // Similarity of point i and centroid c through one buffer: points then centroids.
    both.set(points, 0);
    both.set(centroids, N * C);
    for (let i = 0; i < N; i++) {
      let best = -Infinity;
      let arg = 0;
      for (let c = 0; c < k; c++) {
        const s = similarity(both, C, i, N + c, distance);
        if (s > best) {
          best = s;
          arg = c;
        }
      }
      assign[i] = arg;
    }
    if (it === KMEANS_ITERATIONS - 1) break;
    const sum = new Float64Array(k * C);
    const count = new Int32Array(k);
    for (let i = 0; i < N; i++) {
      count[assign[i]]++;
      for (let d = 0; d < C; d++) sum[assign[i] * C + d] += points[i * C + d];
    }
    for (let c = 0; c < k; c++) if (count[c] > 0) for (let d = 0; d < C; d++) centroids[c * C + d] = sum[c * C + d] / count[c];
    if (distance === 'cosine') normaliseRows(centroids, k, C);
  }
  const members: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < N; i++) members[assign[i]].push(i);
  for (let c = 0; c < k; c++) {
    if (members[c].length > 0) continue;
    let largest = 0;
    for (let e = 1; e < k; e++) if (members[e].length > members[largest].length) largest = e;
    members[c].push(members[largest].pop()!);
  }
  const dstOf = Int32Array.from({ length: T }, (_, t) => t);
  for (const group of members) for (const i of group) dstOf[tokens[i]] = tokens[group[0]];
  return orderKeeping(T, dstOf, mode);
}

/** The step of a block under any choices; r must already be clamped (clampR). */
export function choiceStep(
  features: Float32Array,
  C: number,
  T: number,
  r: number,
  layout: TokenLayout,
  choices: Partial<DesignChoices>,
  block: number,
  mode: MergeMode,
): ChoiceStep {
  if (r > clampR(r, T, layout)) throw new Error(`choiceStep: r=${r} out of range for ${T} tokens`);
  const c = choicesOf(choices);
  if (c.matching === 'greedy') return greedyChoice(features, C, T, r, layout, c.distance, mode);
  if (c.matching === 'kmeans') return kmeansChoice(features, C, T, r, layout, c.distance, mode);
  return bipartiteChoice(features, C, T, r, layout, c, block, mode);
}

/**
 * Applies a step to tokens x [T, D] with sizes [T]: every group (the tokens sharing a new index)
 * becomes one token whose size is the sum of its sizes (float32, in token order) and whose value
 * is, by `weighting`, Σ sᵢxᵢ / Σ sᵢ (float64 sum of the float32 products, as applyMerge), the
 * plain mean, the value of its one non-source token, or the element-wise max. Pruned tokens
 * (-1) are dropped, their patches map to -1.
 */
export function applyGroups(
  x: Float32Array,
  T: number,
  D: number,
  size: Float32Array,
  tokenOfPatch: Int32Array,
  step: ChoiceStep,
  weighting: Weighting,
): MergeResult {
  const { newIndex, isSource } = step;
  let T2 = 0;
  for (let t = 0; t < T; t++) T2 = Math.max(T2, newIndex[t] + 1);
  const size2 = new Float32Array(T2);
  const count = new Int32Array(T2);
  const acc = new Float64Array(T2 * D);
  if (weighting === 'max') acc.fill(-Infinity);
  for (let t = 0; t < T; t++) {
    const n = newIndex[t];
    if (n < 0) continue;
    size2[n] += size[t];
    count[n]++;
    const s = size[t];
    for (let d = 0; d < D; d++) {
      const v = x[t * D + d];
      const o = n * D + d;
      if (weighting === 'size') acc[o] += Math.fround(v * s);
      else if (weighting === 'mean') acc[o] += v;
      else if (weighting === 'max') acc[o] = Math.max(acc[o], v);
      else if (!isSource[t]) acc[o] = v;
    }
  }
  const x2 = new Float32Array(T2 * D);
  for (let n = 0; n < T2; n++) {
    const div = weighting === 'size' ? size2[n] : weighting === 'mean' ? count[n] : 1;
    for (let d = 0; d < D; d++) x2[n * D + d] = acc[n * D + d] / div;
  }
  return { x: x2, size: size2, tokenOfPatch: tokenOfPatch.map((t) => (t < 0 ? -1 : newIndex[t])), T: T2 };
}
