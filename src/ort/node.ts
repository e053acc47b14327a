// The ONNX Runtime CPU path in Node (the CLI's `--backend cpu`): onnxruntime-node's CPU execution
// provider, one intra-op thread per core.
import { availableParallelism } from 'node:os';
import type { ViTWeights } from '../model/weights';
import { createOrtBackend, type OrtBackend, type OrtBackendOptions } from './backend';

export { ortRefusal } from './backend';

/**
 * Intra-op threads spin while a run lasts and stop the moment it returns. A forward alternates
 * between ONNX Runtime and our ToMe code 13 times at r = 13: threads left spinning (ORT's
 * default) would take the cores from that code (8x slower at batch 1 here), threads that never
 * spin pay a wake-up on every operator (4-12% slower than this at r = 13, batch 1 and 8).
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
    description: `ONNX Runtime ${ort.env.versions.node ?? ''} CPU, ${threads} thread${threads === 1 ? '' : 's'}, ToMe in TypeScript`,
  };
}

export async function createOrtNodeBackend(weights: ViTWeights, threads?: number): Promise<OrtBackend> {
  return createOrtBackend(weights, await ortNodeOptions(threads));
}
