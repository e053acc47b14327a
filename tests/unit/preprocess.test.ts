// Preprocessing (Pillow-exact resize, crop, normalise) against the golden inputs, and the Node
// decoder's handling of orientation, alpha, grayscale, 16-bit, extreme sizes and bad files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImageFile } from '../../src/cli/decode-node';
import { parseTimmConfig, type ModelConfig } from '../../src/model/config';
import {
  normalizeLut,
  type RawImage,
  PRECISION_BITS,
  prepareLimits,
  preprocessGeometry,
  reducedSize,
  resampleTaps,
  roundHalfEven,
} from '../../src/core/preprocess';
import { preprocess } from '../../src/reference/preprocess';
import { goldenDir, readGoldenCases, readGoldenF32, sharedPath } from '../../src/golden';
import { ARCHS_WEIGHTS, GOLDEN_ARCHS, archEntries, readArchF32 } from '../support/golden-archs';

const GOLDEN = goldenDir();
const ONE = 2 ** PRECISION_BITS;

const cases = readGoldenCases();

const configs = new Map<string, ModelConfig>();
function configFor(model: string): ModelConfig {
  let c = configs.get(model);
  if (!c) {
    const raw = JSON.parse(readFileSync(sharedPath('weights', model, 'config.json'), 'utf8'));
    c = parseTimmConfig(model, raw);
    configs.set(model, c);
  }
  return c;
}
const VIT = configFor('vit_tiny_patch16_224.augreg_in21k_ft_in1k');

describe('preprocess vs the golden inputs (PIL + torchvision)', () => {
  // Measured: every entry, PNG and JPEG alike, is bit-identical (max |diff| 0, 0 differing
  // values): sharp's libjpeg-turbo decodes these JPEGs to the same bytes as PIL's, and the
  // resampler reproduces Pillow's fixed-point arithmetic. A different JPEG decoder could move a
  // few pixels by one level (1/255/std in the input); that would show up here first.
  it.each(cases.entries.map((e) => [`${e.model.split('_')[0]} ${e.image_file}`, e] as const))('%s', async (_name, e) => {
    const config = configFor(e.model);
    const image = await decodeImageFile(join(GOLDEN, e.image_file));
    const { input, geometry } = preprocess(image, config);
    const g = e.preprocess_geometry;
    expect(geometry.origSize).toEqual(g.orig_size);
    expect(geometry.resized).toEqual(g.resized);
    expect(geometry.cropLeftTop).toEqual(g.crop_left_top);
    const gold = readGoldenF32(e.input);
    expect(input.length).toBe(gold.length);
    let maxDiff = 0;
    let differing = 0;
    for (let i = 0; i < gold.length; i++) {
      const d = Math.abs(input[i] - gold[i]);
      if (d > 0) differing++;
      maxDiff = Math.max(maxDiff, d);
    }
    expect({ maxDiff, differing }).toEqual({ maxDiff: 0, differing: 0 });
  });
});

describe('resampler arithmetic', () => {
  it('rounds crop offsets half to even, like Python', () => {
    expect([0.5, 1.5, 2.5, 3.5, 64.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 4, 64, 2, 3]);
    // monarch for ViT: resized 353 wide, (353 - 224) / 2 = 64.5 -> 64 (Math.round would say 65).
    expect(preprocessGeometry(500, 351, VIT).cropLeftTop).toEqual([64, 12]);
  });

  it('zero-pads like torchvision when crop_pct > 1 makes the image smaller than the crop', () => {
    const cfg: ModelConfig = { ...VIT, cropPct: 1.2 }; // shorter side floor(224 / 1.2) = 186
    const g = preprocessGeometry(300, 200, cfg);
    expect(g.resized).toEqual([279, 186]);
    expect(g.cropLeftTop).toEqual([28, -19]); // pad (224 - 186) // 2 = 19 rows on top
    const px = new Uint8Array(300 * 200 * 3).fill(255);
    const { input } = preprocess({ data: px, width: 300, height: 200, channels: 3 }, cfg);
    const lut = normalizeLut(cfg);
    expect(input[0]).toBe(lut[0]); // padding row: pixel value 0
    expect(input[19 * 224]).toBe(lut[255]); // first image row
    expect(input[(19 + 186) * 224]).toBe(lut[0]); // padding again below
  });

  it('is the identity at scale 1 for every filter', () => {
    for (const f of ['bicubic', 'bilinear', 'nearest'] as const) {
      const t = resampleTaps(7, 7, 0, 7, f);
      for (let j = 0; j < 7; j++) {
        const w = Array.from(t.weights.subarray(j * t.ksize, j * t.ksize + t.taps[j]));
        const at = t.start[j] + w.indexOf(ONE);
        expect(at, `${f} output ${j}`).toBe(j);
        expect(w.filter((x) => x !== 0)).toEqual([ONE]);
      }
    }
  });

  it('widens the filter when downscaling (antialias) and rounds weights to fixed point', () => {
    // Bilinear 4 -> 2: support 2, output 0 centred at 1.0 reads inputs 0..2 with weights
    // 0.75, 0.75, 0.25 normalised by 1.75, then rounded half away from zero at 2^22.
    const t = resampleTaps(4, 2, 0, 2, 'bilinear');
    expect(t.start[0]).toBe(0);
    expect(Array.from(t.weights.subarray(0, t.taps[0]))).toEqual([1797559, 1797559, 599186]);
    // Bicubic 1000 -> 100: support 20 inputs each side, weights sum to one in fixed point.
    const b = resampleTaps(1000, 100, 0, 100, 'bicubic');
    expect(b.taps[50]).toBe(40);
    const sum = b.weights.subarray(50 * b.ksize, 50 * b.ksize + b.taps[50]).reduce((s, x) => s + x, 0);
    expect(Math.abs(sum - ONE)).toBeLessThanOrEqual(b.taps[50]);
  });

  it("nearest picks Pillow's source pixels (half-pixel centres)", () => {
    const down = resampleTaps(4, 2, 0, 2, 'nearest');
    expect(Array.from(down.start)).toEqual([1, 3]);
    const up = resampleTaps(2, 5, 0, 5, 'nearest');
    expect(Array.from(up.start)).toEqual([0, 0, 1, 1, 1]);
  });

  it('normalises each byte value in float32 as torch does', () => {
    const lut = normalizeLut(VIT); // mean = std = 0.5
    expect(lut[0]).toBe(-1);
    expect(lut[255]).toBe(1);
    expect(lut[128]).toBe(Math.fround(Math.fround(Math.fround(128 / 255) - 0.5) / 0.5));
  });

  it('ignores alpha of RGBA input and rejects other channel counts', () => {
    const rgb = new Uint8Array(3 * 5 * 4).map((_, i) => (i * 37) % 256);
    const rgba = new Uint8Array(4 * 5 * 4);
    for (let p = 0; p < 20; p++) {
      rgba.set(rgb.subarray(p * 3, p * 3 + 3), p * 4);
      rgba[p * 4 + 3] = p * 13;
    }
    const a = preprocess({ data: rgb, width: 5, height: 4, channels: 3 }, VIT).input;
    const b = preprocess({ data: rgba, width: 5, height: 4, channels: 4 }, VIT).input;
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    expect(() => preprocess({ data: rgba, width: 5, height: 4, channels: 2 } as unknown as RawImage, VIT)).toThrow(/2 channels/);
    expect(() => preprocess({ data: rgb, width: 6, height: 4, channels: 3 }, VIT)).toThrow(/bytes/);
  });
});

describe('size limits', () => {
  it('reduces only images whose shorter side is over 4x the resize target, refuses over the budget', () => {
    const limits = prepareLimits(VIT);
    expect(limits.reduceShorterTo).toBe(4 * 248);
    expect(reducedSize(992, 5000, limits)).toBeNull();
    expect(reducedSize(4000, 3000, limits)).toEqual([1323, 992]);
    expect(reducedSize(1000, 50000, limits)).toEqual([992, 49600]);
    expect(() => reducedSize(20000, 20000, limits)).toThrow(/20000x20000 \(400\.0 Mpixel\), over the 100 Mpixel limit/);
  });
});

describe('decodeImageFile', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tome-decode-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const raw = (data: Uint8Array | Uint16Array, width: number, height: number, channels: 1 | 2 | 3 | 4) => sharp(data, { raw: { width, height, channels } });

  function pixel(img: RawImage, x: number, y: number): number[] {
    const p = (y * img.width + x) * 3;
    return Array.from(img.data.subarray(p, p + 3));
  }

  it('applies EXIF orientation', async () => {
    // Stored 40x20: left half red, right half blue. Orientation 6 = rotate 90 degrees clockwise
    // for display, so the upright image is 20x40 with red on top.
    const px = new Uint8Array(40 * 20 * 3);
    for (let y = 0; y < 20; y++) for (let x = 0; x < 40; x++) px.set(x < 20 ? [255, 0, 0] : [0, 0, 255], (y * 40 + x) * 3);
    await raw(px, 40, 20, 3).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toFile(file('rot.jpg'));
    const img = await decodeImageFile(file('rot.jpg'));
    expect([img.width, img.height, img.channels]).toEqual([20, 40, 3]);
    const [r0, , b0] = pixel(img, 10, 5);
    const [r1, , b1] = pixel(img, 10, 35);
    expect(r0).toBeGreaterThan(200);
    expect(b0).toBeLessThan(50);
    expect(b1).toBeGreaterThan(200);
    expect(r1).toBeLessThan(50);
  });

  it('drops alpha without flattening (PIL convert("RGB"))', async () => {
    const px = new Uint8Array([200, 100, 50, 0, 10, 20, 30, 128]);
    await raw(px, 2, 1, 4).png().toFile(file('rgba.png'));
    const img = await decodeImageFile(file('rgba.png'));
    expect(img.channels).toBe(3);
    expect(Array.from(img.data)).toEqual([200, 100, 50, 10, 20, 30]);
  });

  it('expands grayscale (with or without alpha) to RGB', async () => {
    await raw(new Uint8Array([0, 77, 255]), 3, 1, 1)
      .png()
      .toFile(file('grey.png'));
    await raw(new Uint8Array([0, 9, 77, 99, 255, 0]), 3, 1, 2)
      .png()
      .toFile(file('greya.png'));
    for (const name of ['grey.png', 'greya.png']) {
      const img = await decodeImageFile(file(name));
      expect(Array.from(img.data), name).toEqual([0, 0, 0, 77, 77, 77, 255, 255, 255]);
    }
  });

  it('reduces 16-bit samples to their high byte', async () => {
    const px = new Uint16Array([0, 0x1234, 0xffff, 0x8000, 0x00ff, 0x7f01]);
    await raw(px, 2, 1, 3).toColourspace('rgb16').png().toFile(file('deep.png'));
    expect((await sharp(file('deep.png')).metadata()).depth).toBe('ushort');
    const img = await decodeImageFile(file('deep.png'));
    expect(Array.from(img.data)).toEqual([0x00, 0x12, 0xff, 0x80, 0x00, 0x7f]);
  });

  it('decodes WebP', async () => {
    await raw(new Uint8Array([10, 200, 30]), 1, 1, 3)
      .webp({ lossless: true })
      .toFile(file('one.webp'));
    const img = await decodeImageFile(file('one.webp'));
    expect(Array.from(img.data)).toEqual([10, 200, 30]);
  });

  it('classifies a 1x1 image as a constant input (upscaled)', async () => {
    await raw(new Uint8Array([12, 34, 56]), 1, 1, 3)
      .png()
      .toFile(file('dot.png'));
    const img = await decodeImageFile(file('dot.png'));
    const { input, geometry } = preprocess(img, VIT);
    expect(geometry.resized).toEqual([248, 248]);
    const lut = normalizeLut(VIT);
    const plane = 224 * 224;
    expect(new Set(input.subarray(0, plane))).toEqual(new Set([lut[12]]));
    expect(new Set(input.subarray(plane, 2 * plane))).toEqual(new Set([lut[256 + 34]]));
    expect(new Set(input.subarray(2 * plane))).toEqual(new Set([lut[512 + 56]]));
  });

  it('handles a very wide image by resampling only the crop', async () => {
    // 30000 x 2: resized to 3,720,000 x 248 in Pillow; columns vary, rows are equal, so every
    // output column must be constant and the centre crop must see the middle of the gradient.
    const W = 30000;
    const px = new Uint8Array(W * 2 * 3);
    for (let y = 0; y < 2; y++) for (let x = 0; x < W; x++) px.fill(Math.floor((x * 256) / W), (y * W + x) * 3, (y * W + x) * 3 + 3);
    await raw(px, W, 2, 3).png().toFile(file('wide.png'));
    const img = await decodeImageFile(file('wide.png'), prepareLimits(VIT));
    expect([img.width, img.height]).toEqual([W, 2]);
    const { input, geometry } = preprocess(img, VIT);
    expect(geometry.resized).toEqual([3720000, 248]);
    expect(geometry.cropLeftTop).toEqual([1859888, 12]);
    for (let x = 0; x < 224; x += 37) {
      const col = new Set(Array.from({ length: 224 }, (_, y) => input[y * 224 + x]));
      expect(col.size).toBe(1);
    }
    const lut = normalizeLut(VIT);
    expect(input[112]).toBe(lut[128]);
  });

  it('shrinks large images on load to 4x the resize target', async () => {
    await sharp({ create: { width: 2400, height: 1800, channels: 3, background: { r: 90, g: 160, b: 30 } } })
      .jpeg()
      .toFile(file('big.jpg'));
    const img = await decodeImageFile(file('big.jpg'), prepareLimits(VIT));
    expect([img.width, img.height]).toEqual([1323, 992]);
    const full = await decodeImageFile(file('big.jpg'));
    expect([full.width, full.height]).toEqual([2400, 1800]);
  });

  it('refuses images over the pixel budget from the header alone', async () => {
    writeFileSync(file('huge.png'), pngHeaderOnly(20000, 20000));
    await expect(decodeImageFile(file('huge.png'))).rejects.toThrow(`${file('huge.png')}: image is 20000x20000 (400.0 Mpixel), over the 100 Mpixel limit`);
  });

  it('turns bad files into one line naming the file', async () => {
    const jpeg = readFileSync(join(GOLDEN, 'images/n01531178_goldfinch.JPEG'));
    writeFileSync(file('trunc.jpg'), jpeg.subarray(0, jpeg.length >> 1));
    writeFileSync(file('empty.jpg'), '');
    writeFileSync(file('text.png'), 'this is not an image\n');
    await raw(new Uint8Array([1, 2, 3]), 1, 1, 3)
      .gif()
      .toFile(file('anim.gif'));
    const expected: Array<[string, RegExp]> = [
      ['missing.jpg', /: no such file$/],
      ['empty.jpg', /: empty file \(0 bytes\)$/],
      ['text.png', /: not a readable image \(.+\)$/],
      ['trunc.jpg', /: truncated or corrupt image data \(.*(premature end|truncated).*\)$/i],
      ['anim.gif', /: unsupported format gif \(expected JPEG, PNG or WebP\)$/],
    ];
    for (const [name, pattern] of expected) {
      const err = await decodeImageFile(file(name)).then(
        () => null,
        (e: Error) => e.message,
      );
      expect(err, name).not.toBeNull();
      expect(err!.startsWith(`${file(name)}: `), err!).toBe(true);
      expect(err!, name).toMatch(pattern);
      expect(err!.includes('\n'), name).toBe(false);
    }
  });
});

/** A PNG claiming width x height whose IDAT holds only the first row (enough for metadata). */
function pngHeaderOnly(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const firstRow = deflateSync(Buffer.alloc(1 + 3 * width));
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', firstRow), chunk('IEND', Buffer.alloc(0))]);
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

// Each golden-archs model's own preprocessing (CLIP mean/std and crop_pct 0.95 / 0.9, 256 px with
// 0.5 mean/std, DINOv2's crop_pct 1.0 at 518 px, which upscales the goldfish about 2x) against
// the inputs timm's transform made from the same photos: the geometry exactly, the values as
// closely as this decoder and resampler reproduce Pillow's.
describe('preprocess vs the golden-archs inputs (each model its own pretrained_cfg)', () => {
  const entries = archEntries();
  it.each(entries.map((e) => [`${e.model} ${e.image}`, e] as const))('%s', async (_name, e) => {
    const raw = JSON.parse(readFileSync(join(ARCHS_WEIGHTS, e.model, 'config.json'), 'utf8')) as Record<string, unknown>;
    const config = parseTimmConfig(e.model, raw);
    const image = await decodeImageFile(join(GOLDEN_ARCHS, e.image_file));
    const { input, geometry } = preprocess(image, config);
    const g = e.preprocess_geometry;
    expect(geometry.origSize).toEqual(g.orig_size);
    expect(geometry.resized).toEqual(g.resized);
    expect(geometry.cropLeftTop).toEqual(g.crop_left_top);
    const gold = readArchF32(e.input);
    expect(input.length).toBe(gold.length);
    let maxDiff = 0;
    for (let i = 0; i < gold.length; i++) maxDiff = Math.max(maxDiff, Math.abs(input[i] - gold[i]));
    expect(maxDiff).toBe(0);
  });
});
