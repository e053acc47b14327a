// The checks every backend must pass on a golden case (../shared/golden: token counts, top-1,
// top-5 set, logits within 1e-3 at r = 0 and 1e-2 at r > 0, canonical groups, and the per-block
// merges where the groups agree) and on a golden-archs case (the same with the tolerances of
// its README, features for the models without a head).
import { expect } from 'vitest';
import type { ForwardResult } from '../../src/core/backend';
import { readGoldenF32, type LogitsCase } from '../../src/golden';
import { readArchF32, type ArchCase } from './golden-archs';

/** Asserts the case; returns the figures line (max |logit diff|, groups agreeing). */
export function expectMatchesGolden(res: ForwardResult, gc: LogitsCase, merges: Array<Array<[number, number]>>): { maxDiff: number; sameGroups: number } {
  expect(res.tokens).toEqual(gc.tokens);
  expect(res.top5[0].index).toBe(gc.top5[0][0]);
  expect(new Set(res.top5.map((t) => t.index))).toEqual(new Set(gc.top5.map(([i]) => i)));

  const golden = readGoldenF32(gc.logits);
  let maxDiff = 0;
  for (let i = 0; i < golden.length; i++) maxDiff = Math.max(maxDiff, Math.abs(golden[i] - res.logits[i]));
  let sameGroups = 0;
  for (let p = 0; p < gc.groups.length; p++) if (res.groups[p] === gc.groups[p]) sameGroups++;

  expect(maxDiff).toBeLessThan(gc.r === 0 ? 1e-3 : 1e-2);
  expect(sameGroups / gc.groups.length).toBeGreaterThanOrEqual(0.98);
  // Per-block merges are compared where the final groups agree: one flipped decision
  // shifts every later token position, so after a flip the lists no longer line up.
  if (merges && sameGroups === gc.groups.length) expect(merges).toEqual(gc.merges);
  return { maxDiff, sameGroups };
}

/**
 * Asserts a golden-archs case (../shared/golden-archs/README.md): token counts exact (class token
 * and registers counted), top-1 equal for a model with a head, logits or features within 1e-3
 * at r = 0 and 1e-2 otherwise, canonical groups >= 98% equal, and the per-block merges (when the
 * backend shows them) where every group agrees. Returns the figures (max |diff|, groups agreeing).
 */
export function expectMatchesArchCase(
  res: ForwardResult,
  gc: ArchCase,
  merges: Array<Array<[number, number]>> | null,
): { maxDiff: number; sameGroups: number } {
  expect(res.tokens).toEqual(gc.tokens);
  const golden = readArchF32((gc.logits ?? gc.features)!);
  const ours = gc.features ? res.features : res.logits;
  expect(ours, gc.features ? 'features of a model without a head' : 'logits').toBeDefined();
  expect(ours!.length).toBe(golden.length);
  if (gc.top5) expect(res.top5[0].index).toBe(gc.top5[0][0]);
  else expect(res.top5).toEqual([]);
  let maxDiff = 0;
  for (let i = 0; i < golden.length; i++) maxDiff = Math.max(maxDiff, Math.abs(golden[i] - ours![i]));
  let sameGroups = 0;
  for (let p = 0; p < gc.groups.length; p++) if (res.groups[p] === gc.groups[p]) sameGroups++;
  expect(maxDiff).toBeLessThan(gc.r === 0 ? 1e-3 : 1e-2);
  expect(sameGroups / gc.groups.length).toBeGreaterThanOrEqual(0.98);
  if (merges && sameGroups === gc.groups.length) expect(merges).toEqual(gc.merges);
  return { maxDiff, sameGroups };
}
