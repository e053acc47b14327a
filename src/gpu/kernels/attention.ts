// Multi-head self-attention as three register-tiled passes per (image, head), sharing one
// uniform struct (attention.wgsl): scores S = Q K^T * scale + log(size) (proportional
// attention), the row softmax of S in place, and Y = S V written at the head's columns. S rows
// are Tp = T rounded up to 4 wide; S holds a chunk of (image, head) pairs from pair `bh0` on,
// `rows` = pairs in the chunk * T; `sizesOff` is where this block's token sizes start in the
// ToMe state buffer.
import { ceilDiv, constHeader, uniformStruct, type KernelDescriptor } from './descriptor';

const attentionUniform = uniformStruct('Dims', {
  T: 'u32',
  D: 'u32',
  propAttn: 'u32',
  scale: 'f32',
  Tp: 'u32',
  heads: 'u32',
  rows: 'u32',
  sizesOff: 'u32',
  bh0: 'u32',
});

type Fields = typeof attentionUniform.fields;

export interface AttentionOptions {
  headDim: number;
}

const common = {
  family: 'attention',
  sources: ['attention'],
  header: (o: AttentionOptions) => constHeader({ HD4: o.headDim / 4 }),
  uniform: attentionUniform,
} as const;

/** (image, head) pairs of the chunk, the z dimension of the tiled passes. */
const imageHeads = (u: { rows: number; T: number }) => u.rows / u.T;

export const attentionScoresKernel: KernelDescriptor<Fields, 'qkv' | 'sizes' | 's', AttentionOptions> = {
  ...common,
  name: 'attention.scores',
  entry: 'scores',
  bindings: { qkv: 1, sizes: 2, s: 3 },
  workgroup: [8, 8],
  // 4 key columns x 4 query rows per invocation.
  groups: (u) => [ceilDiv(u.Tp / 4, 8), ceilDiv(ceilDiv(u.T, 4), 8), imageHeads(u)],
};

export const attentionSoftmaxKernel: KernelDescriptor<Fields, 's', AttentionOptions> = {
  ...common,
  name: 'attention.softmax',
  entry: 'softmax',
  bindings: { s: 3 },
  workgroup: [64, 1],
  groups: (u) => [ceilDiv(u.rows, 64), 1, 1],
};

export const attentionAvKernel: KernelDescriptor<Fields, 'qkv' | 's' | 'y', AttentionOptions> = {
  ...common,
  name: 'attention.av',
  entry: 'av',
  bindings: { qkv: 1, s: 3, y: 4 },
  workgroup: [8, 8],
  // 4 channels x 4 rows per invocation; the head's width comes from `D / heads`.
  groups: (u) => [ceilDiv(u.D / u.heads / 4, 8), ceilDiv(ceilDiv(u.T, 4), 8), imageHeads(u)],
};
