// LayerNorm over every token (norm1/norm2 of the first block, norm_pre) and over the rows the
// head reads (the final norm: cls, and dist for a distilled model; fc_norm of the pooled rows).
import { numPatches, prefixTokens } from '../../src/model/config';
import { headRows } from '../../src/gpu/budget';
import { compileKernel, layerNormKernel, standaloneDispatch } from '../../src/gpu/kernels';
import { BufferSet, timeDispatch, type FamilyBench } from './harness';

export const layerNormBench: FamilyBench = {
  family: 'layernorm',
  async run(ctx, c, batch) {
    const { device } = ctx;
    const kernel = await compileKernel(device, ctx.src, layerNormKernel);
    const D = c.embedDim;
    const prefix = prefixTokens(c);
    const T0 = numPatches(c) + prefix;
    const b = new BufferSet(device);
    const x = b.random(batch * T0 * D, 1, 3);
    const params = b.random(2 * D, 2);
    const y = b.zeros(batch * T0 * D);
    const out = [];
    const head = headRows(c);
    const shapes: Array<[string, number, number, number]> = [
      [`norm1: ${batch * T0} rows x ${D}`, batch * T0, 1, 1],
      c.globalPool === 'avg'
        ? [`fc_norm: ${batch} pooled rows x ${D}`, batch, 1, 1]
        : [`final norm: ${batch * head} ${head > 1 ? 'cls + dist' : 'cls'} rows x ${D}`, batch * head, T0, head],
    ];
    for (const [what, rows, inStride, perImage] of shapes) {
      const d = standaloneDispatch(device, kernel, { rows, D, inStride, perImage, eps: c.eps }, { x, params, y });
      b.keep(d.uniform);
      // Each row read and written once, and the parameters.
      out.push(await timeDispatch(ctx, d, { family: 'layernorm', kernel: layerNormKernel.name, what }, { bytes: (2 * rows * D + 2 * D) * 4 }));
    }
    b.destroy();
    return out;
  },
};
