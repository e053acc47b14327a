// The CPU reference behind the common Backend interface: the CLI's `--backend reference`, the
// oracle of the tests, and the last resort where ONNX Runtime cannot run a model. Runs the batch
// one image after another on this thread.
import type { Backend } from '../core/backend';
import type { ViTWeights } from '../model/weights';
import { forward } from './vit';

export function createReferenceBackend(weights: ViTWeights): Backend {
  return {
    name: 'reference',
    config: weights.config,
    description: 'CPU reference (TypeScript, single thread)',
    async run(inputs, opts) {
      const start = performance.now();
      const results = inputs.map((input) => forward(weights, input, opts));
      return { results, timing: { ms: performance.now() - start, source: 'wall' } };
    },
    // Holds nothing beyond the weights, which belong to the caller.
    dispose() {},
  };
}
