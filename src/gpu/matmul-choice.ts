// Picks the matmul variant by measuring each on this adapter (an MLP-shaped product, the
// largest in the model) and caches the answer per adapter and precision for the session:
// CPU adapters favour register tiling, real GPUs workgroup-memory tiling.
import { compileKernel, matmulKernels, MATMUL_VARIANTS, standaloneDispatch, type MatmulVariant } from './kernels';
import { timeSubmission } from './profile';
import type { ShaderSources } from './shader-source';

export interface MatmulTiming {
  variant: MatmulVariant;
  ms: number;
  gflops: number;
}

const choices = new Map<string, MatmulTiming[]>();

export function adapterKey(info: GPUAdapterInfo, f16: boolean): string {
  return [info.vendor, info.architecture, info.device, info.description, f16 ? 'f16' : 'f32'].join('|');
}

async function timeVariant(device: GPUDevice, src: ShaderSources, variant: MatmulVariant, f16: boolean, M: number, N: number, K: number): Promise<number> {
  const kernel = await compileKernel(device, src, matmulKernels[variant], { epilogue: 'bias', f16 });
  const buf = (bytes: number) => device.createBuffer({ size: Math.ceil(bytes / 4) * 4, usage: GPUBufferUsage.STORAGE });
  const buffers = { x: buf(M * K * 4), w: buf((K * N + N) * (f16 ? 2 : 4)), y: buf(M * N * 4) };
  const d = standaloneDispatch(device, kernel, { M, N, K }, buffers);
  const reps = 3;
  await timeSubmission(device, [d], reps); // warm-up: first use compiles lazily on some drivers
  let best = Infinity;
  for (let i = 0; i < 3; i++) best = Math.min(best, (await timeSubmission(device, [d], reps)) / reps);
  for (const b of [...Object.values(buffers), d.uniform]) b.destroy();
  return best;
}

/** Timings of every variant on an [M, K] x [K, N] product, fastest first (cached). */
export async function measureMatmuls(
  device: GPUDevice,
  src: ShaderSources,
  key: string,
  f16: boolean,
  M: number,
  N: number,
  K: number,
): Promise<MatmulTiming[]> {
  const hit = choices.get(key);
  if (hit) return hit;
  const out: MatmulTiming[] = [];
  for (const variant of MATMUL_VARIANTS) {
    const ms = await timeVariant(device, src, variant, f16, M, N, K);
    out.push({ variant, ms, gflops: (2 * M * N * K) / (ms * 1e6) });
  }
  out.sort((a, b) => a.ms - b.ms);
  choices.set(key, out);
  return out;
}
