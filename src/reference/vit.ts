// The reference ViT forward with ToMe in every block, for one preprocessed image, as timm's
// VisionTransformer and its Block:
//   patch embedding, prefix tokens ([class][distillation][registers]) and position embedding
//   (norm_pre after it for pre-norm CLIP towers);
//   per block: x = x + ls1 * proj(attn(LN1(x))); ToMe merge (r for this block, clamped);
//              x = x + ls2 * fc2(act(fc1(LN2(x))))   (ls = 1 without layer scale)
//   then timm's head: the normed class token (DeiT distilled: mean of the class head and the
//   distillation head), or fc_norm of the mean of the tokens after the prefix (avg pool); a
//   model without a head returns that pooled vector as its features.
import type { ForwardResult } from '../core/backend';
import { isHeadless, numPatches, prefixTokens, tokenLayout, type ModelConfig } from '../model/config';
import {
  canonicalGroups,
  choicesConflict,
  choicesOf,
  clampR,
  initialTokenOfPatch,
  rPerLayer,
  tokenCounts,
  unofficialChoices,
  type ToMeOptions,
} from '../core/tome';
import { softmax, topK } from '../core/prediction';
import { tensor, type ViTWeights } from '../model/weights';
import { addInPlace, addScaledInPlace, attention, classifierHead, geluInPlace, layerNorm, linear, meanTokens, patchEmbed, quickGeluInPlace } from './ops';
import { applyMerge, bipartiteMatch, type MergePlan } from './tome';
import { applyGroups, choiceStep, metricFeatures } from './tome-choices';

/** What one block did, for tests and for checking the GPU engine's merges step by step. */
export interface BlockTrace {
  block: number;
  /** The block's merge plan; null when its (clamped) r is 0 or the matching is not bipartite. */
  plan: MergePlan | null;
  /** Token sizes after the block (patches each token stands for, prefix tokens counting 1). */
  size: Float32Array;
}

/** The prefix tokens in timm's order: class, distillation, registers. */
function prefixRows(c: ModelConfig, w: (name: string) => Float32Array): Float32Array {
  const parts = [c.classToken && w('cls_token'), c.distilled && w('dist_token'), c.registers > 0 && w('reg_token')].filter((p): p is Float32Array => !!p);
  const out = new Float32Array(prefixTokens(c) * c.embedDim);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function forward(weights: ViTWeights, input: Float32Array, opts: ToMeOptions, onBlock?: (trace: BlockTrace) => void): ForwardResult {
  const c = weights.config;
  const w = (name: string) => tensor(weights, name);
  const D = c.embedDim;
  const hd = D / c.numHeads;
  const P = numPatches(c);
  const layout = tokenLayout(c);
  const rs = rPerLayer(c.depth, opts.r, opts.schedule);
  const residual = (x: Float32Array, y: Float32Array, gamma: string) => (c.layerScale ? addScaledInPlace(x, y, w(gamma)) : addInPlace(x, y));
  const act = c.act === 'quickgelu' ? quickGeluInPlace : geluInPlace;
  const conflict = choicesConflict(opts);
  if (conflict) throw new Error(conflict);
  // The official choices take the official code path (./tome.ts), bit for bit as before.
  const official = unofficialChoices(opts).length === 0;
  const choices = choicesOf(opts);

  let T = P + prefixTokens(c);
  let x: Float32Array = patchEmbed(
    input,
    c.imgSize,
    c.patchSize,
    w('patch_embed.proj.weight'),
    c.preNorm ? null : w('patch_embed.proj.bias'),
    prefixRows(c, w),
    w('pos_embed'),
    D,
  );
  if (c.preNorm) x = layerNorm(x, T, D, w('norm_pre.weight'), w('norm_pre.bias'), c.eps);
  let size: Float32Array = new Float32Array(T).fill(1);
  let tokenOfPatch: Int32Array = initialTokenOfPatch(P, layout);
  const tokens = [T];
  const maps: Int32Array[] = [];

  for (let i = 0; i < c.depth; i++) {
    const b = `blocks.${i}.`;
    const h = layerNorm(x, T, D, w(b + 'norm1.weight'), w(b + 'norm1.bias'), c.eps);
    const qkv = linear(h, T, D, w(b + 'attn.qkv.weight'), w(b + 'attn.qkv.bias'), 3 * D);
    // Proportional attention: a token standing for n patches gets log(n) on its logits as a key
    // (registers, never merged, keep log 1 = 0).
    const logSize = opts.propAttn ? size.map(Math.log) : null;
    const { out, metric } = attention(qkv, T, D, c.numHeads, logSize);
    residual(x, linear(out, T, D, w(b + 'attn.proj.weight'), w(b + 'attn.proj.bias'), D), b + 'ls1.gamma');

    const r = clampR(rs[i], T, layout);
    let plan: MergePlan | null = null;
    if (r > 0 && official) {
      plan = bipartiteMatch(metric, T, hd, r, layout);
      ({ x, size, tokenOfPatch, T } = applyMerge(x, T, D, size, tokenOfPatch, plan, opts.mode));
    } else if (r > 0) {
      const { features, C } = metricFeatures(choices, qkv, x, T, D, c.numHeads, metric);
      const step = choiceStep(features, C, T, r, layout, choices, i, opts.mode);
      plan = step.plan;
      ({ x, size, tokenOfPatch, T } = applyGroups(x, T, D, size, tokenOfPatch, step, choices.weighting));
    }

    const h2 = layerNorm(x, T, D, w(b + 'norm2.weight'), w(b + 'norm2.bias'), c.eps);
    const hidden = act(linear(h2, T, D, w(b + 'mlp.fc1.weight'), w(b + 'mlp.fc1.bias'), c.mlpHidden));
    residual(x, linear(hidden, T, c.mlpHidden, w(b + 'mlp.fc2.weight'), w(b + 'mlp.fc2.bias'), D), b + 'ls2.gamma');
    tokens.push(T);
    maps.push(tokenOfPatch.slice());
    onBlock?.({ block: i, plan, size: size.slice() });
  }

  const expected = tokenCounts(P, rs, layout);
  if (tokens.some((t, i) => t !== expected[i])) throw new Error(`forward: token counts ${tokens} differ from the schedule's ${expected}`);

  const common = { tokens, tokenOfPatch: maps, groups: canonicalGroups(tokenOfPatch) };
  if (isHeadless(c)) {
    // forward_features' output: the final norm over every token, or the tokens as they are when the norm comes after the pool.
    const tokenFeatures = c.globalPool === 'avg' ? x.slice() : layerNorm(x, T, D, w('norm.weight'), w('norm.bias'), c.eps);
    return { logits: new Float32Array(0), probs: new Float32Array(0), top5: [], features: pooled(c, w, x, T), tokenFeatures, ...common };
  }
  const logits = head(c, w, x, T);
  const probs = softmax(logits);
  return { logits, probs, top5: topK(probs, 5), ...common };
}

/** timm's forward_head with pre_logits: the normed class token, or fc_norm of the plain mean of
 * the tokens after the prefix (merged tokens counting once each, as the official patch leaves it). */
function pooled(c: ModelConfig, w: (name: string) => Float32Array, x: Float32Array, T: number): Float32Array {
  const D = c.embedDim;
  if (c.globalPool === 'avg') return layerNorm(meanTokens(x, T, D, prefixTokens(c)), 1, D, w('fc_norm.weight'), w('fc_norm.bias'), c.eps);
  return layerNorm(x.subarray(0, D), 1, D, w('norm.weight'), w('norm.bias'), c.eps);
}

/** timm's forward_head after the blocks (and its final norm) for each supported pooling. */
function head(c: ModelConfig, w: (name: string) => Float32Array, x: Float32Array, T: number): Float32Array {
  const D = c.embedDim;
  const logits = linear(pooled(c, w, x, T), 1, D, w('head.weight'), w('head.bias'), c.numClasses);
  if (!c.distilled) return logits;
  // The final norm is per token, so norming the distillation token alone is timm's norm(x)[:, 1].
  const dist = classifierHead(x.subarray(D), D, w('norm.weight'), w('norm.bias'), c.eps, w('head_dist.weight'), w('head_dist.bias'), c.numClasses);
  return logits.map((v, i) => (v + dist[i]) / 2);
}
