// Which of ToMe's design choices (src/core/tome.ts: DesignChoices) the WebGPU engine runs; the
// backend choice asks here before loading the engine, so a setting it does not run goes to a
// backend that does, and the engine refuses it in one line when asked by name.
import { choicesRefusal, type ChoiceSupport, type DesignChoices } from '../core/tome';

// All of them, as uniforms of the ToMe kernels (kernels/tome-state.ts): the metric and distance
// change the metric and similarity kernels (which third of qkv or the token itself, normalised
// or not, dot product or squared distance: tome_match.wgsl); the split the positions A and B
// are read from (a table per block, split-table.ts); greedy and k-means matching dispatch their
// own kernel (tome_group.wgsl) in place of similarity + order; the weighting changes the merge
// kernel's combination (tome_merge.wgsl).
export const ENGINE_CHOICES: ChoiceSupport = {
  metric: ['k', 'x', 'q', 'v'],
  distance: ['cosine', 'dot', 'euclidean'],
  split: ['alternate', 'sequential', 'random'],
  matching: ['bipartite', 'greedy', 'kmeans'],
  weighting: ['size', 'mean', 'keep', 'max'],
};

export function engineChoicesRefusal(settings: Array<Partial<DesignChoices>>): string | null {
  return choicesRefusal('the WebGPU engine', ENGINE_CHOICES, settings);
}
