// The CLI's place for the one backend choice (src/backends/choose.ts): Dawn's adapter for this
// machine, onnxruntime-node for the CPU path, the memory TOME_GPU_MEMORY_MB or the machine's,
// every line on stderr.
import { totalmem } from 'node:os';
import type { Backend } from '../core/backend';
import type { ToMeOptions } from '../core/tome';
import type { ViTWeights } from '../model/weights';
import { openBackend, type BackendChoice } from '../backends/choose';

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

const say = (line: string) => process.stderr.write(`tome: ${line}\n`);

/** Opens the backend that runs `settings` (their design choices included) for `choice`. */
export async function openCliBackend(weights: ViTWeights, choice: BackendChoice, maxBatch: number, settings: ToMeOptions[]): Promise<Backend> {
  const { backend } = await openBackend(
    weights,
    choice,
    {
      async adapter() {
        const { requestNodeAdapter } = await import('../gpu/node-adapter');
        const found = await requestNodeAdapter('auto').catch(() => null);
        return found?.adapter ?? { none: 'no WebGPU adapter found (run scripts/system-deps.sh to install Mesa)' };
      },
      async openOrt(w) {
        const { createOrtNodeBackend } = await import('../ort/node');
        return { backend: await createOrtNodeBackend(w) };
      },
      memoryBytes: gpuMemoryBytes(),
      maxBatch,
      log: say,
    },
    settings,
  );
  say(`backend ${backend.name} (${backend.description})`);
  return backend;
}
