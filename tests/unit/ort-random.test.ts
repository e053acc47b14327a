// The ONNX Runtime path against the CPU reference (the oracle) on random tiny ViTs of other
// shapes: dims, head counts and MLP widths that are not the real model's, even and odd token
// counts, distilled (class + distillation token) and average-pooled heads, r at the clamp, the
// decreasing schedule, no proportional attention, prune mode, and a batch of 3 images equal to
// each image alone; every setting through the one session of each model, in an order that
// switches between them; the families (layer scale, pos_embed over the patches, pre-norm CLIP
// towers, QuickGELU, no head, registers, no class token, and their combinations) as the
// reference computes them, registers outside the merging; and the one-line refusal of a model
// too large for one ONNX graph (the reference runs it).
import { describe, expect, it } from 'vitest';
import { forward as referenceForward } from '../../src/reference/vit';
import type { ModelConfig } from '../../src/model/config';
import type { ToMeOptions } from '../../src/core/tome';
import type { MergePlan } from '../../src/reference/tome';
import { ortForward } from '../../src/ort/forward';
import { ortRefusal } from '../../src/ort/backend';
import { randomArray, randomViT } from '../support/random';
import { maxAbsDiff } from '../support/max-abs-diff';
import { ortTestSessions } from '../support/ort-sessions';

const { options, sessionsFor } = await ortTestSessions();

const configs: Array<{ name: string; over: Partial<ModelConfig> }> = [
  { name: 'D=24 heads=2 grid 5x5 (T0 = 26, even), 10 classes', over: {} },
  { name: 'D=32 heads=4 grid 3x3 (T0 = 10), depth 4, 7 classes', over: { embedDim: 32, numHeads: 4, imgSize: 12, depth: 4, mlpHidden: 64, numClasses: 7 } },
  {
    name: 'D=20 heads=5 (head dim 4) grid 4x4 of 8-px patches (T0 = 17, odd), MLP 36, depth 5, 3 classes',
    over: { embedDim: 20, numHeads: 5, patchSize: 8, imgSize: 32, depth: 5, mlpHidden: 36, numClasses: 3 },
  },
  { name: 'distilled (class + distillation token, two heads), grid 5x5 (T0 = 27, odd)', over: { distilled: true } },
  { name: 'distilled, grid 4x4 (T0 = 18, even), depth 4', over: { distilled: true, imgSize: 16, depth: 4 } },
  { name: 'average pool + fc_norm, grid 5x5', over: { globalPool: 'avg' } },
  { name: 'average pool + fc_norm, grid 3x3 of 8-px patches (T0 = 10), depth 4', over: { globalPool: 'avg', patchSize: 8, imgSize: 24, depth: 4 } },
  { name: 'DeiT III: layer scale, pos_embed over the patches only', over: { layerScale: true, noEmbedClass: true } },
  { name: 'CLIP tower: pre-norm, patch embedding without bias, eps 1e-5, GELU', over: { preNorm: true, eps: 1e-5 } },
  { name: 'CLIP tower with QuickGELU, grid 4x4 (T0 = 17, odd)', over: { preNorm: true, eps: 1e-5, act: 'quickgelu', imgSize: 16 } },
  { name: 'no head (class token features)', over: { numClasses: 0 } },
  { name: 'no head, average pool (fc_norm features), layer scale', over: { numClasses: 0, globalPool: 'avg', layerScale: true } },
  { name: 'distilled without a head (class token features, no head_dist)', over: { distilled: true, numClasses: 0 } },
  { name: '4 registers after the class token, grid 5x5 (T0 = 30, 26 matched)', over: { registers: 4 } },
  { name: '1 register, grid 4x4 (T0 = 18, 17 matched, odd), prune and merge', over: { registers: 1, imgSize: 16 } },
  { name: 'distilled with 2 registers (class, distillation, registers)', over: { distilled: true, registers: 2 } },
  { name: 'no class token, average pool, grid 5x5 (T0 = 25, odd: nothing protected)', over: { classToken: false, globalPool: 'avg' } },
  { name: 'no class token, average pool, grid 4x4 (T0 = 16, even), depth 4', over: { classToken: false, globalPool: 'avg', imgSize: 16, depth: 4 } },
  {
    name: 'registers, no class token, average pool, layer scale, pos_embed over the patches (vit_*_reg4_gap)',
    over: { registers: 4, classToken: false, globalPool: 'avg', layerScale: true, noEmbedClass: true },
  },
  {
    name: 'DINOv2-like: class token + 4 registers, no head, layer scale, pos_embed over the patches',
    over: { registers: 4, numClasses: 0, layerScale: true, noEmbedClass: true },
  },
];
const cases: ToMeOptions[] = [
  { r: 0, schedule: 'constant', propAttn: true, mode: 'merge' },
  { r: 2, schedule: 'constant', propAttn: true, mode: 'merge' },
  { r: 50, schedule: 'constant', propAttn: true, mode: 'merge' }, // clamped in every block
  { r: 3, schedule: 'decreasing', propAttn: false, mode: 'merge' },
  { r: 4, schedule: 'constant', propAttn: true, mode: 'prune' },
  { r: 3, schedule: 'constant', propAttn: false, mode: 'prune' },
];

describe.each(configs)('random ViT: $name', ({ over }) => {
  const w = randomViT(over, 11);
  const S = w.config.imgSize;
  const images = [randomArray(3 * S * S, 101, 2), randomArray(3 * S * S, 202, 2), randomArray(3 * S * S, 303, 2)];
  const sessions = sessionsFor(w);

  it.each(cases)('r=$r $schedule prop=$propAttn $mode matches the reference, batched == alone', async (opts) => {
    const plans: MergePlan[][] = images.map(() => []);
    const batched = await ortForward(w, sessions, options.ort, images, opts, (i, block, plan) => (plans[i][block] = plan));
    for (let i = 0; i < images.length; i++) {
      const wantPlans: Array<MergePlan | null> = [];
      const want = referenceForward(w, images[i], opts, (t) => wantPlans.push(t.plan));
      wantPlans.forEach((p, block) => {
        const plan = plans[i][block];
        if (!p) return expect(plan, `block ${block} merges nothing`).toBeUndefined();
        // The graph's ranking (ONNX TopK) is the reference's: the same sources, strongest first.
        expect(Array.from(plan.srcA), `sources of block ${block}`).toEqual(Array.from(p.srcA));
        expect(Array.from(plan.keptA)).toEqual(Array.from(p.keptA));
        expect(Array.from(plan.srcA, (a) => plan.bestB[a])).toEqual(Array.from(p.srcA, (a) => p.bestB[a]));
      });
      const got = batched[i];
      expect(got.tokens).toEqual(want.tokens);
      got.tokenOfPatch.forEach((row, l) => expect(Array.from(row), `map after block ${l}`).toEqual(Array.from(want.tokenOfPatch[l])));
      expect(Array.from(got.groups)).toEqual(Array.from(want.groups));
      expect(got.logits.length).toBe(want.logits.length);
      expect(maxAbsDiff(got.logits, want.logits)).toBeLessThan(1e-4);
      expect(maxAbsDiff(got.probs, want.probs)).toBeLessThan(1e-5);
      expect(got.top5.map((t) => t.index)).toEqual(want.top5.map((t) => t.index));
      // A model without a head: its pooled features and its last tokens, as the reference's.
      expect(got.features?.length).toBe(want.features?.length);
      expect(got.tokenFeatures?.length).toBe(want.tokenFeatures?.length);
      if (want.features) expect(maxAbsDiff(got.features!, want.features)).toBeLessThan(1e-4);
      if (want.tokenFeatures) expect(maxAbsDiff(got.tokenFeatures!, want.tokenFeatures)).toBeLessThan(1e-4);
      const [alone] = await ortForward(w, sessions, options.ort, [images[i]], opts);
      expect(maxAbsDiff(alone.logits, got.logits)).toBeLessThan(1e-5);
      if (want.features) expect(maxAbsDiff(alone.features!, got.features!)).toBeLessThan(1e-5);
      expect(Array.from(alone.groups)).toEqual(Array.from(got.groups));
    }
  });
});

describe('inputs', () => {
  it('rejects an input of the wrong size with a clear message', async () => {
    const w = randomViT({}, 3);
    const sessions = sessionsFor(w);
    await expect(ortForward(w, sessions, options.ort, [new Float32Array(10)], cases[0])).rejects.toThrow(/input 0 has 10 values, expected 3x20x20/);
  });

  it('gives overlapping batches of one size their own pixels (the staging array is not shared)', async () => {
    const w = randomViT({}, 3);
    const sessions = sessionsFor(w);
    const S = w.config.imgSize;
    const batch = (seed: number) => [randomArray(3 * S * S, seed, 2), randomArray(3 * S * S, seed + 1, 2)];
    const [x, y] = [batch(7), batch(9)];
    const alone = [...(await ortForward(w, sessions, options.ort, x, cases[1])), ...(await ortForward(w, sessions, options.ort, y, cases[1]))];
    const [bx, by] = await Promise.all([ortForward(w, sessions, options.ort, x, cases[1]), ortForward(w, sessions, options.ort, y, cases[1])]);
    [...bx, ...by].forEach((got, i) => {
      expect(Array.from(got.logits)).toEqual(Array.from(alone[i].logits));
      expect(Array.from(got.groups)).toEqual(Array.from(alone[i].groups));
    });
  });
});

describe('what it refuses', () => {
  it.each<[string, Partial<ModelConfig>]>([
    ['registers', { registers: 4 }],
    ['no class token', { classToken: false, globalPool: 'avg' }],
    ['layer scale', { layerScale: true }],
    ['pos_embed over the patches', { noEmbedClass: true }],
    ['pre-norm', { preNorm: true, eps: 1e-5 }],
    ['QuickGELU', { act: 'quickgelu' }],
    ['no head', { numClasses: 0 }],
    ['distilled', { distilled: true }],
    ['average pool', { globalPool: 'avg' }],
  ])('%s: builds its graphs (not refused)', (_, over) => {
    expect(ortRefusal(randomViT(over, 1).config)).toBeNull();
  });

  it('a model over the 2 GiB an ONNX graph holds: refused by its size in one line (the reference runs it)', () => {
    // ViT-H/14's dims; ortRefusal reads the config only, so no tensor is made.
    const huge = {
      ...randomViT({}, 1).config,
      id: 'huge',
      embedDim: 1280,
      depth: 32,
      numHeads: 16,
      mlpHidden: 5120,
      patchSize: 14,
      imgSize: 224,
      numClasses: 1000,
    };
    expect(ortRefusal(huge)).toBe('huge: its 2.4 GiB of weights are over the 2 GiB an ONNX graph can hold, so the ONNX Runtime path cannot build it');
  });
});
