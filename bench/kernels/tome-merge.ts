// ToMe's merge in the first merging block, on the plan the matching kernels made (run once
// beforehand): tokens gathered by size-weighted average, sizes, and the patch->token map row.
import { numPatches } from '../../src/model/config';
import { compileKernel, standaloneDispatch, tomeMergeKernel, tomeMetricKernel, tomeOrderKernel, tomeSimilarityKernel } from '../../src/gpu/kernels';
import { timeSubmission } from '../../src/gpu/profile';
import { BufferSet, timeDispatch, type FamilyBench } from './harness';
import { firstMergingBlock } from './tome-state';

export const tomeMergeBench: FamilyBench = {
  family: 'tome_merge',
  async run(ctx, c, batch) {
    const { device, src } = ctx;
    const { state: initial, tm } = firstMergingBlock(c, batch);
    const o = { headDim: tm.hd, maxTokens: tm.T0 };
    const [metricK, similarityK, orderK, mergeK] = await Promise.all([
      compileKernel(device, src, tomeMetricKernel, o),
      compileKernel(device, src, tomeSimilarityKernel, o),
      compileKernel(device, src, tomeOrderKernel, o),
      compileKernel(device, src, tomeMergeKernel),
    ]);
    const b = new BufferSet(device);
    // The alternate split: its table is never read.
    const splitTable = b.zeros(4);
    const metric = b.zeros(batch * tm.T * tm.hd);
    const state = b.data(initial);
    const matching = [
      standaloneDispatch(device, metricK, tm, { qkv: b.random(batch * tm.T * 3 * tm.D, 1), metric }),
      standaloneDispatch(device, similarityK, tm, { metric, plan: state, splitTable }),
      standaloneDispatch(device, orderK, tm, { plan: state, splitTable }),
    ];
    await timeSubmission(device, matching, 1);
    const Tn = tm.T - tm.r;
    const merge = standaloneDispatch(device, mergeK, tm, { src: b.random(batch * tm.T * tm.D, 2), dst: b.zeros(batch * Tn * tm.D), state, splitTable });
    [...matching, merge].forEach((d) => b.keep(d.uniform));
    const P = numPatches(c);
    // Every token read once, the new ones written once, the map row read and written.
    const bytes = batch * ((tm.T + Tn) * tm.D + 2 * P) * 4;
    const what = `${tm.T} -> ${Tn} tokens x ${tm.D}, batch ${batch}`;
    const t = await timeDispatch(ctx, merge, { family: 'tome_merge', kernel: mergeK.desc.name, what }, { bytes });
    b.destroy();
    return [t];
  },
};
