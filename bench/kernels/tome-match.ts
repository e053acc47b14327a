// ToMe's matching in the first merging block (all T0 tokens): metric, similarity + argmax,
// ranking + new order, in the forward's order so each reads what the previous one wrote; then
// the design choices' other matchings on the same metric (greedy, k-means: each in place of
// similarity + order).
import {
  compileKernel,
  standaloneDispatch,
  tomeGreedyKernel,
  tomeKmeansKernel,
  tomeMetricKernel,
  tomeOrderKernel,
  tomeSimilarityKernel,
} from '../../src/gpu/kernels';
import { KMEANS_ITERATIONS } from '../../src/core/tome-choices';
import { BufferSet, timeDispatch, type FamilyBench } from './harness';
import { firstMergingBlock } from './tome-state';

export const tomeMatchBench: FamilyBench = {
  family: 'tome_match',
  async run(ctx, c, batch) {
    const { device, src } = ctx;
    const { state, tm } = firstMergingBlock(c, batch);
    const o = { headDim: tm.hd, maxTokens: tm.T0 };
    const [metricK, similarityK, orderK, greedyK, kmeansK] = await Promise.all([
      compileKernel(device, src, tomeMetricKernel, o),
      compileKernel(device, src, tomeSimilarityKernel, o),
      compileKernel(device, src, tomeOrderKernel, o),
      compileKernel(device, src, tomeGreedyKernel),
      compileKernel(device, src, tomeKmeansKernel),
    ]);
    const b = new BufferSet(device);
    // The alternate split: its table is never read.
    const splitTable = b.zeros(4);
    // Twice the metric: k-means keeps its centroids after the metric rows.
    const metric = b.zeros(2 * batch * tm.T * tm.hd);
    const plan = b.data(state);
    const dispatches = [
      standaloneDispatch(device, metricK, tm, { qkv: b.random(batch * tm.T * 3 * tm.D, 1), metric }),
      standaloneDispatch(device, similarityK, tm, { metric, plan, splitTable }),
      standaloneDispatch(device, orderK, tm, { plan, splitTable }),
      standaloneDispatch(device, greedyK, tm, { metric, plan }),
      standaloneDispatch(device, kmeansK, tm, { metric, plan }),
    ];
    dispatches.forEach((d) => b.keep(d.uniform));
    // Registers take no part in the matching.
    const nA = Math.ceil((tm.T - tm.regs) / 2);
    const nB = tm.T - tm.regs - nA;
    // Greedy and k-means merge any tokens but the class and distillation tokens.
    const N = tm.T - tm.regs - tm.cls - tm.dist;
    const id = (kernel: string, what: string) => ({ family: 'tome_match' as const, kernel, what: `${what}, batch ${batch}` });
    const out = [
      // The keys read once, the metric written once.
      await timeDispatch(ctx, dispatches[0], id(metricK.desc.name, `metric: ${tm.T} tokens x ${tm.heads} heads x ${tm.hd}`), {
        bytes: batch * tm.T * (tm.D + tm.hd) * 4,
      }),
      await timeDispatch(ctx, dispatches[1], id(similarityK.desc.name, `cosine + argmax: ${nA} x ${nB} x ${tm.hd}`), { flops: 2 * batch * nA * nB * tm.hd }),
      // Comparisons, not FLOPs or bytes: time only.
      await timeDispatch(ctx, dispatches[2], id(orderK.desc.name, `rank + order: ${nA} scores, r = ${tm.r}`), {}),
      // One workgroup per image, with serial parts. FLOPs: greedy's first look at every pair (the
      // rows it looks at again after each pick come on top); k-means' assignments (every token
      // against every centroid, each iteration; the updates come on top).
      await timeDispatch(ctx, dispatches[3], id(greedyK.desc.name, `greedy: ${N} tokens, r = ${tm.r}`), { flops: batch * N * (N - 1) * tm.hd }),
      await timeDispatch(ctx, dispatches[4], id(kmeansK.desc.name, `k-means: ${N} tokens, ${N - tm.r} clusters, ${KMEANS_ITERATIONS} iterations`), {
        flops: 2 * batch * KMEANS_ITERATIONS * N * (N - tm.r) * tm.hd,
      }),
    ];
    b.destroy();
    return out;
  },
};
