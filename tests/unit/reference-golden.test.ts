// The CPU reference against the official ToMe outputs in ../shared/golden (every case):
// token counts, top-1/top-5, logits, canonical groups and the per-block merges.
import { afterAll, describe, it } from 'vitest';
import { forward } from '../../src/reference/vit';
import { mergePairs } from '../../src/reference/tome';
import { logitsEntries, readGoldenF32 } from '../../src/golden';
import { loadModel } from '../support/golden-weights';
import { expectMatchesGolden } from '../support/golden-checks';

const entries = logitsEntries();

const figures: string[] = [];
afterAll(() => console.log(`CPU vs golden (model image case: max |logit diff|, groups agreeing, min_boundary_gap)\n${figures.join('\n')}`));

describe.each(entries)('$model $image', (entry) => {
  const input = readGoldenF32(entry.input);

  it.each(entry.cases)('$name', (gc) => {
    const merges: Array<Array<[number, number]>> = [];
    const res = forward(loadModel(entry.model), input, { r: gc.r, schedule: gc.schedule, propAttn: true, mode: 'merge' }, (t) =>
      merges.push(t.plan ? mergePairs(t.plan) : []),
    );
    const { maxDiff, sameGroups } = expectMatchesGolden(res, gc, merges);
    figures.push(
      `${entry.model.split('_')[0]} ${entry.image} ${gc.name}: ${maxDiff.toExponential(2)}, ${sameGroups}/${gc.groups.length}, ${gc.min_boundary_gap}`,
    );
  });
});
