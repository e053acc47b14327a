// Which of ToMe's design choices (src/core/tome.ts: DesignChoices) the CPU path's ToMe graph
// expresses: the metric (which features are matched: a different input to the matching), the
// distance (normalised or not, or the squared distance expanded into a MatMul and two norms), the
// split (alternate: strided slices; sequential and random: A and B gathered at positions the host
// feeds, since they depend on the seed, block and token count only), and the weightings that are
// a plain scatter-add (the size-weighted and plain means, the destination's own value). The
// element-wise max needs ScatterND's `max` (opset 18, while the graphs are opset 17), and greedy
// and k-means matching iterate (no ONNX graph yet); the backend choice sends those to a backend
// that runs them.
import { choicesRefusal, type ChoiceSupport, type DesignChoices } from '../core/tome';

export const ORT_CHOICES: ChoiceSupport = {
  metric: ['k', 'x', 'q', 'v'],
  distance: ['cosine', 'dot', 'euclidean'],
  split: ['alternate', 'sequential', 'random'],
  matching: ['bipartite'],
  weighting: ['size', 'mean', 'keep'],
};

/** One line naming the first design choice in `settings` the CPU path does not run, or null. */
export function ortChoicesRefusal(settings: Array<Partial<DesignChoices>>): string | null {
  return choicesRefusal('the CPU path (ONNX Runtime)', ORT_CHOICES, settings);
}
