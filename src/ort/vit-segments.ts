// ONNX graphs of a ViT's dense parts, cut where ToMe merges, built from the weights for any
// plain ViT config. A segment runs from one merge to the next: the MLP half of the block whose
// merge starts it (or the patch embedding), every whole block in between (no merge there), then
// the attention half of the block where the next merge happens, whose outputs are the residual
// stream before that merge and the bipartite matching's per-A-token best B and score (ToMe's
// decisions and the merge itself stay in our own code between segments). The last segment ends
// with the classifier head. Token count and batch are symbolic dims, so one graph serves every
// r that cuts at the same blocks; proportional attention's log(size) bias is an input.
import { numPatches, type ModelConfig } from '../model/config';
import { tensor, type ViTWeights } from '../model/weights';
import { GraphBuilder } from './onnx-builder';

/** Where a segment starts: the pixels (patch embedding), or after the merge of block `from`. */
export interface SegmentSpec {
  /** -1: starts at the pixels; else the block whose merge precedes the segment (its MLP runs first). */
  from: number;
  /** The block whose attention ends the segment (the next merge); `depth` for the classifier head. */
  to: number;
}

/** Graph input and output names (shared by every segment). */
export const IO = {
  pixels: 'pixels',
  x: 'x',
  logSize: 'log_size',
  xOut: 'x_out',
  bestB: 'best_b',
  bestScore: 'best_score',
  logits: 'logits',
} as const;

/** Whether a segment has an attention whose keys' sizes differ from 1 (so it takes `log_size`). */
export function takesLogSize(s: SegmentSpec, depth: number): boolean {
  return s.from >= 0 && Math.min(s.to, depth - 1) > s.from;
}

/** Transposed Linear weights ([out, in] -> [in, out] for MatMul), made once per model. */
export class SegmentBuilder {
  private readonly transposed = new Map<string, Float32Array>();

  constructor(private readonly weights: ViTWeights) {}

  get config(): ModelConfig {
    return this.weights.config;
  }

  build(s: SegmentSpec): Uint8Array {
    const c = this.config;
    if (s.from < -1 || s.to > c.depth || s.to <= s.from) throw new Error(`segment ${s.from}..${s.to} is not a range of blocks of a depth-${c.depth} ViT`);
    const g = new GraphBuilder(`vit_${s.from}_${s.to}`);
    const D = c.embedDim;
    let x: string;
    let logSize: string | null = null;
    if (s.from < 0) {
      x = this.embed(g, g.input(IO.pixels, 'float', ['batch', 3, c.imgSize, c.imgSize]));
    } else {
      x = g.input(IO.x, 'float', ['batch', 'tokens', D]);
      if (takesLogSize(s, c.depth)) logSize = g.input(IO.logSize, 'float', ['batch', 'tokens']);
      x = this.mlp(g, x, s.from);
    }
    for (let b = s.from + 1; b < s.to; b++) x = this.mlp(g, this.attention(g, x, b, logSize).x, b);
    if (s.to < c.depth) {
      const { x: xa, metric } = this.attention(g, x, s.to, logSize);
      g.op('Identity', [xa], {}, IO.xOut);
      g.output(IO.xOut, 'float', ['batch', 'tokens', D]);
      this.matching(g, metric);
    } else {
      this.head(g, x);
    }
    return g.encode();
  }

  private w(name: string): Float32Array {
    return tensor(this.weights, name);
  }

  /** A Linear as MatMul with the transposed weight, then the bias. */
  private linear(g: GraphBuilder, x: string, name: string, rows?: [number, number]): string {
    const key = rows ? `${name}[${rows}]` : name;
    let wt = this.transposed.get(key);
    const full = this.w(`${name}.weight`);
    const inDim = this.weights.tensors.get(`${name}.weight`)!.shape[1];
    const [r0, r1] = rows ?? [0, full.length / inDim];
    const outDim = r1 - r0;
    if (!wt) {
      wt = new Float32Array(inDim * outDim);
      for (let o = 0; o < outDim; o++) for (let i = 0; i < inDim; i++) wt[i * outDim + o] = full[(r0 + o) * inDim + i];
      this.transposed.set(key, wt);
    }
    const bias = this.w(`${name}.bias`).subarray(r0, r1);
    const m = g.op('MatMul', [x, g.floats(g.fresh(`${key}.wT`), wt, [inDim, outDim])]);
    return g.op('Add', [m, g.floats(g.fresh(`${key}.b`), bias, [outDim])]);
  }

  private layerNorm(g: GraphBuilder, x: string, name: string): string {
    const D = this.config.embedDim;
    return g.op(
      'LayerNormalization',
      [x, g.floats(g.fresh(`${name}.weight`), this.w(`${name}.weight`), [D]), g.floats(g.fresh(`${name}.bias`), this.w(`${name}.bias`), [D])],
      {
        axis: -1,
        epsilon: { float: this.config.eps },
      },
    );
  }

  /** Conv 16x16 stride 16 = patch embedding; cls token first, then position embedding. */
  private embed(g: GraphBuilder, pixels: string): string {
    const c = this.config;
    const D = c.embedDim;
    const p = c.patchSize;
    const conv = g.op(
      'Conv',
      [pixels, g.floats('patch_embed.w', this.w('patch_embed.proj.weight'), [D, 3, p, p]), g.floats('patch_embed.b', this.w('patch_embed.proj.bias'), [D])],
      {
        kernel_shape: [p, p],
        strides: [p, p],
      },
    );
    const flat = g.op('Reshape', [conv, g.int64s([0, D, numPatches(c)])]);
    const tokens = g.op('Transpose', [flat], { perm: [0, 2, 1] });
    // cls broadcast to the batch: [1,1,D] expanded to [batch,1,D] via the batch dim of the tokens.
    const batch = g.op('Slice', [g.op('Shape', [tokens]), g.int64s([0]), g.int64s([1])]);
    const clsShape = g.op('Concat', [batch, g.int64s([1, D])], { axis: 0 });
    const cls = g.op('Expand', [g.floats('cls_token', this.w('cls_token'), [1, 1, D]), clsShape]);
    const x = g.op('Concat', [cls, tokens], { axis: 1 });
    return g.op('Add', [x, g.floats('pos_embed', this.w('pos_embed'), [1, numPatches(c) + 1, D])]);
  }

  /**
   * x + proj(softmax(q·kᵀ·hd^-½ + log size)·v), and ToMe's metric: the keys averaged over heads,
   * L2-normalised ([batch, tokens, hd]).
   */
  private attention(g: GraphBuilder, x: string, block: number, logSize: string | null): { x: string; metric: string } {
    const c = this.config;
    const D = c.embedDim;
    const H = c.numHeads;
    const hd = D / H;
    const b = `blocks.${block}.`;
    const h = this.layerNorm(g, x, b + 'norm1');
    const heads = (t: string) => g.op('Reshape', [t, g.int64s([0, 0, H, hd])]);
    // One qkv GEMM (3x wider than q, k or v alone, which MLAS runs more efficiently), then split.
    const [qFlat, kFlat, vFlat] = g.opN('Split', [this.linear(g, h, b + 'attn.qkv'), g.int64s([D, D, D])], 3, { axis: -1 });
    const q = g.op('Transpose', [heads(qFlat)], { perm: [0, 2, 1, 3] });
    const kHeads = heads(kFlat);
    const kT = g.op('Transpose', [kHeads], { perm: [0, 2, 3, 1] });
    const v = g.op('Transpose', [heads(vFlat)], { perm: [0, 2, 1, 3] });
    let scores = g.op('Mul', [g.op('MatMul', [q, kT]), g.scalar(hd ** -0.5)]);
    if (logSize) scores = g.op('Add', [scores, g.op('Unsqueeze', [logSize, g.int64s([1, 2])])]);
    const attn = g.op('Softmax', [scores], { axis: -1 });
    const out = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [attn, v])], { perm: [0, 2, 1, 3] }), g.int64s([0, 0, D])]);
    const xOut = g.op('Add', [x, this.linear(g, out, b + 'attn.proj')]);
    const mean = g.op('ReduceMean', [kHeads], { axes: [2], keepdims: 0 });
    const metric = g.op('Div', [mean, g.op('ReduceL2', [mean], { axes: [-1], keepdims: 1 })]);
    return { x: xOut, metric };
  }

  /** x + fc2(GELU_erf(fc1(LN2(x)))); GELU written as ORT's Gelu fusion expects it. */
  private mlp(g: GraphBuilder, x: string, block: number): string {
    const b = `blocks.${block}.`;
    const h = this.linear(g, this.layerNorm(g, x, b + 'norm2'), b + 'mlp.fc1');
    const erf = g.op('Erf', [g.op('Div', [h, g.scalar(Math.SQRT2)])]);
    const gelu = g.op('Mul', [g.op('Mul', [h, g.op('Add', [erf, g.scalar(1)])]), g.scalar(0.5)]);
    return g.op('Add', [x, this.linear(g, gelu, b + 'mlp.fc2')]);
  }

  /** Cosine scores of A = even tokens against B = odd tokens; best B (lowest index on ties) and its score. */
  private matching(g: GraphBuilder, metric: string): void {
    const big = 2 ** 31 - 1;
    const a = g.op('Slice', [metric, g.int64s([0]), g.int64s([big]), g.int64s([1]), g.int64s([2])]);
    const bTok = g.op('Slice', [metric, g.int64s([1]), g.int64s([big]), g.int64s([1]), g.int64s([2])]);
    const scores = g.op('MatMul', [a, g.op('Transpose', [bTok], { perm: [0, 2, 1] })]);
    g.op('ReduceMax', [scores], { axes: [2], keepdims: 0 }, IO.bestScore);
    g.op('ArgMax', [scores], { axis: 2, keepdims: 0, select_last_index: 0 }, IO.bestB);
    g.output(IO.bestScore, 'float', ['batch', 'a_tokens']);
    g.output(IO.bestB, 'int64', ['batch', 'a_tokens']);
  }

  /** Final LayerNorm on the class token, then the head. */
  private head(g: GraphBuilder, x: string): void {
    const c = this.config;
    const cls = g.op('Gather', [x, g.int64s([0])], { axis: 1 });
    const flat = g.op('Reshape', [cls, g.int64s([0, c.embedDim])]);
    const h = this.layerNorm(g, flat, 'norm');
    g.op('Identity', [this.linear(g, h, 'head')], {}, IO.logits);
    g.output(IO.logits, 'float', ['batch', c.numClasses]);
  }
}
