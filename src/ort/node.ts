// The ONNX Runtime CPU path in Node (the CLI's `--backend cpu`): onnxruntime-node's CPU execution
// provider, one intra-op thread per core, threads that sleep between segments instead of spinning
// (a forward alternates between ONNX Runtime and our ToMe code many times).
import { availableParallelism } from 'node:os';
import type { ViTWeights } from '../model/weights';
import { createOrtBackend, type OrtBackend, type OrtBackendOptions } from './backend';

export { ortRefusal } from './backend';

export async function ortNodeOptions(threads = availableParallelism()): Promise<OrtBackendOptions> {
  const ort = await import('onnxruntime-node');
  return {
    ort,
    session: {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      graphOptimizationLevel: 'all',
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    },
    description: `ONNX Runtime ${ort.env.versions.node ?? ''} CPU, ${threads} thread${threads === 1 ? '' : 's'}, ToMe in TypeScript`,
  };
}

export async function createOrtNodeBackend(weights: ViTWeights, threads?: number): Promise<OrtBackend> {
  return createOrtBackend(weights, await ortNodeOptions(threads));
}
