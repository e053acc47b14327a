// Each WGSL kernel against the CPU reference (src/reference), on the real ViT-Ti / DeiT shapes and on
// small odd ones (row counts not multiples of the tile, odd token counts, r at its clamp,
// batch > 1), with one prefix token (cls) and two (cls + distillation token).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attention as cpuAttention,
  geluInPlace,
  layerNorm as cpuLayerNorm,
  linear,
  meanTokens,
  patchEmbed as cpuPatchEmbed,
  quickGeluInPlace,
} from '../../src/reference/ops';
import { softmax, topK } from '../../src/core/prediction';
import { applyMerge, bipartiteMatch } from '../../src/reference/tome';
import { distilledHead, packLinear } from '../../src/gpu/gpu-weights';
import { compileKernel, EPILOGUES, matmulKernels, MATMUL_VARIANTS, tomeChoiceFields, tomePrefixFields } from '../../src/gpu/kernels';
import { loadShaderSources, type ShaderSources } from '../../src/gpu/shader-source';
import { clampR, initialTokenOfPatch, type MergeMode } from '../../src/core/tome';
import { CLASS_TOKEN_ONLY, type TokenLayout } from '../../src/model/config';
import { kernelCache, maxAbsDiff, runKernel, testDevice } from './gpu-harness';
import { randomArray } from '../support/random';

let device: GPUDevice;
let src: ShaderSources;
// The largest token count below (DINOv2 reg4 at 518 px: 1374): sizes the ToMe kernels' workgroup arrays.
const MAX_TOKENS = 1374;
const DISTILLED: TokenLayout = { classToken: true, distToken: true, registers: 0 };
const kernels = kernelCache(
  () => device,
  () => src,
  MAX_TOKENS,
);

beforeAll(async () => {
  ({ device } = await testDevice());
  src = await loadShaderSources();
});
afterAll(() => device?.destroy());

describe('patch embedding', () => {
  // prefix: tokens before the patches ([cls][dist][registers]); patchesOnly: pos_embed covers
  // the patches only (no_embed_class), which the engine uploads as zero rows for the prefix;
  // noBias: a pre-norm (CLIP) tower's conv, uploaded with a zero bias.
  const cases: Array<{ D: number; ps: number; img: number; batch: number; prefix: number; patchesOnly?: boolean; noBias?: boolean; name?: string }> = [
    { D: 192, ps: 16, img: 224, batch: 1, prefix: 1, name: 'ViT-Ti' },
    { D: 384, ps: 16, img: 224, batch: 1, prefix: 2, name: 'DeiT-S distilled: cls + dist' },
    { D: 24, ps: 4, img: 20, batch: 2, prefix: 1 }, // 25 patches: not a multiple of the 4-patch tile
    { D: 24, ps: 4, img: 20, batch: 3, prefix: 2 },
    { D: 8, ps: 3, img: 9, batch: 3, prefix: 1 }, // odd patch size, 9 patches
    { D: 384, ps: 16, img: 224, batch: 1, prefix: 1, patchesOnly: true, name: 'DeiT III' },
    { D: 768, ps: 32, img: 224, batch: 1, prefix: 1, noBias: true, name: 'CLIP B/32' },
    { D: 384, ps: 14, img: 518, batch: 1, prefix: 5, patchesOnly: true, name: 'DINOv2 reg4: cls + 4 registers' },
    { D: 24, ps: 4, img: 20, batch: 2, prefix: 4, patchesOnly: true, name: 'reg4 gap: 4 registers, no class token' },
    { D: 8, ps: 3, img: 9, batch: 2, prefix: 0, noBias: true, name: 'no prefix token' },
  ];
  for (const { D, ps, img, batch, prefix, patchesOnly, noBias, name } of cases) {
    const what = `${name ?? `D=${D} patch ${ps} image ${img}`} batch=${batch} prefix tokens ${prefix}${patchesOnly ? ', pos_embed over the patches' : ''}${noBias ? ', no bias' : ''}`;
    it(`${what} matches patchEmbed()`, async () => {
      const k = await kernels(64);
      const grid = img / ps;
      const P = grid * grid;
      const T0 = P + prefix;
      const K = 3 * ps * ps;
      const image = randomArray(batch * 3 * img * img, img + D, 2);
      const weight = randomArray(D * K, 8 + ps, 0.2);
      const bias = noBias ? null : randomArray(D, 9, 0.5);
      const prefixRows = randomArray(prefix * D, 10, 1);
      const pos = randomArray((patchesOnly ? P : T0) * D, 11, 1);
      const extra = new Float32Array([...prefixRows, ...(patchesOnly ? new Float32Array(prefix * D) : []), ...pos]);
      const u = { D, ps, grid, img, batch, prefix };
      const w = packLinear(weight, bias ?? new Float32Array(D), D, K).data;
      const out = await runKernel(device, k.patchEmbed, u, { image, w, extra, y: new Float32Array(batch * T0 * D) });
      for (let b = 0; b < batch; b++) {
        const want = cpuPatchEmbed(image.subarray(b * 3 * img * img, (b + 1) * 3 * img * img), img, ps, weight, bias, prefixRows, pos, D);
        expect(maxAbsDiff(new Float32Array(out.y, b * T0 * D * 4, T0 * D), want)).toBeLessThan(2e-5 * Math.sqrt(K));
      }
    });
  }
});

describe('classifier of a distilled model: both heads as one matmul over [cls, dist]', () => {
  for (const { C, D, batch } of [
    { C: 1000, D: 384, batch: 1 }, // DeiT-S distilled
    { C: 10, D: 24, batch: 3 },
  ]) {
    it(`C=${C} D=${D} batch=${batch} equals (head(cls) + head_dist(dist)) / 2 of the CPU reference`, async () => {
      const k = await kernels(64);
      const head = randomArray(C * D, 21, 0.2);
      const headBias = randomArray(C, 22, 0.5);
      const dist = randomArray(C * D, 23, 0.2);
      const distBias = randomArray(C, 24, 0.5);
      // What the final norm writes: each image's normed cls and dist rows side by side.
      const rows = randomArray(batch * 2 * D, 25, 2);
      const both = distilledHead(head, headBias, dist, distBias, C, D);
      const packed = packLinear(both.weight, both.bias, C, 2 * D);
      const out = await runKernel(
        device,
        k.matmul.bias,
        { M: batch, N: packed.Np, K: 2 * D },
        { x: rows, w: packed.data, y: new Float32Array(batch * packed.Np) },
      );
      const got = new Float32Array(out.y);
      // The rows are already normed here: the reference is the two linear layers averaged.
      for (let b = 0; b < batch; b++) {
        const cls = rows.subarray(b * 2 * D, b * 2 * D + D);
        const dst = rows.subarray(b * 2 * D + D, (b + 1) * 2 * D);
        const a = linear(cls, 1, D, head, headBias, C);
        const d = linear(dst, 1, D, dist, distBias, C);
        const want = a.map((v, i) => (v + d[i]) / 2);
        expect(maxAbsDiff(got.subarray(b * packed.Np, b * packed.Np + C), want)).toBeLessThan(2e-5 * Math.sqrt(2 * D));
      }
    });
  }
});

describe('average pooling', () => {
  const cases: Array<{ T: number; D: number; prefix: number; batch: number }> = [
    { T: 197, D: 192, prefix: 1, batch: 1 }, // ViT-Ti at r = 0
    { T: 41, D: 192, prefix: 1, batch: 2 }, // ViT-Ti after r = 13 in every block
    { T: 11, D: 24, prefix: 2, batch: 3 },
    { T: 2, D: 8, prefix: 1, batch: 2 }, // one token left after the prefix
    { T: 260, D: 640, prefix: 4, batch: 1 }, // betwixt reg4 gap: the 4 registers are not pooled
    { T: 43, D: 640, prefix: 4, batch: 2 }, // the same after three merging blocks
  ];
  for (const { T, D, prefix, batch } of cases) {
    it(`T=${T} D=${D} prefix ${prefix} batch=${batch} matches meanTokens()`, async () => {
      const k = await kernels(64);
      const x = randomArray(batch * T * D, T + D, 3);
      const out = await runKernel(device, k.pool, { T, D, prefix, batch }, { x, y: new Float32Array(batch * D) });
      const got = new Float32Array(out.y);
      for (let b = 0; b < batch; b++) {
        const want = meanTokens(x.subarray(b * T * D, (b + 1) * T * D), T, D, prefix);
        expect(maxAbsDiff(got.subarray(b * D, (b + 1) * D), want)).toBeLessThan(1e-5);
      }
    });
  }
});

describe('classifier tail', () => {
  const cases: Array<{ C: number; stride: number; batch: number }> = [
    { C: 1000, stride: 1000, batch: 1 }, // ImageNet
    { C: 10, stride: 12, batch: 3 }, // classes padded to a multiple of 4
  ];
  for (const { C, stride, batch } of cases) {
    it(`C=${C} stride=${stride} batch=${batch} matches softmax() and topK(), ties to the lower index`, async () => {
      const k = await kernels(64);
      // Padding columns hold a huge logit: the kernel must never read them.
      const logits = new Float32Array(batch * stride).fill(1e4);
      for (let b = 0; b < batch; b++) logits.set(randomArray(C, 12 + b, 3), b * stride);
      // A tie for first place in the last image: the lower index comes first.
      const last = (batch - 1) * stride;
      logits[last + 7] = logits[last + 2] = 5;
      const out = await runKernel(device, k.head, { C, batch, stride }, { logits, probs: new Float32Array(batch * stride), top5: new Int32Array(batch * 10) });
      const probs = new Float32Array(out.probs);
      const top5 = new Uint32Array(out.top5);
      const top5Probs = new Float32Array(out.top5);
      for (let b = 0; b < batch; b++) {
        const wantProbs = softmax(logits.subarray(b * stride, b * stride + C));
        expect(maxAbsDiff(probs.subarray(b * stride, b * stride + C), wantProbs)).toBeLessThan(1e-6);
        const want = topK(wantProbs, 5);
        expect(Array.from({ length: 5 }, (_, i) => top5[b * 10 + 2 * i])).toEqual(want.map((t) => t.index));
        expect(
          maxAbsDiff(
            Array.from({ length: 5 }, (_, i) => top5Probs[b * 10 + 2 * i + 1]),
            want.map((t) => t.prob),
          ),
        ).toBeLessThan(1e-6);
      }
      expect([top5[(batch - 1) * 10], top5[(batch - 1) * 10 + 2]]).toEqual([2, 7]);
    });
  }
});

describe('matmul', () => {
  const shapes: Array<[number, number, number]> = [
    [197, 576, 192], // ViT-Ti qkv
    [13, 20, 36], // odd M, K not a multiple of the 32-wide slab, N not of 32
    [1, 1000, 192], // head
  ];
  for (const variant of MATMUL_VARIANTS) {
    for (const epi of EPILOGUES) {
      it(`${variant} ${epi} matches linear()`, async () => {
        const kernel = await compileKernel(device, src, matmulKernels[variant], { epilogue: epi, f16: false });
        for (const [M, N, K] of shapes) {
          const x = randomArray(M * K, 1 + M, 1);
          const w = randomArray(N * K, 2 + N, 0.2);
          const bias = randomArray(N, 3 + K, 0.5);
          const resid = randomArray(M * N, 4, 1);
          const want = linear(x, M, K, w, bias, N);
          if (epi === 'gelu') geluInPlace(want);
          if (epi === 'quickgelu') quickGeluInPlace(want);
          if (epi === 'residual') for (let i = 0; i < want.length; i++) want[i] += resid[i];
          const packed = packLinear(w, bias, N, K).data;
          const y = epi === 'residual' ? resid : new Float32Array(M * N);
          const out = await runKernel(device, kernel, { M, N, K }, { x, w: packed, y });
          expect(maxAbsDiff(new Float32Array(out.y), want, M * N)).toBeLessThan(2e-5 * Math.sqrt(K));
        }
      });
    }
  }
});

describe('layernorm', () => {
  it('matches layerNorm() on full rows, cls-strided rows and cls + dist rows per image', async () => {
    const k = await kernels(64);
    // [output rows, D, input rows per image, rows read per image]
    for (const [rows, D, stride, perImage] of [
      [197, 192, 1, 1],
      [7, 20, 1, 1],
      [3, 192, 5, 1],
      [6, 192, 5, 2], // 3 images of 5 tokens: their cls and dist rows
      [2, 384, 198, 2], // DeiT-S distilled, one image
    ]) {
      const images = rows / perImage;
      const x = randomArray(images * stride * D, rows + D, 3);
      const gamma = randomArray(D, 5, 1);
      const beta = randomArray(D, 6, 1);
      const picked = new Float32Array(rows * D);
      for (let r = 0; r < rows; r++) {
        const from = (Math.floor(r / perImage) * stride + (r % perImage)) * D;
        picked.set(x.subarray(from, from + D), r * D);
      }
      const want = cpuLayerNorm(picked, rows, D, gamma, beta, 1e-6);
      const params = new Float32Array([...gamma, ...beta]);
      const out = await runKernel(device, k.layerNorm, { rows, D, inStride: stride, perImage, eps: 1e-6 }, { x, params, y: new Float32Array(rows * D) });
      expect(maxAbsDiff(new Float32Array(out.y), want)).toBeLessThan(1e-5);
    }
  });
});

describe('attention and metric', () => {
  // chunk: (image, head) pairs per pass, as the engine runs them when a batch's scores do not
  // fit one buffer (the passes run once per chunk from pair bh0 on, on a chunk-sized S).
  const cases: Array<{ T: number; D: number; heads: number; batch: number; prop: boolean; chunk?: number }> = [
    { T: 197, D: 192, heads: 3, batch: 1, prop: true },
    { T: 11, D: 24, heads: 2, batch: 2, prop: true },
    { T: 9, D: 48, heads: 4, batch: 1, prop: false },
    { T: 13, D: 24, heads: 3, batch: 2, prop: true, chunk: 4 }, // 6 pairs in chunks of 4 and 2
    { T: 1374, D: 384, heads: 6, batch: 1, prop: true, chunk: 4 }, // DINOv2 ViT-S/14 reg4 at 518 px
  ];
  for (const { T, D, heads, batch, prop, chunk } of cases) {
    it(`T=${T} D=${D} heads=${heads} batch=${batch} prop=${prop}${chunk ? ` in chunks of ${chunk} pairs` : ''}`, async () => {
      const hd = D / heads;
      const k = await kernels(hd);
      const qkv = randomArray(batch * T * 3 * D, T * D + heads, 1.5);
      // Sizes as after some merges: small integers.
      const sizes = Float32Array.from({ length: batch * T }, (_, i) => 1 + ((i * 7) % 5));
      const Tp = Math.ceil(T / 4) * 4;
      const bh = batch * heads;
      const per = chunk ?? bh;
      // Sizes sit at an offset inside the ToMe state buffer.
      const sizesOff = 5;
      const state = new Float32Array(sizesOff + batch * T);
      state.set(sizes, sizesOff);
      let y = new Float32Array(batch * T * D);
      for (let bh0 = 0; bh0 < bh; bh0 += per) {
        const u = { T, D, propAttn: prop ? 1 : 0, scale: 1 / Math.sqrt(hd), Tp, heads, rows: Math.min(per, bh - bh0) * T, sizesOff, bh0 };
        const sc = await runKernel(device, k.attentionScores, u, { qkv, sizes: state, s: new Float32Array(per * T * Tp) });
        const sm = await runKernel(device, k.attentionSoftmax, u, { s: new Float32Array(sc.s) });
        const att = await runKernel(device, k.attentionAv, u, { qkv, s: new Float32Array(sm.s), y });
        y = new Float32Array(att.y);
      }
      // ToMe's metric reads the same qkv rows.
      const tm = {
        T,
        r: 0,
        D,
        hd,
        heads,
        prune: 0,
        layer: 0,
        depth: 1,
        P: 0,
        T0: T,
        batch,
        prevRow: 0,
        sizesIn: 0,
        sizesOut: 0,
        maps: 0,
        cls: 1,
        dist: 0,
        regs: 0,
        ...tomeChoiceFields(),
      };
      const met = await runKernel(device, k.tomeMetric, tm, { qkv, metric: new Float32Array(batch * T * hd) });
      for (let b = 0; b < batch; b++) {
        const logSize = prop ? sizes.subarray(b * T, (b + 1) * T).map(Math.log) : null;
        const want = cpuAttention(qkv.subarray(b * T * 3 * D, (b + 1) * T * 3 * D), T, D, heads, logSize);
        expect(maxAbsDiff(y.subarray(b * T * D, (b + 1) * T * D), want.out)).toBeLessThan(2e-5);
        expect(maxAbsDiff(new Float32Array(met.metric, b * T * hd * 4, T * hd), want.metric)).toBeLessThan(2e-6);
      }
    });
  }
});

describe('ToMe matching and merge', () => {
  // The alternate split reads no split table.
  const NO_SPLIT_TABLE = new Int32Array(4);
  const P = 30; // patches tracked in the map (any count works: the map only holds token ids)
  const CLS = CLASS_TOKEN_ONLY;
  const layoutOf = (cls: boolean, dist: boolean, registers: number): TokenLayout => ({ classToken: cls, distToken: dist, registers });
  const REG4_GAP = layoutOf(false, false, 4);
  const CLS_REG4 = layoutOf(true, false, 4);
  const NO_PREFIX = layoutOf(false, false, 0);
  // ties: A tokens repeat 5 key patterns and B tokens 5 others, so every A token of a pattern
  // has the same best score, shared by all B tokens of one pattern: the index tie-breaks of the
  // argmax (lowest B) and of the ranking (lowest A) decide, while scores of different patterns
  // differ by far more than rounding.
  // DISTILLED: the distillation token (B_0) is never a destination, stays at index 1, and counts
  // in the clamp (T - 2) // 2. REG4_GAP (no class token, 4 registers): nothing is protected, the
  // unmerged A tokens keep the ranking's order, the registers stay in place out of the matching
  // and the clamp; CLS_REG4 (DINOv2 reg4): the class token protected, the registers after it.
  const cases: Array<{ T: number; r: number; mode: MergeMode; ties?: boolean; layout?: TokenLayout; name?: string }> = [
    { T: 23, r: clampR(50, 23), mode: 'merge' }, // odd T, r at the clamp
    { T: 24, r: clampR(50, 24), mode: 'merge' }, // even T, r at the clamp
    { T: 31, r: 5, mode: 'merge' },
    { T: 31, r: 5, mode: 'prune' },
    { T: 197, r: 13, mode: 'merge' },
    { T: 197, r: 60, mode: 'merge', ties: true },
    { T: 23, r: clampR(50, 23, DISTILLED), mode: 'merge', layout: DISTILLED },
    { T: 24, r: clampR(50, 24, DISTILLED), mode: 'merge', layout: DISTILLED },
    { T: 31, r: 5, mode: 'prune', layout: DISTILLED },
    { T: 198, r: 13, mode: 'merge', layout: DISTILLED, name: 'DeiT distilled, first block' },
    { T: 198, r: 60, mode: 'merge', ties: true, layout: DISTILLED },
    { T: 23, r: clampR(50, 23, REG4_GAP), mode: 'merge', layout: REG4_GAP }, // 19 matched: odd
    { T: 24, r: clampR(50, 24, REG4_GAP), mode: 'merge', layout: REG4_GAP },
    { T: 31, r: 5, mode: 'prune', layout: REG4_GAP },
    { T: 260, r: 101, mode: 'merge', layout: REG4_GAP, name: 'betwixt reg4 gap at 256 px, first block' },
    { T: 260, r: 60, mode: 'merge', ties: true, layout: REG4_GAP },
    { T: 24, r: clampR(50, 24, CLS_REG4), mode: 'merge', layout: CLS_REG4 },
    { T: 31, r: 5, mode: 'prune', layout: CLS_REG4 },
    { T: 1374, r: 600, mode: 'merge', layout: CLS_REG4, name: 'DINOv2 ViT-S/14 reg4 at 518 px, first block' },
    { T: 21, r: clampR(50, 21, NO_PREFIX), mode: 'merge', layout: NO_PREFIX },
  ];
  for (const { T, r, mode, ties, layout = CLS, name } of cases) {
    // With T > P the map starts from the identity (first merging block), else from a given row.
    const prefix = (layout.classToken ? 1 : 0) + (layout.distToken ? 1 : 0) + layout.registers;
    const fromIdentity = T > P;
    const what = `cls ${layout.classToken ? 1 : 0}, dist ${layout.distToken ? 1 : 0}, ${layout.registers} registers${name ? `: ${name}` : ''}`;
    it(`T=${T} r=${r} ${mode}${ties ? ' with tied scores' : ''} (${what}), two images, map from ${fromIdentity ? 'identity' : 'a previous row'}`, async () => {
      const D = 16;
      const heads = 2;
      const hd = D / heads;
      const batch = 2;
      const depth = 2;
      const k = await kernels(hd);
      const T0 = Math.max(T, P + prefix);
      // State layout as the engine's: plans, sizes in, sizes out, maps (tome_common.wgsl).
      const sizesIn = batch * 7 * T0;
      const sizesOut = sizesIn + batch * T0;
      const mapsAt = sizesOut + batch * T0;
      const qkv = randomArray(batch * T * 3 * D, T + r, 1);
      if (ties) {
        for (let row = 0; row < batch * T; row++) {
          const t = row % T;
          const from = 2 * ((t >> 1) % 5) + (t & 1); // token 0..9 of the first image, same parity
          qkv.copyWithin(row * 3 * D + D, from * 3 * D + D, from * 3 * D + 2 * D);
        }
      }
      const x = randomArray(batch * T * D, 7 * T, 2);
      const sizes = Float32Array.from({ length: batch * T }, (_, i) => 1 + (i % 3));
      // Registers never merge: their size stays 1.
      for (let b = 0; b < batch; b++) for (let g = 0; g < layout.registers; g++) sizes[b * T + prefix - layout.registers + g] = 1;
      const state = new Int32Array(mapsAt + batch * depth * P);
      state.set(new Int32Array(sizes.buffer), sizesIn);
      const prevMaps: Int32Array[] = [];
      for (let b = 0; b < batch; b++) {
        // A previous row maps patches to non-prefix tokens (or -1: pruned).
        const row = fromIdentity
          ? initialTokenOfPatch(P, layout)
          : Int32Array.from({ length: P }, (_, p) => (p % 9 === 4 ? -1 : prefix + ((p * 5 + b) % (T - prefix))));
        prevMaps.push(row);
        if (!fromIdentity) state.set(row, mapsAt + b * depth * P);
      }
      const tm = {
        T,
        r,
        D,
        hd,
        heads,
        prune: mode === 'prune' ? 1 : 0,
        layer: 1,
        depth,
        P,
        T0,
        batch,
        prevRow: fromIdentity ? 0 : 1,
        sizesIn,
        sizesOut,
        maps: mapsAt,
        ...tomePrefixFields(layout),
        ...tomeChoiceFields(),
      };
      // The three matching passes, in the engine's order: metric, similarity + argmax, order.
      const met = await runKernel(device, k.tomeMetric, tm, { qkv, metric: new Float32Array(batch * T * hd) });
      const metric = new Float32Array(met.metric);
      const sim = await runKernel(device, k.tomeSimilarity, tm, { metric, plan: state, splitTable: NO_SPLIT_TABLE });
      const matched = await runKernel(device, k.tomeOrder, tm, { plan: new Int32Array(sim.plan), splitTable: NO_SPLIT_TABLE });
      const Tn = T - r;
      const merged = await runKernel(device, k.tomeMerge, tm, {
        src: x,
        dst: new Float32Array(batch * Tn * D),
        state: new Int32Array(matched.plan),
        splitTable: NO_SPLIT_TABLE,
      });
      const out = new Int32Array(merged.state);
      for (let b = 0; b < batch; b++) {
        // The metric: keys averaged over heads, L2-normalised.
        const want = new Float32Array(T * hd);
        for (let t = 0; t < T; t++) {
          const row = want.subarray(t * hd, (t + 1) * hd);
          for (let h = 0; h < heads; h++) for (let c = 0; c < hd; c++) row[c] += qkv[(b * T + t) * 3 * D + D + h * hd + c] / heads;
          const n = Math.hypot(...row);
          row.forEach((v, c) => (row[c] = v / n));
        }
        const m = metric.subarray(b * T * hd, (b + 1) * T * hd);
        expect(maxAbsDiff(m, want)).toBeLessThan(2e-6);
        const cpuPlan = bipartiteMatch(m, T, hd, r, layout);
        const cpu = applyMerge(x.subarray(b * T * D, (b + 1) * T * D), T, D, sizes.subarray(b * T, (b + 1) * T), prevMaps[b], cpuPlan, mode);
        const planWords = out.subarray(b * 7 * T0, (b + 1) * 7 * T0);
        const nA = Math.ceil((T - layout.registers) / 2);
        const mergedA = Array.from({ length: nA }, (_, i) => planWords[2 * T0 + i]);
        expect(mergedA.flatMap((v, i) => (v ? [i] : []))).toEqual([...cpuPlan.srcA].sort((p, q) => p - q));
        const firstA = layout.classToken ? 1 : 0;
        expect(Array.from(planWords.subarray(T0 + firstA, T0 + nA))).toEqual(Array.from(cpuPlan.bestB.subarray(firstA)));
        // Every token in the reference's new order (the unmerged A tokens' order included).
        expect(maxAbsDiff(new Float32Array(merged.dst, b * Tn * D * 4, Tn * D), cpu.x)).toBeLessThan(1e-5);
        expect(Array.from(new Float32Array(out.buffer, (sizesOut + b * Tn) * 4, Tn))).toEqual(Array.from(cpu.size));
        expect(Array.from(out.subarray(mapsAt + (b * depth + 1) * P, mapsAt + (b * depth + 2) * P))).toEqual(Array.from(cpu.tokenOfPatch));
      }
    });
  }
});
