// The uniform struct every ToMe kernel shares (tome_common.wgsl, concatenated before each of
// them): the block's shapes and where its parts of the ToMe state buffer start.
import { choicesOf, type DesignChoices } from '../../core/tome';
import type { TokenLayout } from '../../model/config';
import { uniformStruct } from './descriptor';

export const tomeUniform = uniformStruct('Tome', {
  T: 'u32',
  r: 'u32',
  D: 'u32',
  hd: 'u32',
  heads: 'u32',
  prune: 'u32',
  layer: 'u32',
  depth: 'u32',
  P: 'u32',
  T0: 'u32',
  batch: 'u32',
  /** 1 + the block whose map row this block updates; 0: the identity (no merge yet). */
  prevRow: 'u32',
  sizesIn: 'u32',
  sizesOut: 'u32',
  maps: 'u32',
  /** The tokens before the patches ([cls][dist][registers], tome_common.wgsl): a class token
   * (never a source), a distillation token (never a destination), and how many registers (no
   * part in the matching). */
  cls: 'u32',
  dist: 'u32',
  regs: 'u32',
  /** The design choices (src/gpu/choices.ts): which features the metric takes (0 q, 1 k, 2 v
   * averaged over heads, 3 the token x), the distance (0 cosine, 1 dot, 2 minus the squared
   * euclidean), the split (0 alternate, 1 the plan's split table: sequential or random), the
   * matching (0 bipartite, 1 greedy, 2 k-means) and how a merged group's value is made
   * (WEIGHTINGS' index: size-weighted, plain mean, the destination's, max). */
  metricPart: 'u32',
  distance: 'u32',
  split: 'u32',
  matching: 'u32',
  weighting: 'u32',
});

export type TomeFields = typeof tomeUniform.fields;

/** The Tome uniform's prefix-token fields for a layout. */
export function tomePrefixFields(l: TokenLayout): { cls: number; dist: number; regs: number } {
  return { cls: l.classToken ? 1 : 0, dist: l.distToken ? 1 : 0, regs: l.registers };
}

const METRIC_PARTS = { q: 0, k: 1, v: 2, x: 3 } as const;
const DISTANCES = ['cosine', 'dot', 'euclidean'] as const;
const MATCHINGS = ['bipartite', 'greedy', 'kmeans'] as const;
export const WEIGHTINGS = ['size', 'mean', 'keep', 'max'] as const;

/** The Tome uniform's design-choice fields (the official algorithm when none is given). */
export function tomeChoiceFields(choices: Partial<DesignChoices> = {}): {
  metricPart: number;
  distance: number;
  split: number;
  matching: number;
  weighting: number;
} {
  const c = choicesOf(choices);
  return {
    metricPart: METRIC_PARTS[c.metric],
    distance: DISTANCES.indexOf(c.distance),
    split: c.split === 'alternate' ? 0 : 1,
    matching: MATCHINGS.indexOf(c.matching),
    weighting: WEIGHTINGS.indexOf(c.weighting),
  };
}
