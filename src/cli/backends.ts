// Picks the forward backend for the CLI: WebGPU (Dawn) when an adapter exists, else the fast CPU
// path (ONNX Runtime); `reference` is the TypeScript oracle. Says which on stderr.
import type { Backend } from '../model/backend';
import type { ViTWeights } from '../model/weights';
import type { BackendChoice } from './args';
import { createCpuBackend } from '../cpu/backend';

export async function openBackend(weights: ViTWeights, choice: BackendChoice, maxBatch = 8): Promise<Backend> {
  if (choice === 'reference') return announce(createCpuBackend(weights));
  if (choice === 'cpu') return announce(await openCpu(weights));
  const { requestNodeAdapter } = await import('../gpu/node-adapter');
  const found = await requestNodeAdapter('auto').catch(() => null);
  if (!found) {
    if (choice === 'webgpu') throw new Error('--backend webgpu: no WebGPU adapter found (run scripts/system-deps.sh to install Mesa)');
    process.stderr.write('tome: no WebGPU adapter found, using the CPU path\n');
    return announce(await openCpu(weights));
  }
  const { createWebGpuBackend } = await import('../gpu/engine');
  return announce(await createWebGpuBackend(weights, { adapter: found.adapter, maxBatch }));
}

async function openCpu(weights: ViTWeights): Promise<Backend> {
  const { createOrtNodeBackend } = await import('../ort/node');
  return createOrtNodeBackend(weights);
}

function announce(b: Backend): Backend {
  process.stderr.write(`tome: backend ${b.name} (${b.description})\n`);
  return b;
}
