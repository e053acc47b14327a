// The CPU reference against ../shared/golden-archs (every case): six more timm families (layer
// scale, pre-norm CLIP towers with GELU and QuickGELU, registers without a class token and with
// average pooling, DINOv2 with registers and no head at 518 px, a plain ViT-S without a head),
// from the given inputs: token counts, top-1, logits or features, groups and merges.
import { afterAll, describe, it } from 'vitest';
import { forward } from '../../src/reference/vit';
import { mergePairs } from '../../src/reference/tome';
import { archEntries, loadArchModel, readArchF32 } from '../support/golden-archs';
import { expectMatchesArchCase } from '../support/golden-checks';

const figures: string[] = [];
afterAll(() => console.log(`reference vs golden-archs (model image case: max |diff|, groups agreeing)\n${figures.join('\n')}`));

describe.each(archEntries())('$model $image', (entry) => {
  const input = readArchF32(entry.input);

  it.each(entry.cases)('$name', (gc) => {
    const merges: Array<Array<[number, number]>> = [];
    const res = forward(loadArchModel(entry.model), input, { r: gc.r, schedule: gc.schedule, propAttn: true, mode: 'merge' }, (t) =>
      merges.push(t.plan ? mergePairs(t.plan) : []),
    );
    const { maxDiff, sameGroups } = expectMatchesArchCase(res, gc, merges);
    figures.push(`${entry.model} ${entry.image} ${gc.name}: ${maxDiff.toExponential(2)}, ${sameGroups}/${gc.groups.length}`);
  });
});
