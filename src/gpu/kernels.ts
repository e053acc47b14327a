// Compute pipelines, compiled once per engine from the WGSL sources. A kernel is one entry
// point of one or more concatenated sources, specialised by a small generated header of
// `const`s (array sizes cannot come from override constants in private memory).
import type { ShaderSources } from './shader-source';

export type Family =
  | 'patch_embed'
  | 'layernorm'
  | 'matmul'
  | 'attention'
  | 'tome_match'
  | 'tome_merge'
  | 'head';

/** Matmul implementations; the engine measures them and keeps the fastest per adapter. */
export const MATMUL_VARIANTS = ['reg4x4', 'tiled32'] as const;
export type MatmulVariant = (typeof MATMUL_VARIANTS)[number];

/** Matmul epilogue: plain bias, bias + GELU, or a residual add into the output. */
export type Epilogue = 'bias' | 'gelu' | 'residual';
const EPI_CODE: Record<Epilogue, number> = { bias: 0, gelu: 1, residual: 2 };

export interface Kernel {
  pipeline: GPUComputePipeline;
  family: Family;
  /** Storage binding numbers the entry point uses (binding 0 is always its uniform). */
  bindings: number[];
  /** Invocations per workgroup along x and y, for dispatch sizing. */
  wg: [number, number];
}

export interface KernelSet {
  patchEmbed: Kernel;
  layerNorm: Kernel;
  matmul: Record<Epilogue, Kernel>;
  attentionScores: Kernel;
  attentionSoftmax: Kernel;
  attentionAv: Kernel;
  /** ToMe's matching: metric, then similarity + argmax, then rank + new order. */
  tomeMetric: Kernel;
  tomeSimilarity: Kernel;
  tomeOrder: Kernel;
  /** Tokens + sizes + patch->token map. */
  tomeMerge: Kernel;
  head: Kernel;
}

interface Spec {
  sources: string[];
  entry: string;
  header?: string;
  family: Family;
  bindings: number[];
  wg: [number, number];
}

async function compile(device: GPUDevice, src: ShaderSources, spec: Spec, label: string): Promise<Kernel> {
  const code = (spec.header ?? '') + spec.sources.map((s) => {
    const text = src[s];
    if (text === undefined) throw new Error(`shader ${s}.wgsl not found`);
    return text;
  }).join('\n');
  const module = device.createShaderModule({ label, code });
  const pipeline = await device.createComputePipelineAsync({ label, layout: 'auto', compute: { module, entryPoint: spec.entry } });
  return { pipeline, family: spec.family, bindings: spec.bindings, wg: spec.wg };
}

export function weightTypeHeader(f16: boolean): string {
  return f16 ? 'enable f16;\nalias WT = f16;\n' : 'alias WT = f32;\n';
}

export function compileMatmul(device: GPUDevice, src: ShaderSources, variant: MatmulVariant, epi: Epilogue, f16: boolean): Promise<Kernel> {
  return compile(
    device,
    src,
    {
      sources: [variant === 'reg4x4' ? 'matmul_reg' : 'matmul_tiled', 'matmul_epilogue'],
      entry: 'main',
      header: weightTypeHeader(f16) + `const EPI: u32 = ${EPI_CODE[epi]}u;\n`,
      family: 'matmul',
      bindings: [1, 2, 3],
      wg: [8, 8],
    },
    `matmul_${variant}_${epi}${f16 ? '_f16' : ''}`,
  );
}

export async function compileKernels(
  device: GPUDevice,
  src: ShaderSources,
  opts: { headDim: number; maxTokens: number; matmul: MatmulVariant; f16: boolean },
): Promise<KernelSet> {
  const hdHeader = `const HD4: u32 = ${opts.headDim / 4}u;\n`;
  const tomeHeader = hdHeader + `const MAX_A: u32 = ${Math.ceil(opts.maxTokens / 2)}u;\n`;
  const tome = (file: string, entry: string, family: Family, bindings: number[], wg: [number, number] = [64, 1]) =>
    compile(device, src, { sources: ['tome_common', file], entry, header: tomeHeader, family, bindings, wg }, `${file}.${entry}`);
  const attn = (entry: string, bindings: number[], wg: [number, number]) =>
    compile(device, src, { sources: ['attention'], entry, header: hdHeader, family: 'attention', bindings, wg }, `attention.${entry}`);
  const [patchEmbed, layerNorm, mmBias, mmGelu, mmRes, attentionScores, attentionSoftmax, attentionAv, tomeMetric, tomeSimilarity, tomeOrder, tomeMerge, head] =
    await Promise.all([
      compile(device, src, { sources: ['patch_embed'], entry: 'main', family: 'patch_embed', bindings: [1, 2, 3, 4], wg: [8, 8] }, 'patch_embed'),
      compile(device, src, { sources: ['layernorm'], entry: 'main', family: 'layernorm', bindings: [1, 2, 3], wg: [64, 1] }, 'layernorm'),
      compileMatmul(device, src, opts.matmul, 'bias', opts.f16),
      compileMatmul(device, src, opts.matmul, 'gelu', opts.f16),
      compileMatmul(device, src, opts.matmul, 'residual', opts.f16),
      attn('scores', [1, 2, 3], [8, 8]),
      attn('softmax', [3], [64, 1]),
      attn('av', [1, 3, 4], [8, 8]),
      tome('tome_match', 'metricMain', 'tome_match', [1, 2]),
      tome('tome_match', 'similarity', 'tome_match', [2, 3], [8, 8]),
      tome('tome_match', 'order', 'tome_match', [3]),
      tome('tome_merge', 'main', 'tome_merge', [1, 2, 3]),
      compile(device, src, { sources: ['head'], entry: 'main', family: 'head', bindings: [1, 2, 3], wg: [64, 1] }, 'head'),
    ]);
  return {
    patchEmbed,
    layerNorm,
    matmul: { bias: mmBias, gelu: mmGelu, residual: mmRes },
    attentionScores,
    attentionSoftmax,
    attentionAv,
    tomeMetric,
    tomeSimilarity,
    tomeOrder,
    tomeMerge,
    head,
  };
}
