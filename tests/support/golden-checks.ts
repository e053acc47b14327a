// The checks every CPU-side backend must pass on a golden case (the CPU reference and the ONNX
// Runtime path run the same ones): token counts, top-1, top-5 set, logits within 1e-3 at r = 0
// and 1e-2 at r > 0, canonical groups, and the per-block merges where the groups agree.
import { expect } from 'vitest';
import type { ForwardResult } from '../../src/core/backend';
import { readGoldenF32, type LogitsCase } from '../../src/golden';

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
  if (sameGroups === gc.groups.length) expect(merges).toEqual(gc.merges);
  return { maxDiff, sameGroups };
}
