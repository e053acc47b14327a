// The whole GPU forward against the official ToMe outputs in ../shared/golden, for both models
// and every case: tokens per layer equal, top-1 equal, top-5 sets equal, logits within 1e-3
// (r = 0) / 1e-2 (r > 0), groups equal on >= 98% of patches. The eight images of a model run
// as one batch; one case also runs image by image and must give the same results.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebGpuBackend, type WebGpuBackend } from '../../src/gpu/engine';
import { requestNodeAdapter } from '../../src/gpu/node-adapter';
import type { ForwardResult } from '../../src/core/backend';
import { logitsEntries, readGoldenF32, type GoldenEntry, type LogitsCase } from '../../src/golden';
import { loadModel } from '../support/golden-weights';
import { maxAbsDiff } from './gpu-harness';

const entries = logitsEntries();
const models = [...new Set(entries.map((e) => e.model))];

function caseOf(e: GoldenEntry<LogitsCase>, name: string): LogitsCase {
  const c = e.cases.find((x) => x.name === name);
  if (!c) throw new Error(`${e.image}: no case ${name}`);
  return c;
}

function checkAgainstGolden(got: ForwardResult, e: GoldenEntry<LogitsCase>, c: LogitsCase): void {
  const where = `${e.model} ${e.image} ${c.name}`;
  expect(got.tokens, where).toEqual(c.tokens);
  expect(got.top5[0].index, where).toBe(c.top5[0][0]);
  expect(new Set(got.top5.map((t) => t.index)), where).toEqual(new Set(c.top5.map((t) => t[0])));
  expect(maxAbsDiff(got.logits, readGoldenF32(c.logits)), where).toBeLessThan(c.r === 0 ? 1e-3 : 1e-2);
  const same = c.groups.filter((g, p) => got.groups[p] === g).length;
  expect(same / c.groups.length, where).toBeGreaterThanOrEqual(0.98);
}

describe.each(models)('golden %s', (model) => {
  const mine = entries.filter((e) => e.model === model);
  const inputs = mine.map((e) => readGoldenF32(e.input));
  const caseNames = mine[0].cases.map((c) => c.name);
  let engine: WebGpuBackend;
  const batched = new Map<string, ForwardResult[]>();
  beforeAll(async () => {
    engine = await createWebGpuBackend(loadModel(model), { adapter: (await requestNodeAdapter('auto')).adapter, maxBatch: inputs.length });
  });
  afterAll(() => engine?.dispose());

  it.each(caseNames)('case %s, all images in one batch', async (name) => {
    const c0 = caseOf(mine[0], name);
    const { results } = await engine.run(inputs, { r: c0.r, schedule: c0.schedule, propAttn: true, mode: 'merge' });
    batched.set(name, results);
    mine.forEach((e, i) => checkAgainstGolden(results[i], e, caseOf(e, name)));
  });

  it('unbatched equals batched (last case)', async () => {
    const name = caseNames[caseNames.length - 1];
    const c0 = caseOf(mine[0], name);
    const ref = batched.get(name);
    expect(ref).toBeDefined();
    for (let i = 0; i < inputs.length; i++) {
      const { results } = await engine.run([inputs[i]], { r: c0.r, schedule: c0.schedule, propAttn: true, mode: 'merge' });
      expect(maxAbsDiff(results[0].logits, ref![i].logits)).toBeLessThan(1e-6);
      expect(Array.from(results[0].groups)).toEqual(Array.from(ref![i].groups));
      expect(results[0].tokenOfPatch).toEqual(ref![i].tokenOfPatch);
    }
  });
});
