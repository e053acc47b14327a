// ToMe's metric and bipartite soft matching as three dispatches per merging block
// (tome_match.wgsl), each needing the previous one's results for the whole image: the metric
// (keys averaged over heads, L2-normalised, or the design choice's features), the A x B
// similarity fused with the argmax, and the ranking + new order (one workgroup per image).
// Greedy and k-means matching replace the last two (tome-group.ts).
import { ceilDiv, constHeader, type KernelDescriptor } from './descriptor';
import { tomeUniform, type TomeFields } from './tome-state';

export interface TomeMatchOptions {
  headDim: number;
  /** Tokens of the first block: sizes the ranking's workgroup arrays (MAX_A A tokens). */
  maxTokens: number;
}

const common = {
  family: 'tome_match',
  sources: ['tome_common', 'tome_match'],
  header: (o: TomeMatchOptions) => constHeader({ HD4: o.headDim / 4, MAX_A: Math.ceil(o.maxTokens / 2) }),
  uniform: tomeUniform,
} as const;

export const tomeMetricKernel: KernelDescriptor<TomeFields, 'qkv' | 'metric', TomeMatchOptions> = {
  ...common,
  name: 'tome_match.metricMain',
  entry: 'metricMain',
  bindings: { qkv: 1, metric: 2 },
  workgroup: [64, 1],
  groups: (u) => [ceilDiv(u.T, 64), 1, u.batch],
};

export const tomeSimilarityKernel: KernelDescriptor<TomeFields, 'metric' | 'plan' | 'splitTable', TomeMatchOptions> = {
  ...common,
  name: 'tome_match.similarity',
  entry: 'similarity',
  // The split table (tome_common.wgsl) is read only under a split other than the alternate one.
  bindings: { metric: 2, plan: 3, splitTable: 4 },
  workgroup: [8, 8],
  // 32 A tokens per workgroup.
  groups: (u) => [ceilDiv(ceilDiv(u.T, 2), 32), 1, u.batch],
};

export const tomeOrderKernel: KernelDescriptor<TomeFields, 'plan' | 'splitTable', TomeMatchOptions> = {
  ...common,
  name: 'tome_match.order',
  entry: 'order',
  bindings: { plan: 3, splitTable: 4 },
  workgroup: [64, 1],
  groups: (u) => [1, 1, u.batch],
};
