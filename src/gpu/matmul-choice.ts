// Picks the matmul variant by measuring each on this adapter (an MLP-shaped product, the
// largest in the model) and caches the answer per adapter and precision for the session:
// CPU adapters favour register tiling, real GPUs workgroup-memory tiling.
import { compileMatmul, MATMUL_VARIANTS, type MatmulVariant } from './kernels';
import { matmulGroups } from './forward-plan';
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
  const kernel = await compileMatmul(device, src, variant, 'bias', f16);
  const buf = (bytes: number, usage: number) => device.createBuffer({ size: Math.ceil(bytes / 4) * 4, usage });
  const x = buf(M * K * 4, GPUBufferUsage.STORAGE);
  const w = buf((K * N + N) * (f16 ? 2 : 4), GPUBufferUsage.STORAGE);
  const y = buf(M * N * 4, GPUBufferUsage.STORAGE);
  const u = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(u, 0, new Uint32Array([M, N, K, 0]));
  const bindGroup = device.createBindGroup({
    layout: kernel.pipeline.getBindGroupLayout(0),
    entries: [u, x, w, y].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const groups = matmulGroups(variant, M, N);
  const reps = 3;
  const once = async () => {
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(kernel.pipeline);
    pass.setBindGroup(0, bindGroup);
    for (let i = 0; i < reps; i++) pass.dispatchWorkgroups(...groups);
    pass.end();
    const t0 = performance.now();
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
    return (performance.now() - t0) / reps;
  };
  await once(); // warm-up: first use compiles lazily on some drivers
  let best = Infinity;
  for (let i = 0; i < 3; i++) best = Math.min(best, await once());
  for (const b of [x, w, y, u]) b.destroy();
  return best;
}

/** Timings of every variant on an [M, K] x [K, N] product, fastest first (cached). */
export async function measureMatmuls(device: GPUDevice, src: ShaderSources, key: string, f16: boolean, M: number, N: number, K: number): Promise<MatmulTiming[]> {
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
