// The texture input path of the GPU preprocessing (what video frames take): the crop's source
// window copied out of an rgba8unorm texture on the GPU, then the same kernel, must give exactly the bytes the
// pixel-array path and the TypeScript reference give (max abs diff 0), on the golden photos,
// on odd and extreme sizes, RGB and RGBA, under several model configs, on Dawn's two software
// routes (lavapipe over Vulkan, llvmpipe over OpenGL ES with its 4 storage buffers per stage).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImageFile } from '../../src/cli/decode-node';
import type { Interpolation, ModelConfig } from '../../src/model/config';
import { preprocess } from '../../src/reference/preprocess';
import type { RawImage } from '../../src/core/preprocess';
import { createFrameTexture, frameTextureUsage } from '../../src/gpu/frame-texture';
import { createPreprocessor, type GpuPreprocessor } from '../../src/gpu/preprocess';
import { requestNodeAdapter, type ConcreteRoute } from '../../src/gpu/node-adapter';
import { goldenDir, logitsEntries } from '../../src/golden';
import { loadModel } from '../support/golden-weights';
import { rng } from '../support/random';

const entries = logitsEntries();
const configFor = (() => {
  const cache = new Map<string, ModelConfig>();
  return (model: string) => {
    if (!cache.has(model)) cache.set(model, loadModel(model).config);
    return cache.get(model)!;
  };
})();

function toRgba(img: RawImage): RawImage {
  const n = img.width * img.height;
  const data = new Uint8Array(n * 4);
  for (let p = 0; p < n; p++) {
    data.set(img.data.subarray(p * 3, p * 3 + 3), p * 4);
    data[p * 4 + 3] = (p * 13) & 255; // alpha is ignored by both paths
  }
  return { data, width: img.width, height: img.height, channels: 4 };
}

/** Smooth gradients with bursts of noise: negative lobes and clipping at 0 and 255 both occur. */
function synthetic(width: number, height: number, channels: 3 | 4, seed: number): RawImage {
  const rand = rng(seed);
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const v = ((x * (c + 1) * 3 + y * 5) % 256) + (rand() < 0.2 ? (rand() - 0.5) * 400 : 0);
        data[(y * width + x) * channels + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return { data, width, height, channels };
}

/** Count of differing floats and the largest difference (both 0 when bit-identical). */
function diff(a: Float32Array, b: Float32Array): { differing: number; maxDiff: number } {
  let differing = 0;
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      differing++;
      maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    }
  }
  return { differing, maxDiff };
}

const ROUTES: ConcreteRoute[] = ['vulkan', 'opengles'];

describe.each(ROUTES)('GPU preprocess from textures on %s', (route) => {
  let device: GPUDevice;
  let pre: GpuPreprocessor;

  beforeAll(async () => {
    const { adapter } = await requestNodeAdapter(route);
    // Default limits on purpose (the GL route's 4 storage buffers per stage).
    device = await adapter.requestDevice();
    pre = await createPreprocessor(device);
  });
  afterAll(() => {
    pre?.dispose();
    device?.destroy();
  });

  function textureOf(img: RawImage): GPUTexture {
    const texture = device.createTexture({ size: [img.width, img.height], format: 'rgba8unorm', usage: frameTextureUsage() });
    const rgba = img.channels === 4 ? img : toRgba(img);
    device.queue.writeTexture({ texture }, rgba.data as Uint8Array<ArrayBuffer>, { bytesPerRow: img.width * 4 }, [img.width, img.height]);
    return texture;
  }

  /** Both GPU paths for every image, in one submission; returns [pixel path, texture path] per image. */
  async function bothPaths(images: RawImage[], cfgs: ModelConfig[], textures = images.map(textureOf)): Promise<Array<[Float32Array, Float32Array]>> {
    const sizes = cfgs.map((c) => 3 * c.imgSize * c.imgSize);
    const offsets = sizes.map((_, i) => 2 * sizes.slice(0, i).reduce((s, x) => s + x, 0));
    const total = 2 * sizes.reduce((s, x) => s + x, 0);
    const out = device.createBuffer({ size: total * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const read = device.createBuffer({ size: total * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = device.createCommandEncoder();
    const done = images.flatMap((img, i) => [
      pre.encode(encoder, img, cfgs[i], out, offsets[i]),
      pre.encodeTexture(encoder, textures[i], cfgs[i], out, offsets[i] + sizes[i]),
    ]);
    encoder.copyBufferToBuffer(out, 0, read, 0, total * 4);
    device.queue.submit([encoder.finish()]);
    done.forEach((d) => d.release());
    await read.mapAsync(GPUMapMode.READ);
    const all = new Float32Array(read.getMappedRange().slice(0));
    read.unmap();
    out.destroy();
    read.destroy();
    return offsets.map((o, i) => [all.subarray(o, o + sizes[i]), all.subarray(o + sizes[i], o + 2 * sizes[i])]);
  }

  function expectExact(images: RawImage[], cfgs: ModelConfig[], got: Array<[Float32Array, Float32Array]>) {
    images.forEach((img, i) => {
      const c = cfgs[i];
      const what = `${img.width}x${img.height}x${img.channels} ${c.interpolation} S=${c.imgSize} crop_pct=${c.cropPct}`;
      const ref = preprocess(img, c).input;
      const [pixels, texture] = got[i];
      expect(diff(texture, ref), `${what}: texture vs TS`).toEqual({ differing: 0, maxDiff: 0 });
      expect(diff(texture, pixels), `${what}: texture vs pixels`).toEqual({ differing: 0, maxDiff: 0 });
    });
  }

  it('equals the pixel path and the TS reference on the golden photos (RGB and RGBA sources)', async () => {
    const images: RawImage[] = [];
    const cfgs: ModelConfig[] = [];
    for (const [i, e] of entries.entries()) {
      const rgb = await decodeImageFile(join(goldenDir(), e.image_file));
      images.push(i % 2 ? toRgba(rgb) : rgb);
      cfgs.push(configFor(e.model));
    }
    expectExact(images, cfgs, await bothPaths(images, cfgs));
  });

  it('equals them on odd and extreme sizes under several filters, crop ratios and image sizes', async () => {
    const base = configFor('deit_tiny_patch16_224.lnq');
    const sizes: Array<[number, number]> = [
      [1, 1],
      [2, 3],
      [640, 480],
      [1920, 1080],
      [4000, 3], // very wide
      [3, 4000], // very tall
      [225, 224],
      [97, 1301],
    ];
    const filters: Interpolation[] = ['bicubic', 'bilinear', 'nearest'];
    const images: RawImage[] = [];
    const cfgs: ModelConfig[] = [];
    sizes.forEach(([w, h], t) => {
      for (const [k, imgSize] of [224, 96, 160].entries()) {
        images.push(synthetic(w, h, (t + k) % 2 ? 4 : 3, 10 * t + k));
        cfgs.push({ ...base, imgSize, interpolation: filters[(t + k) % 3], cropPct: [0.875, 0.9, 1.0, 1.15][(t + 2 * k) % 4] });
      }
    });
    expectExact(images, cfgs, await bothPaths(images, cfgs));
  });

  it('reads the texture when the commands run: one texture rewritten frame after frame', async () => {
    const cfg = configFor('vit_tiny_patch16_224.augreg_in21k_ft_in1k');
    const frames = createFrameTexture(device);
    for (let f = 0; f < 3; f++) {
      const img = synthetic(640, 480, f % 2 ? 4 : 3, 100 + f);
      const texture = frames.fromPixels(img);
      const [[pixels, fromTexture]] = await bothPaths([img], [cfg], [texture]);
      expect(frames.texture).toBe(texture);
      expect(diff(fromTexture, preprocess(img, cfg).input), `frame ${f}`).toEqual({ differing: 0, maxDiff: 0 });
      expect(diff(fromTexture, pixels), `frame ${f}`).toEqual({ differing: 0, maxDiff: 0 });
    }
    // Same texture object while the size holds; a new one when it changes.
    const first = frames.texture;
    expect(frames.fromPixels(synthetic(640, 480, 3, 1))).toBe(first);
    const resized = frames.fromPixels(synthetic(320, 240, 3, 2));
    expect(resized).not.toBe(first);
    expect([resized.width, resized.height]).toEqual([320, 240]);
    frames.dispose();
  });

  it('refuses a texture it cannot read, with one line naming why', () => {
    const cfg = configFor('vit_tiny_patch16_224.augreg_in21k_ft_in1k');
    const out = device.createBuffer({ size: 3 * 224 * 224 * 4, usage: GPUBufferUsage.STORAGE });
    const enc = device.createCommandEncoder();
    const srgb = device.createTexture({ size: [8, 8], format: 'rgba8unorm-srgb', usage: GPUTextureUsage.COPY_SRC });
    expect(() => pre.encodeTexture(enc, srgb, cfg, out)).toThrow(/rgba8unorm texture with COPY_SRC usage \(got 2d rgba8unorm-srgb/);
    const noCopy = device.createTexture({ size: [8, 8], format: 'rgba8unorm', usage: GPUTextureUsage.COPY_DST | GPUTextureUsage.TEXTURE_BINDING });
    expect(() => pre.encodeTexture(enc, noCopy, cfg, out)).toThrow(/COPY_SRC usage/);
    const frames = createFrameTexture(device);
    expect(() => frames.fromPixels({ data: new Uint8Array(5), width: 4, height: 4, channels: 3 })).toThrow(/5 bytes for a 4x4x3 image/);
    expect(() => frames.fromPixels({ data: new Uint8Array(0), width: 0, height: 4, channels: 3 })).toThrow(/0x4 is not a positive integer size/);
    const max = device.limits.maxTextureDimension2D;
    expect(() => frames.fromPixels({ data: new Uint8Array(0), width: max + 1, height: 1, channels: 3 })).toThrow(/texture limit/);
    for (const t of [srgb, noCopy, out]) t.destroy();
    frames.dispose();
  });
});
