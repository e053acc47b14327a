// runTextures: whole forwards from rgba8unorm textures (how video frames reach the engine) must
// equal run() on the same pixels exactly (the preprocessing is bit-exact, so the forwards
// see the same tensor): identical logits, top-5, tokens and groups, on the golden photos at
// several settings, across batch chunks, and from one frame texture rewritten per frame.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeImageFile } from '../../src/cli/decode-node';
import type { RawImage } from '../../src/core/preprocess';
import { createWebGpuBackend, type WebGpuBackend } from '../../src/gpu/engine';
import { createFrameTexture, frameTextureUsage } from '../../src/gpu/frame-texture';
import { requestNodeAdapter } from '../../src/gpu/node-adapter';
import type { ToMeOptions } from '../../src/core/tome';
import { GOLDEN, goldenEntries, loadModel } from '../support/golden';
import { maxAbsDiff } from './gpu-harness';

const MODEL = 'vit_tiny_patch16_224.augreg_in21k_ft_in1k';
const entries = goldenEntries().filter((e) => e.model === MODEL);

let engine: WebGpuBackend;
let images: RawImage[];
let textures: GPUTexture[];

beforeAll(async () => {
  // maxBatch 3 < 8 images: several submissions per call.
  engine = await createWebGpuBackend(loadModel(MODEL), { adapter: (await requestNodeAdapter('auto')).adapter, maxBatch: 3 });
  images = [];
  for (const e of entries) images.push(await decodeImageFile(join(GOLDEN, e.image_file)));
  textures = images.map((img) => {
    const t = engine.device.createTexture({ size: [img.width, img.height], format: 'rgba8unorm', usage: frameTextureUsage() });
    const rgba = new Uint8Array(img.width * img.height * 4).fill(255);
    for (let p = 0; p < img.width * img.height; p++) rgba.set(img.data.subarray(p * 3, p * 3 + 3), p * 4);
    engine.device.queue.writeTexture({ texture: t }, rgba, { bytesPerRow: img.width * 4 }, [img.width, img.height]);
    return t;
  });
});
afterAll(() => {
  textures?.forEach((t) => t.destroy());
  engine?.dispose();
});

const settings: ToMeOptions[] = [
  { r: 0, schedule: 'constant', propAttn: true, mode: 'merge' },
  { r: 13, schedule: 'constant', propAttn: true, mode: 'merge' },
  { r: 16, schedule: 'decreasing', propAttn: true, mode: 'merge' },
];

it.each(settings.map((o) => [`r=${o.r} ${o.schedule}`, o] as const))('%s: runTextures equals run() on the golden photos', async (_, opts) => {
  const fromTextures = await engine.runTextures(textures, opts);
  const fromImages = await engine.run(images, opts);
  expect(fromTextures.results).toHaveLength(entries.length);
  entries.forEach((e, i) => {
    const a = fromTextures.results[i];
    const b = fromImages.results[i];
    expect(maxAbsDiff(a.logits, b.logits), e.image).toBe(0);
    expect(a.top5, e.image).toEqual(b.top5);
    expect(a.tokens).toEqual(b.tokens);
    expect(Array.from(a.groups), e.image).toEqual(Array.from(b.groups));
    expect(a.tokenOfPatch.map((m) => Array.from(m))).toEqual(b.tokenOfPatch.map((m) => Array.from(m)));
    const gold = e.cases.find((c) => c.r === opts.r && c.schedule === opts.schedule);
    if (gold) expect(a.top5[0].index, e.image).toBe(gold.top5[0][0]);
  });
  expect(fromTextures.timing.ms).toBeGreaterThan(0);
});

it('one frame texture rewritten per frame: each forward sees its own frame', async () => {
  const opts = settings[1];
  const frames = createFrameTexture(engine.device);
  // Each photo resized to 640x480 by cropping its centre (a camera-sized frame).
  const frameOf = (img: RawImage): RawImage => {
    const w = 640;
    const h = 480;
    const data = new Uint8Array(w * h * 3);
    const x0 = Math.max(0, (img.width - w) >> 1);
    const y0 = Math.max(0, (img.height - h) >> 1);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const sx = Math.min(img.width - 1, x0 + x);
        const sy = Math.min(img.height - 1, y0 + y);
        data.set(img.data.subarray((sy * img.width + sx) * 3, (sy * img.width + sx) * 3 + 3), (y * w + x) * 3);
      }
    }
    return { data, width: w, height: h, channels: 3 };
  };
  const seen: number[] = [];
  for (const img of images.slice(0, 4)) {
    const frame = frameOf(img);
    const texture = frames.fromPixels(frame);
    const [a] = (await engine.runTextures([texture], opts)).results;
    const [b] = (await engine.run([frame], opts)).results;
    expect(maxAbsDiff(a.logits, b.logits)).toBe(0);
    expect(Array.from(a.groups)).toEqual(Array.from(b.groups));
    seen.push(a.top5[0].index);
  }
  // Different photos in the same texture give different answers (not a stale frame).
  expect(new Set(seen).size).toBe(4);
  frames.dispose();
});

it('a texture of the wrong format rejects that call only', async () => {
  const bad = engine.device.createTexture({ size: [4, 4], format: 'r8unorm', usage: GPUTextureUsage.COPY_SRC });
  await expect(engine.runTextures([textures[0], bad], settings[0])).rejects.toThrow(/rgba8unorm texture/);
  bad.destroy();
  const [r] = (await engine.runTextures([textures[0]], settings[0])).results;
  expect(r.top5[0].index).toBe(entries[0].cases.find((c) => c.r === 0)!.top5[0][0]);
});
