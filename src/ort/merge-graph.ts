// ToMe's bipartite soft matching and merge as ONNX ops, for one block of the whole-forward graph
// (vit-graph.ts), as the official implementation (facebookresearch/ToMe tome/merge.py) and our
// reference (src/reference/tome.ts) do it: A = even tokens, B = odd tokens, the prefix tokens
// (class, distillation) never matched; each A token's most similar B (lowest index on ties), the
// r A tokens with the highest score merged into theirs (ties to the lower index: ONNX TopK's
// rule), sizes added, x the size-weighted mean (Σ sᵢxᵢ / Σ sᵢ); new order: prefix, kept A in
// original order, then B. Prune mode is the same graph with the sources' contributions weighted
// by 0 (sizes then stay 1, so x/1 is x bit for bit). r is a graph value, so one graph serves
// every r.
import type { GraphBuilder } from './onnx-builder';

/** Large enough for any Slice end (token counts are far below it). */
const END = 2 ** 31 - 1;

/** Where A' (the A tokens that can merge) and B' (the B tokens that can receive) start, step 2. */
export function bipartiteStarts(prefix: number): { a: number; b: number } {
  // Tokens below `prefix` are protected: A' starts at the first even token at or after it, B' at
  // the first odd one (class only: A' = 2, 4, ..., B' = 1, 3, ...; with a distillation token at
  // 1, B' = 3, 5, ...).
  return { a: prefix + (prefix % 2), b: prefix + 1 - (prefix % 2) };
}

export interface MergeInputs {
  /** Residual stream after the block's attention [batch, T, D]. */
  x: string;
  /** Tokens' sizes [batch, T, 1]. */
  size: string;
  /** The block's keys per head [batch, T, heads, hd]; ToMe's metric is their mean over heads,
   * L2-normalised. */
  keys: string;
  /** This block's r, already clamped ([1] int64, > 0). */
  r: string;
  /** 1 to merge, 0 to prune ([1] float). */
  keep: string;
  prefix: number;
  D: number;
}

/** The merged stream and sizes, and the decisions the host needs for the patch->token maps. */
export interface MergeOutputs {
  x: string;
  size: string;
  /** The merged A' tokens, strongest match first [batch, r] (int64, A' index). */
  src: string;
  /** Each A' token's best B' [batch, A'] (int64, B' index) and its cosine score [batch, A']. */
  bestB: string;
  bestScore: string;
}

export function mergeOps(g: GraphBuilder, m: MergeInputs): MergeOutputs {
  const start = bipartiteStarts(m.prefix);
  const every2 = (t: string, from: number) => g.op('Slice', [t, g.int64s([from]), g.int64s([END]), g.int64s([1]), g.int64s([2])]);
  const dim1 = (t: string) => g.op('Slice', [g.op('Shape', [t]), g.int64s([1]), g.int64s([2])]);

  const mean = g.op('ReduceMean', [m.keys], { axes: [2], keepdims: 0 });
  const metric = g.op('Div', [mean, g.op('ReduceL2', [mean], { axes: [-1], keepdims: 1 })]);
  const scores = g.op('MatMul', [every2(metric, start.a), g.op('Transpose', [every2(metric, start.b)], { perm: [0, 2, 1] })]);
  const bestScore = g.op('ReduceMax', [scores], { axes: [2], keepdims: 0 });
  const bestB = g.op('ArgMax', [scores], { axis: 2, keepdims: 0, select_last_index: 0 });
  const [, order] = g.opN('TopK', [bestScore, dim1(bestScore)], 2, { axis: 1, largest: 1, sorted: 1 });
  const src = g.op('Slice', [order, g.int64s([0]), m.r, g.int64s([1])]);
  const rest = g.op('Slice', [order, m.r, g.int64s([END]), g.int64s([1])]);
  const [kept] = g.opN('TopK', [rest, dim1(rest)], 2, { axis: 1, largest: 0, sorted: 1 });
  const dst = g.op('GatherElements', [bestB, src], { axis: 1 });

  // Index rows for GatherElements/ScatterElements along the tokens: [batch, k] -> [batch, k, width].
  const rows = (idx: string, width: number) => g.op('Expand', [g.op('Unsqueeze', [idx, g.int64s([2])]), g.int64s([1, 1, width])]);
  const merged = (t: string, width: number) => {
    const a = every2(t, start.a);
    const moved = g.op('Mul', [g.op('GatherElements', [a, rows(src, width)], { axis: 1 }), m.keep]);
    const into = g.op('ScatterElements', [every2(t, start.b), rows(dst, width), moved], { axis: 1, reduction: 'add' });
    const parts = [g.op('GatherElements', [a, rows(kept, width)], { axis: 1 }), into];
    if (m.prefix > 0) parts.unshift(g.op('Slice', [t, g.int64s([0]), g.int64s([m.prefix]), g.int64s([1])]));
    return g.op('Concat', parts, { axis: 1 });
  };
  const size = merged(m.size, 1);
  const x = g.op('Div', [merged(g.op('Mul', [m.x, m.size]), m.D), size]);
  return { x, size, src, bestB, bestScore };
}
