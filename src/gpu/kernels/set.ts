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
  const [
    patchEmbed,
    layerNorm,
    bias,
    gelu,
    quickgelu,
    residual,
    attentionScores,
    attentionSoftmax,
    attentionAv,
    tomeMetric,
    tomeSimilarity,
    tomeOrder,
    tomeMerge,
    pool,
    head,
  ] = await Promise.all([
    compileKernel(device, src, patchEmbedKernel),
    compileKernel(device, src, layerNormKernel),
    compileKernel(device, src, mm, { epilogue: 'bias', f16 }),
    compileKernel(device, src, mm, { epilogue: 'gelu', f16 }),
    compileKernel(device, src, mm, { epilogue: 'quickgelu', f16 }),
    compileKernel(device, src, mm, { epilogue: 'residual', f16 }),
    compileKernel(device, src, attentionScoresKernel, { headDim }),
    compileKernel(device, src, attentionSoftmaxKernel, { headDim }),
    compileKernel(device, src, attentionAvKernel, { headDim }),
    compileKernel(device, src, tomeMetricKernel, { headDim, maxTokens }),
    compileKernel(device, src, tomeSimilarityKernel, { headDim, maxTokens }),
    compileKernel(device, src, tomeOrderKernel, { headDim, maxTokens }),
    compileKernel(device, src, tomeMergeKernel),
    compileKernel(device, src, poolKernel),
    compileKernel(device, src, headKernel),
  ]);
  return {
    patchEmbed,
    layerNorm,
    matmul: { bias, gelu, quickgelu, residual },
    attentionScores,
    attentionSoftmax,
    attentionAv,
    tomeMetric,
    tomeSimilarity,
    tomeOrder,
    tomeMerge,
    pool,
    head,
  };
}
