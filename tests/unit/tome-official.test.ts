// The CPU reference on DeiT-distilled and avg-pool ViTs against an independent computation of
// the official rules, written here in the style of tome/merge.py + tome/patch/timm.py on whole
// token matrices (slices, gather, scatter-add, cat) without src/reference/tome.ts or the shared
// schedule helpers. The layers themselves (LayerNorm, qkv, attention, MLP) come from
// src/reference/ops.ts, which the golden tests cover; the prefix tokens, merging, token order,
// sources, pooling and heads are all re-derived here.
import { describe, expect, it } from 'vitest';
import { addInPlace, attention, geluInPlace, layerNorm, linear, patchEmbed } from '../../src/reference/ops';
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

/** tome.merge.bipartite_soft_matching with class_token = true. */
function bipartiteSoftMatching(metric: Mat, r: number, distillToken: boolean): Merge | null {
  const protectedTokens = 1 + (distillToken ? 1 : 0);
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
  scores[0] = scores[0].map(() => -Infinity); // scores[..., 0, :] = -inf: cls is never a source
  if (distillToken) for (const row of scores) row[0] = -Infinity; // scores[..., :, 0]: B_0 never a destination
  const nodeMax = scores.map((row) => Math.max(...row));
  const nodeIdx = scores.map((row, i) => row.indexOf(nodeMax[i]));
  // argsort descending; equal scores (none with random data) by the lower index
  const edgeIdx = nodeMax.map((_, i) => i).sort((x, y) => nodeMax[y] - nodeMax[x] || x - y);
  const unmIdx = edgeIdx.slice(r).sort((x, y) => x - y); // sorted so the class token stays first
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
  logits: Float32Array;
  /** Token of each patch after each block, read from the traced sources. */
  tokenOfPatch: number[][];
}

/** ToMe-patched timm VisionTransformer / VisionTransformerDistilled forward, one image. */
function officialForward(w: ViTWeights, image: Float32Array, r: number, inflect: number, propAttn: boolean): Official {
  const c = w.config;
  const t = (name: string) => tensor(w, name);
  const D = c.embedDim;
  const P = numPatches(c);
  const prefix = c.distilled ? 2 : 1;
  // Patch embeddings alone (rows 1.. of patchEmbed with a zero class token and position), then
  // timm's _pos_embed: cat(cls, dist, patches) + pos_embed.
  const patches = patchEmbed(
    image,
    c.imgSize,
    c.patchSize,
    t('patch_embed.proj.weight'),
    t('patch_embed.proj.bias'),
    new Float32Array(D),
    new Float32Array((P + 1) * D),
    D,
  );
  const pos = matOf(t('pos_embed'), P + prefix, D);
  let x: Mat = [Array.from(t('cls_token')), ...(c.distilled ? [Array.from(t('dist_token'))] : []), ...matOf(patches.subarray(D), P, D)].map((row, i) =>
    row.map((v, j) => v + pos[i][j]),
  );
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
    addInPlace(xf, linear(att.out, T, D, t(b + 'attn.proj.weight'), t(b + 'attn.proj.bias'), D));
    x = matOf(xf, T, D);
    const merge = bipartiteSoftMatching(matOf(att.metric, T, D / c.numHeads), rs[l], c.distilled);
    if (merge) {
      source = merge(source, 'amax');
      ({ x, size } = mergeWavg(merge, x, size));
    }
    T = x.length;
    const xm = flatOf(x);
    const hidden = geluInPlace(
      linear(layerNorm(xm, T, D, t(b + 'norm2.weight'), t(b + 'norm2.bias'), c.eps), T, D, t(b + 'mlp.fc1.weight'), t(b + 'mlp.fc1.bias'), c.mlpHidden),
    );
    addInPlace(xm, linear(hidden, T, c.mlpHidden, t(b + 'mlp.fc2.weight'), t(b + 'mlp.fc2.bias'), D));
    x = matOf(xm, T, D);
    tokens.push(T);
    tokenOfPatch.push(Array.from({ length: P }, (_, p) => source.findIndex((row) => row[prefix + p] > 0)));
  }
  return { tokens, logits: forwardHead(w, x), tokenOfPatch };
}

/** timm forward_features' final norm + forward_head, as the ToMe patch leaves them. */
function forwardHead(w: ViTWeights, x: Mat): Float32Array {
  const c = w.config;
  const t = (name: string) => tensor(w, name);
  const D = c.embedDim;
  const headOf = (row: Float32Array, name: string) => linear(row, 1, D, t(name + '.weight'), t(name + '.bias'), c.numClasses);
  if (c.globalPool === 'avg') {
    // norm is Identity; x[:, num_prefix_tokens:].mean(dim=1), then fc_norm, then head
    const rest = x.slice(c.distilled ? 2 : 1);
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
    it.each(SETTINGS)('r=%i %s propAttn=%s: tokens, logits, groups', (r, schedule, propAttn) => {
      for (const image of images) {
        const official = officialForward(weights, image, r, schedule === 'decreasing' ? -1 : 0, propAttn);
        const ours = forward(weights, image, { r, schedule, propAttn, mode: 'merge' });
        expect(ours.tokens).toEqual(official.tokens);
        expect(ours.tokenOfPatch.map((m) => Array.from(m))).toEqual(official.tokenOfPatch);
        for (let i = 0; i < official.logits.length; i++) expect(ours.logits[i]).toBeCloseTo(official.logits[i], 4);
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

  it('keeps the distillation token at index 1 standing for itself alone', () => {
    const w = randomViT({ embedDim: 16, numHeads: 2, mlpHidden: 32, numClasses: 7, distilled: true, imgSize: 20, patchSize: 4, depth: 3 }, 5);
    const res = forward(w, randomArray(3 * 20 * 20, 3), { r: 100, schedule: 'constant', propAttn: true, mode: 'merge' });
    for (const map of res.tokenOfPatch) {
      expect(map).not.toContain(0);
      expect(map).not.toContain(1);
    }
  });
});
