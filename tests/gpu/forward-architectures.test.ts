// The whole GPU forward against the CPU reference on the architectures beyond the plain ViT: a
// distilled DeiT (class + distillation token, both protected, the two heads averaged), an
// average-pooled ViT with fc_norm, and the families of issue 19 (layer scale with pos_embed over
// the patches, pre-norm with QuickGELU and eps 1e-5, registers with and without a class token,
// no head), tiny (every ToMe option, batched == unbatched) and at real shapes (ViT-S/16, DeiT-S
// distilled, ViT-S avg-pool, random weights scaled by fan-in; the other families at real shapes:
// tests/gpu/golden-archs.test.ts).
import { afterAll, describe, expect, it } from 'vitest';
import { forward as cpuForward } from '../../src/reference/vit';
import { createWebGpuBackend, type WebGpuBackend } from '../../src/gpu/engine';
import { requestNodeAdapter } from '../../src/gpu/node-adapter';
import { parseTimmConfig, type ModelConfig } from '../../src/model/config';
import type { ViTWeights } from '../../src/model/weights';
import type { ToMeOptions } from '../../src/core/tome';
import imagenetLabels from '../../src/model/imagenet-labels.json';
import { maxAbsDiff } from './gpu-harness';
import { randomArray, randomViT } from '../support/random';
import { hubConfig, randomTensors, SPECS, type TimmSpec } from '../support/timm-models';

const engines: WebGpuBackend[] = [];
afterAll(() => engines.forEach((e) => e.dispose()));

async function engineFor(w: ViTWeights, maxBatch: number): Promise<WebGpuBackend> {
  // An adapter hands out one device: each engine asks for its own.
  const engine = await createWebGpuBackend(w, { adapter: (await requestNodeAdapter('auto')).adapter, maxBatch });
  engines.push(engine);
  return engine;
}

function expectSameForward(got: Awaited<ReturnType<WebGpuBackend['run']>>['results'][number], want: ReturnType<typeof cpuForward>, logitTol: number): void {
  expect(got.tokens).toEqual(want.tokens);
  got.tokenOfPatch.forEach((row, l) => expect(Array.from(row), `map after block ${l}`).toEqual(Array.from(want.tokenOfPatch[l])));
  expect(Array.from(got.groups)).toEqual(Array.from(want.groups));
  expect(maxAbsDiff(got.logits, want.logits)).toBeLessThan(logitTol);
  expect(got.top5.map((t) => t.index)).toEqual(want.top5.map((t) => t.index));
  expect(got.features === undefined).toBe(want.features === undefined);
  if (want.features) expect(maxAbsDiff(got.features!, want.features)).toBeLessThan(logitTol);
  expect(got.tokenFeatures?.length).toBe(want.tokenFeatures?.length);
  if (want.tokenFeatures) expect(maxAbsDiff(got.tokenFeatures!, want.tokenFeatures)).toBeLessThan(logitTol);
}

const options: ToMeOptions[] = [
  { r: 0, schedule: 'constant', propAttn: true, mode: 'merge' },
  { r: 50, schedule: 'constant', propAttn: true, mode: 'merge' }, // clamped in every block
  { r: 3, schedule: 'decreasing', propAttn: false, mode: 'merge' },
  { r: 4, schedule: 'constant', propAttn: true, mode: 'prune' },
];

const tiny: Array<{ name: string; over: Partial<ModelConfig> }> = [
  { name: 'distilled, D=24 heads=2 grid 5x5 (T0 = 27), 10 classes', over: { distilled: true } },
  {
    name: 'distilled, D=32 heads=4 grid 4x4 (T0 = 18, even), depth 4, 7 classes',
    over: { distilled: true, embedDim: 32, numHeads: 4, imgSize: 16, depth: 4, mlpHidden: 64, numClasses: 7 },
  },
  { name: 'avg pool + fc_norm, D=24 heads=2 grid 5x5, 10 classes', over: { globalPool: 'avg', propAttnDefault: false } },
  {
    name: 'avg pool + fc_norm, D=32 heads=4 grid 3x3 (T0 = 10), depth 4, 7 classes',
    over: { globalPool: 'avg', propAttnDefault: false, embedDim: 32, numHeads: 4, imgSize: 12, depth: 4, mlpHidden: 64, numClasses: 7 },
  },
  { name: 'layer scale, pos_embed over the patches (DeiT III), grid 5x5', over: { layerScale: true, noEmbedClass: true } },
  { name: 'pre-norm, no patch bias, QuickGELU, eps 1e-5 (CLIP), grid 5x5, 10 classes', over: { preNorm: true, act: 'quickgelu', eps: 1e-5 } },
  {
    name: 'no class token, 4 registers, avg pool, layer scale (reg4 gap), grid 5x5 (T0 = 29)',
    over: { classToken: false, registers: 4, noEmbedClass: true, layerScale: true, globalPool: 'avg', propAttnDefault: false },
  },
  {
    name: 'class token + 4 registers, no head (DINOv2 reg4), grid 4x4 (T0 = 21), depth 4',
    over: { registers: 4, noEmbedClass: true, layerScale: true, numClasses: 0, embedDim: 32, numHeads: 4, imgSize: 16, depth: 4, mlpHidden: 64 },
  },
  { name: 'plain, no head, grid 5x5', over: { numClasses: 0 } },
  { name: 'no prefix token at all (custom avg-pooled ViT), grid 5x5', over: { classToken: false, globalPool: 'avg', propAttnDefault: false } },
];

describe.each(tiny)('random tiny model: $name', ({ over }) => {
  const w = randomViT(over, 21);
  const S = w.config.imgSize;
  const images = [randomArray(3 * S * S, 101, 2), randomArray(3 * S * S, 202, 2), randomArray(3 * S * S, 303, 2)];

  it.each(options)('r=$r $schedule prop=$propAttn $mode matches the CPU forward, batched == unbatched', async (opts) => {
    const engine = engines.find((e) => e.config === w.config) ?? (await engineFor(w, 2));
    const batched = await engine.run(images, opts); // 3 images with maxBatch 2: two submissions
    for (let i = 0; i < images.length; i++) {
      const want = cpuForward(w, images[i], opts);
      expectSameForward(batched.results[i], want, 1e-4);
      expect(maxAbsDiff(batched.results[i].probs, want.probs)).toBeLessThan(1e-5);
      const single = (await engine.run([images[i]], opts)).results[0];
      expect(maxAbsDiff(single.logits, batched.results[i].logits)).toBeLessThan(1e-6);
      if (want.features) expect(maxAbsDiff(single.features!, batched.results[i].features!)).toBeLessThan(1e-6);
      expect(Array.from(single.groups)).toEqual(Array.from(batched.results[i].groups));
    }
  });
});

function hubShaped(spec: TimmSpec, seed: number): ViTWeights {
  const config = parseTimmConfig(spec.architecture, hubConfig(spec), { labels: imagenetLabels });
  return { config, tensors: randomTensors(config, seed) };
}

const real: Array<{ name: string; spec: TimmSpec; tokens13: number[] }> = [
  { name: 'ViT-S/16', spec: SPECS.vitS16, tokens13: [197, 184, 171, 158, 145, 132, 119, 106, 93, 80, 67, 54, 41] },
  {
    name: 'DeiT-S/16 distilled',
    spec: { architecture: 'deit_small_distilled_patch16_224', tag: 'fb_in1k' },
    tokens13: [198, 185, 172, 159, 146, 133, 120, 107, 94, 81, 68, 55, 42],
  },
  {
    name: 'ViT-S/16 avg pool + fc_norm',
    spec: { ...SPECS.vitS16, tag: 'avg_random', globalPool: 'avg', modelArgs: { global_pool: 'avg' } },
    tokens13: [197, 184, 171, 158, 145, 132, 119, 106, 93, 80, 67, 54, 41],
  },
];

describe.each(real)('random $name at its real shape', ({ spec, tokens13 }) => {
  const w = hubShaped(spec, 31);
  const input = randomArray(3 * 224 * 224, 7, 2);

  it.each([
    { r: 0, schedule: 'constant', propAttn: w.config.propAttnDefault, mode: 'merge' },
    { r: 13, schedule: 'constant', propAttn: w.config.propAttnDefault, mode: 'merge' },
  ] satisfies ToMeOptions[])('r=$r: tokens, patch->token maps, groups, top-5 and logits equal the CPU reference', async (opts) => {
    const engine = engines.find((e) => e.config === w.config) ?? (await engineFor(w, 1));
    const got = (await engine.run([input], opts)).results[0];
    const want = cpuForward(w, input, opts);
    if (opts.r === 13) expect(got.tokens).toEqual(tokens13);
    expectSameForward(got, want, 1e-3);
  });
});
