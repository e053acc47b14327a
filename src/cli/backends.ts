// Picks the forward backend for the CLI: WebGPU (Dawn) when an adapter exists and the engine
// runs the model's architecture, else the CPU reference; says which on stderr.
import type { Backend } from '../core/backend';
import { gpuEngineRefusal } from '../model/gpu-budget';
import type { ViTWeights } from '../model/weights';
import type { BackendChoice } from './args';
import { createCpuBackend } from '../cpu/backend';

export async function openCliBackend(weights: ViTWeights, choice: BackendChoice, maxBatch = 8): Promise<Backend> {
  if (choice === 'cpu') return announce(createCpuBackend(weights));
  const refusal = gpuEngineRefusal(weights.config);
  if (refusal && choice === 'webgpu') throw new Error(`--backend webgpu: ${refusal}`);
  if (refusal) {
    process.stderr.write(`tome: ${refusal.replace(/; use .*$/, '')}, using the CPU reference\n`);
    return announce(createCpuBackend(weights));
  }
  const { requestNodeAdapter } = await import('../gpu/node-adapter');
  const found = await requestNodeAdapter('auto').catch(() => null);
  if (!found) {
    if (choice === 'webgpu') throw new Error('--backend webgpu: no WebGPU adapter found (run scripts/system-deps.sh to install Mesa)');
    process.stderr.write('tome: no WebGPU adapter found, using the CPU reference\n');
    return announce(createCpuBackend(weights));
  }
  const { createWebGpuBackend } = await import('../gpu/engine');
  return announce(await createWebGpuBackend(weights, { adapter: found.adapter, maxBatch }));
}

function announce(b: Backend): Backend {
  process.stderr.write(`tome: backend ${b.name} (${b.description})\n`);
  return b;
}
