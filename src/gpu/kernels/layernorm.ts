// LayerNorm over the last dim, one invocation per row (layernorm.wgsl); `inStride` and
// `perImage` let the final norm read only the first rows of each image (cls, and dist when
// distilled): output row r reads row (r / perImage) * inStride + r % perImage. Params: gamma
// [D] then beta [D].
import { ceilDiv, uniformStruct, type KernelDescriptor } from './descriptor';

const layerNormUniform = uniformStruct('Dims', { rows: 'u32', D: 'u32', inStride: 'u32', perImage: 'u32', eps: 'f32' });

export const layerNormKernel: KernelDescriptor<typeof layerNormUniform.fields, 'x' | 'params' | 'y'> = {
  family: 'layernorm',
  name: 'layernorm',
  sources: ['layernorm'],
  entry: 'main',
  uniform: layerNormUniform,
  bindings: { x: 1, params: 2, y: 3 },
  workgroup: [64, 1],
  groups: (u) => [ceilDiv(u.rows, 64), 1, 1],
};
