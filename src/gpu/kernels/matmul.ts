// Y[M, N] = X[M, K] * W[K, N] + bias, then an epilogue, in two variants sharing one uniform
// struct, one set of bindings and the epilogue (matmul_common.wgsl): `reg4x4` keeps a 4x4 block
// of Y per invocation in registers (fastest on CPU adapters), `tiled32` stages 32x32 tiles in
// workgroup memory (what real GPUs usually prefer). The engine measures both and keeps the
// faster (matmul-choice.ts). The weight buffer holds W^T [K, N] then the bias [N].
import { ceilDiv, constHeader, uniformStruct, type KernelDescriptor } from './descriptor';

/** Matmul implementations; the engine measures them and keeps the fastest per adapter. */
export const MATMUL_VARIANTS = ['reg4x4', 'tiled32'] as const;
export type MatmulVariant = (typeof MATMUL_VARIANTS)[number];

/** Matmul epilogue: plain bias, bias + GELU (erf), bias + QuickGELU (CLIP), or a residual add
 * into the output. */
export type Epilogue = 'bias' | 'gelu' | 'quickgelu' | 'residual';
export const EPILOGUES: readonly Epilogue[] = ['bias', 'gelu', 'quickgelu', 'residual'];
const EPI_CODE: Record<Epilogue, number> = { bias: 0, gelu: 1, residual: 2, quickgelu: 3 };

export interface MatmulOptions {
  epilogue: Epilogue;
  /** Weights stored as f16 (needs shader-f16); accumulation stays f32. */
  f16: boolean;
}

const matmulUniform = uniformStruct('Dims', { M: 'u32', N: 'u32', K: 'u32' });

type MatmulDescriptor = KernelDescriptor<typeof matmulUniform.fields, 'x' | 'w' | 'y', MatmulOptions>;

/** The weight element type WT. */
function weightTypeHeader(f16: boolean): string {
  return f16 ? 'enable f16;\nalias WT = f16;\n' : 'alias WT = f32;\n';
}

const common = {
  family: 'matmul',
  entry: 'main',
  header: (o: MatmulOptions) => weightTypeHeader(o.f16) + constHeader({ EPI: EPI_CODE[o.epilogue] }),
  uniform: matmulUniform,
  bindings: { x: 1, w: 2, y: 3 },
  workgroup: [8, 8],
} as const;

export const matmulKernels: Record<MatmulVariant, MatmulDescriptor> = {
  reg4x4: {
    ...common,
    name: 'matmul_reg4x4',
    sources: ['matmul_common', 'matmul_reg'],
    // 4 columns x 4 rows per invocation.
    groups: (u) => [ceilDiv(u.N / 4, 8), ceilDiv(ceilDiv(u.M, 4), 8), 1],
  },
  tiled32: {
    ...common,
    name: 'matmul_tiled32',
    sources: ['matmul_common', 'matmul_tiled'],
    // A 32 x 32 tile of Y per workgroup.
    groups: (u) => [ceilDiv(u.N, 32), ceilDiv(u.M, 32), 1],
  },
};
