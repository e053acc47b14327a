// The CPU reference against the official ToMe outputs in ../shared/golden (every case):
// token counts, top-1/top-5, logits, canonical groups and the per-block merges.
import { afterAll, describe, expect, it } from 'vitest';
import { forward } from '../../src/cpu/vit';
import { mergePairs } from '../../src/cpu/tome';
import { goldenEntries, loadModel, readF32 } from '../support/golden';

const entries = goldenEntries();

const figures: string[] = [];
afterAll(() => console.log(`CPU vs golden (model image case: max |logit diff|, groups agreeing, min_boundary_gap)\n${figures.join('\n')}`));

describe.each(entries)('$model $image', (entry) => {
  const input = readF32(entry.input);

  it.each(entry.cases)('$name', (gc) => {
    const merges: Array<Array<[number, number]>> = [];
    const res = forward(loadModel(entry.model), input, { r: gc.r, schedule: gc.schedule, propAttn: true, mode: 'merge' }, (t) =>
      merges.push(t.plan ? mergePairs(t.plan) : []),
    );

    expect(res.tokens).toEqual(gc.tokens);
    expect(res.top5[0].index).toBe(gc.top5[0][0]);
    expect(new Set(res.top5.map((t) => t.index))).toEqual(new Set(gc.top5.map(([i]) => i)));

    const golden = readF32(gc.logits);
    let maxDiff = 0;
    for (let i = 0; i < golden.length; i++) maxDiff = Math.max(maxDiff, Math.abs(golden[i] - res.logits[i]));
    let sameGroups = 0;
    for (let p = 0; p < gc.groups.length; p++) if (res.groups[p] === gc.groups[p]) sameGroups++;
    const agreement = sameGroups / gc.groups.length;
    figures.push(`${entry.model.split('_')[0]} ${entry.image} ${gc.name}: ${maxDiff.toExponential(2)}, ${sameGroups}/${gc.groups.length}, ${gc.min_boundary_gap}`);

    expect(maxDiff).toBeLessThan(gc.r === 0 ? 1e-3 : 1e-2);
    expect(agreement).toBeGreaterThanOrEqual(0.98);
    // Per-block merges are compared where the final groups agree: one flipped decision
    // shifts every later token position, so after a flip the lists no longer line up.
    if (sameGroups === gc.groups.length) expect(merges).toEqual(gc.merges);
  });
});
