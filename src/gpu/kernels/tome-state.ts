// The uniform struct every ToMe kernel shares (tome_common.wgsl, concatenated before each of
// them): the block's shapes and where its parts of the ToMe state buffer start.
import { uniformStruct } from './descriptor';

export const tomeUniform = uniformStruct('Tome', {
  T: 'u32',
  r: 'u32',
  D: 'u32',
  hd: 'u32',
  heads: 'u32',
  prune: 'u32',
  layer: 'u32',
  depth: 'u32',
  P: 'u32',
  T0: 'u32',
  batch: 'u32',
  /** 1 + the block whose map row this block updates; 0: the identity (no merge yet). */
  prevRow: 'u32',
  sizesIn: 'u32',
  sizesOut: 'u32',
  maps: 'u32',
  /** Tokens before the patches, never merged: 1 (cls) or 2 (cls + distillation token). */
  prefix: 'u32',
});

export type TomeFields = typeof tomeUniform.fields;
