// The ONNX Runtime path (the CLI's `--backend cpu`: the whole-forward graph with ToMe inside it on
// onnxruntime-node's CPU provider) against the official ToMe outputs in ../shared/golden, with
// exactly the checks the CPU reference passes, on every case; and a batch equals its images alone.
import { afterAll, describe, expect, it } from 'vitest';
import { mergePairs } from '../../src/reference/tome';
import { ortForward } from '../../src/ort/forward';
import { ortSessionCache } from '../support/ort-sessions';
import { logitsEntries, readGoldenF32 } from '../../src/golden';
import { loadModel } from '../support/golden-weights';
import { expectMatchesGolden } from '../support/golden-checks';

const entries = logitsEntries();
const { options, sessionsOf, disposeAll } = await ortSessionCache();

const figures: string[] = [];
afterAll(async () => {
  console.log(`ONNX Runtime path vs golden (model image case: max |logit diff|, groups agreeing, min_boundary_gap)\n${figures.join('\n')}`);
  await disposeAll();
});

describe.each(entries)('$model $image', (entry) => {
  const input = readGoldenF32(entry.input);

  it.each(entry.cases)('$name', async (gc) => {
    const w = loadModel(entry.model);
    const merges: Array<Array<[number, number]>> = Array.from({ length: w.config.depth }, () => []);
    const opts = { r: gc.r, schedule: gc.schedule, propAttn: true, mode: 'merge' as const };
    const [res] = await ortForward(w, sessionsOf(w), options.ort, [input], opts, (_, block, plan) => (merges[block] = mergePairs(plan)));
    const { maxDiff, sameGroups } = expectMatchesGolden(res, gc, merges);
    figures.push(
      `${entry.model.split('_')[0]} ${entry.image} ${gc.name}: ${maxDiff.toExponential(2)}, ${sameGroups}/${gc.groups.length}, ${gc.min_boundary_gap}`,
    );
  });
});

describe('batching', () => {
  it('a batch of the 8 golden images at r=13 gives each image what it gets alone', async () => {
    const vit = entries.filter((e) => e.model === entries[0].model);
    const w = loadModel(vit[0].model);
    const inputs = vit.map((e) => readGoldenF32(e.input));
    const opts = { r: 13, schedule: 'constant' as const, propAttn: true, mode: 'merge' as const };
    const batched = await ortForward(w, sessionsOf(w), options.ort, inputs, opts);
    for (let i = 0; i < inputs.length; i++) {
      const [alone] = await ortForward(w, sessionsOf(w), options.ort, [inputs[i]], opts);
      expect(Array.from(batched[i].groups)).toEqual(Array.from(alone.groups));
      let d = 0;
      for (let k = 0; k < alone.logits.length; k++) d = Math.max(d, Math.abs(alone.logits[k] - batched[i].logits[k]));
      expect(d).toBeLessThan(1e-4);
    }
  });
});
