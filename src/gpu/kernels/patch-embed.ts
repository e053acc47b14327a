// Patch embedding (patch_embed.wgsl): the stride = kernel = patch convolution, 4 patches x 4
// channels per invocation, written with the prefix tokens (cls, and dist for a distilled model)
// and the position embedding straight into the token matrix. Weights: W^T [3*ps*ps, D] then
// bias [D]; extra: the prefix tokens [prefix, D] then pos_embed [T0, D].
import { ceilDiv, uniformStruct, type KernelDescriptor } from './descriptor';

const patchEmbedUniform = uniformStruct('Dims', { D: 'u32', ps: 'u32', grid: 'u32', img: 'u32', batch: 'u32', prefix: 'u32' });

export const patchEmbedKernel: KernelDescriptor<typeof patchEmbedUniform.fields, 'image' | 'w' | 'extra' | 'y'> = {
  family: 'patch_embed',
  name: 'patch_embed',
  sources: ['patch_embed'],
  entry: 'main',
  uniform: patchEmbedUniform,
  bindings: { image: 1, w: 2, extra: 3, y: 4 },
  workgroup: [8, 8],
  groups: (u) => [ceilDiv(u.D / 4, 8), ceilDiv(ceilDiv(u.grid * u.grid, 4), 8), u.batch],
};
