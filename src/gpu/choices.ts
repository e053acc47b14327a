// Which of ToMe's design choices (src/core/tome.ts: DesignChoices) the WebGPU engine runs; the
// backend choice asks here before loading the engine, so a setting it does not run goes to a
// backend that does, and the engine refuses it in one line when asked by name.
import { choicesRefusal, type ChoiceSupport, type DesignChoices } from '../core/tome';

// The metric and distance change the metric kernel (which third of qkv, normalised or not) and the
// weighting the merge kernel (tome_match.wgsl, tome_merge.wgsl); the token itself as the metric,
// the euclidean distance, the other splits and the greedy and k-means matchings are not there yet.
export const ENGINE_CHOICES: ChoiceSupport = {
  metric: ['k', 'q', 'v'],
  distance: ['cosine', 'dot'],
  split: ['alternate'],
  matching: ['bipartite'],
  weighting: ['size', 'mean', 'keep', 'max'],
};

export function engineChoicesRefusal(settings: Array<Partial<DesignChoices>>): string | null {
  return choicesRefusal('the WebGPU engine', ENGINE_CHOICES, settings);
}
