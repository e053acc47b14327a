// The kernel families, one descriptor file each, and the set an engine compiles.
import type { AnyDescriptor } from './descriptor';
import { attentionAvKernel, attentionScoresKernel, attentionSoftmaxKernel } from './attention';
import { headKernel } from './head';
import { layerNormKernel } from './layernorm';
import { matmulKernels } from './matmul';
import { patchEmbedKernel } from './patch-embed';
import { poolKernel } from './pool';
import { preprocessHorizontalKernel, preprocessVerticalKernel } from './preprocess';
import { tomeMetricKernel, tomeOrderKernel, tomeSimilarityKernel } from './tome-match';
import { tomeMergeKernel } from './tome-merge';
import { tomeGreedyKernel, tomeKmeansKernel } from './tome-group';

export * from './descriptor';
export * from './kernel';
export * from './set';
export * from './attention';
export * from './head';
export * from './layernorm';
export * from './matmul';
export * from './patch-embed';
export * from './pool';
export * from './preprocess';
export * from './tome-state';
export * from './tome-match';
export * from './tome-merge';
export * from './tome-group';

/** Every kernel there is, in data-path order. */
export const ALL_KERNELS: readonly AnyDescriptor[] = [
  preprocessHorizontalKernel,
  preprocessVerticalKernel,
  patchEmbedKernel,
  layerNormKernel,
  ...Object.values(matmulKernels),
  attentionScoresKernel,
  attentionSoftmaxKernel,
  attentionAvKernel,
  tomeMetricKernel,
  tomeSimilarityKernel,
  tomeOrderKernel,
  tomeGreedyKernel,
  tomeKmeansKernel,
  tomeMergeKernel,
  poolKernel,
  headKernel,
];
