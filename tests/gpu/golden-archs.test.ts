// The whole GPU forward against ../shared/golden-archs (six more timm families, every case),
// from the given inputs: tokens per block exact, top-1 equal, logits or features within 1e-3
// at r = 0 and 1e-2 otherwise, groups >= 98% equal. Each model's two images run as one batch.
// DINOv2 at 518 px (1374 tokens) also runs at batch 1 on a device with WebGPU's default buffer
// limits, and at batch 3, where the attention scores of its 18 (image, head) pairs exceed one
// scores buffer and every block runs its attention in two chunks.
import { afterAll, describe, expect, it } from 'vitest';
import { createWebGpuBackend, type WebGpuBackend } from '../../src/gpu/engine';
import { requestNodeAdapter } from '../../src/gpu/node-adapter';
import { attentionChunk } from '../../src/gpu/budget';
import { archEntries, loadArchModel, readArchF32, type ArchCase } from '../support/golden-archs';
import { expectMatchesArchCase } from '../support/golden-checks';

const entries = archEntries();
const models = [...new Set(entries.map((e) => e.model))];
const DINOV2 = 'vit_small_patch14_reg4_dinov2.rand';
const figures: string[] = [];
afterAll(() => console.log(`WebGPU engine vs golden-archs (model image case: max |diff|, groups agreeing)\n${figures.join('\n')}`));

const optsOf = (gc: ArchCase) => ({ r: gc.r, schedule: gc.schedule, propAttn: true, mode: 'merge' as const });

describe.each(models)('golden-archs %s', (model) => {
  const mine = entries.filter((e) => e.model === model);
  const inputs = mine.map((e) => readArchF32(e.input));
  let engine: WebGpuBackend | undefined;
  afterAll(() => engine?.dispose());

  it.each(mine[0].cases.map((c) => c.name))('case %s, both images in one batch', async (name) => {
    engine ??= await createWebGpuBackend(loadArchModel(model), { adapter: (await requestNodeAdapter('auto')).adapter, maxBatch: inputs.length });
    const gc0 = mine[0].cases.find((c) => c.name === name)!;
    const { results } = await engine.run(inputs, optsOf(gc0));
    mine.forEach((e, i) => {
      const gc = e.cases.find((c) => c.name === name)!;
      const { maxDiff, sameGroups } = expectMatchesArchCase(results[i], gc, null);
      figures.push(`${model} ${e.image} ${name}: ${maxDiff.toExponential(2)}, ${sameGroups}/${gc.groups.length}`);
    });
  });
});

describe('DINOv2 reg4 at 518 px (1374 tokens)', () => {
  const mine = entries.filter((e) => e.model === DINOV2);
  const weights = () => loadArchModel(DINOV2);

  it("runs at batch 1 on a device with WebGPU's default buffer limits", async () => {
    const { adapter } = await requestNodeAdapter('auto');
    // Only the storage buffers per stage raised (the GL route's compatibility default is 4).
    const device = await adapter.requestDevice({ requiredLimits: { maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage } });
    expect(device.limits.maxStorageBufferBindingSize).toBe(128 * 2 ** 20);
    const engine = await createWebGpuBackend(weights(), { device, maxBatch: 1 });
    try {
      for (const e of mine) {
        const gc = e.cases.find((c) => c.r > 0)!;
        expectMatchesArchCase((await engine.run([readArchF32(e.input)], optsOf(gc))).results[0], gc, null);
      }
    } finally {
      engine.dispose();
      device.destroy();
    }
  });

  it('at batch 3 runs its attention in chunks and still matches', async () => {
    expect(attentionChunk(weights().config, 3)).toBeLessThan(3 * 6);
    const engine = await createWebGpuBackend(weights(), { adapter: (await requestNodeAdapter('auto')).adapter, maxBatch: 3 });
    try {
      const order = [mine[0], mine[1], mine[0]];
      for (const name of ['r0', 'r600']) {
        const { results } = await engine.run(
          order.map((e) => readArchF32(e.input)),
          optsOf(mine[0].cases.find((c) => c.name === name)!),
        );
        order.forEach((e, i) =>
          expectMatchesArchCase(
            results[i],
            e.cases.find((c) => c.name === name)!,
            null,
          ),
        );
      }
    } finally {
      engine.dispose();
    }
  });
});
