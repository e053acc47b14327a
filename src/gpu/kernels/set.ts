// The kernels one engine compiles: every family, specialised for the model (head dim, first
// block's token count), the matmul variant chosen on this adapter and the weight precision.
import type { ShaderSources } from '../shader-source';
import type { KernelDescriptor } from './descriptor';
import { compileKernel, type Kernel } from './kernel';
import { attentionAvKernel, attentionScoresKernel, attentionSoftmaxKernel } from './attention';
import { headKernel } from './head';
import { layerNormKernel } from './layernorm';
import { matmulKernels, type Epilogue, type MatmulVariant } from './matmul';
import { patchEmbedKernel } from './patch-embed';
import { poolKernel } from './pool';
import { tomeMetricKernel, tomeOrderKernel, tomeSimilarityKernel } from './tome-match';
import { tomeMergeKernel } from './tome-merge';
import { tomeGreedyKernel, tomeKmeansKernel } from './tome-group';

/** The compiled form of a descriptor. */
export type KernelOf<D> = D extends KernelDescriptor<infer F, infer B, never> ? Kernel<F, B> : never;

export interface KernelSet {
  patchEmbed: KernelOf<typeof patchEmbedKernel>;
  layerNorm: KernelOf<typeof layerNormKernel>;
  matmul: Record<Epilogue, KernelOf<(typeof matmulKernels)[MatmulVariant]>>;
  attentionScores: KernelOf<typeof attentionScoresKernel>;
  attentionSoftmax: KernelOf<typeof attentionSoftmaxKernel>;
  attentionAv: KernelOf<typeof attentionAvKernel>;
  /** ToMe's matching: metric, then similarity + argmax, then rank + new order. */
  tomeMetric: KernelOf<typeof tomeMetricKernel>;
  tomeSimilarity: KernelOf<typeof tomeSimilarityKernel>;
  tomeOrder: KernelOf<typeof tomeOrderKernel>;
  /** The other matchings (design choices), each in place of similarity + order. */
  tomeGreedy: KernelOf<typeof tomeGreedyKernel>;
  tomeKmeans: KernelOf<typeof tomeKmeansKernel>;
  /** Tokens + sizes + patch->token map. */
  tomeMerge: KernelOf<typeof tomeMergeKernel>;
  /** Average pooling (global_pool='avg' models). */
  pool: KernelOf<typeof poolKernel>;
  head: KernelOf<typeof headKernel>;
}

export async function compileKernels(
  device: GPUDevice,
  src: ShaderSources,
  opts: { headDim: number; maxTokens: number; matmul: MatmulVariant; f16: boolean },
): Promise<KernelSet> {
  const { headDim, maxTokens, f16 } = opts;
  const mm = matmulKernels[opts.matmul];
  // Every kernel compiles at once (each is its own pipeline); the awaits only collect them.
  const [matmul, rest] = await Promise.all([
    allOf({
      bias: compileKernel(device, src, mm, { epilogue: 'bias', f16 }),
      gelu: compileKernel(device, src, mm, { epilogue: 'gelu', f16 }),
      quickgelu: compileKernel(device, src, mm, { epilogue: 'quickgelu', f16 }),
      residual: compileKernel(device, src, mm, { epilogue: 'residual', f16 }),
    }),
    allOf({
      patchEmbed: compileKernel(device, src, patchEmbedKernel),
      layerNorm: compileKernel(device, src, layerNormKernel),
      attentionScores: compileKernel(device, src, attentionScoresKernel, { headDim }),
      attentionSoftmax: compileKernel(device, src, attentionSoftmaxKernel, { headDim }),
      attentionAv: compileKernel(device, src, attentionAvKernel, { headDim }),
      tomeMetric: compileKernel(device, src, tomeMetricKernel, { headDim, maxTokens }),
      tomeSimilarity: compileKernel(device, src, tomeSimilarityKernel, { headDim, maxTokens }),
      tomeOrder: compileKernel(device, src, tomeOrderKernel, { headDim, maxTokens }),
      tomeGreedy: compileKernel(device, src, tomeGreedyKernel),
      tomeKmeans: compileKernel(device, src, tomeKmeansKernel),
      tomeMerge: compileKernel(device, src, tomeMergeKernel),
      pool: compileKernel(device, src, poolKernel),
      head: compileKernel(device, src, headKernel),
    }),
  ]);
  return { ...rest, matmul };
}

/** An object of promises, awaited together, as the object of their values. */
async function allOf<T extends Record<string, Promise<unknown>>>(promises: T): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const keys = Object.keys(promises) as Array<keyof T>;
  const values = await Promise.all(keys.map((k) => promises[k]));
  return Object.fromEntries(keys.map((k, i) => [k, values[i]])) as { [K in keyof T]: Awaited<T[K]> };
}
