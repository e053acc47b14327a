// ToMe's matching in the first merging block (all T0 tokens): metric, similarity + argmax,
// ranking + new order, in the forward's order so each reads what the previous one wrote.
import { compileKernel, standaloneDispatch, tomeMetricKernel, tomeOrderKernel, tomeSimilarityKernel } from '../../src/gpu/kernels';
import { BufferSet, timeDispatch, type FamilyBench } from './harness';
import { firstMergingBlock } from './tome-state';

export const tomeMatchBench: FamilyBench = {
  family: 'tome_match',
  async run(ctx, c, batch) {
    const { device, src } = ctx;
    const { state, tm } = firstMergingBlock(c, batch);
    const o = { headDim: tm.hd, maxTokens: tm.T0 };
    const [metricK, similarityK, orderK] = await Promise.all([
      compileKernel(device, src, tomeMetricKernel, o),
      compileKernel(device, src, tomeSimilarityKernel, o),
      compileKernel(device, src, tomeOrderKernel, o),
    ]);
    const b = new BufferSet(device);
    // The alternate split: its table is never read.
    const splitTable = b.zeros(4);
    const metric = b.zeros(batch * tm.T * tm.hd);
    const plan = b.data(state);
    const dispatches = [
      standaloneDispatch(device, metricK, tm, { qkv: b.random(batch * tm.T * 3 * tm.D, 1), metric }),
      standaloneDispatch(device, similarityK, tm, { metric, plan, splitTable }),
      standaloneDispatch(device, orderK, tm, { plan, splitTable }),
    ];
    dispatches.forEach((d) => b.keep(d.uniform));
    // Registers take no part in the matching.
    const nA = Math.ceil((tm.T - tm.regs) / 2);
    const nB = tm.T - tm.regs - nA;
    const id = (kernel: string, what: string) => ({ family: 'tome_match' as const, kernel, what: `${what}, batch ${batch}` });
    const out = [
      // The keys read once, the metric written once.
      await timeDispatch(ctx, dispatches[0], id(metricK.desc.name, `metric: ${tm.T} tokens x ${tm.heads} heads x ${tm.hd}`), {
        bytes: batch * tm.T * (tm.D + tm.hd) * 4,
      }),
      await timeDispatch(ctx, dispatches[1], id(similarityK.desc.name, `cosine + argmax: ${nA} x ${nB} x ${tm.hd}`), { flops: 2 * batch * nA * nB * tm.hd }),
      // Comparisons, not FLOPs or bytes: time only.
      await timeDispatch(ctx, dispatches[2], id(orderK.desc.name, `rank + order: ${nA} scores, r = ${tm.r}`), {}),
    ];
    b.destroy();
    return out;
  },
};
