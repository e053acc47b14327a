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
// serves every r.
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

export interface MergeInputs {
  /** Residual stream after the block's attention [batch, T, D]. */
  x: string;
  /** Tokens' sizes [batch, T, 1]. */
  size: string;
  /** The block's keys per head [batch, T, heads, hd]; ToMe's metric is their mean over heads,
   * L2-normalised. */
  keys: string;
  /** This block's r, already clamped ([1] int64; 0: no merge, the tokens stay as they are). */
  r: string;
  /** 1 to merge, 0 to prune ([1] float). */
  keep: string;
  layout: TokenLayout;
  D: number;
}

/** The merged stream and sizes, and the decisions the host needs for the patch->token maps. */
export interface MergeOutputs {
  x: string;
  size: string;
  /** Every A' token, strongest match first [batch, A'] (int64, A' index): the first r merge. */
  ranking: string;
  /** Each A' token's best B' [batch, A'] (int64, B' index) and its cosine score [batch, A']. */
  bestB: string;
  bestScore: string;
}

/** The block's merge: the registers taken out of the sequence, the matched sequence merged, the
 * registers put back right after the protected tokens (their size stays 1). */
export function mergeOps(g: GraphBuilder, m: MergeInputs): MergeOutputs {
  const R = m.layout.registers;
  if (R === 0) return mergeMatched(g, m);
  const at = protectedTokens(m.layout);
  const slice = (t: string, from: number, to: number) => g.op('Slice', [t, g.int64s([from]), g.int64s([to]), g.int64s([1])]);
  const withoutRegisters = (t: string) => (at > 0 ? g.op('Concat', [slice(t, 0, at), slice(t, at + R, END)], { axis: 1 }) : slice(t, R, END));
  const putBack = (t: string, registers: string) => g.op('Concat', at > 0 ? [slice(t, 0, at), registers, slice(t, at, END)] : [registers, t], { axis: 1 });
  const merged = mergeMatched(g, { ...m, x: withoutRegisters(m.x), size: withoutRegisters(m.size), keys: withoutRegisters(m.keys) });
  return { ...merged, x: putBack(merged.x, slice(m.x, at, at + R)), size: putBack(merged.size, slice(m.size, at, at + R)) };
}

/** The merge on the matched sequence (no registers in it). */
function mergeMatched(g: GraphBuilder, m: MergeInputs): MergeOutputs {
  const prefix = protectedTokens(m.layout);
  const start = bipartiteStarts(m.layout);
  const every2 = (t: string, from: number) => g.op('Slice', [t, g.int64s([from]), g.int64s([END]), g.int64s([1]), g.int64s([2])]);
  const dim = (t: string, axis: number) => g.op('Shape', [t], { start: axis, end: axis + 1 });
  const scalar = (t: string) => g.op('Squeeze', [t]);
  const int = (v: number) => g.int64s([v]);
  const times = (t: string, k: number) => g.op('Mul', [t, int(k)]);
  const merges = g.op('Greater', [m.r, int(0)]);

  // Matching: each A' token's best B' and its score; the ranking; the merged and the kept A'.
  const mean = g.op('ReduceMean', [m.keys], { axes: [2], keepdims: 0 });
  const metric = g.op('Div', [mean, g.op('ReduceL2', [mean], { axes: [-1], keepdims: 1 })]);
  const scores = g.op('MatMul', [every2(metric, start.a), g.op('Transpose', [every2(metric, start.b)], { perm: [0, 2, 1] })]);
  const bestScore = g.op('ReduceMax', [scores], { axes: [2], keepdims: 0 });
  const bestB = g.op('ArgMax', [scores], { axis: 2, keepdims: 0, select_last_index: 0 });
  const [, ranking] = g.opN('TopK', [bestScore, dim(bestScore, 1)], 2, { axis: 1, largest: 1, sorted: 1 });
  const src = g.op('Slice', [ranking, int(0), m.r, int(1)]);
  const rest = g.op('Slice', [ranking, m.r, int(END), int(1)]);
  // merge.py sorts the unmerged A back into order only when there is a class token.
  const kept = m.layout.classToken ? g.opN('TopK', [rest, dim(rest, 1)], 2, { axis: 1, largest: 0, sorted: 1 })[0] : rest;
  const dst = g.op('GatherElements', [bestB, src], { axis: 1 });

  // The new order of the tokens [batch, T2]: prefix, kept A', every B' (with r = 0: as they are).
  const batch = dim(m.x, 0);
  const T = dim(m.x, 1);
  const across = (idx: string) => g.op('Expand', [idx, g.op('Concat', [batch, int(1)], { axis: 0 })]);
  const range = (from: string, to: string, step: number) => g.op('Range', [scalar(from), scalar(to), scalar(int(step))]);
  const parts = [g.op('Add', [times(kept, 2), int(start.a)]), across(range(int(start.b), T, 2))];
  if (prefix > 0) parts.unshift(across(g.int64s(Array.from({ length: prefix }, (_, i) => i))));
  const tomeOrder = g.op('Concat', parts, { axis: 1 });
  const T2 = dim(tomeOrder, 1);
  const newTokens = g.op('Where', [merges, tomeOrder, across(range(int(0), T2, 1))]);

  // The merge on whole rows of the batch's tokens flattened to [batch * T, width]: the new tokens
  // gathered in their order, then each merged A' token added into its B' (ScatterND, a row per
  // index). Image n's first row is n * T before the merge, n * T2 after it.
  const image = g.op('Unsqueeze', [range(int(0), batch, 1), int(1)]);
  const flat = (idx: string) => g.op('Reshape', [idx, int(-1)]);
  const newRows = flat(g.op('Add', [newTokens, g.op('Mul', [image, T])]));
  const srcRows = flat(g.op('Add', [g.op('Add', [times(src, 2), int(start.a)]), g.op('Mul', [image, T])]));
  const intoB = g.op('Add', [dst, g.op('Add', [dim(kept, 1), int(prefix)])]);
  const intoRows = g.op('Reshape', [g.op('Add', [intoB, g.op('Mul', [image, T2])]), g.int64s([-1, 1])]);
  const merged = (t: string, width: number) => {
    const rows = g.op('Reshape', [t, g.int64s([-1, width])]);
    const moved = g.op('Mul', [g.op('Gather', [rows, srcRows], { axis: 0 }), m.keep]);
    return g.op('ScatterND', [g.op('Gather', [rows, newRows], { axis: 0 }), intoRows, moved], { reduction: 'add' });
  };
  const size = merged(m.size, 1);
  // Σ sᵢxᵢ / Σ sᵢ; with r = 0 the weights are 1, so x comes out bit for bit as it went in.
  const one = g.floats(g.fresh('one'), Float32Array.of(1), [1]);
  const weight = g.op('Where', [merges, m.size, one]);
  const x = g.op('Div', [merged(g.op('Mul', [m.x, weight]), m.D), g.op('Where', [merges, size, one])]);
  return {
    x: g.op('Reshape', [x, g.op('Concat', [batch, T2, int(m.D)], { axis: 0 })]),
    size: g.op('Reshape', [size, g.op('Concat', [batch, T2, int(1)], { axis: 0 })]),
    ranking,
    bestB,
    bestScore,
  };
}
