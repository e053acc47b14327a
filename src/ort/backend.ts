// The fast CPU path behind the common Backend interface: the whole ViT + ToMe forward as one ONNX
// graph built from the weights (the plain ViT at r = 0, one ToMe graph for every other setting),
// run by ONNX Runtime, one run per forward. The runtime
// (onnxruntime-node in the CLI, onnxruntime-web's WASM in the page) and its session options
// come from the caller.
import type { InferenceSession } from 'onnxruntime-common';
import { NEVER_LOST, noKernelsToProfile, type Backend } from '../core/backend';
import { inputTensor } from '../reference/model-input';
import { expectedTensors, type ModelConfig } from '../model/config';
import type { ViTWeights } from '../model/weights';
import { ForwardSessions, ortForward, type OrtRuntime } from './forward';
import { ortChoicesRefusal } from './choices';

export interface OrtBackendOptions {
  ort: OrtRuntime;
  session: InferenceSession.SessionOptions;
  /** Where it runs, for the CLI's stderr and the page's badge. */
  description: string;
}

export interface OrtBackend extends Backend {
  /** Creates the session these settings run on (the plain graph at r = 0, the ToMe graph for
   * every other setting) and runs a forward on it, so no forward the user waits for pays for
   * either. */
  prepare(opts: Parameters<Backend['run']>[1], batch?: number): Promise<void>;
}

export { ortChoicesRefusal } from './choices';

export function createOrtBackend(weights: ViTWeights, o: OrtBackendOptions): OrtBackend {
  const sessions = new ForwardSessions(weights, o.ort, o.session);
  const backend: OrtBackend = {
    name: 'cpu',
    config: weights.config,
    description: o.description,
    async run(inputs, opts) {
      const refusal = ortChoicesRefusal([opts]);
      if (refusal) throw new Error(refusal);
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

const builds = () => null;

/**
 * How the graph builder (vit-graph.ts) takes each config field: null where it builds any value,
 * else why not. Every field of ModelConfig must be here, so a new model family's field fails
 * the typecheck until the graphs handle it (or refuse it here) instead of running it wrong.
 */
const GRAPH_SUPPORT: { [K in keyof ModelConfig]-?: (c: ModelConfig) => string | null } = {
  id: builds,
  architecture: builds,
  embedDim: builds,
  depth: builds,
  numHeads: builds,
  patchSize: builds,
  imgSize: builds,
  mlpHidden: builds,
  numClasses: builds,
  classToken: builds,
  distilled: builds,
  registers: builds,
  layerScale: builds,
  noEmbedClass: builds,
  preNorm: builds,
  act: builds,
  globalPool: builds,
  eps: builds,
  // Preprocessing and labels happen outside the graph.
  mean: builds,
  std: builds,
  cropPct: builds,
  interpolation: builds,
  propAttnDefault: builds,
  labels: builds,
};

/** Protobuf's limit for one message: a graph's weights are inside it (no external data here). */
const ONNX_MODEL_LIMIT = 2 ** 31 - 1;

/** Why the graphs cannot run this model (the caller then runs the reference), or null. */
export function ortRefusal(c: ModelConfig): string | null {
  const bytes = 4 * expectedTensors(c).reduce((n, [, shape]) => n + shape.reduce((a, b) => a * b, 1), 0);
  if (bytes > ONNX_MODEL_LIMIT)
    return `${c.id}: its ${(bytes / 2 ** 30).toFixed(1)} GiB of weights are over the 2 GiB an ONNX graph can hold, so the ONNX Runtime path cannot build it`;
  for (const why of Object.values(GRAPH_SUPPORT)) {
    const reason = why(c);
    if (reason) return `${c.id}: the ONNX Runtime path does not build graphs for ${reason} yet`;
  }
  return null;
}
