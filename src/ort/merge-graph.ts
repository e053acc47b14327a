// ToMe's bipartite soft matching and merge as ONNX ops, for one block of the whole-forward graph
// (vit-graph.ts), as the official implementation (facebookresearch/ToMe tome/merge.py) and our
// reference (src/reference/tome.ts) do it, with the rules of the token layout: the registers are
// taken out of the sequence first and put back after the merge, unchanged, right after the class
// (and distillation) token; on the rest (the matched sequence), A = even tokens, B = odd tokens,
// the class and distillation tokens never matched; each A token's most similar B (lowest index on
// ties), the r A tokens with the highest score merged into theirs (ties to the lower index: ONNX
// TopK's rule), sizes added, x the size-weighted mean (Σ sᵢxᵢ / Σ sᵢ); new order: the protected
// tokens, the kept A (in original order with a class token, else in decreasing score order, as
// merge.py leaves them), then B. Prune mode is the same graph with the sources' contributions
// weighted by 0 (sizes then stay 1, so x/1 is x bit for bit). r is a graph value, so one graph
// serves every r: the matching and merge are an If's branch taken when r > 0 (else the tokens
// stay as they are, in their order, and the block has no decisions).
// ONNX Runtime's cost per node is what a small merge pays for (a first version with the index
// arithmetic spelled out in ~80 nodes per block ate what the smaller matmuls saved), so the
// merge works on x·size and size as one tensor [batch, T, D + 1], gathers per image with
// batch_dims, adds the sources into B' with a one-hot MatMul, and slices B' instead of indexing it.
import type { Distance, Weighting } from '../core/tome';
import type { TokenLayout } from '../model/config';
import type { GraphBuilder } from './onnx-builder';

/** Large enough for any Slice end (token counts are far below it). */
const END = 2 ** 31 - 1;

/** The class and distillation tokens: they take part in the matching (at its start) but never merge. */
function protectedTokens(l: TokenLayout): number {
  return (l.classToken ? 1 : 0) + (l.distToken ? 1 : 0);
}

/** Where A' (the A tokens that can merge) and B' (the B tokens that can receive) start in the
 * matched sequence, step 2. */
export function bipartiteStarts(l: TokenLayout): { a: number; b: number } {
  // The protected tokens come first: A' starts at the first even token after them, B' at the
  // first odd one (class only: A' = 2, 4, ..., B' = 1, 3, ...; with a distillation token at 1,
  // B' = 3, 5, ...; no class token: A' = 0, 2, ..., B' = 1, 3, ...).
  const n = protectedTokens(l);
  return { a: n + (n % 2), b: n + 1 - (n % 2) };
}

/** How many A' and B' tokens a block of T tokens matches (registers and protected tokens left
 * out): the alternate split's, whatever the split. */
export function splitSizes(T: number, l: TokenLayout): { a: number; b: number } {
  const Tm = T - l.registers;
  return { a: Math.ceil(Tm / 2) - (l.classToken ? 1 : 0), b: Math.floor(Tm / 2) - (l.distToken ? 1 : 0) };
}

export interface MergeInputs {
  /** Residual stream after the block's attention [batch, T, D]. */
  x: string;
  /** Tokens' sizes [batch, T, 1]. */
  size: string;
  /** The features the block's matching compares: keys (ToMe's), queries or values per head
   * [batch, T, heads, hd], averaged over heads, or the tokens themselves [batch, T, D]. */
  metric: { features: string; perHead: boolean };
  /** The design choices the graph expresses besides the official ones (src/ort/choices.ts). */
  distance: Distance;
  weighting: Weighting;
  /** This block's r, already clamped ([1] int64; 0: no merge, the tokens stay as they are). */
  r: string;
  /** 1 to merge, 0 to prune ([1] float). */
  keep: string;
  /** The block's A' and B' as positions of the matched sequence ([A'], [B'] int64) for a split
   * other than alternate (the protected tokens left out: they stay A_0 and B_0); none: every
   * other token from the first A' and B' (bipartiteStarts). */
  split?: { a: string; b: string };
  layout: TokenLayout;
  D: number;
}

/** The merged stream and sizes, and the decisions the host needs for the patch->token maps. */
export interface MergeOutputs {
  x: string;
  size: string;
  /** Every A' token, strongest match first [batch, A', 1] (int64, A' index): the first r merge
   * (with r = 0 these three are empty, [batch, 0, 1]). */
  ranking: string;
  /** Each A' token's best B' [batch, A', 1] (int64, B' index) and its cosine score [batch, A', 1]. */
  bestB: string;
  bestScore: string;
}

/** When the block's r > 0: its matching and merge (the registers taken out of the sequence, the
 * matched sequence merged, the registers put back right after the protected tokens, their size
 * staying 1). Else the tokens as they are, and no decisions (empty: [batch, 0, 1]). */
export function mergeOps(g: GraphBuilder, m: MergeInputs): MergeOutputs {
  const R = m.layout.registers;
  const at = protectedTokens(m.layout);
  const slice = (g: GraphBuilder, t: string, from: number, to: number) => g.op('Slice', [t, g.int64s([from]), g.int64s([to]), g.int64s([1])]);
  const withoutRegisters = (g: GraphBuilder, t: string) =>
    R === 0 ? t : at > 0 ? g.op('Concat', [slice(g, t, 0, at), slice(g, t, at + R, END)], { axis: 1 }) : slice(g, t, R, END);
  const merges = g.op('Greater', [m.r, g.int64s([0])]);
  const [x, size, ranking, bestB, bestScore] = g.ifElse(
    merges,
    [
      { type: 'float', shape: ['batch', null, m.D] },
      { type: 'float', shape: ['batch', null, 1] },
      ...(['int64', 'int64', 'float'] as const).map((type) => ({ type, shape: ['batch', null, 1] })),
    ],
    (g) => {
      const d = match(g, withoutRegisters(g, m.metric.features), m);
      const rows = mergeRows(g, m);
      let merged = mergeMatched(g, withoutRegisters(g, rows.tensor), d, m, rows.moved);
      if (R > 0) {
        const registers = slice(g, rows.tensor, at, at + R);
        merged = g.op('Concat', at > 0 ? [slice(g, merged, 0, at), registers, slice(g, merged, at, END)] : [registers, merged], { axis: 1 });
      }
      const [x, newSize] = rows.finish(merged);
      return [x, newSize, d.ranking, d.bestB, d.bestScore];
    },
    (g) => {
      // A block that merges nothing matches nothing either (an empty A' would also trip TopK).
      const none = g.op('Slice', [m.size, g.int64s([0]), g.int64s([0]), g.int64s([1])]);
      const noIndices = g.cast(none, 'int64');
      return [g.op('Identity', [m.x]), g.op('Identity', [m.size]), noIndices, g.op('Identity', [noIndices]), none];
    },
  );
  return { x, size, ranking, bestB, bestScore };
}

type Matching = Pick<MergeOutputs, 'ranking' | 'bestB' | 'bestScore'>;

/**
 * What the merge gathers and adds per token, side by side in one tensor [batch, T, width] so one
 * gather and one scatter carry all of it, how a source's row counts (`moved`: a multiplier, or
 * none), and how the merged rows become x and sizes. Sizes add whatever the weighting.
 * - size (the official): x·s and s; x = Σ sᵢxᵢ / Σ sᵢ (prune: sizes stay 1, so x·1/1 is x bit for
 *   bit);
 * - mean: x, 1 and s; x = Σ xᵢ / n;
 * - keep: x and s, a source's x counted 0; the destination's x as it was.
 */
function mergeRows(g: GraphBuilder, m: MergeInputs): { tensor: string; moved: string; finish(merged: string): [string, string] } {
  const D = m.D;
  if (m.weighting === 'mean') {
    // A count of 1 per token, shaped as the sizes (never 0: a size is at least 1).
    const one = g.op('Div', [m.size, m.size]);
    return {
      tensor: g.op('Concat', [m.x, one, m.size], { axis: 2 }),
      moved: m.keep,
      finish: (merged) => {
        const [sum, count, size] = g.opN('Split', [merged, g.int64s([D, 1, 1])], 3, { axis: 2 });
        return [g.op('Div', [sum, count]), size];
      },
    };
  }
  if (m.weighting === 'keep') {
    const sizeOnly = g.floats(
      g.fresh('size_only'),
      Float32Array.from({ length: D + 1 }, (_, i) => (i === D ? 1 : 0)),
      [D + 1],
    );
    return {
      tensor: g.op('Concat', [m.x, m.size], { axis: 2 }),
      moved: sizeOnly,
      finish: (merged) => g.opN('Split', [merged, g.int64s([D, 1])], 2, { axis: 2 }) as [string, string],
    };
  }
  return {
    tensor: g.op('Concat', [g.op('Mul', [m.x, m.size]), m.size], { axis: 2 }),
    moved: m.keep,
    finish: (merged) => {
      const [sum, size] = g.opN('Split', [merged, g.int64s([D, 1])], 2, { axis: 2 });
      return [g.op('Div', [sum, size]), size];
    },
  };
}

/** Each A' token's best B' and its score, and the A' tokens ranked by it, on the matched
 * sequence's features: the mean over heads for per-head features, L2-normalised for the cosine
 * distance; similarity = the dot product, or minus the squared euclidean distance. */
function match(g: GraphBuilder, features: string, m: MergeInputs): Matching {
  const mean = m.metric.perHead ? g.op('ReduceMean', [features], { axes: [2], keepdims: 0 }) : features;
  const metric = m.distance === 'cosine' ? g.op('LpNormalization', [mean], { axis: -1, p: 2 }) : mean;
  const a = splitPart(g, metric, m, 'a');
  const bT = g.op('Transpose', [splitPart(g, metric, m, 'b')], { perm: [0, 2, 1] });
  let scores = g.op('MatMul', [a, bT]);
  if (m.distance === 'euclidean') {
    // -|a - b|² = 2 a·b - |a|² - |b|².
    const aa = g.op('ReduceSumSquare', [a], { axes: [2], keepdims: 1 });
    const bb = g.op('ReduceSumSquare', [bT], { axes: [1], keepdims: 1 });
    scores = g.op('Sub', [g.op('Sub', [g.op('Mul', [scores, g.scalar(2)]), aa]), bb]);
  }
  // TopK's ties go to the lower index, as ArgMax's first index and merge.py's max do.
  const [bestScore, bestB] = g.opN('TopK', [scores, g.int64s([1])], 2, { axis: 2, largest: 1, sorted: 1 });
  const [, ranking] = g.opN('TopK', [bestScore, g.op('Shape', [bestScore], { start: 1, end: 2 })], 2, { axis: 1, largest: 1, sorted: 1 });
  return { ranking, bestB, bestScore };
}

/** A' or B' of the matched sequence t [batch, T, ...]: every other token from its start (the
 * alternate split: a strided Slice), or the split's positions (a Gather). */
function splitPart(g: GraphBuilder, t: string, m: MergeInputs, part: 'a' | 'b'): string {
  if (m.split) return g.op('Gather', [t, m.split[part]], { axis: 1 });
  const from = bipartiteStarts(m.layout)[part];
  return g.op('Slice', [t, g.int64s([from]), g.int64s([END]), g.int64s([1]), g.int64s([2])]);
}

/** The merge on the matched sequence (no registers in it), on its rows (mergeRows): the first r
 * ranked A' added into their best B' (each times `movedBy`), then the new order. */
function mergeMatched(g: GraphBuilder, rows: string, d: Matching, m: MergeInputs, movedBy: string): string {
  const prefix = protectedTokens(m.layout);
  const src = g.op('Slice', [d.ranking, g.int64s([0]), m.r, g.int64s([1])]);
  const rest = g.op('Slice', [d.ranking, m.r, g.int64s([END]), g.int64s([1])]);
  // merge.py sorts the unmerged A back into order only when there is a class token.
  const kept = m.layout.classToken ? g.opN('TopK', [rest, g.op('Shape', [rest], { start: 1, end: 2 })], 2, { axis: 1, largest: 0, sorted: 1 })[0] : rest;
  const dst = g.op('GatherElements', [d.bestB, src], { axis: 1 });
  const a = splitPart(g, rows, m, 'a');
  const moved = g.op('Mul', [g.op('GatherND', [a, src], { batch_dims: 1 }), movedBy]);
  // The sources are added into B' as a MatMul with a one-hot [batch, B', r] matrix. A scatter-add
  // is not safe here: ONNX Runtime's CPU ScatterND splits its updates over threads with no
  // locking, so two sources of one destination could race, and did reorder the sum from run to
  // run (a near-tie merge then flipped). MLAS splits a MatMul over rows and columns, never over
  // r, so every destination sums its sources in ranking order on one thread, run after run.
  const bRows = splitPart(g, rows, m, 'b');
  const depth = g.op('Shape', [bRows], { start: 1, end: 2 });
  const oneHot = g.op('OneHot', [g.op('Squeeze', [dst, g.int64s([2])]), depth, g.floats(g.fresh('off_on'), Float32Array.of(0, 1), [2])], { axis: 1 });
  const b = g.op('Add', [bRows, g.op('MatMul', [oneHot, moved])]);
  const parts = [g.op('GatherND', [a, kept], { batch_dims: 1 }), b];
  if (prefix > 0) parts.unshift(g.op('Slice', [rows, g.int64s([0]), g.int64s([prefix]), g.int64s([1])]));
  return g.op('Concat', parts, { axis: 1 });
}
