// The matmul kernel alone on the forward's largest product (fc1 with its GELU epilogue,
// [tokens x batch, D] x [D, 4D]), in each configuration: what the forward's GFLOP/s is set
// beside, and how close the kernel itself gets to the GPU's peak. Timed as the kernel
// micro-benchmarks time a dispatch (bench/kernels/harness.ts): enough copies per submission
// that the submission's fixed cost is spread out.
import { numPatches, type ModelConfig } from '../../src/model/config';
import { toHalfArray } from '../../src/gpu/f16';
import { compileKernel, matmulKernels, standaloneDispatch, type MatmulVariant } from '../../src/gpu/kernels';
import type { ShaderSources } from '../../src/gpu/shader-source';
import { BufferSet, randomValues, timeDispatch } from '../../bench/kernels/harness';
import type { EngineConfig, MatmulRate } from './result';

export async function matmulRate(
  device: GPUDevice,
  src: ShaderSources,
  cfg: EngineConfig,
  c: ModelConfig,
  batch: number,
  rounds: number,
  peakGflops: number | null,
): Promise<MatmulRate> {
  const f16 = cfg.precision === 'f16';
  const M = batch * (numPatches(c) + 1);
  const N = c.mlpHidden;
  const K = c.embedDim;
  const kernel = await compileKernel(device, src, matmulKernels[cfg.matmul as MatmulVariant], { epilogue: 'gelu', f16 });
  const b = new BufferSet(device);
  const w = randomValues((K + 1) * N, 2, 0.05);
  let wBuf: GPUBuffer;
  if (f16) {
    const halves = toHalfArray(w);
    const padded = new Uint16Array(halves.length + (halves.length % 2));
    padded.set(halves);
    wBuf = b.data(padded);
  } else wBuf = b.data(w);
  const d = standaloneDispatch(device, kernel, { M, N, K }, { x: b.random(M * K, 1), w: wBuf, y: b.zeros(M * N) });
  b.keep(d.uniform);
  try {
    const t = await timeDispatch({ device, src, rounds }, d, { family: 'matmul', kernel: kernel.desc.name, what: 'fc1' }, { flops: 2 * M * N * K });
    const gflops = t.gflops!;
    return { ...cfg, M, N, K, ms: t.ms, gflops, ofPeak: peakGflops ? gflops / peakGflops : null };
  } finally {
    b.destroy();
  }
}
