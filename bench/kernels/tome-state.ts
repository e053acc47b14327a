// A ToMe state buffer laid out as the engine's (plans, token sizes, patch->token maps), with
// every token of size 1, and the uniforms of a first merging block over it: what the matching
// and merge benchmarks run on (with the model's prefix tokens protected).
import { headDim, numPatches, prefixTokens, tokenLayout, type ModelConfig } from '../../src/model/config';
import { clampR } from '../../src/core/tome';
import { tomeStateLayout } from '../../src/gpu/activations';
import { tomeChoiceFields, tomePrefixFields, type TomeFields, type UniformValues } from '../../src/gpu/kernels';
import { BENCH_R } from './shapes';

export function firstMergingBlock(c: ModelConfig, batch: number): { state: Int32Array<ArrayBuffer>; tm: UniformValues<TomeFields> } {
  const P = numPatches(c);
  const prefix = prefixTokens(c);
  const T = P + prefix;
  const layout = tomeStateLayout(c, batch);
  const state = new Int32Array(layout.words);
  new Float32Array(state.buffer, layout.sizes[0] * 4, batch * T).fill(1);
  const tm = {
    T,
    r: clampR(BENCH_R, T, tokenLayout(c)),
    D: c.embedDim,
    hd: headDim(c),
    heads: c.numHeads,
    prune: 0,
    layer: 0,
    depth: c.depth,
    P,
    T0: T,
    batch,
    prevRow: 0,
    sizesIn: layout.sizes[0],
    sizesOut: layout.sizes[1],
    maps: layout.maps,
    ...tomePrefixFields(tokenLayout(c)),
    ...tomeChoiceFields(),
  };
  return { state, tm };
}
