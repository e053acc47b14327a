// Which of ToMe's design choices (src/core/tome.ts: DesignChoices) the CPU path's ToMe graph
// expresses: the metric (which features are matched: a different input to the matching), the
// distance (normalised or not, or the squared distance expanded into a MatMul and two norms), and
// the weightings that are a plain scatter-add (the size-weighted and plain means, the
// destination's own value). The element-wise max needs ScatterND's `max` (opset 18, while the
// graphs are opset 17), and the other splits and matchings are not ONNX graphs yet; the backend
// choice sends those to a backend that runs them.
import { choicesRefusal, type ChoiceSupport, type DesignChoices } from '../core/tome';

export const ORT_CHOICES: ChoiceSupport = {
  metric: ['k', 'x', 'q', 'v'],
  distance: ['cosine', 'dot', 'euclidean'],
  split: ['alternate'],
  matching: ['bipartite'],
  weighting: ['size', 'mean', 'keep'],
};

/** One line naming the first design choice in `settings` the CPU path does not run, or null. */
export function ortChoicesRefusal(settings: Array<Partial<DesignChoices>>): string | null {
  return choicesRefusal('the CPU path (ONNX Runtime)', ORT_CHOICES, settings);
}
