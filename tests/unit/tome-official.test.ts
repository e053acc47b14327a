// The CPU reference on every family (DeiT distilled, avg pool, layer scale, pre-norm, QuickGELU,
// registers, no class token, no head) against an independent computation of the official rules
// and of the four rules of ../shared/golden-archs/README.md, written here in the style of
// tome/merge.py + tome/patch/timm.py + timm's VisionTransformer on whole token matrices (slices,
// gather, scatter-add, cat) without src/reference/tome.ts or the shared schedule helpers. The
// layers themselves (LayerNorm, qkv, attention, MLP) come from src/reference/ops.ts, which the
// golden tests cover; the prefix tokens, merging, token order, sources, pooling and heads are all
// re-derived here.
import { describe, expect, it } from 'vitest';
import { addInPlace, attention, geluInPlace, layerNorm, linear, patchEmbed, quickGeluInPlace } from '../../src/reference/ops';
import { forward } from '../../src/reference/vit';
import { numPatches, type ModelConfig } from '../../src/model/config';
import { tensor, type ViTWeights } from '../../src/model/weights';
import { randomArray, randomViT } from '../support/random';

type Mat = number[][]; // [tokens][channels]

const matOf = (flat: ArrayLike<number>, T: number, C: number): Mat => Array.from({ length: T }, (_, t) => Array.from({ length: C }, (_, c) => flat[t * C + c]));
const flatOf = (m: Mat): Float32Array => Float32Array.from(m.flat());
const every = (m: Mat, start: number) => m.filter((_, i) => i % 2 === start); // x[..., start::2, :]
const gather = (m: Mat, idx: number[]) => idx.map((i) => m[i].slice());

/** tome.utils.parse_r: an int r, or (r, inflect) for the decreasing schedule (inflect -1). */
function parseR(numLayers: number, r: number, inflect: number): number[] {
  const minVal = Math.trunc(r * (1 - inflect));
  const maxVal = 2 * r - minVal;
  const step = (maxVal - minVal) / (numLayers - 1);
  return Array.from({ length: numLayers }, (_, i) => Math.trunc(minVal + step * i));
}

type Merge = (x: Mat, mode: 'sum' | 'amax') => Mat;

/** tome.merge.bipartite_soft_matching (class_token and distill_token as the patch passes them). */
function bipartiteSoftMatching(metric: Mat, r: number, classToken: boolean, distillToken: boolean): Merge | null {
  const protectedTokens = (classToken ? 1 : 0) + (distillToken ? 1 : 0);
  const t = metric.length;
  r = Math.min(r, Math.floor((t - protectedTokens) / 2));
  if (r <= 0) return null;
  const norm = metric.map((row) => {
    const n = Math.hypot(...row);
    return row.map((v) => v / n);
  });
  const a = every(norm, 0);
  const b = every(norm, 1);
  const scores = a.map((ra) => b.map((rb) => ra.reduce((s, v, i) => s + v * rb[i], 0)));
  if (classToken) scores[0] = scores[0].map(() => -Infinity); // scores[..., 0, :] = -inf: cls is never a source
  if (distillToken) for (const row of scores) row[0] = -Infinity; // scores[..., :, 0]: B_0 never a destination
  const nodeMax = scores.map((row) => Math.max(...row));
  const nodeIdx = scores.map((row, i) => row.indexOf(nodeMax[i]));
  // argsort descending; equal scores (none with random data) by the lower index
  const edgeIdx = nodeMax.map((_, i) => i).sort((x, y) => nodeMax[y] - nodeMax[x] || x - y);
  const unmIdx = classToken ? edgeIdx.slice(r).sort((x, y) => x - y) : edgeIdx.slice(r); // sorted only with a class token
  const srcIdx = edgeIdx.slice(0, r);
  const dstIdx = srcIdx.map((i) => nodeIdx[i]);
  return (x, mode) => {
    const unm = gather(every(x, 0), unmIdx);
    const src = gather(every(x, 0), srcIdx);
    const dst = every(x, 1).map((row) => row.slice());
    src.forEach((row, k) => {
      const d = dst[dstIdx[k]];
      row.forEach((v, c) => (d[c] = mode === 'sum' ? d[c] + v : Math.max(d[c], v)));
    });
    return distillToken ? [...unm.slice(0, 1), ...dst.slice(0, 1), ...unm.slice(1), ...dst.slice(1)] : [...unm, ...dst];
  };
}

/** Rule 2 of golden-archs: the registers (rows [at, at + n)) take no part: the merge runs on the
 * other rows, and the registers go back in place. */
function withoutRegisters(merge: Merge, at: number, n: number): Merge {
  return (x, mode) => {
    const out = merge([...x.slice(0, at), ...x.slice(at + n)], mode);
    return [...out.slice(0, at), ...x.slice(at, at + n).map((row) => row.slice()), ...out.slice(at)];
  };
}

/** tome.merge.merge_wavg: size-weighted average, sizes summed. */
function mergeWavg(merge: Merge, x: Mat, size: number[]): { x: Mat; size: number[] } {
  const merged = merge(
    x.map((row, i) => row.map((v) => v * size[i])),
    'sum',
  );
  const newSize = merge(
    size.map((s) => [s]),
    'sum',
  ).map((row) => row[0]);
  return { x: merged.map((row, i) => row.map((v) => v / newSize[i])), size: newSize };
}

interface Official {
  tokens: number[];
  /** Logits, or the pooled features of a model without a head. */
  output: Float32Array;
  /** Token of each patch after each block, read from the traced sources. */
  tokenOfPatch: number[][];
}

/** ToMe-patched timm VisionTransformer / VisionTransformerDistilled forward, one image. */
function officialForward(w: ViTWeights, image: Float32Array, r: number, inflect: number, propAttn: boolean): Official {
  const c = w.config;
  const t = (name: string) => tensor(w, name);
  const D = c.embedDim;
  const P = numPatches(c);
  const protectedTokens = (c.classToken ? 1 : 0) + (c.distilled ? 1 : 0);
  const prefix = protectedTokens + c.registers;
  // Patch embeddings alone (patchEmbed without prefix and with a zero position), then timm's
  // _pos_embed: cat(cls, dist, reg, patches) + pos_embed, or pos_embed on the patches first
  // (no_embed_class); then norm_pre.
  const patches = matOf(
    patchEmbed(
      image,
      c.imgSize,
      c.patchSize,
      t('patch_embed.proj.weight'),
      c.preNorm ? null : t('patch_embed.proj.bias'),
      new Float32Array(0),
      new Float32Array(P * D),
      D,
    ),
    P,
    D,
  );
  const prefixRows: Mat = [
    ...(c.classToken ? [Array.from(t('cls_token'))] : []),
    ...(c.distilled ? [Array.from(t('dist_token'))] : []),
    ...matOf(c.registers ? t('reg_token') : [], c.registers, D),
  ];
  const pos = matOf(t('pos_embed'), c.noEmbedClass ? P : P + prefix, D);
  const plus = (a: number[], b: number[]) => a.map((v, j) => v + b[j]);
  let x: Mat = c.noEmbedClass ? [...prefixRows, ...patches.map((row, i) => plus(row, pos[i]))] : [...prefixRows, ...patches].map((row, i) => plus(row, pos[i]));
  if (c.preNorm) x = matOf(layerNorm(flatOf(x), x.length, D, t('norm_pre.weight'), t('norm_pre.bias'), c.eps), x.length, D);
  // timm's LayerScale: x * gamma, then the residual add.
  const residual = (xf: Float32Array, y: Float32Array, gamma: string) => addInPlace(xf, c.layerScale ? y.map((v, i) => v * t(gamma)[i % D]) : y);
  let size = x.map(() => 1);
  let source: Mat = x.map((_, i) => x.map((_, j) => (i === j ? 1 : 0)));
  const rs = parseR(c.depth, r, inflect);
  const tokens = [x.length];
  const tokenOfPatch: number[][] = [];
  for (let l = 0; l < c.depth; l++) {
    const b = `blocks.${l}.`;
    let T = x.length;
    const xf = flatOf(x);
    const qkv = linear(layerNorm(xf, T, D, t(b + 'norm1.weight'), t(b + 'norm1.bias'), c.eps), T, D, t(b + 'attn.qkv.weight'), t(b + 'attn.qkv.bias'), 3 * D);
    const att = attention(qkv, T, D, c.numHeads, propAttn ? Float32Array.from(size, Math.log) : null);
    residual(xf, linear(att.out, T, D, t(b + 'attn.proj.weight'), t(b + 'attn.proj.bias'), D), b + 'ls1.gamma');
    x = matOf(xf, T, D);
    const metric = matOf(att.metric, T, D / c.numHeads);
    const matched = [...metric.slice(0, protectedTokens), ...metric.slice(prefix)];
    const inner = bipartiteSoftMatching(matched, rs[l], c.classToken, c.distilled);
    const merge = inner && withoutRegisters(inner, protectedTokens, c.registers);
    if (merge) {
      source = merge(source, 'amax');
      ({ x, size } = mergeWavg(merge, x, size));
    }
    T = x.length;
    const xm = flatOf(x);
    const fc1 = linear(
      layerNorm(xm, T, D, t(b + 'norm2.weight'), t(b + 'norm2.bias'), c.eps),
      T,
      D,
      t(b + 'mlp.fc1.weight'),
      t(b + 'mlp.fc1.bias'),
      c.mlpHidden,
    );
    const hidden = c.act === 'quickgelu' ? quickGeluInPlace(fc1) : geluInPlace(fc1);
    residual(xm, linear(hidden, T, c.mlpHidden, t(b + 'mlp.fc2.weight'), t(b + 'mlp.fc2.bias'), D), b + 'ls2.gamma');
    x = matOf(xm, T, D);
    tokens.push(T);
    tokenOfPatch.push(Array.from({ length: P }, (_, p) => source.findIndex((row) => row[prefix + p] > 0)));
  }
  return { tokens, output: forwardHead(w, x), tokenOfPatch };
}

/** timm forward_features' final norm + forward_head, as the ToMe patch leaves them; without a
 * head, forward_head(pre_logits=True). */
function forwardHead(w: ViTWeights, x: Mat): Float32Array {
  const c = w.config;
  const t = (name: string) => tensor(w, name);
  const D = c.embedDim;
  const headOf = (row: Float32Array, name: string) => (c.numClasses ? linear(row, 1, D, t(name + '.weight'), t(name + '.bias'), c.numClasses) : row);
  if (c.globalPool === 'avg') {
    // norm is Identity; x[:, num_prefix_tokens:].mean(dim=1), then fc_norm, then head
    const rest = x.slice((c.classToken ? 1 : 0) + (c.distilled ? 1 : 0) + c.registers);
    const mean = Float32Array.from({ length: D }, (_, d) => rest.reduce((s, row) => s + row[d], 0) / rest.length);
    return headOf(layerNorm(mean, 1, D, t('fc_norm.weight'), t('fc_norm.bias'), c.eps), 'head');
  }
  const normed = matOf(layerNorm(flatOf(x), x.length, D, t('norm.weight'), t('norm.bias'), c.eps), x.length, D);
  const cls = headOf(Float32Array.from(normed[0]), 'head');
  if (!c.distilled) return cls;
  const dist = headOf(Float32Array.from(normed[1]), 'head_dist');
  return cls.map((v, i) => (v + dist[i]) / 2);
}

const MODELS: Array<[string, Partial<ModelConfig>]> = [
  ['distilled, grid 4 (18 tokens)', { distilled: true, imgSize: 16, patchSize: 4, depth: 4 }],
  ['distilled, grid 5 (27 tokens)', { distilled: true, imgSize: 20, patchSize: 4, depth: 3 }],
  ['avg pool + fc_norm, grid 4 (17 tokens)', { globalPool: 'avg', imgSize: 16, patchSize: 4, depth: 4 }],
  ['avg pool + fc_norm, grid 5 (26 tokens)', { globalPool: 'avg', imgSize: 20, patchSize: 4, depth: 3 }],
  ['plain class token, grid 5', { imgSize: 20, patchSize: 4, depth: 3 }],
  ['layer scale, pos_embed over the patches (DeiT III), grid 5', { layerScale: true, noEmbedClass: true, imgSize: 20, patchSize: 4, depth: 3 }],
  ['pre-norm + QuickGELU + eps 1e-5 (CLIP), grid 4', { preNorm: true, act: 'quickgelu', eps: 1e-5, imgSize: 16, patchSize: 4, depth: 3 }],
  [
    '4 registers, no class token, avg pool (reg4 gap), grid 5 (29 tokens)',
    { classToken: false, registers: 4, noEmbedClass: true, layerScale: true, globalPool: 'avg', imgSize: 20, patchSize: 4, depth: 3 },
  ],
  [
    '1 register, no class token, avg pool, grid 4 (17 tokens)',
    { classToken: false, registers: 1, noEmbedClass: true, globalPool: 'avg', imgSize: 16, patchSize: 4, depth: 4 },
  ],
  [
    'class token + 4 registers, no head (DINOv2 reg4), grid 5',
    { registers: 4, noEmbedClass: true, layerScale: true, numClasses: 0, imgSize: 20, patchSize: 4, depth: 3 },
  ],
  ['class token + 2 registers with pos_embed rows, grid 4', { registers: 2, imgSize: 16, patchSize: 4, depth: 4 }],
  ['plain, no head, grid 5', { numClasses: 0, imgSize: 20, patchSize: 4, depth: 3 }],
];

const SETTINGS: Array<[number, 'constant' | 'decreasing', boolean]> = [
  [0, 'constant', true],
  [1, 'constant', true],
  [3, 'constant', false],
  [5, 'constant', true],
  [100, 'constant', true], // far past the clamp: (T - protected) // 2 every block
  [3, 'decreasing', true],
  [6, 'decreasing', false],
];

describe('CPU reference vs the official ToMe rules (independent, merge.py style)', () => {
  describe.each(MODELS)('%s', (_, over) => {
    const weights = randomViT({ embedDim: 16, numHeads: 2, mlpHidden: 32, numClasses: 7, ...over }, 77);
    const images = [1, 2].map((seed) => randomArray(3 * weights.config.imgSize ** 2, seed));
    it.each(SETTINGS)('r=%i %s propAttn=%s: tokens, output, groups', (r, schedule, propAttn) => {
      for (const image of images) {
        const official = officialForward(weights, image, r, schedule === 'decreasing' ? -1 : 0, propAttn);
        const ours = forward(weights, image, { r, schedule, propAttn, mode: 'merge' });
        expect(ours.tokens).toEqual(official.tokens);
        expect(ours.tokenOfPatch.map((m) => Array.from(m))).toEqual(official.tokenOfPatch);
        const output = weights.config.numClasses ? ours.logits : ours.features!;
        expect(output.length).toBe(official.output.length);
        for (let i = 0; i < official.output.length; i++) expect(output[i]).toBeCloseTo(official.output[i], 4);
      }
    });
  });

  it('really merges in the cases above (the comparison is not vacuous)', () => {
    const w = randomViT({ embedDim: 16, numHeads: 2, mlpHidden: 32, numClasses: 7, distilled: true, imgSize: 16, patchSize: 4, depth: 4 }, 77);
    const official = officialForward(w, randomArray(3 * 16 * 16, 1), 100, 0, true);
    // 18 tokens, two protected: (18 - 2) // 2 = 8 merged, then 5, 3, 1.
    expect(official.tokens).toEqual([18, 10, 6, 4, 3]);
    expect(new Set(official.tokenOfPatch[3]).size).toBe(1); // one token holds every patch
  });

  it('without a class token every A token may merge, and r is clamped to half the matched tokens (registers not counted)', () => {
    const over = { classToken: false, registers: 4, noEmbedClass: true, globalPool: 'avg' as const, imgSize: 20, patchSize: 4, depth: 3 };
    const w = randomViT({ embedDim: 16, numHeads: 2, mlpHidden: 32, numClasses: 7, ...over }, 77);
    const official = officialForward(w, randomArray(3 * 20 * 20, 1), 100, 0, true);
    // 4 registers + 25 patches: 25 // 2 = 12 merged, then 13 // 2 = 6, then 3.
    expect(official.tokens).toEqual([29, 17, 11, 8]);
    const ours = forward(w, randomArray(3 * 20 * 20, 1), { r: 100, schedule: 'constant', propAttn: true, mode: 'merge' });
    expect(ours.tokens).toEqual([29, 17, 11, 8]);
  });

  it('keeps the registers in place, each standing for no patch', () => {
    const w = randomViT({ embedDim: 16, numHeads: 2, mlpHidden: 32, numClasses: 0, registers: 4, noEmbedClass: true, imgSize: 20, patchSize: 4, depth: 3 }, 5);
    const res = forward(w, randomArray(3 * 20 * 20, 3), { r: 100, schedule: 'constant', propAttn: true, mode: 'merge' });
    // cls + 4 registers + 25 patches: (26 - 1) // 2 = 12 merged, then (14 - 1) // 2 = 6, then 3.
    expect(res.tokens).toEqual([30, 18, 12, 9]);
    for (const map of res.tokenOfPatch) for (const t of [0, 1, 2, 3, 4]) expect(map).not.toContain(t);
    expect(res.top5).toEqual([]);
    expect(res.logits.length).toBe(0);
    expect(res.features!.length).toBe(16);
  });

  it('keeps the distillation token at index 1 standing for itself alone', () => {
    const w = randomViT({ embedDim: 16, numHeads: 2, mlpHidden: 32, numClasses: 7, distilled: true, imgSize: 20, patchSize: 4, depth: 3 }, 5);
    const res = forward(w, randomArray(3 * 20 * 20, 3), { r: 100, schedule: 'constant', propAttn: true, mode: 'merge' });
    for (const map of res.tokenOfPatch) {
      expect(map).not.toContain(0);
      expect(map).not.toContain(1);
    }
  });
});
