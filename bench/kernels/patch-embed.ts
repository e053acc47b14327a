// Patch embedding: the conv as a [P, 3*ps*ps] x [3*ps*ps, D] product per image, after the
// model's prefix tokens (cls, and dist for a distilled model).
import { gridSize, numPatches, prefixTokens } from '../../src/model/config';
import { compileKernel, patchEmbedKernel, standaloneDispatch } from '../../src/gpu/kernels';
import { BufferSet, timeDispatch, type FamilyBench } from './harness';

export const patchEmbedBench: FamilyBench = {
  family: 'patch_embed',
  async run(ctx, c, batch) {
    const { device } = ctx;
    const kernel = await compileKernel(device, ctx.src, patchEmbedKernel);
    const D = c.embedDim;
    const P = numPatches(c);
    const K = 3 * c.patchSize * c.patchSize;
    const prefix = prefixTokens(c);
    const b = new BufferSet(device);
    const d = standaloneDispatch(
      device,
      kernel,
      { D, ps: c.patchSize, grid: gridSize(c), img: c.imgSize, batch, prefix },
      {
        image: b.random(batch * 3 * c.imgSize * c.imgSize, 1, 2),
        w: b.random((K + 1) * D, 2, 0.1),
        extra: b.random((P + 2 * prefix) * D, 3),
        y: b.zeros(batch * (P + prefix) * D),
      },
    );
    b.keep(d.uniform);
    const what = `${batch} x ${P} patches of ${c.patchSize}x${c.patchSize}x3 -> ${D}, ${prefix} prefix token${prefix > 1 ? 's' : ''}`;
    const t = await timeDispatch(ctx, d, { family: 'patch_embed', kernel: patchEmbedKernel.name, what }, { flops: 2 * batch * P * K * D });
    b.destroy();
    return [t];
  },
};
