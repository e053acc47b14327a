// The shader-f16 path (f16 weights, f32 accumulation) against the official outputs: merges
// may flip under f16, so it is held to agreement figures, not to the f32 tolerances. Runs on
// the first route that offers shader-f16 (lavapipe here); skipped where none does.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createWebGpuBackend, type WebGpuBackend } from '../../src/gpu/engine';
import { requestNodeAdapter, type ConcreteRoute } from '../../src/gpu/node-adapter';
import { logitsEntries, readGoldenF32 } from '../../src/golden';
import { loadModel } from '../support/golden-weights';
import { maxAbsDiff } from './gpu-harness';

const MODEL = 'vit_tiny_patch16_224.augreg_in21k_ft_in1k';

async function f16Adapter(): Promise<GPUAdapter | null> {
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

const adapter = await f16Adapter();
let engine: WebGpuBackend;
const entries = logitsEntries().filter((e) => e.model === MODEL);

beforeAll(async () => {
  if (adapter) engine = await createWebGpuBackend(loadModel(MODEL), { adapter, precision: 'f16', matmul: 'reg4x4', maxBatch: entries.length });
});
afterAll(() => engine?.dispose());

it.skipIf(!adapter).each(['r0', 'r13'])('f16 %s: top-1 and top-5 agree with the golden outputs', async (name) => {
  expect(engine.precision).toBe('f16');
  const c0 = entries[0].cases.find((c) => c.name === name)!;
  const { results } = await engine.run(
    entries.map((e) => readGoldenF32(e.input)),
    { r: c0.r, schedule: c0.schedule, propAttn: true, mode: 'merge' },
  );
  let top1 = 0;
  let top5 = 0;
  entries.forEach((e, i) => {
    const c = e.cases.find((x) => x.name === name)!;
    if (results[i].top5[0].index === c.top5[0][0]) top1++;
    top5 += results[i].top5.filter((t) => c.top5.some((g) => g[0] === t.index)).length / 5;
    // Without merges f16 only perturbs the logits slightly (measured: 8e-3).
    if (c.r === 0) expect(maxAbsDiff(results[i].logits, readGoldenF32(c.logits))).toBeLessThan(0.05);
  });
  // Measured on lavapipe: 8/8 top-1 and full top-5 overlap for both cases.
  expect(top1).toBeGreaterThanOrEqual(entries.length - 1);
  expect(top5 / entries.length).toBeGreaterThanOrEqual(0.9);
});
