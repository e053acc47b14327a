// Applies a block's matching in one dispatch (tome_merge.wgsl): the new tokens (size-weighted
// gather per destination, or prune), their sizes, and the block's patch->token map row, all
// in the ToMe state buffer `state` but the tokens.
import { ceilDiv, type KernelDescriptor } from './descriptor';
import { tomeUniform, type TomeFields } from './tome-state';

export const tomeMergeKernel: KernelDescriptor<TomeFields, 'src' | 'dst' | 'state' | 'splitTable'> = {
  family: 'tome_merge',
  name: 'tome_merge',
  sources: ['tome_common', 'tome_merge'],
  entry: 'main',
  uniform: tomeUniform,
  // The split table: where a bipartite B token and its sources are under another split.
  bindings: { src: 1, dst: 2, state: 3, splitTable: 4 },
  workgroup: [64, 1],
  // One invocation per new token channel (vec4), then one per patch of the map.
  groups: (u) => [ceilDiv(((u.T - u.r) * u.D) / 4 + u.P, 64), 1, u.batch],
};
