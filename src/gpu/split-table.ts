// The A/B split of ToMe's bipartite matching under the sequential and random splits, as the
// table tome_common.wgsl reads (`splitTable`, one row of 2 * T0 words per block). A split
// depends only on the seed, the block and the token count, never on the image, so it is computed
// here once per forward plan (per setting) with the reference's own splitPositions (blockSplits) (the same
// mulberry32 permutation on every backend) and uploaded with the plan; no forward reads anything
// back for it.
import { choicesOf, type DesignChoices } from '../core/tome';
import { blockSplits } from '../core/tome-choices';
import type { TokenLayout } from '../model/config';

/** Row l: [0, T0) the matched position of A_i at i and of B_j at nA + j; [T0, 2 T0) the index
 * (i, or nA + j) of every matched position. Rows of blocks that do not merge stay zero. */
export function splitTable(choices: Partial<DesignChoices>, tokens: number[], rs: number[], layout: TokenLayout, T0: number): Int32Array {
  const table = new Int32Array(rs.length * 2 * T0);
  blockSplits(choicesOf(choices), tokens, rs, layout).forEach((split, l) => {
    if (!split) return;
    const { a, b } = split;
    const row = table.subarray(l * 2 * T0, (l + 1) * 2 * T0);
    row.set(a, 0);
    row.set(b, a.length);
    a.forEach((u, i) => (row[T0 + u] = i));
    b.forEach((u, j) => (row[T0 + u] = a.length + j));
  });
  return table;
}
