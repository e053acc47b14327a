// Picks the forward backend for the CLI: WebGPU (Dawn) when an adapter exists and the model fits
// it, else the CPU reference; says which on stderr. A model over the adapter's limits is one line
// naming the limit (an error with --backend webgpu, the CPU reference otherwise); where only f16
// weights fit and the adapter has shader-f16, those are used and stderr says so.
import { totalmem } from 'node:os';
import type { Backend } from '../core/backend';
import type { ViTWeights } from '../model/weights';
import type { BackendChoice } from './args';
import { createCpuBackend } from '../cpu/backend';

/**
 * The GPU memory the engine may count on: TOME_GPU_MEMORY_MB when set, else the machine's
 * memory (what a software adapter such as llvmpipe allocates from; WebGPU does not report a
 * GPU's own memory).
 */
export function gpuMemoryBytes(env: Record<string, string | undefined> = process.env): number {
  const mb = env.TOME_GPU_MEMORY_MB;
  if (mb === undefined || mb === '') return totalmem();
  const n = Number(mb);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`TOME_GPU_MEMORY_MB must be a positive number of MiB, got "${mb}"`);
  return n * 2 ** 20;
}

export async function openCliBackend(weights: ViTWeights, choice: BackendChoice, maxBatch = 8): Promise<Backend> {
  if (choice === 'cpu') return announce(createCpuBackend(weights));
  const { requestNodeAdapter } = await import('../gpu/node-adapter');
  const found = await requestNodeAdapter('auto').catch(() => null);
  if (!found) {
    if (choice === 'webgpu') throw new Error('--backend webgpu: no WebGPU adapter found (run scripts/system-deps.sh to install Mesa)');
    process.stderr.write('tome: no WebGPU adapter found, using the CPU reference\n');
    return announce(createCpuBackend(weights));
  }
  const { choosePrecision, GpuLimitError } = await import('../gpu/limits');
  const memoryBytes = gpuMemoryBytes();
  let precision: 'f32' | 'f16';
  try {
    const fit = choosePrecision(weights.config, found.adapter, { maxBatch, memoryBytes });
    precision = fit.precision;
    if (fit.note) process.stderr.write(`tome: ${fit.note}\n`);
  } catch (e) {
    if (!(e instanceof GpuLimitError)) throw e;
    if (choice === 'webgpu') throw new Error(`--backend webgpu: ${e.message}`);
    process.stderr.write(`tome: ${e.message}; using the CPU reference\n`);
    return announce(createCpuBackend(weights));
  }
  const { createWebGpuBackend } = await import('../gpu/engine');
  return announce(await createWebGpuBackend(weights, { adapter: found.adapter, maxBatch, precision, memoryBytes }));
}

function announce(b: Backend): Backend {
  process.stderr.write(`tome: backend ${b.name} (${b.description})\n`);
  return b;
}
