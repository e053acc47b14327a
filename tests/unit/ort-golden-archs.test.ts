// The ONNX Runtime path (the CLI's `--backend cpu`: the whole-forward graph with ToMe inside it on
// onnxruntime-node's CPU provider) against ../shared/golden-archs, every case of every model it
// builds, with exactly the checks the CPU reference passes (tests/unit/reference-golden-archs):
// DeiT III (layer scale, pos_embed over the patches), CLIP towers with GELU and QuickGELU
// (pre-norm, no patch bias, eps 1e-5), registers without a class token and with average pooling
// (vit_betwixt_*_reg4_gap), DINOv2 with registers and no head at 518 px, a ViT-S without a head
// (features).
import { afterAll, describe, expect, it } from 'vitest';
import { mergePairs } from '../../src/reference/tome';
import { ortForward } from '../../src/ort/forward';
import { ortSessionCache } from '../support/ort-sessions';
import { ortRefusal } from '../../src/ort/backend';
import { archEntries, loadArchModel, readArchF32 } from '../support/golden-archs';
import { expectMatchesArchCase } from '../support/golden-checks';

const { options, sessionsOf, disposeAll } = await ortSessionCache();

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
