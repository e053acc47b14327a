// The uniform struct every ToMe kernel shares (tome_common.wgsl, concatenated before each of
// them): the block's shapes and where its parts of the ToMe state buffer start.
import type { TokenLayout } from '../../model/config';
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
  /** The tokens before the patches ([cls][dist][registers], tome_common.wgsl): a class token
   * (never a source), a distillation token (never a destination), and how many registers (no
   * part in the matching). */
  cls: 'u32',
  dist: 'u32',
  regs: 'u32',
});

export type TomeFields = typeof tomeUniform.fields;

/** The Tome uniform's prefix-token fields for a layout. */
export function tomePrefixFields(l: TokenLayout): { cls: number; dist: number; regs: number } {
  return { cls: l.classToken ? 1 : 0, dist: l.distToken ? 1 : 0, regs: l.registers };
}
