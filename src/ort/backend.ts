// The fast CPU path behind the common Backend interface: the ViT's dense parts on ONNX Runtime
// (segment graphs built from the weights), ToMe in our own code between them. The runtime
// (onnxruntime-node in the CLI, onnxruntime-web's WASM in the page) and its session options
// come from the caller.
import type { InferenceSession } from 'onnxruntime-common';
import { NEVER_LOST, noKernelsToProfile, type Backend } from '../core/backend';
import { inputTensor } from '../reference/model-input';
import { beyondPlainViT, type ModelConfig } from '../model/config';
import type { ViTWeights } from '../model/weights';
import { ortForward, SegmentSessions, type OrtRuntime } from './forward';

export interface OrtBackendOptions {
  ort: OrtRuntime;
  session: InferenceSession.SessionOptions;
  /** Where it runs, for the CLI's stderr and the page's badge. */
  description: string;
}

export interface OrtBackend extends Backend {
  /** Creates the sessions a forward at these settings needs, so its first run is not slowed by it. */
  prepare(opts: Parameters<Backend['run']>[1], batch?: number): Promise<void>;
}

export function createOrtBackend(weights: ViTWeights, o: OrtBackendOptions): OrtBackend {
  const sessions = new SegmentSessions(weights, o.ort, o.session);
  const backend: OrtBackend = {
    name: 'cpu',
    config: weights.config,
    description: o.description,
    async run(inputs, opts) {
      // Timed: the forward, as on the GPU (whose timestamps bracket the forward's pass only).
      const tensors = inputs.map((x) => inputTensor(x, weights.config));
      const start = performance.now();
      const results = await ortForward(weights, sessions, o.ort, tensors, opts);
      return { results, timing: { ms: performance.now() - start, source: 'wall' } };
    },
    profile: () => noKernelsToProfile(backend),
    lost: NEVER_LOST,
    loseDevice() {},
    async prepare(opts, batch = 1) {
      const S = weights.config.imgSize;
      await ortForward(
        weights,
        sessions,
        o.ort,
        Array.from({ length: batch }, () => new Float32Array(3 * S * S)),
        opts,
      );
    },
    dispose() {
      void sessions.dispose();
    },
  };
  return backend;
}

/** Why the segment graphs cannot run this model (they are built for plain class-token ViTs
 * with a head), or null when they can. */
export function ortRefusal(c: ModelConfig): string | null {
  const feature = beyondPlainViT(c);
  return feature ? `${c.id}: the ONNX Runtime path does not build graphs for ${feature} yet` : null;
}
