// Backend-independent ToMe bookkeeping shared by the CPU reference, the GPU engine, the CLI
// and the UI: the r schedule, the token counts it implies, the patch->token map's start, and
// canonical merge groups. Token counts include every prefix token; the clamp counts only the
// tokens that take part in the matching (registers do not: see TokenLayout).
import { CLASS_TOKEN_ONLY, type TokenLayout } from '../model/config';

export type Schedule = 'constant' | 'decreasing';
export type MergeMode = 'merge' | 'prune';

export interface ToMeOptions {
  /** Tokens merged per block (the paper's r); the decreasing schedule starts at 2r. */
  r: number;
  schedule: Schedule;
  /** Proportional attention: + log(size) on every key's logit. */
  propAttn: boolean;
  /** merge = size-weighted average into the destination; prune = drop the sources. */
  mode: MergeMode;
  /** The paper's design choices (DesignChoices); each left out is the official one. */
  metric?: MetricFeature;
  distance?: Distance;
  split?: Split;
  seed?: number;
  matching?: Matching;
  weighting?: Weighting;
}

export const DEFAULT_TOME: ToMeOptions = { r: 0, schedule: 'constant', propAttn: true, mode: 'merge' };

/** The paper's ablations (Table 1 and 2) as options: which features are compared, how, which
 * tokens may pair, how the pairs are chosen and how a group becomes one token. */
export type MetricFeature = 'k' | 'x' | 'q' | 'v';
export type Distance = 'cosine' | 'dot' | 'euclidean';
export type Split = 'alternate' | 'sequential' | 'random';
export type Matching = 'bipartite' | 'greedy' | 'kmeans';
export type Weighting = 'size' | 'mean' | 'keep' | 'max';

export interface DesignChoices {
  /** Similarity features: keys (mean over heads), the token itself, queries or values (mean over heads). */
  metric: MetricFeature;
  distance: Distance;
  /** Bipartite matching's sets: alternate positions, first half against second half, or a seeded shuffle. */
  split: Split;
  /** The random split's seed (each block draws its own permutation from it). */
  seed: number;
  matching: Matching;
  /** A merged group's value: size-weighted mean, plain mean, the destination's, element-wise max. */
  weighting: Weighting;
}

/** The official algorithm (facebookresearch/ToMe): every option's default. */
export const OFFICIAL_CHOICES: DesignChoices = { metric: 'k', distance: 'cosine', split: 'alternate', seed: 0, matching: 'bipartite', weighting: 'size' };

export const CHOICE_VALUES = {
  metric: ['k', 'x', 'q', 'v'],
  distance: ['cosine', 'dot', 'euclidean'],
  split: ['alternate', 'sequential', 'random'],
  matching: ['bipartite', 'greedy', 'kmeans'],
  weighting: ['size', 'mean', 'keep', 'max'],
} as const satisfies { [K in Exclude<keyof DesignChoices, 'seed'>]: readonly DesignChoices[K][] };

/** Every design choice of a setting, the official one where it names none. */
export function choicesOf(o: Partial<DesignChoices>): DesignChoices {
  return {
    metric: o.metric ?? OFFICIAL_CHOICES.metric,
    distance: o.distance ?? OFFICIAL_CHOICES.distance,
    split: o.split ?? OFFICIAL_CHOICES.split,
    seed: o.seed ?? OFFICIAL_CHOICES.seed,
    matching: o.matching ?? OFFICIAL_CHOICES.matching,
    weighting: o.weighting ?? OFFICIAL_CHOICES.weighting,
  };
}

/** The choices that differ from the official algorithm, as `--flag value` (the seed only with a random split). */
export function unofficialChoices(o: Partial<DesignChoices>): string[] {
  const c = choicesOf(o);
  const out: string[] = [];
  for (const key of ['metric', 'distance', 'split', 'matching', 'weighting'] as const) if (c[key] !== OFFICIAL_CHOICES[key]) out.push(`--${key} ${c[key]}`);
  if (c.split === 'random') out.push(`--seed ${c.seed}`);
  return out;
}

/** The values of each choice a backend runs. */
export type ChoiceSupport = { [K in keyof typeof CHOICE_VALUES]: readonly DesignChoices[K][] };

/** One line naming the first design choice of `settings` that `backend` does not run, or null. */
export function choicesRefusal(backend: string, support: ChoiceSupport, settings: Array<Partial<DesignChoices>>): string | null {
  for (const s of settings) {
    const c = choicesOf(s);
    for (const key of Object.keys(support) as Array<keyof ChoiceSupport>) {
      if (!(support[key] as readonly string[]).includes(c[key])) return `${backend} does not run --${key} ${c[key]} yet (only ${support[key].join(', ')})`;
    }
  }
  return null;
}

/** One line against a combination that means nothing, else null: a split belongs to bipartite
 * matching, and a pruned source has no value to weigh. */
export function choicesConflict(o: Partial<DesignChoices> & Pick<ToMeOptions, 'mode'>): string | null {
  const c = choicesOf(o);
  if (c.split !== 'alternate' && c.matching !== 'bipartite')
    return `--split ${c.split} applies to bipartite matching only (--matching ${c.matching} pairs any two tokens)`;
  if (c.weighting !== 'size' && o.mode === 'prune') return `--weighting ${c.weighting} needs --mode merge (prune drops the sources, nothing is weighed)`;
  if (!Number.isInteger(c.seed) || c.seed < 0) return `--seed must be a non-negative integer, got ${c.seed}`;
  return null;
}

/**
 * r requested for each block, as the official `tome.utils.parse_r`: constant r, or for the
 * decreasing schedule `parse_r(depth, (r, -1))`, a line from 2r down to 0 truncated to ints.
 */
export function rPerLayer(depth: number, r: number, schedule: Schedule): number[] {
  if (!Number.isInteger(r) || r < 0) throw new Error(`r must be a non-negative integer, got ${r}`);
  if (schedule === 'constant') return new Array<number>(depth).fill(r);
  const inflect = -1;
  const minVal = Math.trunc(r * (1 - inflect));
  const maxVal = 2 * r - minVal;
  const step = depth > 1 ? (maxVal - minVal) / (depth - 1) : 0;
  return Array.from({ length: depth }, (_, i) => Math.trunc(minVal + step * i));
}

/** Tokens before the patches. */
export function prefixCount(l: TokenLayout): number {
  return (l.classToken ? 1 : 0) + (l.distToken ? 1 : 0) + l.registers;
}

/**
 * r actually applied in a block with T tokens (prefix included), as the official
 * bipartite_soft_matching on the tokens that take part: r = min(r, (T' - protected) // 2), T'
 * without the registers (they are taken out of the matching), `protected` the class and
 * distillation tokens (never merged).
 */
export function clampR(r: number, tokens: number, layout: TokenLayout = CLASS_TOKEN_ONLY): number {
  const matched = tokens - layout.registers;
  const protectedTokens = (layout.classToken ? 1 : 0) + (layout.distToken ? 1 : 0);
  return Math.max(0, Math.min(r, Math.floor((matched - protectedTokens) / 2)));
}

/**
 * Token count entering block 0, then after each block, prefix tokens included. Depends on r
 * only, never on the image.
 */
export function tokenCounts(numPatches: number, rs: number[], layout: TokenLayout = CLASS_TOKEN_ONLY): number[] {
  let t = numPatches + prefixCount(layout);
  const out = [t];
  for (const r of rs) {
    t -= clampR(r, t, layout);
    out.push(t);
  }
  return out;
}

/** Effective (clamped) r per block. */
export function effectiveR(numPatches: number, rs: number[], layout: TokenLayout = CLASS_TOKEN_ONLY): number[] {
  const counts = tokenCounts(numPatches, rs, layout);
  return rs.map((_, i) => counts[i] - counts[i + 1]);
}

/** Largest r for which the last block still merges r tokens under a constant schedule. */
export function maxUsefulR(numPatches: number, depth: number, layout: TokenLayout = CLASS_TOKEN_ONLY): number {
  const prefix = prefixCount(layout);
  let best = 0;
  for (let r = 1; r <= numPatches; r++) {
    const counts = tokenCounts(numPatches, new Array<number>(depth).fill(r), layout);
    if (counts[depth] < counts[depth - 1]) best = r;
    if (counts[depth] <= prefix + 1) break;
  }
  return best;
}

/** Patch->token map before any merge: patch p is token p + the prefix tokens (class,
 * distillation, registers come first). */
export function initialTokenOfPatch(numPatches: number, layout: TokenLayout = CLASS_TOKEN_ONLY): Int32Array {
  const prefix = prefixCount(layout);
  const map = new Int32Array(numPatches);
  for (let p = 0; p < numPatches; p++) map[p] = p + prefix;
  return map;
}

/**
 * Canonical group per patch: the smallest patch index that ends in the same token. `tokenOf`
 * is the patch->token map (token index per patch; -1 for a patch whose token was pruned, which
 * then stands alone as its own group).
 */
export function canonicalGroups(tokenOf: ArrayLike<number>): Int32Array {
  const first = new Map<number, number>();
  const out = new Int32Array(tokenOf.length);
  for (let p = 0; p < tokenOf.length; p++) {
    const t = tokenOf[p];
    if (t < 0) {
      out[p] = p;
      continue;
    }
    const f = first.get(t);
    if (f === undefined) {
      first.set(t, p);
      out[p] = p;
    } else out[p] = f;
  }
  return out;
}
