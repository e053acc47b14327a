// The ONNX Runtime path against the CPU reference (the oracle) on random tiny ViTs of other
// shapes: dims, head counts and MLP widths that are not the real model's, even and odd token
// counts, r at the clamp, the decreasing schedule, no proportional attention, prune mode, and a
// batch of 3 images equal to each image alone; and the one-line refusal of every family whose
// graphs it does not build (the reference runs those).
import { afterAll, describe, expect, it } from 'vitest';
import { forward as referenceForward } from '../../src/reference/vit';
import type { ModelConfig } from '../../src/model/config';
import type { ToMeOptions } from '../../src/core/tome';
import { ortForward, SegmentSessions, segmentsFor } from '../../src/ort/forward';
import { ortNodeOptions } from '../../src/ort/node';
import { ortRefusal } from '../../src/ort/backend';
import { randomArray, randomViT } from '../support/random';

const options = await ortNodeOptions(1);
const all: SegmentSessions[] = [];
afterAll(() => Promise.all(all.map((s) => s.dispose())));

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

const configs: Array<{ name: string; over: Partial<ModelConfig> }> = [
  { name: 'D=24 heads=2 grid 5x5 (T0 = 26, even), 10 classes', over: {} },
  { name: 'D=32 heads=4 grid 3x3 (T0 = 10), depth 4, 7 classes', over: { embedDim: 32, numHeads: 4, imgSize: 12, depth: 4, mlpHidden: 64, numClasses: 7 } },
  {
    name: 'D=20 heads=5 (head dim 4) grid 4x4 of 8-px patches (T0 = 17, odd), MLP 36, depth 5, 3 classes',
    over: { embedDim: 20, numHeads: 5, patchSize: 8, imgSize: 32, depth: 5, mlpHidden: 36, numClasses: 3 },
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
  const sessions = new SegmentSessions(w, options.ort, options.session);
  all.push(sessions);

  it.each(cases)('r=$r $schedule prop=$propAttn $mode matches the reference, batched == alone', async (opts) => {
    const batched = await ortForward(w, sessions, options.ort, images, opts);
    for (let i = 0; i < images.length; i++) {
      const want = referenceForward(w, images[i], opts);
      const got = batched[i];
      expect(got.tokens).toEqual(want.tokens);
      got.tokenOfPatch.forEach((row, l) => expect(Array.from(row), `map after block ${l}`).toEqual(Array.from(want.tokenOfPatch[l])));
      expect(Array.from(got.groups)).toEqual(Array.from(want.groups));
      expect(maxAbsDiff(got.logits, want.logits)).toBeLessThan(1e-4);
      expect(maxAbsDiff(got.probs, want.probs)).toBeLessThan(1e-5);
      expect(got.top5.map((t) => t.index)).toEqual(want.top5.map((t) => t.index));
      const [alone] = await ortForward(w, sessions, options.ort, [images[i]], opts);
      expect(maxAbsDiff(alone.logits, got.logits)).toBeLessThan(1e-5);
      expect(Array.from(alone.groups)).toEqual(Array.from(got.groups));
    }
  });
});

describe('segments', () => {
  it('cuts at every merging block; r = 0 is one graph', () => {
    expect(segmentsFor(3, [0, 0, 0])).toEqual([{ from: -1, to: 3 }]);
    expect(segmentsFor(3, [2, 2, 2])).toEqual([
      { from: -1, to: 0 },
      { from: 0, to: 1 },
      { from: 1, to: 2 },
      { from: 2, to: 3 },
    ]);
    expect(segmentsFor(4, [0, 3, 0, 1])).toEqual([
      { from: -1, to: 1 },
      { from: 1, to: 3 },
      { from: 3, to: 4 },
    ]);
  });

  it('rejects an input of the wrong size with a clear message', async () => {
    const w = randomViT({}, 3);
    const sessions = new SegmentSessions(w, options.ort, options.session);
    all.push(sessions);
    await expect(ortForward(w, sessions, options.ort, [new Float32Array(10)], cases[0])).rejects.toThrow(/input 0 has 10 values, expected 3x20x20/);
  });
});

describe('the families it has no graphs for', () => {
  it.each<[string, Partial<ModelConfig>, RegExp]>([
    ['distilled', { distilled: true }, /distilled models/],
    ['avg pool', { globalPool: 'avg' }, /average-pooled models/],
    ['registers', { registers: 4 }, /register tokens/],
    ['no class token', { classToken: false, globalPool: 'avg' }, /(average-pooled models|without a class token)/],
    ['layer scale', { layerScale: true }, /layer scale/],
    ['pos_embed over the patches', { noEmbedClass: true }, /no_embed_class/],
    ['pre-norm', { preNorm: true }, /pre-norm CLIP towers/],
    ['QuickGELU', { act: 'quickgelu' }, /QuickGELU/],
    ['no head', { numClasses: 0 }, /models without a head/],
  ])('%s: refused in one line (the reference runs it)', (_, over, re) => {
    const line = ortRefusal(randomViT(over, 1).config);
    expect(line).toMatch(re);
    expect(line).toMatch(/^random: the ONNX Runtime path does not build graphs for [^\n]+ yet$/);
  });

  it('a plain class-token ViT with a head is not refused', () => {
    expect(ortRefusal(randomViT({}, 1).config)).toBeNull();
  });
});
