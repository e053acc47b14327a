// The whole ViT + ToMe forward as one ONNX graph, built from the weights: patch embedding, every
// block (attention, then ToMe's merge inside the graph, merge-graph.ts, then the MLP), the head.
// Two graphs per model serve every setting: the plain ViT for r = 0, and the ToMe graph for the
// rest, in which r per block is an input (a block whose r is 0 leaves its tokens as they are, in
// their order), and so are merge/prune and proportional attention. Batch and token counts are
// symbolic. Besides the logits (or features), each merging block of the ToMe graph outputs its merge
// decisions (the A tokens ranked, every A token's best B and score), from which the host builds
// the patch->token maps for the overlay. The families of timm's VisionTransformer are built as the
// reference computes them: layer scale, pos_embed over the patches only, pre-norm CLIP towers
// (norm_pre, no patch bias, their eps), QuickGELU, register tokens (outside the merging), no class
// token (average pooling), no head (the pooled features).
import { isHeadless, numPatches, prefixTokens, tokenLayout, type ModelConfig } from '../model/config';
import { tensor, type ViTWeights } from '../model/weights';
import { GraphBuilder } from './onnx-builder';
import { mergeOps, splitSizes } from './merge-graph';
import { OFFICIAL_CHOICES, type DesignChoices } from '../core/tome';
import { ortChoicesRefusal } from './choices';

/** Graph input and output names. */
export const IO = {
  pixels: 'pixels',
  /** Clamped r of every block [depth] (int64). */
  r: 'r',
  /** 1: merge; 0: prune ([1] float). */
  keep: 'keep',
  /** 1: proportional attention (+ log size on the keys' logits); 0: none ([1] float). */
  propAttn: 'prop_attn',
  /** A classifier's logits [batch, classes]. */
  logits: 'logits',
  /** A model without a head: its pooled pre-logits features [batch, D], and every token after
   * the last block as forward_features returns it [batch, tokens, D]. */
  features: 'features',
  tokenFeatures: 'token_features',
  /** Every block's decisions, the blocks one after the other along axis 1: its A' tokens ranked,
   * strongest match first (the first r merge) [batch, Σ A'] (int32), each A' token's best B'
   * [batch, Σ A'] (int32) and its score [batch, Σ A'], over the blocks with r > 0 (a block with
   * r = 0 neither matches nor merges). A' and B' are counted in the matched sequence (registers
   * left out). */
  ranking: 'merge_ranking',
  bestB: 'best_b',
  bestScore: 'best_score',
  /** A split other than alternate (the split's graph only): every block's A' and B' positions in
   * its matched sequence, padded to the first block's counts [depth, max A'], [depth, max B']
   * (int64), and how many of each are real [depth] (int64). */
  splitA: 'split_a',
  splitB: 'split_b',
  splitACount: 'split_a_n',
  splitBCount: 'split_b_n',
} as const;

/** Transposed Linear weights ([out, in] -> [in, out] for MatMul), made once per model. */
export class ViTGraphBuilder {
  private readonly transposed = new Map<string, Float32Array>();

  constructor(private readonly weights: ViTWeights) {}

  get config(): ModelConfig {
    return this.weights.config;
  }

  /**
   * `tome`: the graph for every setting with some r > 0: each block merges when its r (an input)
   * is > 0, else leaves its tokens as they are; its merge decisions are outputs. Otherwise the
   * plain ViT (r = 0 everywhere), with no ToMe op at all.
   */
  build(tome: boolean, choices: DesignChoices = OFFICIAL_CHOICES): Uint8Array {
    const c = this.config;
    const D = c.embedDim;
    const layout = tokenLayout(c);
    const T0 = numPatches(c) + prefixTokens(c);
    const g = new GraphBuilder(`vit_${tome ? 'tome' : 'plain'}_${c.id}`);
    const refusal = ortChoicesRefusal([choices]);
    if (refusal) throw new Error(refusal);
    let x = this.embed(g, g.input(IO.pixels, 'float', ['batch', 3, c.imgSize, c.imgSize]));
    if (!tome) {
      for (let b = 0; b < c.depth; b++) x = this.mlp(g, this.attention(g, x, b, null).x, b);
      this.head(g, x);
      return g.encode();
    }
    const r = g.input(IO.r, 'int64', [c.depth]);
    const keep = g.input(IO.keep, 'float', [1]);
    const propAttn = g.input(IO.propAttn, 'float', [1]);

    // Sizes start at 1 ([batch, T0, 1]); the first block has no size bias (log 1 = 0).
    const batch = g.op('Slice', [g.op('Shape', [x]), g.int64s([0]), g.int64s([1])]);
    let size = g.op('Expand', [g.floats(g.fresh('ones'), new Float32Array(T0).fill(1), [1, T0, 1]), g.op('Concat', [batch, g.int64s([1, 1])], { axis: 0 })]);
    const splitInputs = choices.split === 'alternate' ? null : this.splitInputs(g);
    let bias: string | null = null;
    const decisions: string[][] = [[], [], []];
    for (let b = 0; b < c.depth; b++) {
      const { x: xa, heads } = this.attention(g, x, b, bias);
      const rb = g.op('Slice', [r, g.int64s([b]), g.int64s([b + 1])]);
      const metric = choices.metric === 'x' ? { features: xa, perHead: false } : { features: heads[choices.metric], perHead: true };
      const { distance, weighting } = choices;
      const split = splitInputs?.(b);
      const merged = mergeOps(g, { x: xa, size, metric, distance, weighting, split, r: rb, keep, layout, D });
      const { x: x2, size: size2, ranking, bestB, bestScore } = merged;
      [ranking, bestB, bestScore].forEach((d, i) => decisions[i].push(d));
      size = size2;
      bias = g.op('Mul', [g.op('Log', [g.op('Reshape', [size, g.int64s([0, 1, 1, -1])])]), propAttn]);
      x = this.mlp(g, x2, b);
    }
    this.head(g, x);
    // Each block's decisions are [batch, A', 1] (as TopK gives them): one Reshape for all of them.
    // The indices leave as int32: the host reads them as numbers, with no BigInt per value.
    const joined = (parts: string[], name?: string) => g.op('Reshape', [g.op('Concat', parts, { axis: 1 }), g.int64s([0, -1])], {}, name);
    g.cast(joined(decisions[0]), 'int32', IO.ranking);
    g.cast(joined(decisions[1]), 'int32', IO.bestB);
    joined(decisions[2], IO.bestScore);
    g.output(IO.ranking, 'int32', ['batch', 'matched']);
    g.output(IO.bestB, 'int32', ['batch', 'matched']);
    g.output(IO.bestScore, 'float', ['batch', 'matched']);
    return g.encode();
  }

  /** A split's graph inputs (IO.splitA ...), and block b's A' and B' positions from them. */
  private splitInputs(g: GraphBuilder): (block: number) => { a: string; b: string } {
    const c = this.config;
    const { a: maxA, b: maxB } = splitSizes(numPatches(c) + prefixTokens(c), tokenLayout(c));
    const positions = { a: g.input(IO.splitA, 'int64', [c.depth, maxA]), b: g.input(IO.splitB, 'int64', [c.depth, maxB]) };
    const counts = { a: g.input(IO.splitACount, 'int64', [c.depth]), b: g.input(IO.splitBCount, 'int64', [c.depth]) };
    return (block) => {
      const part = (p: 'a' | 'b') => {
        const row = g.op('Gather', [positions[p], g.op('Squeeze', [g.int64s([block])])], { axis: 0 });
        return g.op('Slice', [row, g.int64s([0]), g.op('Slice', [counts[p], g.int64s([block]), g.int64s([block + 1])])]);
      };
      return { a: part('a'), b: part('b') };
    };
  }

  private w(name: string): Float32Array {
    return tensor(this.weights, name);
  }

  /**
   * A Linear as MatMul with the transposed weight, then the bias. `gamma` (layer scale: the
   * output scaled per channel) is folded into both at build time: gamma * (Wx + b) =
   * (gamma W)x + gamma b, one op fewer per residual branch, equal within float32 rounding.
   */
  private linear(g: GraphBuilder, x: string, name: string, gamma?: string): string {
    const full = this.w(`${name}.weight`);
    const [outDim, inDim] = this.weights.tensors.get(`${name}.weight`)!.shape;
    const scale = gamma ? this.w(gamma) : null;
    let wt = this.transposed.get(name);
    if (!wt) {
      wt = new Float32Array(inDim * outDim);
      for (let o = 0; o < outDim; o++) for (let i = 0; i < inDim; i++) wt[i * outDim + o] = full[o * inDim + i] * (scale ? scale[o] : 1);
      this.transposed.set(name, wt);
    }
    const bias = scale ? this.w(`${name}.bias`).map((v, o) => v * scale[o]) : this.w(`${name}.bias`);
    const m = g.op('MatMul', [x, g.floats(g.fresh(`${name}.wT`), wt, [inDim, outDim])]);
    return g.op('Add', [m, g.floats(g.fresh(`${name}.b`), bias, [outDim])]);
  }

  /** The gamma of a block's layer scale (ls1 after attention, ls2 after the MLP), if the model has one. */
  private layerScale(block: number, which: 'ls1' | 'ls2'): string | undefined {
    return this.config.layerScale ? `blocks.${block}.${which}.gamma` : undefined;
  }

  private layerNorm(g: GraphBuilder, x: string, name: string): string {
    const D = this.config.embedDim;
    const weight = g.floats(g.fresh(`${name}.weight`), this.w(`${name}.weight`), [D]);
    const bias = g.floats(g.fresh(`${name}.bias`), this.w(`${name}.bias`), [D]);
    return g.op('LayerNormalization', [x, weight, bias], { axis: -1, epsilon: { float: this.config.eps } });
  }

  /** Conv patch x patch, stride patch = patch embedding (no bias in pre-norm CLIP towers); the
   * prefix tokens in timm's order (class, distillation, registers) and the position embedding
   * (over the patches only with no_embed_class: added before the prefix is put in front); then
   * norm_pre for pre-norm models. */
  private embed(g: GraphBuilder, pixels: string): string {
    const c = this.config;
    const D = c.embedDim;
    const p = c.patchSize;
    const P = numPatches(c);
    const convInputs = [pixels, g.floats('patch_embed.w', this.w('patch_embed.proj.weight'), [D, 3, p, p])];
    if (!c.preNorm) convInputs.push(g.floats('patch_embed.b', this.w('patch_embed.proj.bias'), [D]));
    const conv = g.op('Conv', convInputs, { kernel_shape: [p, p], strides: [p, p] });
    let tokens = g.op('Transpose', [g.op('Reshape', [conv, g.int64s([0, D, P])])], { perm: [0, 2, 1] });
    const n = prefixTokens(c);
    const posEmbed = (rows: number) => g.floats('pos_embed', this.w('pos_embed'), [1, rows, D]);
    if (c.noEmbedClass) tokens = g.op('Add', [tokens, posEmbed(P)]);
    let x = tokens;
    if (n > 0) {
      // Prefix tokens [1, n, D] broadcast to the batch via the batch dim of the tokens.
      const batch = g.op('Slice', [g.op('Shape', [tokens]), g.int64s([0]), g.int64s([1])]);
      const names = [c.classToken && 'cls_token', c.distilled && 'dist_token', c.registers > 0 && 'reg_token'].filter((t): t is string => !!t);
      const prefix = new Float32Array(n * D);
      let at = 0;
      for (const rows of names.map((name) => this.w(name))) {
        prefix.set(rows, at);
        at += rows.length;
      }
      const shape = g.op('Concat', [batch, g.int64s([n, D])], { axis: 0 });
      x = g.op('Concat', [g.op('Expand', [g.floats('prefix_tokens', prefix, [1, n, D]), shape]), tokens], { axis: 1 });
    }
    if (!c.noEmbedClass) x = g.op('Add', [x, posEmbed(P + n)]);
    return c.preNorm ? this.layerNorm(g, x, 'norm_pre') : x;
  }

  /** x + proj(softmax(q·kᵀ·hd^-½ + bias)·v) (bias: proportional attention's log size per key, or
   * none), and the queries, keys and values per head ([batch, tokens, heads, hd]) for ToMe's
   * metric (the keys; the others for the design choices). */
  private attention(g: GraphBuilder, x: string, block: number, bias: string | null): { x: string; heads: Record<'q' | 'k' | 'v', string> } {
    const c = this.config;
    const D = c.embedDim;
    const H = c.numHeads;
    const hd = D / H;
    const b = `blocks.${block}.`;
    const h = this.layerNorm(g, x, b + 'norm1');
    const heads = (t: string) => g.op('Reshape', [t, g.int64s([0, 0, H, hd])]);
    // One qkv GEMM (3x wider than q, k or v alone, which MLAS runs more efficiently), then split.
    const [qFlat, kFlat, vFlat] = g.opN('Split', [this.linear(g, h, b + 'attn.qkv'), g.int64s([D, D, D])], 3, { axis: -1 });
    const perHead = { q: heads(qFlat), k: heads(kFlat), v: heads(vFlat) };
    const q = g.op('Transpose', [perHead.q], { perm: [0, 2, 1, 3] });
    const kT = g.op('Transpose', [perHead.k], { perm: [0, 2, 3, 1] });
    const v = g.op('Transpose', [perHead.v], { perm: [0, 2, 1, 3] });
    let scores = g.op('Mul', [g.op('MatMul', [q, kT]), g.scalar(hd ** -0.5)]);
    if (bias) scores = g.op('Add', [scores, bias]);
    const attn = g.op('Softmax', [scores], { axis: -1 });
    const out = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [attn, v])], { perm: [0, 2, 1, 3] }), g.int64s([0, 0, D])]);
    return { x: g.op('Add', [x, this.linear(g, out, b + 'attn.proj', this.layerScale(block, 'ls1'))]), heads: perHead };
  }

  /** x + fc2(act(fc1(LN2(x)))) (times ls2 with layer scale); GELU written as ORT's Gelu fusion
   * expects it, QuickGELU as x * sigmoid(1.702 x). */
  private mlp(g: GraphBuilder, x: string, block: number): string {
    const b = `blocks.${block}.`;
    const h = this.linear(g, this.layerNorm(g, x, b + 'norm2'), b + 'mlp.fc1');
    let act: string;
    if (this.config.act === 'quickgelu') act = g.op('Mul', [h, g.op('Sigmoid', [g.op('Mul', [h, g.scalar(1.702)])])]);
    else {
      const erf = g.op('Erf', [g.op('Div', [h, g.scalar(Math.SQRT2)])]);
      act = g.op('Mul', [g.op('Mul', [h, g.op('Add', [erf, g.scalar(1)])]), g.scalar(0.5)]);
    }
    return g.op('Add', [x, this.linear(g, act, b + 'mlp.fc2', this.layerScale(block, 'ls2'))]);
  }

  /** timm's forward_head: the normed class token through the head (distilled: the mean of the
   * class head and the distillation head on the distillation token), or the plain mean of the
   * tokens after the prefix (registers included in it) through fc_norm and the head (avg pool).
   * A model without a head outputs that pooled vector as its features, and every token as
   * forward_features returns it (after the final norm; as they are when fc_norm comes after the
   * pool). */
  private head(g: GraphBuilder, x: string): void {
    const c = this.config;
    const D = c.embedDim;
    const token = (i: number) => g.op('Reshape', [g.op('Gather', [x, g.int64s([i])], { axis: 1 }), g.int64s([0, D])]);
    let pooled: string;
    if (c.globalPool === 'avg') {
      const patches = g.op('Slice', [x, g.int64s([prefixTokens(c)]), g.int64s([2 ** 31 - 1]), g.int64s([1])]);
      pooled = this.layerNorm(g, g.op('ReduceMean', [patches], { axes: [1], keepdims: 0 }), 'fc_norm');
    } else pooled = this.layerNorm(g, token(0), 'norm');
    if (isHeadless(c)) {
      g.op('Identity', [pooled], {}, IO.features);
      g.output(IO.features, 'float', ['batch', D]);
      g.op('Identity', [c.globalPool === 'avg' ? x : this.layerNorm(g, x, 'norm')], {}, IO.tokenFeatures);
      g.output(IO.tokenFeatures, 'float', ['batch', 'tokens', D]);
      return;
    }
    let logits = this.linear(g, pooled, 'head');
    if (c.distilled) {
      const dist = this.linear(g, this.layerNorm(g, token(1), 'norm'), 'head_dist');
      logits = g.op('Mul', [g.op('Add', [logits, dist]), g.scalar(0.5)]);
    }
    g.op('Identity', [logits], {}, IO.logits);
    g.output(IO.logits, 'float', ['batch', c.numClasses]);
  }
}
