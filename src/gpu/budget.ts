// What the WebGPU engine would allocate for a model, worked out from its config alone (pure, no
// device): one buffer per weight group as src/gpu/gpu-weights.ts uploads them (f32, or f16 for
// the matmul weights) and the working buffers of src/gpu/activations.ts sized for maxBatch.
// checkGpuLimits turns that into one line naming the adapter limit a model would exceed, so a
// model too big for an adapter is refused before any upload instead of losing the device.
// Not counted: the preprocessing windows (per image, bounded) and start-up matmul timing buffers.
import { isHeadless, numPatches, prefixTokens, type ModelConfig } from '../model/config';
import { formatBytes } from '../core/format';

export type Precision = 'f32' | 'f16';

export interface GpuBufferSize {
  label: string;
  bytes: number;
  kind: 'weights' | 'activations';
}

export interface GpuBudget {
  buffers: GpuBufferSize[];
  weightBytes: number;
  activationBytes: number;
  totalBytes: number;
}

export interface AdapterLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  /** WebGPU's default (16 KiB) when absent. */
  maxComputeWorkgroupStorageSize?: number;
}

/** Workgroup memory of ToMe's ranking (tome_match.wgsl's `order`: a score, a destination and a
 * rank per A token of the first block, one workgroup per image): what bounds the token count. */
export function rankingWorkgroupBytes(c: ModelConfig): number {
  return 3 * 4 * Math.ceil((numPatches(c) + prefixTokens(c)) / 2);
}

const ceil4 = (n: number) => Math.ceil(n / 4) * 4;

/** Packed Linear: W^T [K, Np] then bias [Np], Np = N rounded up to 4; f16 halves it. */
function linearBytes(N: number, K: number, precision: Precision): number {
  const Np = ceil4(N);
  return ceil4((K * Np + Np) * (precision === 'f16' ? 2 : 4));
}

/**
 * The largest attention scores buffer the engine makes: WebGPU's default
 * maxStorageBufferBindingSize (or the adapter's limits, if lower). When a batch's scores (batch x
 * heads x T0 x T0) are larger, a block runs its attention in chunks of (image, head) pairs, so
 * the scores never stop a model (DINOv2 at 518 px, 1370+ tokens; ViT-L/14 has 16 heads).
 */
const SCORES_BYTES_MAX = 128 * 2 ** 20;

/** (image, head) pairs whose attention scores one pass holds: all of them when they fit, else as
 * many as fit (at least one, whose size the limit check then judges). */
export function attentionChunk(c: ModelConfig, maxBatch: number, limits?: AdapterLimits): number {
  const T0 = numPatches(c) + prefixTokens(c);
  const perPair = T0 * ceil4(T0) * 4;
  const cap = Math.min(SCORES_BYTES_MAX, limits?.maxStorageBufferBindingSize ?? Infinity, limits?.maxBufferSize ?? Infinity);
  return Math.max(1, Math.min(maxBatch * c.numHeads, Math.floor(cap / perPair)));
}

/** Rows the head reads per image: the normed class token (and distillation token), or the pooled one. */
export function headRows(c: ModelConfig): number {
  return c.distilled ? 2 : 1;
}

/** The label of the buffer holding the prefix tokens and the position embedding, e.g. "cls+reg+pos_embed". */
export function embedLabel(c: ModelConfig): string {
  return [c.classToken && 'cls', c.distilled && 'dist', c.registers > 0 && 'reg', 'pos_embed'].filter(Boolean).join('+');
}

/** Every buffer the engine allocates for `c`, weights then activations (the attention scores
 * sized for `limits`, as the engine sizes them for its device's). */
export function gpuBudget(c: ModelConfig, opts: { precision: Precision; maxBatch: number }, limits?: AdapterLimits): GpuBudget {
  const D = c.embedDim;
  const H = c.mlpHidden;
  const P = numPatches(c);
  const T0 = P + prefixTokens(c);
  const B = opts.maxBatch;
  const buffers: GpuBufferSize[] = [];
  const weights = (label: string, bytes: number) => buffers.push({ label, bytes, kind: 'weights' });
  const act = (label: string, floats: number) => buffers.push({ label, bytes: Math.max(16, floats * 4), kind: 'activations' });

  for (let i = 0; i < c.depth; i++) {
    const b = `blocks.${i}.`;
    weights(b + 'norm1', 2 * D * 4);
    weights(b + 'attn.qkv', linearBytes(3 * D, D, opts.precision));
    weights(b + 'attn.proj', linearBytes(D, D, opts.precision));
    weights(b + 'norm2', 2 * D * 4);
    weights(b + 'mlp.fc1', linearBytes(H, D, opts.precision));
    weights(b + 'mlp.fc2', linearBytes(D, H, opts.precision));
  }
  // The patch embedding stays f32 (a small share of the FLOPs).
  weights('patch_embed.proj', linearBytes(D, 3 * c.patchSize * c.patchSize, 'f32'));
  weights(embedLabel(c), (prefixTokens(c) * D + T0 * D) * 4);
  if (c.preNorm) weights('norm_pre', 2 * D * 4);
  weights(c.globalPool === 'avg' ? 'fc_norm' : 'norm', 2 * D * 4);
  // A distilled model's two heads are one Linear over [cls, dist] (K = 2D); a model without a
  // head has none (its output is the pooled features).
  if (c.distilled && !isHeadless(c)) weights('head+head_dist', linearBytes(c.numClasses, 2 * D, opts.precision));
  else if (!isHeadless(c)) weights('head', linearBytes(c.numClasses, D, opts.precision));

  const rows = B * T0;
  const classStride = ceil4(c.numClasses);
  const planWords = 7;
  act('image', B * 3 * c.imgSize * c.imgSize);
  act('x', rows * D);
  act('x2', rows * D);
  act('xn', rows * D);
  act('qkv', rows * 3 * D);
  act('hidden', rows * H);
  act('scores', attentionChunk(c, B, limits) * T0 * ceil4(T0));
  act('metric', 2 * rows * D);
  act('tome state', B * planWords * T0 + 2 * B * T0 + B * c.depth * P);
  act('cls', B * D * headRows(c));
  act('logits', B * classStride);
  act('probs', B * classStride);
  act('top5', B * 10);

  const sum = (kind: GpuBufferSize['kind']) => buffers.filter((b) => b.kind === kind).reduce((s, b) => s + b.bytes, 0);
  const weightBytes = sum('weights');
  const activationBytes = sum('activations');
  return { buffers, weightBytes, activationBytes, totalBytes: weightBytes + activationBytes };
}

/**
 * null when every buffer fits the adapter's limits (and the total fits `memoryBytes` when
 * given), else one line naming the buffer, the limit and what would help.
 */
export function checkGpuLimits(c: ModelConfig, opts: { precision: Precision; maxBatch: number }, limits: AdapterLimits, memoryBytes?: number): string | null {
  const budget = gpuBudget(c, opts, limits);
  const largest = budget.buffers.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  // Every buffer is bound whole as a storage buffer, so both limits apply to each.
  const limit = [
    ['maxStorageBufferBindingSize', limits.maxStorageBufferBindingSize],
    ['maxBufferSize', limits.maxBufferSize],
  ]
    .filter(([, v]) => largest.bytes > (v as number))
    .sort((a, b) => (a[1] as number) - (b[1] as number))[0];
  const where = `${c.id} (${opts.precision}, batch ${opts.maxBatch})`;
  if (limit) {
    const help =
      largest.kind === 'activations'
        ? opts.maxBatch > 1
          ? 'a smaller batch would fit'
          : 'too many tokens for this adapter'
        : opts.precision === 'f32'
          ? "precision 'f16' halves it where the adapter has shader-f16"
          : 'too large for this adapter';
    return `${where}: buffer ${largest.label} needs ${formatBytes(largest.bytes)}, over this adapter's ${limit[0]} of ${formatBytes(limit[1] as number)}; ${help}`;
  }
  const workgroup = rankingWorkgroupBytes(c);
  const workgroupLimit = limits.maxComputeWorkgroupStorageSize ?? 16384;
  if (workgroup > workgroupLimit) {
    return `${where}: ToMe's ranking of ${Math.ceil((numPatches(c) + prefixTokens(c)) / 2)} tokens needs ${formatBytes(workgroup)} of workgroup memory, over this adapter's maxComputeWorkgroupStorageSize of ${formatBytes(workgroupLimit)}; too many tokens for this adapter`;
  }
  if (memoryBytes !== undefined && budget.totalBytes > memoryBytes) {
    return `${where}: needs ${formatBytes(budget.totalBytes)} of GPU memory (weights ${formatBytes(budget.weightBytes)}, working buffers ${formatBytes(budget.activationBytes)}), over the ${formatBytes(memoryBytes)} available`;
  }
  return null;
}
