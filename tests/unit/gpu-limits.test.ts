// Which weight precision and batch a model gets on an adapter (src/gpu/limits.ts): f32 when it
// fits; f32 at a smaller batch when the batch's activations are what does not fit; f16 when only
// f16 fits and the adapter has shader-f16 (with a note); otherwise f32's one line.
import { describe, expect, it } from 'vitest';
import { choosePrecision, GpuLimitError } from '../../src/gpu/limits';
import { parseTimmConfig } from '../../src/model/config';
import imagenetLabels from '../../src/model/imagenet-labels.json';
import { hubConfig } from '../support/timm-models';

const vitL = parseTimmConfig('vit_large_patch16_224', hubConfig({ architecture: 'vit_large_patch16_224', tag: 'x' }), { labels: imagenetLabels });
// ViT-L's fc1 is the largest weight buffer: 16.0 MiB in f32, 8.0 MiB in f16.
const limits = { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 12 * 2 ** 20 };

describe('choosePrecision', () => {
  it('keeps f32 when it fits', () => {
    expect(choosePrecision(vitL, { limits: { ...limits, maxStorageBufferBindingSize: 128 * 2 ** 20 }, features: new Set() }, { maxBatch: 1 })).toEqual({
      precision: 'f32',
      maxBatch: 1,
    });
  });

  it('halves the batch where the activations of a batch are what does not fit (DINOv2 ViT-L/14 at 518 px)', () => {
    const raw = hubConfig({ architecture: 'vit_large_patch14_dinov2', tag: 'lvd142m', imgSize: 518, numClasses: 0 });
    const dinoL = parseTimmConfig('vit_large_patch14_dinov2', raw, { labels: imagenetLabels });
    const defaults = { maxBufferSize: 256 * 2 ** 20, maxStorageBufferBindingSize: 128 * 2 ** 20 };
    const pick = choosePrecision(dinoL, { limits: defaults, features: new Set() }, { maxBatch: 8 });
    expect(pick).toMatchObject({ precision: 'f32', maxBatch: 4 });
    expect(pick.note).toMatch(/^vit_large_patch14_dinov2 \(f32, batch 8\): buffer hidden needs 171\.3 MiB, .*: using batches of 4, which fit$/);
  });

  it('takes f16 weights where only they fit and the adapter has shader-f16, and says why', () => {
    const pick = choosePrecision(vitL, { limits, features: new Set(['shader-f16']) }, { maxBatch: 1 });
    expect(pick.precision).toBe('f16');
    expect(pick.note).toBe(
      "vit_large_patch16_224 (f32, batch 1): buffer blocks.0.mlp.fc1 needs 16.0 MiB, over this adapter's maxStorageBufferBindingSize of 12.0 MiB: using f16 weights, which fit",
    );
  });

  it("refuses with f32's line without shader-f16, or when f16 does not fit either", () => {
    expect(() => choosePrecision(vitL, { limits, features: new Set() }, { maxBatch: 1 })).toThrow(GpuLimitError);
    expect(() => choosePrecision(vitL, { limits, features: new Set() }, { maxBatch: 1 })).toThrow(
      /fc1 needs 16\.0 MiB, .* precision 'f16' halves it where the adapter has shader-f16$/,
    );
    const tiny = { ...limits, maxStorageBufferBindingSize: 4 * 2 ** 20 };
    expect(() => choosePrecision(vitL, { limits: tiny, features: new Set(['shader-f16']) }, { maxBatch: 1 })).toThrow(
      /\(f32, batch 1\): buffer blocks\.0\.mlp\.fc1 needs 16\.0 MiB/,
    );
  });

  it('counts the memory estimate too', () => {
    const roomy = { ...limits, maxStorageBufferBindingSize: 128 * 2 ** 20 };
    // ViT-L: 1.13 GiB of f32 weights, 582.5 MiB in f16.
    expect(choosePrecision(vitL, { limits: roomy, features: new Set(['shader-f16']) }, { maxBatch: 1, memoryBytes: 800 * 2 ** 20 }).precision).toBe('f16');
    expect(() => choosePrecision(vitL, { limits: roomy, features: new Set(['shader-f16']) }, { maxBatch: 1, memoryBytes: 400 * 2 ** 20 })).toThrow(
      /of GPU memory .* over the 400\.0 MiB available$/,
    );
  });
});
