// Working buffers of a forward, allocated once per engine for the largest shapes (T0 tokens,
// maxBatch images) and reused by every forward; smaller token counts use a prefix.
import { numPatches, type ModelConfig } from '../model/config';

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
  /** Attention probabilities: [batch][heads][T0][T0 rounded up to 4]. */
  scores: GPUBuffer;
  metric: GPUBuffer;
  /** Token sizes (patches per token) and their ping-pong partner. */
  sizes: GPUBuffer;
  sizes2: GPUBuffer;
  /** Per-image matching plan, see tome_common.wgsl. */
  plan: GPUBuffer;
  /** Patch->token map per block: [batch][depth][patches] i32. */
  maps: GPUBuffer;
  cls: GPUBuffer;
  logits: GPUBuffer;
  probs: GPUBuffer;
  top5: GPUBuffer;
  /** Classes padded to a multiple of 4 (the head matmul writes vec4s). */
  classStride: number;
  maxBatch: number;
}

export function createActivations(device: GPUDevice, c: ModelConfig, maxBatch: number): Activations {
  const T0 = numPatches(c) + 1;
  const D = c.embedDim;
  const rows = maxBatch * T0;
  const classStride = Math.ceil(c.numClasses / 4) * 4;
  const make = (label: string, floats: number, extraUsage = 0) =>
    device.createBuffer({ label, size: Math.max(16, floats * 4), usage: GPUBufferUsage.STORAGE | extraUsage });
  const { COPY_SRC, COPY_DST } = GPUBufferUsage;
  return {
    image: make('image', maxBatch * 3 * c.imgSize * c.imgSize, COPY_DST),
    x: make('x', rows * D),
    x2: make('x2', rows * D),
    xn: make('xn', rows * D),
    qkv: make('qkv', rows * 3 * D),
    hidden: make('hidden', rows * c.mlpHidden),
    scores: make('scores', maxBatch * c.numHeads * T0 * Math.ceil(T0 / 4) * 4),
    metric: make('metric', rows * (D / c.numHeads)),
    sizes: make('sizes', rows, COPY_DST),
    sizes2: make('sizes2', rows),
    plan: make('plan', maxBatch * 5 * T0),
    maps: make('maps', maxBatch * c.depth * numPatches(c), COPY_SRC),
    cls: make('cls', maxBatch * D),
    logits: make('logits', maxBatch * classStride, COPY_SRC),
    probs: make('probs', maxBatch * classStride, COPY_SRC),
    top5: make('top5', maxBatch * 10, COPY_SRC),
    classStride,
    maxBatch,
  };
}

export function destroyActivations(a: Activations): void {
  for (const v of Object.values(a)) if (typeof v === 'object') (v as GPUBuffer).destroy();
}
