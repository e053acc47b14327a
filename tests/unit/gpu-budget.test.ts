// The GPU memory helper: its buffer list must be exactly what the engine allocates (the real
// createActivations and uploadWeights run here on a recording fake device, no GPU), and its
// limit check must name the buffer and the limit in one line.
import { beforeAll, describe, expect, it } from 'vitest';
import { createActivations } from '../../src/gpu/activations';
import { uploadWeights } from '../../src/gpu/gpu-weights';
import { parseTimmConfig, type ModelConfig } from '../../src/model/config';
import { checkGpuLimits, gpuBudget, type Precision } from '../../src/gpu/budget';
import imagenetLabels from '../../src/model/imagenet-labels.json';
import { randomViT } from '../support/random';
import { hubConfig, SPECS } from '../support/timm-models';

/** A GPUDevice that only records the buffers asked of it. */
function recordingDevice(): { device: GPUDevice; sizes: Map<string, number> } {
  const sizes = new Map<string, number>();
  const device = {
    createBuffer(d: GPUBufferDescriptor) {
      expect(sizes.has(d.label!), `buffer ${d.label} allocated twice`).toBe(false);
      sizes.set(d.label!, d.size);
      return { size: d.size, getMappedRange: () => new ArrayBuffer(d.size), unmap() {}, destroy() {} };
    },
  } as unknown as GPUDevice;
  return { device, sizes };
}

beforeAll(() => {
  // The flag values do not matter to the sizes; Node has no WebGPU globals without Dawn.
  const g = globalThis as { GPUBufferUsage?: unknown };
  g.GPUBufferUsage ??= {
    MAP_READ: 1,
    MAP_WRITE: 2,
    COPY_SRC: 4,
    COPY_DST: 8,
    INDEX: 16,
    VERTEX: 32,
    UNIFORM: 64,
    STORAGE: 128,
    INDIRECT: 256,
    QUERY_RESOLVE: 512,
  };
});

const hub = (spec: Parameters<typeof hubConfig>[0], over: Record<string, unknown> = {}): ModelConfig =>
  parseTimmConfig(spec.architecture, { ...hubConfig(spec), ...over }, { labels: imagenetLabels });

describe('gpuBudget', () => {
  it.each<[string, Partial<ModelConfig>, Precision, number]>([
    ['tiny random, f32, batch 1', {}, 'f32', 1],
    ['10 classes (head padded), f16, batch 3', { numClasses: 10, embedDim: 32, numHeads: 4, mlpHidden: 96 }, 'f16', 3],
    ['odd grid 7x7, f32, batch 8', { imgSize: 28, patchSize: 4, depth: 2 }, 'f32', 8],
    ['distilled (dist token, both heads in one), f32, batch 2', { distilled: true }, 'f32', 2],
    ['distilled, f16, batch 1', { distilled: true, numClasses: 7 }, 'f16', 1],
    ['avg pool + fc_norm, f32, batch 4', { globalPool: 'avg' }, 'f32', 4],
  ])('%s: the same buffers, at the same sizes, as the engine allocates', (_, over, precision, maxBatch) => {
    const w = randomViT(over, 3);
    const { device, sizes } = recordingDevice();
    uploadWeights(device, w, precision);
    createActivations(device, w.config, maxBatch);
    const budget = gpuBudget(w.config, { precision, maxBatch });
    expect(new Map(budget.buffers.map((b) => [b.label, b.bytes]))).toEqual(sizes);
    expect(budget.totalBytes).toBe([...sizes.values()].reduce((a, b) => a + b, 0));
  });

  it('f16 halves the matmul weights', () => {
    const c = hub(SPECS.vitS16);
    const f32 = gpuBudget(c, { precision: 'f32', maxBatch: 1 }).weightBytes;
    const f16 = gpuBudget(c, { precision: 'f16', maxBatch: 1 }).weightBytes;
    expect(f32 / 1e6).toBeCloseTo(88.2, 0); // 22.05M parameters, f32
    expect(f16 / f32).toBeGreaterThan(0.5);
    expect(f16 / f32).toBeLessThan(0.52);
  });

  it('counts the distillation token, its head and the extra token', () => {
    const plain = gpuBudget(hub({ ...SPECS.deitTiDistilled, architecture: 'deit_tiny_patch16_224' }), { precision: 'f32', maxBatch: 1 });
    const dist = gpuBudget(hub(SPECS.deitTiDistilled), { precision: 'f32', maxBatch: 1 });
    const bytes = (b: typeof dist, label: string) => b.buffers.find((x) => x.label === label)!.bytes;
    // Both heads are one Linear over [cls, dist]: twice the weights, one bias.
    expect(bytes(dist, 'head+head_dist')).toBe(2 * bytes(plain, 'head') - 1000 * 4);
    expect(bytes(dist, 'cls+dist+pos_embed') - bytes(plain, 'cls+pos_embed')).toBe(2 * 192 * 4);
    expect(bytes(dist, 'x') - bytes(plain, 'x')).toBe(192 * 4);
    expect(bytes(dist, 'cls')).toBe(2 * bytes(plain, 'cls'));
  });
});

describe('checkGpuLimits', () => {
  const defaults = { maxBufferSize: 256 * 2 ** 20, maxStorageBufferBindingSize: 128 * 2 ** 20 };
  const vitL384 = () => hub({ architecture: 'vit_large_patch16_384', tag: 'augreg_in21k_ft_in1k', imgSize: 384 });

  it('lets ViT-Ti to ViT-L at 224 through with WebGPU default limits at batch 8', () => {
    for (const size of ['tiny', 'small', 'base', 'large']) {
      const c = hub({ architecture: `vit_${size}_patch16_224`, tag: 'x' });
      expect(checkGpuLimits(c, { precision: 'f32', maxBatch: 8 }, defaults)).toBeNull();
    }
  });

  it('names the attention scores of ViT-L/16 at 384 (577 tokens) at batch 8, and fits at batch 1', () => {
    const line = checkGpuLimits(vitL384(), { precision: 'f32', maxBatch: 8 }, defaults)!;
    expect(line).toBe(
      "vit_large_patch16_384 (f32, batch 8): buffer scores needs 163.4 MiB, over this adapter's maxStorageBufferBindingSize of 128.0 MiB; a smaller batch would fit",
    );
    expect(checkGpuLimits(vitL384(), { precision: 'f32', maxBatch: 1 }, defaults)).toBeNull();
  });

  it('names a weight buffer and suggests f16 when the binding limit is small', () => {
    const vitL = hub({ architecture: 'vit_large_patch16_224', tag: 'x' });
    const line = checkGpuLimits(vitL, { precision: 'f32', maxBatch: 1 }, { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 8 * 2 ** 20 });
    expect(line).toMatch(
      /^vit_large_patch16_224 \(f32, batch 1\): buffer blocks\.0\.mlp\.fc1 needs 16\.0 MiB, over this adapter's maxStorageBufferBindingSize of 8\.0 MiB; precision 'f16' halves it/,
    );
  });

  it('names maxBufferSize when that is the limit exceeded', () => {
    const line = checkGpuLimits(vitL384(), { precision: 'f32', maxBatch: 8 }, { maxBufferSize: 100 * 2 ** 20, maxStorageBufferBindingSize: 2 ** 30 });
    expect(line).toMatch(/buffer scores needs 163\.4 MiB, over this adapter's maxBufferSize of 100\.0 MiB/);
  });

  it('checks the total against the memory given', () => {
    const c = hub({ architecture: 'vit_base_patch16_224', tag: 'x' });
    expect(checkGpuLimits(c, { precision: 'f32', maxBatch: 8 }, defaults, 256 * 2 ** 20)).toMatch(
      /^vit_base_patch16_224 \(f32, batch 8\): needs [\d.]+ MiB of GPU memory \(weights [\d.]+ MiB, working buffers [\d.]+ MiB\), over the 256\.0 MiB available$/,
    );
    expect(checkGpuLimits(c, { precision: 'f32', maxBatch: 8 }, defaults, 2 ** 32)).toBeNull();
  });
});
