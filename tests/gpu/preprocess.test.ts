// The WGSL preprocessing kernel against the TypeScript reference (itself bit-exact with the
// golden PIL/torchvision inputs), on Dawn's two software routes: lavapipe (Vulkan) and
// llvmpipe (OpenGL ES, compatibility mode, 4 storage buffers per stage).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImageFile } from '../../src/cli/decode-node';
import { parseTimmConfig, type Interpolation, type ModelConfig } from '../../src/model/config';
import type { RawImage } from '../../src/core/preprocess';
import { preprocess } from '../../src/reference/preprocess';
import { createPreprocessor, type GpuPreprocessor } from '../../src/gpu/preprocess';
import { requestNodeAdapter, type ConcreteRoute } from '../../src/gpu/node-adapter';
import { goldenDir, readGoldenCases, readGoldenF32, sharedPath } from '../../src/golden';
import { rng } from '../support/random';
import { ARCHS_WEIGHTS, GOLDEN_ARCHS, archEntries, readArchF32 } from '../support/golden-archs';

const GOLDEN = goldenDir();
const entries = readGoldenCases().entries;
const configs = new Map<string, ModelConfig>();
function configFor(model: string): ModelConfig {
  let c = configs.get(model);
  if (!c) {
    c = parseTimmConfig(model, JSON.parse(readFileSync(sharedPath('weights', model, 'config.json'), 'utf8')));
    configs.set(model, c);
  }
  return c;
}

function toRgba(img: RawImage): RawImage {
  const n = img.width * img.height;
  const data = new Uint8ClampedArray(n * 4);
  for (let p = 0; p < n; p++) {
    data.set(img.data.subarray(p * 3, p * 3 + 3), p * 4);
    data[p * 4 + 3] = (p * 7) & 255; // arbitrary alpha: must be ignored
  }
  return { data, width: img.width, height: img.height, channels: 4 };
}

/** Float arrays compared bit for bit: count of differing values and the largest difference. */
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

describe.each(ROUTES)('GPU preprocess on %s', (route) => {
  let device: GPUDevice;
  let pre: GpuPreprocessor;

  beforeAll(async () => {
    const { adapter } = await requestNodeAdapter(route);
    // Default limits on purpose: the GL route then allows only 4 storage buffers per stage.
    device = await adapter.requestDevice();
    pre = await createPreprocessor(device);
  });
  afterAll(() => device?.destroy());

  /** Runs the kernel for each image into one batch buffer and reads all of it back. */
  async function runBatch(images: RawImage[], configList: ModelConfig[]): Promise<Float32Array[]> {
    const sizes = configList.map((c) => 3 * c.imgSize * c.imgSize);
    const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((s, x) => s + x, 0));
    const total = sizes.reduce((s, x) => s + x, 0);
    const out = device.createBuffer({ size: total * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const read = device.createBuffer({ size: total * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = device.createCommandEncoder();
    const done = images.map((img, i) => pre.encode(encoder, img, configList[i], out, offsets[i]));
    encoder.copyBufferToBuffer(out, 0, read, 0, total * 4);
    device.queue.submit([encoder.finish()]);
    done.forEach((d) => d.release());
    await read.mapAsync(GPUMapMode.READ);
    const all = new Float32Array(read.getMappedRange().slice(0));
    read.unmap();
    out.destroy();
    read.destroy();
    return offsets.map((o, i) => all.subarray(o, o + sizes[i]));
  }

  it('matches the TS reference and the golden inputs bit for bit (RGB and RGBA uploads)', async () => {
    const images: RawImage[] = [];
    const cfgs: ModelConfig[] = [];
    for (const [i, e] of entries.entries()) {
      const rgb = await decodeImageFile(join(GOLDEN, e.image_file));
      images.push(i % 2 ? toRgba(rgb) : rgb);
      cfgs.push(configFor(e.model));
    }
    const gpu = await runBatch(images, cfgs);
    entries.forEach((e, i) => {
      const cpu = preprocess(images[i], cfgs[i]).input;
      const gold = readGoldenF32(e.input);
      expect(diff(gpu[i], cpu), `${e.model} ${e.image_file} vs TS`).toEqual({ differing: 0, maxDiff: 0 });
      expect(diff(gpu[i], gold), `${e.model} ${e.image_file} vs golden`).toEqual({ differing: 0, maxDiff: 0 });
    });
  });

  it("matches the TS reference and the golden-archs inputs bit for bit with each model's own preprocessing (518 px upscale, crop_pct 1.0, CLIP mean/std)", async () => {
    const archs = archEntries();
    const images: RawImage[] = [];
    const cfgs: ModelConfig[] = [];
    for (const e of archs) {
      images.push(await decodeImageFile(join(GOLDEN_ARCHS, e.image_file)));
      cfgs.push(parseTimmConfig(e.model, JSON.parse(readFileSync(join(ARCHS_WEIGHTS, e.model, 'config.json'), 'utf8')) as Record<string, unknown>));
    }
    const gpu = await runBatch(images, cfgs);
    archs.forEach((e, i) => {
      expect(diff(gpu[i], preprocess(images[i], cfgs[i]).input), `${e.model} ${e.image} vs TS`).toEqual({ differing: 0, maxDiff: 0 });
      expect(diff(gpu[i], readArchF32(e.input)), `${e.model} ${e.image} vs golden-archs`).toEqual({ differing: 0, maxDiff: 0 });
    });
  });

  it('reuses the GPU resources of an image across calls and never serves another image from them', async () => {
    const cfg = configFor('vit_tiny_patch16_224.augreg_in21k_ft_in1k');
    // More distinct images than the cache holds, each run twice: hits, misses and evictions.
    const images: RawImage[] = Array.from({ length: 20 }, (_, k) => {
      const data = new Uint8Array(300 * 200 * 3);
      for (let i = 0; i < data.length; i++) data[i] = (i * (k + 3) + k * 7) % 256;
      return { data, width: 300, height: 200, channels: 3 };
    });
    for (let round = 0; round < 2; round++) {
      for (const img of images) {
        const [gpu] = await runBatch([img], [cfg]);
        expect(diff(gpu, preprocess(img, cfg).input)).toEqual({ differing: 0, maxDiff: 0 });
      }
    }
  });

  it('matches the TS reference on random sizes, filters and crop ratios', async () => {
    const rand = rng(route === 'vulkan' ? 1 : 2);
    const base = configFor('deit_tiny_patch16_224.lnq');
    const filters: Interpolation[] = ['bicubic', 'bilinear', 'nearest'];
    const images: RawImage[] = [];
    const cfgs: ModelConfig[] = [];
    for (let t = 0; t < 12; t++) {
      // Mostly small and odd sizes, sometimes thin or larger than the crop by a lot.
      const width = 1 + Math.floor(rand() ** 2 * (t % 4 === 0 ? 1500 : 400));
      const height = 1 + Math.floor(rand() ** 2 * (t % 4 === 1 ? 1500 : 400));
      const channels = t % 2 ? 4 : 3;
      const data = new Uint8Array(width * height * channels);
      // Smooth gradients plus noise: exercises both negative lobes and clipping at 0 and 255.
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          for (let c = 0; c < channels; c++) {
            const v = ((x * (c + 1) * 3 + y * 5) % 256) + (rand() < 0.2 ? (rand() - 0.5) * 400 : 0);
            data[(y * width + x) * channels + c] = Math.max(0, Math.min(255, Math.round(v)));
          }
        }
      }
      images.push({ data, width, height, channels });
      const imgSize = [224, 96, 160][t % 3];
      cfgs.push({
        ...base,
        imgSize,
        interpolation: filters[t % 3],
        cropPct: [0.875, 0.9, 1.0, 1.15][Math.floor(t / 3) % 4],
      });
    }
    const gpu = await runBatch(images, cfgs);
    images.forEach((img, i) => {
      const cpu = preprocess(img, cfgs[i]).input;
      const what = `${img.width}x${img.height}x${img.channels} ${cfgs[i].interpolation} S=${cfgs[i].imgSize} crop_pct=${cfgs[i].cropPct}`;
      expect(diff(gpu[i], cpu), what).toEqual({ differing: 0, maxDiff: 0 });
    });
  });

  it('matches the TS reference on extreme aspect ratios (only the crop window is uploaded)', async () => {
    const cfg = configFor('vit_tiny_patch16_224.augreg_in21k_ft_in1k');
    const images: RawImage[] = [
      [12000, 150, 3],
      [90, 9000, 4],
    ].map(([width, height, channels]) => {
      const data = new Uint8Array(width * height * channels);
      for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
      return { data, width, height, channels: channels as 3 | 4 };
    });
    const gpu = await runBatch(images, [cfg, cfg]);
    images.forEach((img, i) => {
      expect(diff(gpu[i], preprocess(img, cfg).input), `${img.width}x${img.height}`).toEqual({ differing: 0, maxDiff: 0 });
    });
  });

  it('refuses an output buffer too small for the crop', () => {
    const out = device.createBuffer({ size: 1024, usage: GPUBufferUsage.STORAGE });
    const img: RawImage = { data: new Uint8Array(4), width: 1, height: 1, channels: 4 };
    expect(() => pre.run(img, configFor('deit_tiny_patch16_224.lnq'), out)).toThrow(/cannot hold 3x224x224/);
    out.destroy();
  });
});
