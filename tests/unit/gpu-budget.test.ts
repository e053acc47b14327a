// The GPU memory helper: its buffer list must be exactly what the engine allocates (the real
// createActivations and uploadWeights run here on a recording fake device, no GPU), and its
// limit check must name the buffer and the limit in one line.
import { beforeAll, describe, expect, it } from 'vitest';
import { createActivations } from '../../src/gpu/activations';
import { uploadWeights } from '../../src/gpu/gpu-weights';
import { parseTimmConfig, type ModelConfig } from '../../src/model/config';
import { attentionChunk, checkGpuLimits, gpuBudget, type Precision } from '../../src/gpu/budget';
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
    [
      '4 registers, no class token, layer scale, f32, batch 2',
      { classToken: false, registers: 4, noEmbedClass: true, layerScale: true, globalPool: 'avg' },
      'f32',
      2,
    ],
    ['class token + 4 registers, no head, f16, batch 1', { registers: 4, noEmbedClass: true, layerScale: true, numClasses: 0 }, 'f16', 1],
    ['pre-norm (norm_pre, no patch bias), QuickGELU, f32, batch 1', { preNorm: true, act: 'quickgelu', eps: 1e-5 }, 'f32', 1],
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
  const dinov2 = (size: string, reg = '') => hub({ architecture: `vit_${size}_patch14${reg}_dinov2`, tag: 'lvd142m', imgSize: 518, cropPct: 1, numClasses: 0 });

  it('lets ViT-Ti to ViT-L at 224 through with WebGPU default limits at batch 8', () => {
    for (const size of ['tiny', 'small', 'base', 'large']) {
      const c = hub({ architecture: `vit_${size}_patch16_224`, tag: 'x' });
      expect(checkGpuLimits(c, { precision: 'f32', maxBatch: 8 }, defaults)).toBeNull();
    }
  });

  it('lets DINOv2 ViT-S/14, ViT-B/14 and ViT-L/14 at 518 px (1370+ tokens) through at batch 1 with the default limits', () => {
    for (const c of [dinov2('small'), dinov2('base'), dinov2('large'), dinov2('small', '_reg4'), dinov2('base', '_reg4'), dinov2('large', '_reg4')]) {
      expect(checkGpuLimits(c, { precision: 'f32', maxBatch: 1 }, defaults), c.architecture).toBeNull();
    }
  });

  it('chunks the attention scores instead of refusing them: ViT-L/14 at 518 at batch 2 holds 17 of its 32 (image, head) pairs', () => {
    const c = dinov2('large', '_reg4');
    expect(attentionChunk(c, 1, defaults)).toBe(16); // all 16 heads: 115.4 MiB
    expect(attentionChunk(c, 2, defaults)).toBe(17);
    const scores = gpuBudget(c, { precision: 'f32', maxBatch: 2 }, defaults).buffers.find((b) => b.label === 'scores')!;
    expect(scores.bytes).toBeLessThanOrEqual(defaults.maxStorageBufferBindingSize);
  });

  it('ViT-L/16 at 384 (577 tokens) fits at batch 8: its scores run in chunks', () => {
    expect(checkGpuLimits(vitL384(), { precision: 'f32', maxBatch: 8 }, defaults)).toBeNull();
    expect(attentionChunk(vitL384(), 8, defaults)).toBeLessThan(8 * 16);
  });

  it('names the activations that do not fit at a large batch, and says a smaller batch would', () => {
    const line = checkGpuLimits(dinov2('large'), { precision: 'f32', maxBatch: 8 }, defaults)!;
    expect(line).toBe(
      "vit_large_patch14_dinov2 (f32, batch 8): buffer hidden needs 171.3 MiB, over this adapter's maxStorageBufferBindingSize of 128.0 MiB; a smaller batch would fit",
    );
  });

  it("names the workgroup memory of ToMe's ranking when the tokens are too many for it (3137 tokens: 1569 A tokens)", () => {
    const wide = hub({
      architecture: 'vit_tiny_patch4_224',
      tag: 'x',
      numClasses: 10,
      modelArgs: { embed_dim: 32, depth: 1, num_heads: 8, patch_size: 4, img_size: 224 },
    });
    expect(checkGpuLimits(wide, { precision: 'f32', maxBatch: 1 }, defaults)).toBe(
      "vit_tiny_patch4_224 (f32, batch 1): ToMe's ranking of 1569 tokens needs 18.4 KiB of workgroup memory, over this adapter's maxComputeWorkgroupStorageSize of 16.0 KiB; too many tokens for this adapter",
    );
    expect(checkGpuLimits(wide, { precision: 'f32', maxBatch: 1 }, { ...defaults, maxComputeWorkgroupStorageSize: 32768 })).toBeNull();
  });

  it('names a weight buffer and suggests f16 when the binding limit is small', () => {
    const vitL = hub({ architecture: 'vit_large_patch16_224', tag: 'x' });
    const line = checkGpuLimits(vitL, { precision: 'f32', maxBatch: 1 }, { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 8 * 2 ** 20 });
    expect(line).toMatch(
      /^vit_large_patch16_224 \(f32, batch 1\): buffer blocks\.0\.mlp\.fc1 needs 16\.0 MiB, over this adapter's maxStorageBufferBindingSize of 8\.0 MiB; precision 'f16' halves it/,
    );
  });

  it('names maxBufferSize when that is the limit exceeded', () => {
    const line = checkGpuLimits(dinov2('large'), { precision: 'f32', maxBatch: 8 }, { maxBufferSize: 100 * 2 ** 20, maxStorageBufferBindingSize: 2 ** 30 });
    expect(line).toMatch(/buffer hidden needs 171\.3 MiB, over this adapter's maxBufferSize of 100\.0 MiB/);
  });

  it('checks the total against the memory given', () => {
    const c = hub({ architecture: 'vit_base_patch16_224', tag: 'x' });
    expect(checkGpuLimits(c, { precision: 'f32', maxBatch: 8 }, defaults, 256 * 2 ** 20)).toMatch(
      /^vit_base_patch16_224 \(f32, batch 8\): needs [\d.]+ MiB of GPU memory \(weights [\d.]+ MiB, working buffers [\d.]+ MiB\), over the 256\.0 MiB available$/,
    );
    expect(checkGpuLimits(c, { precision: 'f32', maxBatch: 8 }, defaults, 2 ** 32)).toBeNull();
  });
});
