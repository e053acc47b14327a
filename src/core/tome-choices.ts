// What the CPU reference (src/reference/tome-choices.ts) and the WebGPU engine must share
// exactly about ToMe's design choices: the A/B positions of each split (the random one's seeded
// permutation above all), and k-means' fixed iteration count.
import type { DesignChoices } from './tome';
import type { TokenLayout } from '../model/config';
import { seededRandom } from './random';

/** A split's A and B positions in a block's matched sequence, each ascending. */
export interface SplitPositions {
  a: Int32Array;
  b: Int32Array;
}

/** Lloyd iterations of the k-means matching: fixed, as the paper's comparison. */
export const KMEANS_ITERATIONS = 5;

/**
 * A and B of bipartite matching as positions of the matched sequence (Tm tokens, registers left
 * out), each ascending: as many A and B tokens as the alternate split has (ceil and floor of
 * Tm / 2), so the clamp and token counts never depend on the split. The class token is A_0 and a
 * distillation token B_0 (both protected as in the official matching); the other tokens are split
 * in order (sequential) or after a Fisher-Yates shuffle seeded by (seed, block) (random).
 */
export function splitPositions(Tm: number, layout: TokenLayout, split: DesignChoices['split'], seed: number, block: number): SplitPositions {
  const nA = Math.ceil(Tm / 2);
  if (split === 'alternate') {
    return { a: Int32Array.from({ length: nA }, (_, i) => 2 * i), b: Int32Array.from({ length: Tm - nA }, (_, i) => 2 * i + 1) };
  }
  const cls = layout.classToken ? [0] : [];
  const dist = layout.distToken ? [1] : [];
  const rest = Array.from({ length: Tm - cls.length - dist.length }, (_, i) => i + cls.length + dist.length);
  if (split === 'random') {
    const next = seededRandom((seed ^ Math.imul(block + 1, 0x9e3779b9)) >>> 0);
    for (let i = rest.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [rest[i], rest[j]] = [rest[j], rest[i]];
    }
  }
  const inA = nA - cls.length;
  const sorted = (xs: number[]) => Int32Array.from(xs).sort();
  return { a: Int32Array.from([...cls, ...sorted(rest.slice(0, inA))]), b: Int32Array.from([...dist, ...sorted(rest.slice(inA))]) };
}

/** Each block's split (splitPositions) under `c`, for the blocks that merge (rs[l] > 0; tokens[l]
 * tokens before it), null for the others: what the engine's split table and the CPU path's graph
 * inputs are made of. */
export function blockSplits(c: Pick<DesignChoices, 'split' | 'seed'>, tokens: number[], rs: number[], layout: TokenLayout): Array<SplitPositions | null> {
  return rs.map((r, l) => (r > 0 ? splitPositions(tokens[l] - layout.registers, layout, c.split, c.seed, l) : null));
}
