// A model over the adapter's limits is refused before anything is allocated, with one line
// naming the limit: on an adapter whose limits are lowered (a fake adapter object over the real
// one: the engine never asks it for a device) and on a real device seen through lowered limits
// (no buffer is created, the device is not lost and still runs a model that fits). Where the
// adapter has shader-f16 (lavapipe here), a model that fits only with f16 weights runs with them.
import { describe, expect, it } from 'vitest';
import { forward as cpuForward } from '../../src/reference/vit';
import { createWebGpuBackend } from '../../src/gpu/engine';
import { choosePrecision, GpuLimitError } from '../../src/gpu/limits';
import { requestNodeAdapter, type ConcreteRoute } from '../../src/gpu/node-adapter';
import { gpuBudget } from '../../src/gpu/budget';
import { DEFAULT_TOME } from '../../src/core/tome';
import { maxAbsDiff } from './gpu-harness';
import { randomArray, randomViT } from '../support/random';

const f16Adapter = await firstF16Adapter();

// D=24, 5x5 grid + cls + dist (27 tokens), 10 classes: its largest buffer is qkv, 27 x 72 floats per image.
const w = randomViT({ distilled: true }, 41);

describe('engine limits', () => {
  it("refuses a buffer over the adapter's maxStorageBufferBindingSize without asking for a device", async () => {
    const real = (await requestNodeAdapter('auto')).adapter;
    let asked = 0;
    const lowered = {
      info: real.info,
      features: real.features,
      limits: { maxBufferSize: real.limits.maxBufferSize, maxStorageBufferBindingSize: 4096 },
      requestDevice: (d?: GPUDeviceDescriptor) => {
        asked++;
        return real.requestDevice(d);
      },
    } as unknown as GPUAdapter;
    const made = createWebGpuBackend(w, { adapter: lowered, maxBatch: 4 });
    await expect(made).rejects.toBeInstanceOf(GpuLimitError);
    await expect(made).rejects.toThrow(
      /^random \(f32, batch 4\): buffer qkv needs 30\.4 KiB, over this adapter's maxStorageBufferBindingSize of 4\.0 KiB; a smaller batch would fit$/,
    );
    expect(asked).toBe(0);
  });

  it('refuses on a real device seen through lowered limits, creates no buffer, and the device stays usable', async () => {
    const { adapter } = await requestNodeAdapter('auto');
    const device = await adapter.requestDevice({ requiredLimits: { maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage } });
    let buffers = 0;
    const seen = new Proxy(device, {
      get(target, prop) {
        if (prop === 'limits') return { maxBufferSize: 2048, maxStorageBufferBindingSize: 1 << 20 };
        if (prop === 'createBuffer') return (d: GPUBufferDescriptor) => (buffers++, target.createBuffer(d));
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    await expect(createWebGpuBackend(w, { device: seen, maxBatch: 1 })).rejects.toThrow(
      /buffer \S+ needs [\d.]+ KiB, over this adapter's maxBufferSize of 2\.0 KiB/,
    );
    expect(buffers).toBe(0);
    const lost = await Promise.race([device.lost.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 100))]);
    expect(lost).toBe(false);
    const engine = await createWebGpuBackend(w, { device, maxBatch: 1 });
    const input = randomArray(3 * 20 * 20, 5, 2);
    const got = (await engine.run([input], { ...DEFAULT_TOME, r: 4 })).results[0];
    expect(maxAbsDiff(got.logits, cpuForward(w, input, { ...DEFAULT_TOME, r: 4 }).logits)).toBeLessThan(1e-4);
    engine.dispose();
    device.destroy();
  });

  it('refuses a model needing more than the memory the caller says there is', async () => {
    const { adapter } = await requestNodeAdapter('auto');
    await expect(createWebGpuBackend(w, { adapter, maxBatch: 1, memoryBytes: 64 * 1024 })).rejects.toThrow(
      /^random \(f32, batch 1\): needs [\d.]+ KiB of GPU memory \(weights [\d.]+ KiB, working buffers [\d.]+ KiB\), over the 64\.0 KiB available$/,
    );
  });

  it.skipIf(!f16Adapter)('a model that fits only with f16 weights gets them, and runs', async () => {
    // D=64 with 100 classes: the matmul weights dominate, so f16 saves more than the gap below.
    const big = randomViT({ distilled: true, embedDim: 64, numHeads: 2, mlpHidden: 256, numClasses: 100 }, 42);
    const f32 = gpuBudget(big.config, { precision: 'f32', maxBatch: 1 }).totalBytes;
    const f16 = gpuBudget(big.config, { precision: 'f16', maxBatch: 1 }).totalBytes;
    expect(f16 / f32).toBeLessThan(0.6);
    const memoryBytes = (f32 + f16) / 2;
    await expect(createWebGpuBackend(big, { adapter: f16Adapter!, maxBatch: 1, memoryBytes })).rejects.toThrow(/of GPU memory .* available$/);
    const pick = choosePrecision(big.config, f16Adapter!, { maxBatch: 1, memoryBytes });
    expect(pick.precision).toBe('f16');
    const engine = await createWebGpuBackend(big, { adapter: (await firstF16Adapter())!, maxBatch: 1, memoryBytes, precision: pick.precision });
    expect(engine.precision).toBe('f16');
    const input = randomArray(3 * 20 * 20, 6, 2);
    const got = (await engine.run([input], DEFAULT_TOME)).results[0];
    const want = cpuForward(big, input, DEFAULT_TOME);
    expect(got.top5[0].index).toBe(want.top5[0].index);
    expect(maxAbsDiff(got.logits, want.logits)).toBeLessThan(0.05);
    engine.dispose();
  });
});

/** The first Dawn route that offers shader-f16 (lavapipe here), or null. */
async function firstF16Adapter(): Promise<GPUAdapter | null> {
  for (const route of ['auto', 'vulkan'] as Array<ConcreteRoute | 'auto'>) {
    try {
      const { adapter } = await requestNodeAdapter(route);
      if (adapter.features.has('shader-f16')) return adapter;
    } catch {
      // try the next route
    }
  }
  return null;
}
