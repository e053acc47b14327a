// The ONNX Runtime CPU path in Node (the CLI's `--backend cpu`): onnxruntime-node's CPU execution
// provider, one intra-op thread per core.
import { availableParallelism } from 'node:os';
import type { ViTWeights } from '../model/weights';
import { createOrtBackend, type OrtBackend, type OrtBackendOptions } from './backend';

export { ortRefusal } from './backend';

/**
 * Intra-op threads spin while a run lasts and stop the moment it returns: threads that never
 * spin pay a wake-up on every operator, and threads left spinning after the run (ONNX Runtime's
 * default) hold the cores from the host's work between forwards (decoding, preprocessing, the
 * patch maps) and from whatever runs next; the bench's ONNX Runtime peers run the same way.
 */
export const ORT_NODE_SPIN_IN_RUN_ONLY = { session: { intra_op: { allow_spinning: '1' }, force_spinning_stop: '1' } };

export async function ortNodeOptions(threads = availableParallelism()): Promise<OrtBackendOptions> {
  const ort = await import('onnxruntime-node');
  return {
    ort,
    session: {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      graphOptimizationLevel: 'all',
      extra: ORT_NODE_SPIN_IN_RUN_ONLY,
    },
    description: `ONNX Runtime ${ort.env.versions.node ?? ''} CPU, ${threads} thread${threads === 1 ? '' : 's'}, ToMe inside the graph`,
  };
}

export async function createOrtNodeBackend(weights: ViTWeights, threads?: number): Promise<OrtBackend> {
  return createOrtBackend(weights, await ortNodeOptions(threads));
}
