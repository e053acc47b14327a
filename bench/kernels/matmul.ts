// Every linear layer of a block (and the classifier) with its epilogue, in every variant: the
// figures matmul-choice.ts weighs at start-up, on all the shapes the forward runs.
import { isHeadless, numPatches, prefixTokens } from '../../src/model/config';
import { headRows } from '../../src/gpu/budget';
import { compileKernel, matmulKernels, MATMUL_VARIANTS, standaloneDispatch, type Epilogue } from '../../src/gpu/kernels';
import { BufferSet, timeDispatch, type FamilyBench, type KernelTiming } from './harness';

export const matmulBench: FamilyBench = {
  family: 'matmul',
  async run(ctx, c, batch) {
    const { device } = ctx;
    const D = c.embedDim;
    const M = batch * (numPatches(c) + prefixTokens(c));
    const N4 = (n: number) => Math.ceil(n / 4) * 4;
    const layers: Array<{ layer: string; epilogue: Epilogue; M: number; N: number; K: number }> = [
      { layer: 'qkv', epilogue: 'bias', M, N: 3 * D, K: D },
      { layer: 'proj', epilogue: 'residual', M, N: D, K: D },
      { layer: 'fc1', epilogue: c.act === 'quickgelu' ? 'quickgelu' : 'gelu', M, N: c.mlpHidden, K: D },
      { layer: 'fc2', epilogue: 'residual', M, N: D, K: c.mlpHidden },
      // A distilled model's two heads are one matmul over [cls, dist] (K = 2D); a model without
      // a head has none.
      ...(isHeadless(c) ? [] : [{ layer: 'head', epilogue: 'bias' as const, M: batch, N: N4(c.numClasses), K: headRows(c) * D }]),
    ];
    const out: KernelTiming[] = [];
    for (const variant of MATMUL_VARIANTS) {
      const desc = matmulKernels[variant];
      for (const { layer, epilogue, M, N, K } of layers) {
        const kernel = await compileKernel(device, ctx.src, desc, { epilogue, f16: false });
        const b = new BufferSet(device);
        const d = standaloneDispatch(device, kernel, { M, N, K }, { x: b.random(M * K, 1), w: b.random((K + 1) * N, 2, 0.05), y: b.zeros(M * N) });
        b.keep(d.uniform);
        const what = `${layer} (${epilogue}): ${M}x${K} * ${K}x${N}`;
        out.push(await timeDispatch(ctx, d, { family: 'matmul', kernel: desc.name, what }, { flops: 2 * M * N * K }));
        b.destroy();
      }
    }
    return out;
  },
};
