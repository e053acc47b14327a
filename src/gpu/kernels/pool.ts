// Average pooling (pool.wgsl) for global_pool='avg' models: per image, the mean of the tokens
// after the `prefix` tokens of its T, into one row of D; fc_norm and the head follow.
import { ceilDiv, uniformStruct, type KernelDescriptor } from './descriptor';

const poolUniform = uniformStruct('Dims', { T: 'u32', D: 'u32', prefix: 'u32', batch: 'u32' });

export const poolKernel: KernelDescriptor<typeof poolUniform.fields, 'x' | 'y'> = {
  family: 'pool',
  name: 'pool',
  sources: ['pool'],
  entry: 'main',
  uniform: poolUniform,
  bindings: { x: 1, y: 2 },
  workgroup: [64, 1],
  groups: (u) => [ceilDiv(u.D / 4, 64), 1, u.batch],
};
