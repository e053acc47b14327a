// The engine's design-choice variants (issue 22) against the CPU reference of each
// (src/reference/tome-choices.ts): the metric kernel over queries, keys or values, normalised
// (cosine) or raw (dot); the matching on that metric; the merge kernel's weightings (size, mean,
// keep, max). On ViT-Ti's real shape (197 tokens, dim 192, 3 heads) and a tiny random one with
// two images. As tests/gpu/kernels.test.ts, the reference matches on the GPU's own metric, so a
// near-tie cannot flip between the two.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clampR, initialTokenOfPatch, OFFICIAL_CHOICES, type DesignChoices } from '../../src/core/tome';
import { tomeChoiceFields, tomePrefixFields } from '../../src/gpu/kernels';
import { loadShaderSources, type ShaderSources } from '../../src/gpu/shader-source';
import { engineChoicesRefusal } from '../../src/gpu/choices';
import { CLASS_TOKEN_ONLY } from '../../src/model/config';
import { applyGroups, bipartiteChoice, metricFeatures } from '../../src/reference/tome-choices';
import { forward as cpuForward } from '../../src/reference/vit';
import { createWebGpuBackend } from '../../src/gpu/engine';
import { requestNodeAdapter } from '../../src/gpu/node-adapter';
import { kernelCache, maxAbsDiff, runKernel, testDevice } from './gpu-harness';
import { randomArray, randomViT } from '../support/random';

let device: GPUDevice;
let src: ShaderSources;
const kernels = kernelCache(
  () => device,
  () => src,
  197,
);

beforeAll(async () => {
  ({ device } = await testDevice());
  src = await loadShaderSources();
});
afterAll(() => device?.destroy());

const SHAPES = [
  { name: 'ViT-Ti', T: 197, D: 192, heads: 3, batch: 1, r: 13 },
  { name: 'tiny', T: 17, D: 16, heads: 2, batch: 2, r: 5 },
];
const VARIANTS: Array<Partial<DesignChoices>> = [
  { metric: 'q' },
  { metric: 'v' },
  { distance: 'dot' },
  { metric: 'v', distance: 'dot' },
  { weighting: 'mean' },
  { weighting: 'keep' },
  { weighting: 'max' },
  {},
];

describe('ToMe design choices in the engine', () => {
  for (const shape of SHAPES) {
    for (const variant of VARIANTS) {
      it(`${shape.name} (T=${shape.T}, D=${shape.D}, batch ${shape.batch}): ${JSON.stringify(variant)}`, async () => {
        expect(engineChoicesRefusal([variant])).toBeNull();
        const { T, D, heads, batch } = shape;
        const hd = D / heads;
        const P = T - 1;
        const r = clampR(shape.r, T);
        const choices = { ...OFFICIAL_CHOICES, ...variant };
        const k = await kernels(hd);
        const sizesIn = batch * 7 * T;
        const sizesOut = sizesIn + batch * T;
        const mapsAt = sizesOut + batch * T;
        const qkv = randomArray(batch * T * 3 * D, T + 3, 1);
        const x = randomArray(batch * T * D, 5 * T, 2);
        const sizes = Float32Array.from({ length: batch * T }, (_, i) => 1 + (i % 3));
        const state = new Int32Array(mapsAt + batch * P);
        state.set(new Int32Array(sizes.buffer), sizesIn);
        const tm = {
          T,
          r,
          D,
          hd,
          heads,
          prune: 0,
          layer: 0,
          depth: 1,
          P,
          T0: T,
          batch,
          prevRow: 0,
          sizesIn,
          sizesOut,
          maps: mapsAt,
          ...tomePrefixFields(CLASS_TOKEN_ONLY),
          ...tomeChoiceFields(variant),
        };
        const met = await runKernel(device, k.tomeMetric, tm, { qkv, metric: new Float32Array(batch * T * hd) });
        const metric = new Float32Array(met.metric);
        const sim = await runKernel(device, k.tomeSimilarity, tm, { metric, plan: state });
        const matched = await runKernel(device, k.tomeOrder, tm, { plan: new Int32Array(sim.plan) });
        const Tn = T - r;
        const merged = await runKernel(device, k.tomeMerge, tm, { src: x, dst: new Float32Array(batch * Tn * D), state: new Int32Array(matched.plan) });
        const out = new Int32Array(merged.state);
        for (let b = 0; b < batch; b++) {
          const q = qkv.subarray(b * T * 3 * D, (b + 1) * T * 3 * D);
          const xb = x.subarray(b * T * D, (b + 1) * T * D);
          // The keys' cosine metric, as the attention returns it, for the official choice.
          const keys = metricFeatures({ metric: 'k', distance: 'dot' }, q, xb, T, D, heads, new Float32Array(0)).features;
          for (let t = 0; t < T; t++) {
            const n = Math.hypot(...keys.subarray(t * hd, (t + 1) * hd));
            for (let c = 0; c < hd; c++) keys[t * hd + c] /= n;
          }
          const want = metricFeatures(choices, q, xb, T, D, heads, keys).features;
          const m = metric.subarray(b * T * hd, (b + 1) * T * hd);
          expect(maxAbsDiff(m, want)).toBeLessThan(choices.distance === 'dot' ? 1e-5 : 2e-6);
          const step = bipartiteChoice(m, hd, T, r, CLASS_TOKEN_ONLY, choices, 0, 'merge');
          const nA = Math.ceil(T / 2);
          const planWords = out.subarray(b * 7 * T, (b + 1) * 7 * T);
          const mergedA = Array.from({ length: nA }, (_, i) => planWords[2 * T + i]).flatMap((v, i) => (v ? [i] : []));
          expect(mergedA).toEqual(Array.from({ length: nA }, (_, i) => i).filter((i) => step.isSource[2 * i]));
          const cpu = applyGroups(xb, T, D, sizes.subarray(b * T, (b + 1) * T), initialTokenOfPatch(P), step, choices.weighting);
          expect(maxAbsDiff(new Float32Array(merged.dst, b * Tn * D * 4, Tn * D), cpu.x)).toBeLessThan(1e-5);
          expect(Array.from(new Float32Array(out.buffer, (sizesOut + b * Tn) * 4, Tn))).toEqual(Array.from(cpu.size));
          expect(Array.from(out.subarray(mapsAt + b * P, mapsAt + (b + 1) * P))).toEqual(Array.from(cpu.tokenOfPatch));
        }
      });
    }
  }
  it('refuses what it does not run, in one line', () => {
    expect(engineChoicesRefusal([{ metric: 'x' }])).toBe('the WebGPU engine does not run --metric x yet (only k, q, v)');
    expect(engineChoicesRefusal([{}, { matching: 'kmeans' }])).toMatch(/^the WebGPU engine does not run --matching kmeans yet/);
  });
});

describe("whole forwards under the engine's choices", () => {
  it('match the CPU reference forward on a random tiny ViT, and choices the engine lacks are refused in one line', async () => {
    const w = randomViT({}, 11);
    const S = w.config.imgSize;
    const images = [randomArray(3 * S * S, 101, 2), randomArray(3 * S * S, 202, 2)];
    const engine = await createWebGpuBackend(w, { adapter: (await requestNodeAdapter('auto')).adapter, maxBatch: 2 });
    try {
      for (const variant of VARIANTS) {
        const opts = { r: 4, schedule: 'constant' as const, propAttn: true, mode: 'merge' as const, ...variant };
        const got = (await engine.run(images, opts)).results;
        for (let i = 0; i < images.length; i++) {
          const want = cpuForward(w, images[i], opts);
          expect(Array.from(got[i].groups)).toEqual(Array.from(want.groups));
          expect(maxAbsDiff(got[i].logits, want.logits)).toBeLessThan(1e-4);
        }
      }
      await expect(engine.run(images, { r: 4, schedule: 'constant', propAttn: true, mode: 'merge', matching: 'greedy' })).rejects.toThrow(
        /^the WebGPU engine does not run --matching greedy yet \(only bipartite\)$/,
      );
    } finally {
      engine.dispose();
    }
  });
});
