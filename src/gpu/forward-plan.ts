// Encodes the dispatch list of one whole forward for a given batch size and r schedule. Every
// shape follows from r alone (tokenCounts), so the list, its uniforms and its bind groups are
// built once per (batch, schedule, options) and replayed by every forward with that key.
import { headDim, numPatches, type ModelConfig } from '../model/config';
import { effectiveR, rPerLayer, tokenCounts, type ToMeOptions } from '../core/tome';
import type { Activations } from './activations';
import type { GpuWeights } from './gpu-weights';
import type { Family, Kernel, KernelSet, MatmulVariant } from './kernels';

export interface Dispatch {
  label: string;
  family: Family;
  /** Transformer block index, or -1 for the embedding and the classifier tail. */
  block: number;
  /** Part of ToMe's merge overhead (metric, matching, merge, map update). */
  tome: boolean;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  groups: [number, number, number];
}

export interface ForwardPlan {
  batch: number;
  tokens: number[];
  /** Blocks that merge (r > 0) and so write their patch->token map row on the GPU; the rows of
   * the others equal the previous row and are filled in on read-back. */
  merging: boolean[];
  dispatches: Dispatch[];
  uniforms: GPUBuffer;
}

export interface PlanContext {
  device: GPUDevice;
  config: ModelConfig;
  kernels: KernelSet;
  matmul: MatmulVariant;
  weights: GpuWeights;
  act: Activations;
}

// Uniform slots are bound at offsets that must be multiples of 256.
const SLOT = 256;
export const UNIFORM_BYTES = 64;
type Field = number | { f: number };

const ceil = (a: number, b: number) => Math.ceil(a / b);

/** Records one dispatch of a plan into a compute pass. */
export function encodeDispatch(pass: GPUComputePassEncoder, d: Dispatch): void {
  pass.setPipeline(d.pipeline);
  pass.setBindGroup(0, d.bindGroup);
  pass.dispatchWorkgroups(...d.groups);
}

export function matmulGroups(variant: MatmulVariant, M: number, N: number): [number, number, number] {
  return variant === 'reg4x4' ? [ceil(N / 4, 8), ceil(ceil(M, 4), 8), 1] : [ceil(N, 32), ceil(M, 32), 1];
}

export function buildPlan(ctx: PlanContext, batch: number, tome: ToMeOptions): ForwardPlan {
  const { device, config: c, kernels: k, weights: w, act } = ctx;
  const D = c.embedDim;
  const D4 = D / 4;
  const hd = headDim(c);
  const P = numPatches(c);
  const T0 = P + 1;
  const rs = effectiveR(P, rPerLayer(c.depth, tome.r, tome.schedule));
  const tokens = tokenCounts(P, rs);
  const prune = tome.mode === 'prune' ? 1 : 0;

  const uniformData: Field[][] = [];
  const pending: Array<{ label: string; block: number; tome: boolean; kernel: Kernel; buffers: GPUBuffer[]; groups: [number, number, number] }> = [];
  const add = (label: string, block: number, kernel: Kernel, uniform: Field[], buffers: GPUBuffer[], groups: [number, number, number], isTome = false) => {
    uniformData.push(uniform);
    pending.push({ label, block, tome: isTome, kernel, buffers, groups });
  };
  const matmul = (label: string, block: number, epi: keyof KernelSet['matmul'], M: number, lin: { buffer: GPUBuffer; N: number; K: number }, xIn: GPUBuffer, y: GPUBuffer) =>
    add(label, block, k.matmul[epi], [M, lin.N, lin.K, 0], [xIn, lin.buffer, y], matmulGroups(ctx.matmul, M, lin.N));
  const layerNorm = (label: string, block: number, rows: number, inStride: number, params: GPUBuffer, xIn: GPUBuffer, y: GPUBuffer) =>
    add(label, block, k.layerNorm, [rows, D, inStride, { f: c.eps }], [xIn, params, y], [ceil(rows, 64), 1, 1]);

  add('patch_embed', -1, k.patchEmbed, [D, c.patchSize, c.imgSize / c.patchSize, c.imgSize, batch, 0, 0, 0], [act.image, w.patch.buffer, w.embedExtra, act.x], [
    ceil(D4, 8),
    ceil(ceil(P, 4), 8),
    batch,
  ]);
  const st = act.tomeLayout;
  let x = act.x;
  let x2 = act.x2;
  let sizesIn = st.sizes[0];
  let sizesOut = st.sizes[1];
  let lastMapRow = 0; // 1 + the last block that wrote a map row
  const merging: boolean[] = [];
  for (let l = 0; l < c.depth; l++) {
    const T = tokens[l];
    const r = rs[l];
    const Tn = tokens[l + 1];
    const bw = w.blocks[l];
    const M = batch * T;
    layerNorm('norm1', l, M, 1, bw.norm1, x, act.xn);
    matmul('qkv', l, 'bias', M, bw.qkv, act.xn, act.qkv);
    const Tp = Math.ceil(T / 4) * 4;
    const att: Field[] = [T, D, tome.propAttn ? 1 : 0, { f: 1 / Math.sqrt(hd) }, Tp, c.numHeads, batch * c.numHeads * T, sizesIn];
    const bh = batch * c.numHeads;
    add('attn_scores', l, k.attentionScores, att, [act.qkv, act.tome, act.scores], [ceil(Tp / 4, 8), ceil(ceil(T, 4), 8), bh]);
    add('attn_softmax', l, k.attentionSoftmax, att, [act.scores], [ceil(bh * T, 64), 1, 1]);
    add('attn_av', l, k.attentionAv, att, [act.qkv, act.scores, act.xn], [ceil(hd / 4, 8), ceil(ceil(T, 4), 8), bh]);
    matmul('proj', l, 'residual', M, bw.proj, act.xn, x);
    merging.push(r > 0);
    if (r > 0) {
      const tm: Field[] = [T, r, D, hd, c.numHeads, prune, l, c.depth, P, T0, batch, lastMapRow, sizesIn, sizesOut, st.maps, 0];
      add('tome_metric', l, k.tomeMetric, tm, [act.qkv, act.metric], [ceil(T, 64), 1, batch], true);
      add('tome_similarity', l, k.tomeSimilarity, tm, [act.metric, act.tome], [ceil(ceil(T, 2), 32), 1, batch], true);
      add('tome_order', l, k.tomeOrder, tm, [act.tome], [1, 1, batch], true);
      add('tome_merge', l, k.tomeMerge, tm, [x, x2, act.tome], [ceil(Tn * D4 + P, 64), 1, batch], true);
      [x, x2] = [x2, x];
      [sizesIn, sizesOut] = [sizesOut, sizesIn];
      lastMapRow = l + 1;
    }
    const Mn = batch * Tn;
    layerNorm('norm2', l, Mn, 1, bw.norm2, x, act.xn);
    matmul('fc1', l, 'gelu', Mn, bw.fc1, act.xn, act.hidden);
    matmul('fc2', l, 'residual', Mn, bw.fc2, act.hidden, x);
  }
  layerNorm('final_norm', -1, batch, tokens[c.depth], w.norm, x, act.cls);
  matmul('head', -1, 'bias', batch, w.head, act.cls, act.logits);
  add('softmax_top5', -1, k.head, [c.numClasses, batch, act.classStride, 0], [act.logits, act.probs, act.top5], [ceil(batch, 64), 1, 1]);

  const uniforms = device.createBuffer({ label: 'forward uniforms', size: uniformData.length * SLOT, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
  const mapped = uniforms.getMappedRange();
  uniformData.forEach((fields, i) => {
    const view = new DataView(mapped, i * SLOT, UNIFORM_BYTES);
    fields.forEach((v, j) => (typeof v === 'number' ? view.setUint32(j * 4, v, true) : view.setFloat32(j * 4, v.f, true)));
  });
  uniforms.unmap();
  const dispatches = pending.map((p, i) => {
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniforms, offset: i * SLOT, size: UNIFORM_BYTES } }];
    p.kernel.bindings.forEach((binding, j) => entries.push({ binding, resource: { buffer: p.buffers[j] } }));
    const bindGroup = device.createBindGroup({ label: p.label, layout: p.kernel.pipeline.getBindGroupLayout(0), entries });
    return { label: p.label, family: p.kernel.family, block: p.block, tome: p.tome, pipeline: p.kernel.pipeline, bindGroup, groups: p.groups };
  });
  return { batch, tokens, merging, dispatches, uniforms };
}
