// Which weight precision a model gets on an adapter (src/gpu/limits.ts): f32 when it fits; f16
// when only f16 fits and the adapter has shader-f16 (with a note); otherwise f32's one line.
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
    });
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
