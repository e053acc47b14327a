// Encodes the dispatch list of one whole forward for a given batch size and r schedule. Every
// shape follows from r alone (tokenCounts), so the list, its uniforms and its bind groups are
// built once per (batch, schedule, options) and replayed by every forward with that key.
import { gridSize, headDim, numPatches, prefixTokens, tokenLayout, type ModelConfig } from '../model/config';
import { headRows } from './budget';
import { choicesOf, effectiveR, rPerLayer, tokenCounts, type ToMeOptions } from '../core/tome';
import type { Activations } from './activations';
import type { GpuWeights, LinearBuffer } from './gpu-weights';
import { splitTable } from './split-table';
import {
  bindKernel,
  tomeChoiceFields,
  tomePrefixFields,
  type Epilogue,
  type Family,
  type Kernel,
  type KernelSet,
  type MatmulVariant,
  type UniformFields,
  type UniformValues,
} from './kernels';

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
  /** A model without a head: the buffer holding its final tokens as forward_features returns
   * them ([batch][tokens after the last block][D]), read back for ForwardResult.tokenFeatures. */
  finalTokens: GPUBuffer | null;
  dispatches: Dispatch[];
  uniforms: GPUBuffer;
  /** The A/B split table of a split other than the alternate one (split-table.ts); a 16-byte
   * placeholder, never read, under the alternate split. */
  splitTable: GPUBuffer;
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

/** What a compute pass needs to run one dispatch. */
export type Encodable = Pick<Dispatch, 'pipeline' | 'bindGroup' | 'groups'>;

/** Records one dispatch into a compute pass. */
export function encodeDispatch(pass: GPUComputePassEncoder, d: Encodable): void {
  pass.setPipeline(d.pipeline);
  pass.setBindGroup(0, d.bindGroup);
  pass.dispatchWorkgroups(...d.groups);
}

const isTome = (f: Family) => f === 'tome_match' || f === 'tome_merge';

export function buildPlan(ctx: PlanContext, batch: number, tome: ToMeOptions): ForwardPlan {
  const { device, config: c, kernels: k, weights: w, act } = ctx;
  const D = c.embedDim;
  const hd = headDim(c);
  const P = numPatches(c);
  const prefix = prefixTokens(c);
  const T0 = P + prefix;
  const layout = tokenLayout(c);
  const rs = effectiveR(P, rPerLayer(c.depth, tome.r, tome.schedule), layout);
  const tokens = tokenCounts(P, rs, layout);
  const pairs = batch * c.numHeads;
  const chunk = act.scoresPairs;
  const choices = choicesOf(tome);
  const table = choices.split === 'alternate' ? new Int32Array(4) : splitTable(choices, tokens, rs, layout, T0);
  const splitBuffer = device.createBuffer({ label: 'split table', size: table.byteLength, usage: GPUBufferUsage.STORAGE, mappedAtCreation: true });
  new Int32Array(splitBuffer.getMappedRange()).set(table);
  splitBuffer.unmap();

  // Dispatches are recorded in order; each gets its own uniform slot, packed at the end.
  const recorded: Array<{ label: string; block: number; kernel: Kernel; values: UniformValues<UniformFields>; buffers: Record<string, GPUBuffer> }> = [];
  let block = -1;
  const dispatcher =
    <F extends UniformFields, B extends string>(kernel: Kernel<F, B>) =>
    (label: string, values: UniformValues<F>, buffers: Record<B, GPUBuffer>) =>
      recorded.push({ label, block, kernel, values, buffers });
  const patchEmbed = dispatcher(k.patchEmbed);
  const layerNorm = dispatcher(k.layerNorm);
  const mm = {
    bias: dispatcher(k.matmul.bias),
    gelu: dispatcher(k.matmul.gelu),
    quickgelu: dispatcher(k.matmul.quickgelu),
    residual: dispatcher(k.matmul.residual),
  };
  // N and K come with the weights.
  const matmul = (label: string, epilogue: Epilogue, M: number, b: { x: GPUBuffer; w: LinearBuffer; y: GPUBuffer }) =>
    mm[epilogue](label, { M, N: b.w.N, K: b.w.K }, { x: b.x, w: b.w.buffer, y: b.y });
  const attnScores = dispatcher(k.attentionScores);
  const attnSoftmax = dispatcher(k.attentionSoftmax);
  const attnAv = dispatcher(k.attentionAv);
  const tomeMetric = dispatcher(k.tomeMetric);
  const tomeSimilarity = dispatcher(k.tomeSimilarity);
  const tomeOrder = dispatcher(k.tomeOrder);
  const tomeGreedy = dispatcher(k.tomeGreedy);
  const tomeKmeans = dispatcher(k.tomeKmeans);
  const tomeMerge = dispatcher(k.tomeMerge);
  const pool = dispatcher(k.pool);
  const head = dispatcher(k.head);

  patchEmbed(
    'patch_embed',
    { D, ps: c.patchSize, grid: gridSize(c), img: c.imgSize, batch, prefix },
    { image: act.image, w: w.patch.buffer, extra: w.embedExtra, y: act.x },
  );
  const st = act.tomeLayout;
  let x = act.x;
  let x2 = act.x2;
  if (w.normPre) {
    // Pre-norm (CLIP): LayerNorm of every token after the position embedding, into the partner buffer.
    layerNorm('norm_pre', { rows: batch * T0, D, inStride: 1, perImage: 1, eps: c.eps }, { x, params: w.normPre, y: x2 });
    [x, x2] = [x2, x];
  }
  let sizesIn = st.sizes[0];
  let sizesOut = st.sizes[1];
  let lastMapRow = 0; // 1 + the last block that wrote a map row
  const merging: boolean[] = [];
  for (let l = 0; l < c.depth; l++) {
    block = l;
    const T = tokens[l];
    const r = rs[l];
    const Tn = tokens[l + 1];
    const bw = w.blocks[l];
    const M = batch * T;
    layerNorm('norm1', { rows: M, D, inStride: 1, perImage: 1, eps: c.eps }, { x, params: bw.norm1, y: act.xn });
    matmul('qkv', 'bias', M, { x: act.xn, w: bw.qkv, y: act.qkv });
    // The scores buffer holds `chunk` (image, head) pairs: all of them unless they are too many.
    for (let bh0 = 0; bh0 < pairs; bh0 += chunk) {
      const att = {
        T,
        D,
        propAttn: tome.propAttn ? 1 : 0,
        scale: 1 / Math.sqrt(hd),
        Tp: Math.ceil(T / 4) * 4,
        heads: c.numHeads,
        rows: Math.min(chunk, pairs - bh0) * T,
        sizesOff: sizesIn,
        bh0,
      };
      attnScores('attn_scores', att, { qkv: act.qkv, sizes: act.tome, s: act.scores });
      attnSoftmax('attn_softmax', att, { s: act.scores });
      attnAv('attn_av', att, { qkv: act.qkv, s: act.scores, y: act.xn });
    }
    // Layer scale ls1 is folded into proj's weights (gpu-weights.ts), ls2 into fc2's.
    matmul('proj', 'residual', M, { x: act.xn, w: bw.proj, y: x });
    merging.push(r > 0);
    if (r > 0) {
      const tm = {
        T,
        r,
        D,
        hd,
        heads: c.numHeads,
        prune: tome.mode === 'prune' ? 1 : 0,
        layer: l,
        depth: c.depth,
        P,
        T0,
        batch,
        prevRow: lastMapRow,
        sizesIn,
        sizesOut,
        maps: st.maps,
        ...tomePrefixFields(layout),
        ...tomeChoiceFields(tome),
      };
      // The metric x is the token itself (the residual stream after attention): bound where the
      // metric kernel reads qkv otherwise.
      tomeMetric('tome_metric', tm, { qkv: choices.metric === 'x' ? x : act.qkv, metric: act.metric });
      if (choices.matching === 'greedy') tomeGreedy('tome_greedy', tm, { metric: act.metric, plan: act.tome });
      else if (choices.matching === 'kmeans') tomeKmeans('tome_kmeans', tm, { metric: act.metric, plan: act.tome });
      else {
        tomeSimilarity('tome_similarity', tm, { metric: act.metric, plan: act.tome, splitTable: splitBuffer });
        tomeOrder('tome_order', tm, { plan: act.tome, splitTable: splitBuffer });
      }
      tomeMerge('tome_merge', tm, { src: x, dst: x2, state: act.tome, splitTable: splitBuffer });
      [x, x2] = [x2, x];
      [sizesIn, sizesOut] = [sizesOut, sizesIn];
      lastMapRow = l + 1;
    }
    const Mn = batch * Tn;
    layerNorm('norm2', { rows: Mn, D, inStride: 1, perImage: 1, eps: c.eps }, { x, params: bw.norm2, y: act.xn });
    matmul('fc1', c.act === 'quickgelu' ? 'quickgelu' : 'gelu', Mn, { x: act.xn, w: bw.fc1, y: act.hidden });
    matmul('fc2', 'residual', Mn, { x: act.hidden, w: bw.fc2, y: x });
  }
  block = -1;
  const Tf = tokens[c.depth];
  if (c.globalPool === 'avg') {
    // The plain mean of the tokens after the prefix, as they are after the last merge, then fc_norm.
    pool('pool', { T: Tf, D, prefix, batch }, { x, y: act.xn });
    layerNorm('fc_norm', { rows: batch, D, inStride: 1, perImage: 1, eps: c.eps }, { x: act.xn, params: w.norm, y: act.cls });
  } else {
    // The final norm reads only each image's first rows (cls, and dist when distilled), which
    // land side by side: the head reads them as one row of headRows * D.
    const rows = headRows(c);
    layerNorm('final_norm', { rows: batch * rows, D, inStride: Tf, perImage: rows, eps: c.eps }, { x, params: w.norm, y: act.cls });
  }
  // Without a head the pooled rows in act.cls are the output (the features), and every final
  // token as forward_features returns it is read back too: normed into xn, or x itself when the
  // norm (fc_norm) comes after the pool.
  let finalTokens: GPUBuffer | null = null;
  if (!w.head && c.globalPool === 'avg') finalTokens = x;
  else if (!w.head) {
    layerNorm('token_norm', { rows: batch * Tf, D, inStride: 1, perImage: 1, eps: c.eps }, { x, params: w.norm, y: act.xn });
    finalTokens = act.xn;
  }
  if (w.head) {
    matmul('head', 'bias', batch, { x: act.cls, w: w.head, y: act.logits });
    head('softmax_top5', { C: c.numClasses, batch, stride: act.classStride }, { logits: act.logits, probs: act.probs, top5: act.top5 });
  }

  const uniforms = device.createBuffer({ label: 'forward uniforms', size: recorded.length * SLOT, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
  const view = new DataView(uniforms.getMappedRange());
  recorded.forEach((d, i) => d.kernel.desc.uniform.pack(d.values, view, i * SLOT));
  uniforms.unmap();
  const dispatches = recorded.map((d, i): Dispatch => {
    const { desc, pipeline } = d.kernel;
    const bindGroup = bindKernel(device, d.kernel, { buffer: uniforms, offset: i * SLOT, size: desc.uniform.bytes }, d.buffers, d.label);
    return { label: d.label, family: desc.family, block: d.block, tome: isTome(desc.family), pipeline, bindGroup, groups: desc.groups(d.values) };
  });
  return { batch, tokens, merging, finalTokens, dispatches, uniforms, splitTable: splitBuffer };
}
