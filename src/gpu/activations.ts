// Working buffers of a forward, allocated once per engine for the largest shapes (T0 tokens,
// maxBatch images) and reused by every forward; smaller token counts use a prefix.
import { numPatches, prefixTokens, type ModelConfig } from '../model/config';
import { attentionChunk, headRows } from './budget';

/** Where the parts of the ToMe state buffer start, in 4-byte words (see tome_common.wgsl). */
export interface TomeStateLayout {
  /** Plan words per image per token slot (the plan of image b starts at b * planWords * T0). */
  planWords: number;
  /** Token sizes, ping-pong: a block reads sizes[k] and a merge writes sizes[1 - k]. */
  sizes: [number, number];
  /** Patch->token map rows: [batch][depth][patches] i32. */
  maps: number;
  words: number;
}

export interface Activations {
  /** Input images, CHW float32 each. */
  image: GPUBuffer;
  /** Token matrix and its ping-pong partner for merges. */
  x: GPUBuffer;
  x2: GPUBuffer;
  /** LayerNorm output, reused as the attention output. */
  xn: GPUBuffer;
  qkv: GPUBuffer;
  hidden: GPUBuffer;
  /** Attention probabilities of a chunk of `scoresPairs` (image, head) pairs: [pairs][T0][T0
   * rounded up to 4]. */
  scores: GPUBuffer;
  /** (image, head) pairs one attention pass holds (attentionChunk: all of them unless too many). */
  scoresPairs: number;
  /** ToMe's metric rows ([batch][T][head dim], or the token's width D for the metric x), then as
   * much again for k-means' centroids (tome_group.wgsl). */
  metric: GPUBuffer;
  /** Matching plans, token sizes and patch->token maps, laid out by `tomeLayout`. */
  tome: GPUBuffer;
  /** The head's input per image: the normed class token (and distillation token when
   * distilled) or the fc_norm of the pooled tokens; the output itself for a model without a head. */
  cls: GPUBuffer;
  logits: GPUBuffer;
  probs: GPUBuffer;
  top5: GPUBuffer;
  tomeLayout: TomeStateLayout;
  /** Classes padded to a multiple of 4 (the head matmul writes vec4s). */
  classStride: number;
  maxBatch: number;
}

const PLAN_WORDS = 7;

export function tomeStateLayout(c: ModelConfig, maxBatch: number): TomeStateLayout {
  const T0 = numPatches(c) + prefixTokens(c);
  const plans = maxBatch * PLAN_WORDS * T0;
  const sizes: [number, number] = [plans, plans + maxBatch * T0];
  const maps = plans + 2 * maxBatch * T0;
  return { planWords: PLAN_WORDS, sizes, maps, words: maps + maxBatch * c.depth * numPatches(c) };
}

export function createActivations(device: GPUDevice, c: ModelConfig, maxBatch: number): Activations {
  const T0 = numPatches(c) + prefixTokens(c);
  const D = c.embedDim;
  const rows = maxBatch * T0;
  const classStride = Math.ceil(c.numClasses / 4) * 4;
  const make = (label: string, floats: number, extraUsage = 0) =>
    device.createBuffer({ label, size: Math.max(16, floats * 4), usage: GPUBufferUsage.STORAGE | extraUsage });
  const { COPY_SRC, COPY_DST } = GPUBufferUsage;
  const tomeLayout = tomeStateLayout(c, maxBatch);
  const scoresPairs = attentionChunk(c, maxBatch, device.limits);
  return {
    image: make('image', maxBatch * 3 * c.imgSize * c.imgSize, COPY_DST),
    // Copied out for a model without a head: its final tokens (ForwardResult.tokenFeatures).
    x: make('x', rows * D, COPY_SRC),
    x2: make('x2', rows * D, COPY_SRC),
    xn: make('xn', rows * D, COPY_SRC),
    qkv: make('qkv', rows * 3 * D),
    hidden: make('hidden', rows * c.mlpHidden),
    scores: make('scores', scoresPairs * T0 * Math.ceil(T0 / 4) * 4),
    scoresPairs,
    metric: make('metric', 2 * rows * D),
    tome: make('tome state', tomeLayout.words, COPY_SRC | COPY_DST),
    cls: make('cls', maxBatch * D * headRows(c), COPY_SRC),
    logits: make('logits', maxBatch * classStride, COPY_SRC),
    probs: make('probs', maxBatch * classStride, COPY_SRC),
    top5: make('top5', maxBatch * 10, COPY_SRC),
    tomeLayout,
    classStride,
    maxBatch,
  };
}

export function destroyActivations(a: Activations): void {
  const buffers = [a.image, a.x, a.x2, a.xn, a.qkv, a.hidden, a.scores, a.metric, a.tome, a.cls, a.logits, a.probs, a.top5];
  for (const b of buffers) b.destroy();
}
