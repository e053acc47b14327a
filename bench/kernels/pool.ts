// Average pooling (global_pool='avg' models): the mean of every image's tokens after the prefix,
// at the first block's token count (the most a pool ever reads).
import { numPatches, prefixTokens } from '../../src/model/config';
import { compileKernel, poolKernel, standaloneDispatch } from '../../src/gpu/kernels';
import { BufferSet, timeDispatch, type FamilyBench } from './harness';

export const poolBench: FamilyBench = {
  family: 'pool',
  async run(ctx, c, batch) {
    const { device } = ctx;
    const kernel = await compileKernel(device, ctx.src, poolKernel);
    const D = c.embedDim;
    const prefix = prefixTokens(c);
    const T = numPatches(c) + prefix;
    const b = new BufferSet(device);
    const d = standaloneDispatch(device, kernel, { T, D, prefix, batch }, { x: b.random(batch * T * D, 1, 2), y: b.zeros(batch * D) });
    b.keep(d.uniform);
    // The pooled tokens read once, one row per image written.
    const t = await timeDispatch(
      ctx,
      d,
      { family: 'pool', kernel: poolKernel.name, what: `${batch} x mean of ${T - prefix} tokens x ${D}` },
      { bytes: batch * (T - prefix + 1) * D * 4 },
    );
    b.destroy();
    return [t];
  },
};
