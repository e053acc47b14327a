// Each WGSL kernel against the CPU reference (src/cpu), on the real ViT-Ti shapes and on small
// odd ones (row counts not multiples of the tile, odd token counts, r at its clamp, batch > 1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attention as cpuAttention, geluInPlace, layerNorm as cpuLayerNorm, linear } from '../../src/cpu/ops';
import { applyMerge, bipartiteMatch, initialTokenOfPatch } from '../../src/cpu/tome';
import { packLinear } from '../../src/gpu/gpu-weights';
import { compileKernels, compileMatmul, MATMUL_VARIANTS, type Epilogue, type KernelSet } from '../../src/gpu/kernels';
import { matmulGroups } from '../../src/gpu/forward-plan';
import { loadShaderSources, type ShaderSources } from '../../src/gpu/shader-source';
import { clampR, type MergeMode } from '../../src/model/tome';
import { maxAbsDiff, randomArray, runKernel, testDevice } from './gpu-harness';

let device: GPUDevice;
let src: ShaderSources;
const kernelsByHd = new Map<number, KernelSet>();

async function kernels(hd: number): Promise<KernelSet> {
  let k = kernelsByHd.get(hd);
  if (!k) {
    k = await compileKernels(device, src, { headDim: hd, matmul: 'reg4x4', f16: false });
    kernelsByHd.set(hd, k);
  }
  return k;
}

beforeAll(async () => {
  ({ device } = await testDevice());
  src = await loadShaderSources();
});
afterAll(() => device?.destroy());

describe('matmul', () => {
  const shapes: Array<[number, number, number]> = [
    [197, 576, 192], // ViT-Ti qkv
    [13, 20, 36], // odd M, K not a multiple of the 32-wide slab, N not of 32
    [1, 1000, 192], // head
  ];
  for (const variant of MATMUL_VARIANTS) {
    for (const epi of ['bias', 'gelu', 'residual'] as Epilogue[]) {
      it(`${variant} ${epi} matches linear()`, async () => {
        const kernel = await compileMatmul(device, src, variant, epi, false);
        for (const [M, N, K] of shapes) {
          const x = randomArray(M * K, 1 + M, 1);
          const w = randomArray(N * K, 2 + N, 0.2);
          const bias = randomArray(N, 3 + K, 0.5);
          const resid = randomArray(M * N, 4, 1);
          const want = linear(x, M, K, w, bias, N);
          if (epi === 'gelu') geluInPlace(want);
          if (epi === 'residual') for (let i = 0; i < want.length; i++) want[i] += resid[i];
          const packed = packLinear(w, bias, N, K).data;
          const y = epi === 'residual' ? resid : new Float32Array(M * N);
          const out = await runKernel(device, kernel, [M, N, K, 0], [x, packed, y], matmulGroups(variant, M, N));
          expect(maxAbsDiff(new Float32Array(out[2]), want, M * N)).toBeLessThan(2e-5 * Math.sqrt(K));
        }
      });
    }
  }
});

describe('layernorm', () => {
  it('matches layerNorm() on full and cls-strided rows', async () => {
    const k = await kernels(64);
    for (const [rows, D, stride] of [
      [197, 192, 1],
      [7, 20, 1],
      [3, 192, 5],
    ]) {
      const x = randomArray(rows * stride * D, rows + D, 3);
      const gamma = randomArray(D, 5, 1);
      const beta = randomArray(D, 6, 1);
      const picked = new Float32Array(rows * D);
      for (let r = 0; r < rows; r++) picked.set(x.subarray(r * stride * D, r * stride * D + D), r * D);
      const want = cpuLayerNorm(picked, rows, D, gamma, beta, 1e-6);
      const params = new Float32Array([...gamma, ...beta]);
      const out = await runKernel(device, k.layerNorm, [rows, D, stride, { f: 1e-6 }], [x, params, new Float32Array(rows * D)], [Math.ceil(rows / 64), 1, 1]);
      expect(maxAbsDiff(new Float32Array(out[2]), want)).toBeLessThan(1e-5);
    }
  });
});

describe('attention and metric', () => {
  const cases: Array<{ T: number; D: number; heads: number; batch: number; prop: boolean }> = [
    { T: 197, D: 192, heads: 3, batch: 1, prop: true },
    { T: 11, D: 24, heads: 2, batch: 2, prop: true },
    { T: 9, D: 48, heads: 4, batch: 1, prop: false },
  ];
  for (const { T, D, heads, batch, prop } of cases) {
    it(`T=${T} D=${D} heads=${heads} batch=${batch} prop=${prop}`, async () => {
      const hd = D / heads;
      const k = await kernels(hd);
      const qkv = randomArray(batch * T * 3 * D, T * D + heads, 1.5);
      // Sizes as after some merges: small integers.
      const sizes = Float32Array.from({ length: batch * T }, (_, i) => 1 + ((i * 7) % 5));
      const Tp = Math.ceil(T / 4) * 4;
      const bh = batch * heads;
      const u = [T, D, prop ? 1 : 0, { f: 1 / Math.sqrt(hd) }, Tp, heads, bh * T, 0];
      const sc = await runKernel(device, k.attentionScores, u, [qkv, sizes, new Float32Array(bh * T * Tp)], [Math.ceil(Tp / 32), Math.ceil(T / 32), bh]);
      const sm = await runKernel(device, k.attentionSoftmax, u, [new Float32Array(sc[2])], [Math.ceil((bh * T) / 64), 1, 1]);
      const att = await runKernel(device, k.attentionAv, u, [qkv, new Float32Array(sm[0]), new Float32Array(batch * T * D)], [Math.ceil(hd / 32), Math.ceil(T / 32), bh]);
      const met = await runKernel(device, k.metric, [T, 0, D, hd, heads, 0, 0, 1, 0, T, batch, 0], [qkv, new Float32Array(batch * T * hd)], [Math.ceil((batch * T) / 64), 1, 1]);
      for (let b = 0; b < batch; b++) {
        const logSize = prop ? sizes.subarray(b * T, (b + 1) * T).map(Math.log) : null;
        const want = cpuAttention(qkv.subarray(b * T * 3 * D, (b + 1) * T * 3 * D), T, D, heads, logSize);
        expect(maxAbsDiff(new Float32Array(att[2], b * T * D * 4, T * D), want.out)).toBeLessThan(2e-5);
        expect(maxAbsDiff(new Float32Array(met[1], b * T * hd * 4, T * hd), want.metric)).toBeLessThan(2e-6);
      }
    });
  }
});

describe('ToMe matching and merge', () => {
  const P = 30; // patches tracked in the map (any count works: the map only holds token ids)
  const cases: Array<{ T: number; r: number; mode: MergeMode }> = [
    { T: 23, r: clampR(50, 23), mode: 'merge' }, // odd T, r at the clamp
    { T: 24, r: clampR(50, 24), mode: 'merge' }, // even T, r at the clamp
    { T: 31, r: 5, mode: 'merge' },
    { T: 31, r: 5, mode: 'prune' },
    { T: 197, r: 13, mode: 'merge' },
  ];
  for (const { T, r, mode } of cases) {
    it(`T=${T} r=${r} ${mode}, two images`, async () => {
      const D = 16;
      const hd = 8;
      const batch = 2;
      const k = await kernels(hd);
      const T0 = Math.max(T, P + 1);
      // A normalised metric, x and sizes per image; a previous map with some pruned patches.
      const metric = randomArray(batch * T * hd, T + r, 1);
      for (let t = 0; t < batch * T; t++) {
        const row = metric.subarray(t * hd, (t + 1) * hd);
        const n = Math.hypot(...row);
        row.forEach((v, i) => (row[i] = v / n));
      }
      const x = randomArray(batch * T * D, 7 * T, 2);
      const sizes = Float32Array.from({ length: batch * T }, (_, i) => 1 + (i % 3));
      const depth = 2;
      const maps = new Int32Array(batch * depth * P);
      for (let b = 0; b < batch; b++) for (let p = 0; p < P; p++) maps[b * depth * P + p] = p % 9 === 4 ? -1 : (p * 5 + b) % T;
      const tm = [T, r, D, hd, 1, mode === 'prune' ? 1 : 0, 1, depth, P, T0, batch, 0];
      const nA = Math.ceil(T / 2);
      let plan: ArrayBuffer = new Int32Array(batch * 5 * T0).buffer;
      plan = (await runKernel(device, k.similarity, tm, [metric, new Int32Array(plan)], [Math.ceil(nA / 64), 1, batch]))[1];
      plan = (await runKernel(device, k.rank, tm, [new Int32Array(plan)], [Math.ceil(nA / 64), 1, batch]))[0];
      plan = (await runKernel(device, k.order, tm, [new Int32Array(plan)], [Math.ceil(T / 64), 1, batch]))[0];
      const Tn = T - r;
      const xo = await runKernel(device, k.mergeTokens, tm, [x, sizes, new Int32Array(plan), new Float32Array(batch * Tn * D)], [Math.ceil((Tn * D) / 4 / 64), 1, batch]);
      const so = await runKernel(device, k.mergeSizes, tm, [sizes, new Int32Array(plan), new Float32Array(batch * Tn)], [Math.ceil(Tn / 64), 1, batch]);
      const mo = await runKernel(device, k.updateMap, tm, [new Int32Array(plan), maps], [Math.ceil(P / 64), 1, batch]);
      for (let b = 0; b < batch; b++) {
        const m = metric.subarray(b * T * hd, (b + 1) * T * hd);
        const cpuPlan = bipartiteMatch(m, T, hd, r);
        const prevMap = maps.subarray(b * depth * P, b * depth * P + P);
        const want = applyMerge(x.subarray(b * T * D, (b + 1) * T * D), T, D, sizes.subarray(b * T, (b + 1) * T), prevMap, cpuPlan, mode);
        const planWords = new Int32Array(plan, b * 5 * T0 * 4, 5 * T0);
        const merged = Array.from({ length: nA }, (_, i) => planWords[2 * T0 + i]);
        expect(merged.flatMap((v, i) => (v ? [i] : []))).toEqual([...cpuPlan.srcA].sort((p, q) => p - q));
        expect(Array.from(planWords.subarray(T0 + 1, T0 + nA))).toEqual(Array.from(cpuPlan.bestB.subarray(1)));
        expect(maxAbsDiff(new Float32Array(xo[3], b * Tn * D * 4, Tn * D), want.x)).toBeLessThan(1e-5);
        expect(Array.from(new Float32Array(so[2], b * Tn * 4, Tn))).toEqual(Array.from(want.size));
        const gotMap = new Int32Array(mo[1], (b * depth + 1) * P * 4, P);
        expect(Array.from(gotMap)).toEqual(Array.from(want.tokenOfPatch));
      }
    });
  }
  it('identity map before block 0 and a copy when r = 0', async () => {
    const k = await kernels(8);
    const depth = 2;
    const maps = new Int32Array(depth * P).fill(-7);
    const tm = (layer: number) => [P + 1, 0, 16, 8, 1, 0, layer, depth, P, P + 1, 1, 0];
    const plan = new Int32Array(5 * (P + 1));
    const first = await runKernel(device, k.updateMap, tm(0), [plan, maps], [1, 1, 1]);
    const second = await runKernel(device, k.updateMap, tm(1), [plan, new Int32Array(first[1])], [1, 1, 1]);
    const rows = new Int32Array(second[1]);
    expect(Array.from(rows.subarray(0, P))).toEqual(Array.from(initialTokenOfPatch(P)));
    expect(Array.from(rows.subarray(P, 2 * P))).toEqual(Array.from(initialTokenOfPatch(P)));
  });
});
