// The reference behind the common Backend interface: the CLI's `--backend reference`, the oracle
// of the tests, and the last resort where neither the GPU nor ONNX Runtime can run a model. Runs
// the batch one image after another on this thread.
import { NEVER_LOST, noKernelsToProfile, type Backend } from '../core/backend';
import type { ViTWeights } from '../model/weights';
import { inputTensor } from './model-input';
import { forward } from './vit';

export function createReferenceBackend(weights: ViTWeights): Backend {
  const backend: Backend = {
    name: 'reference',
    config: weights.config,
    description: 'CPU reference (TypeScript, single thread)',
    async run(inputs, opts) {
      // Timed: the forward, as on the GPU (whose timestamps bracket the forward's pass only).
      const tensors = inputs.map((x) => inputTensor(x, weights.config));
      const start = performance.now();
      const results = tensors.map((x) => forward(weights, x, opts));
      return { results, timing: { ms: performance.now() - start, source: 'wall' } };
    },
    profile: () => noKernelsToProfile(backend),
    lost: NEVER_LOST,
    loseDevice() {},
    // Holds nothing beyond the weights, which belong to the caller.
    dispose() {},
  };
  return backend;
}
