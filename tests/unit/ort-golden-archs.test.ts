// The ONNX Runtime path (the CLI's `--backend cpu`: the whole-forward graph with ToMe inside it on
// onnxruntime-node's CPU provider) against ../shared/golden-archs, every case of every model it
// builds, with exactly the checks the CPU reference passes (tests/unit/reference-golden-archs):
// DeiT III (layer scale, pos_embed over the patches), CLIP towers with GELU and QuickGELU
// (pre-norm, no patch bias, eps 1e-5), registers without a class token and with average pooling
// (vit_betwixt_*_reg4_gap), DINOv2 with registers and no head at 518 px, a ViT-S without a head
// (features). And the same result run after run with several threads on the case with the
// closest decisions (DINOv2 at r = 600, margins down to 1.3e-6), where a sum whose order changed
// from run to run flipped merges.
import { afterAll, describe, expect, it } from 'vitest';
import { mergePairs } from '../../src/reference/tome';
import { ortForward } from '../../src/ort/forward';
import { ortSessionCache, ortTestSessions } from '../support/ort-sessions';
import { ortRefusal } from '../../src/ort/backend';
import { archEntries, loadArchModel, readArchF32 } from '../support/golden-archs';
import { expectMatchesArchCase } from '../support/golden-checks';

const { options, sessionsOf, disposeAll } = await ortSessionCache();
const twoThreads = await ortTestSessions(2);

const figures: string[] = [];
afterAll(async () => {
  console.log(`ONNX Runtime path vs golden-archs (model image case: max |diff|, groups agreeing)\n${figures.join('\n')}`);
  await disposeAll();
});

describe.each(archEntries())('$model $image', (entry) => {
  const input = readArchF32(entry.input);

  it.each(entry.cases)('$name', async (gc) => {
    const w = loadArchModel(entry.model);
    expect(ortRefusal(w.config)).toBeNull();
    const merges: Array<Array<[number, number]>> = Array.from({ length: w.config.depth }, () => []);
    const opts = { r: gc.r, schedule: gc.schedule, propAttn: true, mode: 'merge' as const };
    const [res] = await ortForward(w, sessionsOf(w), options.ort, [input], opts, (_, block, plan) => (merges[block] = mergePairs(plan)));
    const { maxDiff, sameGroups } = expectMatchesArchCase(res, gc, merges);
    figures.push(`${entry.model} ${entry.image} ${gc.name}: ${maxDiff.toExponential(2)}, ${sameGroups}/${gc.groups.length}`);
  });
});

describe('several threads', () => {
  it('give the same features, bit for bit, and the same groups run after run on the closest decisions', async () => {
    const entry = archEntries().find((e) => e.model.includes('dinov2'))!;
    const gc = entry.cases.find((c) => c.r > 0)!;
    const w = loadArchModel(entry.model);
    const sessions = twoThreads.sessionsFor(w);
    const input = readArchF32(entry.input);
    const opts = { r: gc.r, schedule: gc.schedule, propAttn: true, mode: 'merge' as const };
    const runs = [];
    for (let i = 0; i < 4; i++) runs.push((await ortForward(w, sessions, twoThreads.options.ort, [input], opts))[0]);
    for (const res of runs.slice(1)) {
      expect(res.features).toEqual(runs[0].features);
      expect(res.groups).toEqual(runs[0].groups);
    }
    expectMatchesArchCase(runs[0], gc, null);
  });
});
