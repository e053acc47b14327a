// The fast CPU path behind the common Backend interface: the whole ViT + ToMe forward as one ONNX
// graph built from the weights, run by ONNX Runtime, for every setting. The runtime
// (onnxruntime-node in the CLI, onnxruntime-web's WASM in the page) and its session options
// come from the caller.
import type { InferenceSession } from 'onnxruntime-common';
import type { Backend } from '../core/backend';
import type { ModelConfig } from '../model/config';
import type { ViTWeights } from '../model/weights';
import { ForwardSessions, ortForward, type OrtRuntime } from './forward';

export interface OrtBackendOptions {
  ort: OrtRuntime;
  session: InferenceSession.SessionOptions;
  /** Where it runs, for the CLI's stderr and the page's badge. */
  description: string;
}

export interface OrtBackend extends Backend {
  /** Creates the session (one for every setting) and runs a forward at these settings, so the
   * first forward the user waits for is not slowed by either. */
  prepare(opts: Parameters<Backend['run']>[1], batch?: number): Promise<void>;
}

export function createOrtBackend(weights: ViTWeights, o: OrtBackendOptions): OrtBackend {
  const sessions = new ForwardSessions(weights, o.ort, o.session);
  return {
    name: 'cpu',
    config: weights.config,
    description: o.description,
    async run(inputs, opts) {
      const start = performance.now();
      const results = await ortForward(weights, sessions, o.ort, inputs, opts);
      return { results, timing: { ms: performance.now() - start, source: 'wall' } };
    },
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
  distilled: builds,
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

/** Why the graphs cannot run this model (the caller then runs the reference), or null. */
export function ortRefusal(c: ModelConfig): string | null {
  for (const why of Object.values(GRAPH_SUPPORT)) {
    const reason = why(c);
    if (reason) return `${c.id}: the ONNX Runtime path does not build graphs for ${reason} yet`;
  }
  return null;
}
