// run() from decoded pixels: preprocessing on the GPU in the forward's own submission. From the
// golden source photos it must give what run() gives on the golden preprocessed inputs (the GPU preprocessing
// is bit-exact, so the forwards see the same tensor): same top-5, logits within 1e-5, same groups.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeImageFile } from '../../src/cli/decode-node';
import type { RawImage } from '../../src/core/preprocess';
import { createWebGpuBackend, type WebGpuBackend } from '../../src/gpu/engine';
import { requestNodeAdapter } from '../../src/gpu/node-adapter';
import type { ToMeOptions } from '../../src/core/tome';
import { GOLDEN, goldenEntries, loadModel, readF32 } from '../support/golden';
import { maxAbsDiff } from './gpu-harness';

const MODEL = 'vit_tiny_patch16_224.augreg_in21k_ft_in1k';
const entries = goldenEntries().filter((e) => e.model === MODEL);
const tome = (r: number): ToMeOptions => ({ r, schedule: 'constant', propAttn: true, mode: 'merge' });

let engine: WebGpuBackend;
let images: RawImage[];

function toRgba(img: RawImage): RawImage {
  const n = img.width * img.height;
  const data = new Uint8ClampedArray(n * 4);
  for (let p = 0; p < n; p++) {
    data.set(img.data.subarray(p * 3, p * 3 + 3), p * 4);
    data[p * 4 + 3] = 255 - (p & 255); // alpha is ignored
  }
  return { data, width: img.width, height: img.height, channels: 4 };
}

beforeAll(async () => {
  // maxBatch 3 < 8 images: the chunking path (several submissions per call) runs too.
  engine = await createWebGpuBackend(loadModel(MODEL), { adapter: (await requestNodeAdapter('auto')).adapter, maxBatch: 3 });
  images = [];
  for (const [i, e] of entries.entries()) {
    const rgb = await decodeImageFile(join(GOLDEN, e.image_file));
    images.push(i % 2 ? toRgba(rgb) : rgb);
  }
});
afterAll(() => engine?.dispose());

it.each([0, 13])('r=%i: run() on the golden photos equals run() on the golden inputs', async (r) => {
  const fromImages = await engine.run(images, tome(r));
  const fromTensors = await engine.run(
    entries.map((e) => readF32(e.input)),
    tome(r),
  );
  expect(fromImages.results).toHaveLength(entries.length);
  entries.forEach((e, i) => {
    const a = fromImages.results[i];
    const b = fromTensors.results[i];
    expect(
      a.top5.map((t) => t.index),
      e.image,
    ).toEqual(b.top5.map((t) => t.index));
    expect(maxAbsDiff(a.logits, b.logits), e.image).toBeLessThanOrEqual(1e-5);
    expect(Array.from(a.groups), e.image).toEqual(Array.from(b.groups));
    expect(a.tokens).toEqual(b.tokens);
    // And against the official outputs directly.
    const gold = e.cases.find((c) => c.r === r && c.schedule === 'constant')!;
    expect(a.top5[0].index, e.image).toBe(gold.top5[0][0]);
  });
  expect(fromImages.timing.ms).toBeGreaterThan(0);
});

it('a batch mixing photos and preprocessed tensors equals each run alone, slot for slot', async () => {
  const mixed = entries.map((e, i) => (i % 3 === 1 ? readF32(e.input) : images[i]));
  const together = await engine.run(mixed, tome(13));
  for (const [i, x] of mixed.entries()) {
    const [alone] = (await engine.run([x], tome(13))).results;
    expect(Array.from(together.results[i].logits), entries[i].image).toEqual(Array.from(alone.logits));
    expect(Array.from(together.results[i].groups), entries[i].image).toEqual(Array.from(alone.groups));
  }
});

it('a bad image rejects that call only; the engine keeps working', async () => {
  const short: RawImage = { data: new Uint8Array(10), width: 100, height: 100, channels: 3 };
  await expect(engine.run([images[0], short], tome(0))).rejects.toThrow(/10 bytes for a 100x100x3 image/);
  const { results } = await engine.run([images[0]], tome(0));
  expect(results[0].top5[0].index).toBe(entries[0].cases.find((c) => c.r === 0)!.top5[0][0]);
});
