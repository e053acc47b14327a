// The temporal metric: a patch changed when the set of patches in its group changed, whatever
// the groups are called.
import { describe, expect, it } from 'vitest';
import { canonicalGroups } from '../../src/core/tome';
import { changedPatches, changedShare } from '../../src/ui/page/video/group-change';
import { rng } from '../support/random';

/** Straight from the definition: compare the member sets of p's group, O(n^2). */
function bySets(prev: number[], cur: number[]): number[] {
  return prev.map((_, p) => {
    const a = prev.map((v, q) => (v === prev[p] ? q : -1)).filter((q) => q >= 0);
    const b = cur.map((v, q) => (v === cur[p] ? q : -1)).filter((q) => q >= 0);
    return a.length === b.length && a.every((q, i) => q === b[i]) ? 0 : 1;
  });
}

describe('group change', () => {
  it('is zero for the same grouping under other labels', () => {
    const prev = [0, 0, 2, 2, 4];
    const relabelled = [7, 7, -3, -3, 100];
    expect(Array.from(changedPatches(prev, relabelled))).toEqual([0, 0, 0, 0, 0]);
    expect(changedShare(prev, relabelled)).toBe(0);
  });

  it('marks every member of a group that gained or lost a patch, and the patch itself', () => {
    // {0,1} {2,3} {4}  ->  {0,1} {2} {3,4}
    expect(Array.from(changedPatches([0, 0, 2, 2, 4], [0, 0, 2, 3, 3]))).toEqual([0, 0, 1, 1, 1]);
    expect(changedShare([0, 0, 2, 2, 4], [0, 0, 2, 3, 3])).toBeCloseTo(3 / 5, 12);
    // Two groups swapping labels is no change; two groups merging changes both.
    expect(changedShare([1, 1, 2, 2], [2, 2, 1, 1])).toBe(0);
    expect(Array.from(changedPatches([1, 1, 2, 2], [1, 1, 1, 1]))).toEqual([1, 1, 1, 1]);
  });

  it('agrees with the set definition on random groupings, canonical or not', () => {
    const rand = rng(7);
    for (let t = 0; t < 200; t++) {
      const n = 1 + Math.floor(rand() * 40);
      const k = 1 + Math.floor(rand() * 8);
      const prev = Array.from({ length: n }, () => Math.floor(rand() * k));
      // Mostly the same grouping with a few patches moved, relabelled by a permutation.
      const perm = Array.from({ length: k + 2 }, (_, i) => (i * 5 + 3) % (k + 2));
      const cur = prev.map((g) => (rand() < 0.15 ? Math.floor(rand() * (k + 2)) : perm[g]));
      const expected = bySets(prev, cur);
      expect(Array.from(changedPatches(prev, cur))).toEqual(expected);
      expect(Array.from(changedPatches(canonicalGroups(prev), canonicalGroups(cur)))).toEqual(expected);
    }
  });

  it('refuses groupings of different lengths', () => {
    expect(() => changedShare([0, 1], [0])).toThrow(/2 vs 1 patches/);
    expect(changedShare([], [])).toBe(0);
  });
});
