// Uploads a ViT's weights into GPU buffers in the layouts the kernels read: one buffer per
// tensor group (never one giant buffer: ViT-Base exceeds the 128 MiB binding limit), linear
// layers as W^T [K, N] followed by the bias [N], LayerNorm as gamma then beta. The labels are
// the ones src/model/gpu-budget.ts counts (a test holds the two together).
import { gridSize, isHeadless, numPatches, prefixTokens, type ModelConfig } from '../model/config';
import { embedLabel } from './budget';
import { tensor, type ViTWeights } from '../model/weights';
import { toHalfArray } from './f16';

export type Precision = 'f32' | 'f16';

export interface LinearBuffer {
  buffer: GPUBuffer;
  /** Output features as the kernel sees them (padded to a multiple of 4). */
  N: number;
  K: number;
}

export interface BlockBuffers {
  norm1: GPUBuffer;
  qkv: LinearBuffer;
  proj: LinearBuffer;
  norm2: GPUBuffer;
  fc1: LinearBuffer;
  fc2: LinearBuffer;
}

export interface GpuWeights {
  /** The patch embedding; a pre-norm (CLIP) tower's conv has no bias: zeros. */
  patch: LinearBuffer;
  /** The prefix tokens ([cls][dist][registers], [prefix, D]) then a position row per token
   * [T0, D] (zero rows for the prefix tokens of a no_embed_class model). */
  embedExtra: GPUBuffer;
  /** norm_pre of a pre-norm tower, else null. */
  normPre: GPUBuffer | null;
  blocks: BlockBuffers[];
  /** The final norm: `norm` (token pooling) or `fc_norm` (average pooling). */
  norm: GPUBuffer;
  /** The classifier (for a distilled model both heads in one: distilledHead); null without a head. */
  head: LinearBuffer | null;
  bytes: number;
}

/** The kernels read vec4s: these dims must be multiples of 4. */
export function checkGpuShapes(c: ModelConfig): void {
  const hd = c.embedDim / c.numHeads;
  for (const [what, v] of [
    ['embed_dim', c.embedDim],
    ['head_dim', hd],
    ['mlp hidden', c.mlpHidden],
  ] as const) {
    if (v % 4 !== 0) throw new Error(`WebGPU engine: ${what} ${v} is not a multiple of 4`);
  }
  if (gridSize(c) < 1) throw new Error('WebGPU engine: image smaller than one patch');
}

function upload(device: GPUDevice, data: ArrayBufferView, label: string): GPUBuffer {
  // Storage bindings need sizes in multiples of 4 bytes.
  const size = Math.ceil(data.byteLength / 4) * 4;
  const buffer = device.createBuffer({ label, size, usage: GPUBufferUsage.STORAGE, mappedAtCreation: true });
  new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  buffer.unmap();
  return buffer;
}

/** PyTorch Linear weight [N, K] + bias [N] -> W^T [K, Np] then bias [Np], Np = N rounded up to 4. */
export function packLinear(weight: Float32Array, bias: Float32Array, N: number, K: number): { data: Float32Array; Np: number } {
  const Np = Math.ceil(N / 4) * 4;
  const data = new Float32Array(K * Np + Np);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) data[k * Np + n] = weight[n * K + k];
    data[K * Np + n] = bias[n];
  }
  return { data, Np };
}

function linearFrom(device: GPUDevice, weight: Float32Array, bias: Float32Array, label: string, N: number, K: number, precision: Precision): LinearBuffer {
  const { data, Np } = packLinear(weight, bias, N, K);
  const buffer = upload(device, precision === 'f16' ? toHalfArray(data) : data, label);
  return { buffer, N: Np, K };
}

function linear(device: GPUDevice, w: ViTWeights, name: string, N: number, K: number, precision: Precision, gamma?: Float32Array): LinearBuffer {
  const weight = tensor(w, name + '.weight');
  const bias = tensor(w, name + '.bias');
  if (!gamma) return linearFrom(device, weight, bias, name, N, K, precision);
  const folded = foldLayerScale(weight, bias, gamma, K);
  return linearFrom(device, folded.weight, folded.bias, name, N, K, precision);
}

/**
 * Layer scale folded into the Linear before it: gamma ⊙ (W x + b) = (diag(gamma) W) x + gamma ⊙ b,
 * so proj and fc2 carry ls1 and ls2 and the forward needs no kernel for them (the products are
 * rounded once more than timm's, far inside the golden tolerances: tests/gpu/golden-archs.test.ts).
 */
export function foldLayerScale(weight: Float32Array, bias: Float32Array, gamma: Float32Array, K: number): { weight: Float32Array; bias: Float32Array } {
  return { weight: weight.map((v, i) => v * gamma[Math.floor(i / K)]), bias: bias.map((v, n) => v * gamma[n]) };
}

/**
 * A distilled DeiT's two heads as one Linear over [cls, dist] (the final norm writes both rows
 * of an image side by side): W = [W_head, W_head_dist] / 2 [C, 2D], b = (b_head + b_head_dist)
 * / 2, so one matmul gives (head(cls) + head_dist(dist)) / 2, timm's eval logits (halving is
 * exact in f32 and f16).
 */
export function distilledHead(
  head: Float32Array,
  headBias: Float32Array,
  dist: Float32Array,
  distBias: Float32Array,
  C: number,
  D: number,
): { weight: Float32Array; bias: Float32Array } {
  const weight = new Float32Array(C * 2 * D);
  for (let n = 0; n < C; n++) {
    for (let k = 0; k < D; k++) {
      weight[n * 2 * D + k] = head[n * D + k] / 2;
      weight[n * 2 * D + D + k] = dist[n * D + k] / 2;
    }
  }
  return { weight, bias: headBias.map((v, n) => (v + distBias[n]) / 2) };
}

function concat(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The prefix tokens in timm's order, then a position row per token (zeros for the prefix when
 * pos_embed covers the patches only: adding them is exact). */
function embedRows(w: ViTWeights): Float32Array {
  const c = w.config;
  const D = c.embedDim;
  const prefix = [c.classToken && tensor(w, 'cls_token'), c.distilled && tensor(w, 'dist_token'), c.registers > 0 && tensor(w, 'reg_token')].filter(
    (t): t is Float32Array => !!t,
  );
  const pos = tensor(w, 'pos_embed');
  const rows = numPatches(c) + (c.noEmbedClass ? 0 : prefixTokens(c));
  if (pos.length !== rows * D) throw new Error('pos_embed does not match the patch grid');
  return concat(...prefix, ...(c.noEmbedClass ? [new Float32Array(prefixTokens(c) * D)] : []), pos);
}

export function uploadWeights(device: GPUDevice, w: ViTWeights, precision: Precision): GpuWeights {
  const c = w.config;
  const D = c.embedDim;
  checkGpuShapes(c);
  const ln = (name: string) => upload(device, concat(tensor(w, name + '.weight'), tensor(w, name + '.bias')), name);
  const gamma = (name: string) => (c.layerScale ? tensor(w, name) : undefined);
  const blocks: BlockBuffers[] = [];
  for (let i = 0; i < c.depth; i++) {
    const b = `blocks.${i}.`;
    blocks.push({
      norm1: ln(b + 'norm1'),
      qkv: linear(device, w, b + 'attn.qkv', 3 * D, D, precision),
      proj: linear(device, w, b + 'attn.proj', D, D, precision, gamma(b + 'ls1.gamma')),
      norm2: ln(b + 'norm2'),
      fc1: linear(device, w, b + 'mlp.fc1', c.mlpHidden, D, precision),
      fc2: linear(device, w, b + 'mlp.fc2', D, c.mlpHidden, precision, gamma(b + 'ls2.gamma')),
    });
  }
  // The patch embedding kernel is f32 only: it is a small share of the FLOPs.
  const patchK = 3 * c.patchSize * c.patchSize;
  const patchBias = c.preNorm ? new Float32Array(D) : tensor(w, 'patch_embed.proj.bias');
  const patch = linearFrom(device, tensor(w, 'patch_embed.proj.weight'), patchBias, 'patch_embed.proj', D, patchK, 'f32');
  const embedExtra = upload(device, embedRows(w), embedLabel(c));
  let head: LinearBuffer | null = null;
  if (c.distilled && !isHeadless(c)) {
    const both = distilledHead(tensor(w, 'head.weight'), tensor(w, 'head.bias'), tensor(w, 'head_dist.weight'), tensor(w, 'head_dist.bias'), c.numClasses, D);
    head = linearFrom(device, both.weight, both.bias, 'head+head_dist', c.numClasses, 2 * D, precision);
  } else if (!isHeadless(c)) head = linear(device, w, 'head', c.numClasses, D, precision);
  const out: GpuWeights = {
    patch,
    embedExtra,
    normPre: c.preNorm ? ln('norm_pre') : null,
    blocks,
    norm: ln(c.globalPool === 'avg' ? 'fc_norm' : 'norm'),
    head,
    bytes: 0,
  };
  out.bytes = allBuffers(out).reduce((s, b) => s + b.size, 0);
  return out;
}

function allBuffers(g: GpuWeights): GPUBuffer[] {
  const top = [g.patch.buffer, g.embedExtra, g.normPre, g.norm, g.head?.buffer].filter((b): b is GPUBuffer => !!b);
  return [...top, ...g.blocks.flatMap((b) => [b.norm1, b.qkv.buffer, b.proj.buffer, b.norm2, b.fc1.buffer, b.fc2.buffer])];
}

export function destroyWeights(g: GpuWeights): void {
  for (const b of allBuffers(g)) b.destroy();
}
