// The classifier tail: softmax over the logits and the top-5, one invocation per image.
import { compileKernel, headKernel, standaloneDispatch } from '../../src/gpu/kernels';
import { BufferSet, timeDispatch, type FamilyBench } from './harness';

export const headBench: FamilyBench = {
  family: 'head',
  async run(ctx, c, batch) {
    const { device } = ctx;
    // A model without a head has no classes to rank.
    if (c.numClasses === 0) return [];
    const kernel = await compileKernel(device, ctx.src, headKernel);
    const C = c.numClasses;
    const stride = Math.ceil(C / 4) * 4;
    const b = new BufferSet(device);
    const d = standaloneDispatch(
      device,
      kernel,
      { C, batch, stride },
      { logits: b.random(batch * stride, 1, 5), probs: b.zeros(batch * stride), top5: b.zeros(batch * 10) },
    );
    b.keep(d.uniform);
    // The logits read once, the probabilities written once.
    const t = await timeDispatch(ctx, d, { family: 'head', kernel: headKernel.name, what: `${batch} x ${C} classes` }, { bytes: 2 * batch * C * 4 });
    b.destroy();
    return [t];
  },
};
