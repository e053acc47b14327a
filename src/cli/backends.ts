// Picks the forward backend for the CLI: WebGPU (Dawn) when an adapter exists and the model fits
// it, else the fast CPU path (`cpu`: ONNX Runtime with our ToMe); `reference` is the TypeScript
// oracle. Says which on stderr. A model over the adapter's limits is one line naming the limit
// (an error with --backend webgpu, the CPU path otherwise); where only a smaller batch fits, or
// only f16 weights and the adapter has shader-f16, those are used and stderr says so.
import { totalmem } from 'node:os';
import type { Backend } from '../core/backend';
import type { ViTWeights } from '../model/weights';
import type { BackendChoice } from './args';
import { createReferenceBackend } from '../reference/backend';

/**
 * The GPU memory the engine may count on: TOME_GPU_MEMORY_MB when set, else the machine's
 * memory (what a software adapter such as llvmpipe allocates from; WebGPU does not report a
 * GPU's own memory).
 */
function gpuMemoryBytes(env: Record<string, string | undefined> = process.env): number {
  const mb = env.TOME_GPU_MEMORY_MB;
  if (mb === undefined || mb === '') return totalmem();
  const n = Number(mb);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`TOME_GPU_MEMORY_MB must be a positive number of MiB, got "${mb}"`);
  return n * 2 ** 20;
}

export async function openCliBackend(weights: ViTWeights, choice: BackendChoice, maxBatch = 8): Promise<Backend> {
  if (choice === 'reference') return announce(createReferenceBackend(weights));
  if (choice === 'cpu') return announce(await openCpu(weights, true));
  const { requestNodeAdapter } = await import('../gpu/node-adapter');
  const found = await requestNodeAdapter('auto').catch(() => null);
  if (!found) {
    if (choice === 'webgpu') throw new Error('--backend webgpu: no WebGPU adapter found (run scripts/system-deps.sh to install Mesa)');
    process.stderr.write('tome: no WebGPU adapter found, using the CPU path\n');
    return announce(await openCpu(weights, false));
  }
  const { choosePrecision, GpuLimitError } = await import('../gpu/limits');
  const memoryBytes = gpuMemoryBytes();
  let precision: 'f32' | 'f16';
  let batch: number;
  try {
    const fit = choosePrecision(weights.config, found.adapter, { maxBatch, memoryBytes });
    precision = fit.precision;
    batch = fit.maxBatch;
    if (fit.note) process.stderr.write(`tome: ${fit.note}\n`);
  } catch (e) {
    if (!(e instanceof GpuLimitError)) throw e;
    if (choice === 'webgpu') throw new Error(`--backend webgpu: ${e.message}`);
    process.stderr.write(`tome: ${e.message}; using the CPU path\n`);
    return announce(await openCpu(weights, false));
  }
  const { createWebGpuBackend } = await import('../gpu/engine');
  return announce(await createWebGpuBackend(weights, { adapter: found.adapter, maxBatch: batch, precision, memoryBytes }));
}

/** The ONNX Runtime path, or the reference for an architecture it does not build graphs for
 * (an error when `cpu` was asked for by name). */
async function openCpu(weights: ViTWeights, asked: boolean): Promise<Backend> {
  const { createOrtNodeBackend, ortRefusal } = await import('../ort/node');
  const refusal = ortRefusal(weights.config);
  if (!refusal) return createOrtNodeBackend(weights);
  if (asked) throw new Error(`--backend cpu: ${refusal}; --backend reference runs it`);
  process.stderr.write(`tome: ${refusal}; using the CPU reference\n`);
  return createReferenceBackend(weights);
}

function announce(b: Backend): Backend {
  process.stderr.write(`tome: backend ${b.name} (${b.description})\n`);
  return b;
}
