// ToMe's greedy and k-means matchings (tome_group.wgsl), each one dispatch of one workgroup per
// image in place of bipartite matching's similarity + order: from the metric to the new order
// and the groups the merge kernel gathers. Simple rather than fast (see the WGSL): the paper's
// point is that they cost more than bipartite matching, and the profile shows how much.
import { constHeader, type KernelDescriptor } from './descriptor';
import { tomeUniform, type TomeFields } from './tome-state';
import { KMEANS_ITERATIONS } from '../../core/tome-choices';

const common = {
  family: 'tome_match',
  sources: ['tome_common', 'tome_group'],
  // The reference's fixed iteration count, so the two cannot drift apart.
  header: () => constHeader({ ITERATIONS: KMEANS_ITERATIONS }),
  uniform: tomeUniform,
  bindings: { metric: 1, plan: 2 },
  workgroup: [128, 1],
  groups: (u) => [1, 1, u.batch],
} as const satisfies Omit<KernelDescriptor<TomeFields, 'metric' | 'plan', void>, 'name' | 'entry'>;

export const tomeGreedyKernel: KernelDescriptor<TomeFields, 'metric' | 'plan', void> = { ...common, name: 'tome_group.greedy', entry: 'greedy' };

export const tomeKmeansKernel: KernelDescriptor<TomeFields, 'metric' | 'plan', void> = { ...common, name: 'tome_group.kmeans', entry: 'kmeans' };
