// The whole GPU forward against the CPU reference forward on random tiny ViTs: other dims,
// head counts, an even token count, classes not a multiple of 4, r at the clamp, prune mode,
// no proportional attention, and batched == unbatched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forward as cpuForward } from '../../src/reference/vit';
import { createWebGpuBackend, type WebGpuBackend } from '../../src/gpu/engine';
import { requestNodeAdapter } from '../../src/gpu/node-adapter';
import type { ModelConfig } from '../../src/model/config';
import type { ToMeOptions } from '../../src/core/tome';
import { maxAbsDiff } from './gpu-harness';
import { randomArray, randomViT } from '../support/random';

const engines: WebGpuBackend[] = [];
afterAll(() => engines.forEach((e) => e.dispose()));

const configs: Array<{ name: string; over: Partial<ModelConfig> }> = [
  { name: 'D=24 heads=2 grid 5x5 (T0 = 26, even), 10 classes', over: {} },
  { name: 'D=32 heads=4 grid 3x3 (T0 = 10), depth 4, 7 classes', over: { embedDim: 32, numHeads: 4, imgSize: 12, depth: 4, mlpHidden: 64, numClasses: 7 } },
];
const options: ToMeOptions[] = [
  { r: 0, schedule: 'constant', propAttn: true, mode: 'merge' },
  { r: 50, schedule: 'constant', propAttn: true, mode: 'merge' }, // clamped in every block
  { r: 3, schedule: 'decreasing', propAttn: false, mode: 'merge' },
  { r: 4, schedule: 'constant', propAttn: true, mode: 'prune' },
];

describe.each(configs)('random ViT: $name', ({ over }) => {
  const w = randomViT(over, 11);
  const S = w.config.imgSize;
  const images = [randomArray(3 * S * S, 101, 2), randomArray(3 * S * S, 202, 2), randomArray(3 * S * S, 303, 2)];
  let engine: WebGpuBackend;
  beforeAll(async () => {
    // An adapter hands out one device: each engine asks for its own.
    engine = await createWebGpuBackend(w, { adapter: (await requestNodeAdapter('auto')).adapter, maxBatch: 2 });
    engines.push(engine);
  });

  it.each(options)('r=$r $schedule prop=$propAttn $mode matches the CPU forward, batched == unbatched', async (opts) => {
    const batched = await engine.run(images, opts); // 3 images with maxBatch 2: two submissions
    for (let i = 0; i < images.length; i++) {
      const want = cpuForward(w, images[i], opts);
      const got = batched.results[i];
      expect(got.tokens).toEqual(want.tokens);
      got.tokenOfPatch.forEach((row, l) => expect(Array.from(row)).toEqual(Array.from(want.tokenOfPatch[l])));
      expect(Array.from(got.groups)).toEqual(Array.from(want.groups));
      expect(maxAbsDiff(got.logits, want.logits)).toBeLessThan(1e-4);
      expect(maxAbsDiff(got.probs, want.probs)).toBeLessThan(1e-5);
      expect(got.top5.map((t) => t.index)).toEqual(want.top5.map((t) => t.index));
      const single = (await engine.run([images[i]], opts)).results[0];
      expect(maxAbsDiff(single.logits, got.logits)).toBeLessThan(1e-6);
      expect(Array.from(single.groups)).toEqual(Array.from(got.groups));
    }
  });
});
