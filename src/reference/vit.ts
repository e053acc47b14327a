// The reference ViT forward with ToMe in every block, for one preprocessed image:
// x = x + proj(attn(LN1(x))); ToMe merge (r for this block, clamped); x = x + MLP(LN2(x)).
// Then timm's head: the class token (DeiT distilled: mean of the class head and the
// distillation head), or the mean of the tokens after the prefix then fc_norm (avg pool).
import type { ForwardResult } from '../core/backend';
import { numPatches, prefixTokens, type ModelConfig } from '../model/config';
import { canonicalGroups, clampR, initialTokenOfPatch, rPerLayer, tokenCounts, type ToMeOptions } from '../core/tome';
import { softmax, topK } from '../core/prediction';
import { tensor, type ViTWeights } from '../model/weights';
import { addInPlace, attention, classifierHead, geluInPlace, layerNorm, linear, meanTokens, patchEmbed } from './ops';
import { applyMerge, bipartiteMatch, type MergePlan } from './tome';

/** What one block did, for tests and for checking the GPU engine's merges step by step. */
export interface BlockTrace {
  block: number;
  /** The block's merge plan; null when its (clamped) r is 0. */
  plan: MergePlan | null;
  /** Token sizes after the block (patches each token stands for, cls counting 1). */
  size: Float32Array;
}

export function forward(weights: ViTWeights, input: Float32Array, opts: ToMeOptions, onBlock?: (trace: BlockTrace) => void): ForwardResult {
  const c = weights.config;
  const w = (name: string) => tensor(weights, name);
  const D = c.embedDim;
  const hd = D / c.numHeads;
  const P = numPatches(c);
  const prefix = prefixTokens(c);
  const rs = rPerLayer(c.depth, opts.r, opts.schedule);

  const dist = c.distilled ? w('dist_token') : null;
  let x: Float32Array = patchEmbed(
    input,
    c.imgSize,
    c.patchSize,
    w('patch_embed.proj.weight'),
    w('patch_embed.proj.bias'),
    w('cls_token'),
    w('pos_embed'),
    D,
    dist,
  );
  let T = P + prefix;
  let size: Float32Array = new Float32Array(T).fill(1);
  let tokenOfPatch: Int32Array = initialTokenOfPatch(P, prefix);
  const tokens = [T];
  const maps: Int32Array[] = [];

  for (let i = 0; i < c.depth; i++) {
    const b = `blocks.${i}.`;
    const h = layerNorm(x, T, D, w(b + 'norm1.weight'), w(b + 'norm1.bias'), c.eps);
    const qkv = linear(h, T, D, w(b + 'attn.qkv.weight'), w(b + 'attn.qkv.bias'), 3 * D);
    // Proportional attention: a token standing for n patches gets log(n) on its logits as a key.
    const logSize = opts.propAttn ? size.map(Math.log) : null;
    const { out, metric } = attention(qkv, T, D, c.numHeads, logSize);
    addInPlace(x, linear(out, T, D, w(b + 'attn.proj.weight'), w(b + 'attn.proj.bias'), D));

    const r = clampR(rs[i], T, prefix);
    const plan = r > 0 ? bipartiteMatch(metric, T, hd, r, { distillToken: c.distilled }) : null;
    if (plan) ({ x, size, tokenOfPatch, T } = applyMerge(x, T, D, size, tokenOfPatch, plan, opts.mode));

    const h2 = layerNorm(x, T, D, w(b + 'norm2.weight'), w(b + 'norm2.bias'), c.eps);
    const hidden = geluInPlace(linear(h2, T, D, w(b + 'mlp.fc1.weight'), w(b + 'mlp.fc1.bias'), c.mlpHidden));
    addInPlace(x, linear(hidden, T, c.mlpHidden, w(b + 'mlp.fc2.weight'), w(b + 'mlp.fc2.bias'), D));
    tokens.push(T);
    maps.push(tokenOfPatch.slice());
    onBlock?.({ block: i, plan, size: size.slice() });
  }

  const expected = tokenCounts(P, rs, prefix);
  if (tokens.some((t, i) => t !== expected[i])) throw new Error(`forward: token counts ${tokens} differ from the schedule's ${expected}`);

  const logits = head(c, w, x, T);
  const probs = softmax(logits);
  return { logits, probs, top5: topK(probs, 5), tokens, tokenOfPatch: maps, groups: canonicalGroups(tokenOfPatch) };
}

/** timm's forward_head after the blocks (and its final norm) for each supported pooling. */
function head(c: ModelConfig, w: (name: string) => Float32Array, x: Float32Array, T: number): Float32Array {
  const D = c.embedDim;
  if (c.globalPool === 'avg') {
    const pooled = meanTokens(x, T, D, prefixTokens(c));
    return classifierHead(pooled, D, w('fc_norm.weight'), w('fc_norm.bias'), c.eps, w('head.weight'), w('head.bias'), c.numClasses);
  }
  const logits = classifierHead(x, D, w('norm.weight'), w('norm.bias'), c.eps, w('head.weight'), w('head.bias'), c.numClasses);
  if (!c.distilled) return logits;
  // The final norm is per token, so norming the distillation token alone is timm's norm(x)[:, 1].
  const dist = classifierHead(x.subarray(D), D, w('norm.weight'), w('norm.bias'), c.eps, w('head_dist.weight'), w('head_dist.bias'), c.numClasses);
  return logits.map((v, i) => (v + dist[i]) / 2);
}
