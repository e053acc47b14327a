// In the worker: which backend runs a setting. The loaded model's backend runs every setting it
// can; a design choice it lacks goes to the CPU reference of the same weights (as the CLI's
// automatic choice does), with one line saying so, so the page can show any choice, slowly.
import { backendChoicesRefusal } from '../../backends/choose';
import type { Backend } from '../../core/backend';
import type { ToMeOptions } from '../../core/tome';
import { createReferenceBackend } from '../../reference/backend';
import type { ChoiceRoute } from '../protocol';
import type { LoadedModel } from './model-session';

/** The reference of each loaded model, made the first time a setting needs it (it holds nothing
 * beyond the weights, so nothing is disposed with the model). */
const references = new WeakMap<LoadedModel, Backend>();

export function routeSettings(l: LoadedModel, settings: ToMeOptions[]): { backend: Backend; route?: ChoiceRoute } {
  const refusal = backendChoicesRefusal(l.backend.name, settings);
  if (!refusal) return { backend: l.backend };
  let reference = references.get(l);
  if (!reference) {
    reference = createReferenceBackend(l.weights);
    references.set(l, reference);
  }
  return { backend: reference, route: { backend: 'reference', reason: `Runs on the CPU reference (seconds per forward): ${refusal}.` } };
}
