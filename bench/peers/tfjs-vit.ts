// The benchmark peer: the same timm ViT written with stock @tensorflow/tfjs-core ops, i.e. what a
// user would pick instead of our engine. No ToMe (r = 0 only): it answers "how fast is the plain
// model on a mainstream WebGPU/WASM runtime", against which our r = 0 and r > 0 are compared.
import * as tf from '@tensorflow/tfjs-core';
import { gridSize, headDim, type ModelConfig } from '../../src/model/config';
import { tensor, type ViTWeights } from '../../src/model/weights';

interface BlockParams {
  norm1: [tf.Tensor1D, tf.Tensor1D];
  /** Linear weights are stored [in, out] (PyTorch's [out, in] transposed once at load). */
  qkv: [tf.Tensor2D, tf.Tensor1D];
  proj: [tf.Tensor2D, tf.Tensor1D];
  norm2: [tf.Tensor1D, tf.Tensor1D];
  fc1: [tf.Tensor2D, tf.Tensor1D];
  fc2: [tf.Tensor2D, tf.Tensor1D];
}

export class TfjsViT {
  readonly config: ModelConfig;
  private readonly blocks: BlockParams[];
  /** Patch-embedding filter in tfjs' conv2d layout [p, p, 3, D]. */
  private readonly patchFilter: tf.Tensor4D;
  private readonly patchBias: tf.Tensor1D;
  private readonly clsToken: tf.Tensor3D;
  private readonly posEmbed: tf.Tensor3D;
  private readonly norm: [tf.Tensor1D, tf.Tensor1D];
  private readonly head: [tf.Tensor2D, tf.Tensor1D];

  /** Uploads every weight to the backend active now (call tf.setBackend first). */
  constructor(weights: ViTWeights) {
    const c = weights.config;
    this.config = c;
    const D = c.embedDim;
    const vec = (name: string) => tf.tensor1d(tensor(weights, name));
    const linear = (name: string, out: number, inp: number): [tf.Tensor2D, tf.Tensor1D] => [
      tf.tidy(() => tf.transpose(tf.tensor2d(tensor(weights, name + '.weight'), [out, inp]))),
      vec(name + '.bias'),
    ];
    const p = c.patchSize;
    this.patchFilter = tf.tidy(() => tf.transpose(tf.tensor4d(tensor(weights, 'patch_embed.proj.weight'), [D, 3, p, p]), [2, 3, 1, 0]));
    this.patchBias = vec('patch_embed.proj.bias');
    this.clsToken = tf.tensor3d(tensor(weights, 'cls_token'), [1, 1, D]);
    this.posEmbed = tf.tensor3d(tensor(weights, 'pos_embed'), [1, gridSize(c) ** 2 + 1, D]);
    this.blocks = Array.from({ length: c.depth }, (_, i) => {
      const b = `blocks.${i}.`;
      return {
        norm1: [vec(b + 'norm1.weight'), vec(b + 'norm1.bias')],
        qkv: linear(b + 'attn.qkv', 3 * D, D),
        proj: linear(b + 'attn.proj', D, D),
        norm2: [vec(b + 'norm2.weight'), vec(b + 'norm2.bias')],
        fc1: linear(b + 'mlp.fc1', c.mlpHidden, D),
        fc2: linear(b + 'mlp.fc2', D, c.mlpHidden),
      };
    });
    this.norm = [vec('norm.weight'), vec('norm.bias')];
    this.head = linear('head', c.numClasses, D);
  }

  /**
   * Logits [B, numClasses] of a batch of preprocessed CHW images. Returns a tensor on the
   * backend; the caller reads it back (`await t.data()`) so timings include the GPU work.
   */
  forward(inputs: Float32Array[]): tf.Tensor2D {
    const c = this.config;
    const S = c.imgSize;
    const B = inputs.length;
    const batch = new Float32Array(B * 3 * S * S);
    inputs.forEach((x, i) => {
      if (x.length !== 3 * S * S) throw new Error(`input ${i}: ${x.length} floats, expected 3x${S}x${S}`);
      batch.set(x, i * 3 * S * S);
    });
    return tf.tidy(() => {
      const D = c.embedDim;
      const T = gridSize(c) ** 2 + 1;
      const nchw = tf.tensor4d(batch, [B, 3, S, S]);
      const patches = tf.conv2d(tf.transpose(nchw, [0, 2, 3, 1]), this.patchFilter, c.patchSize, 'valid');
      const tokens = tf.reshape(tf.add(patches, this.patchBias), [B, T - 1, D]);
      let x: tf.Tensor2D = tf.reshape(tf.add(tf.concat([tf.tile(this.clsToken, [B, 1, 1]), tokens], 1), this.posEmbed), [B * T, D]);
      for (const blk of this.blocks) {
        x = tf.add(x, this.attention(this.layerNorm(x, blk.norm1), blk, B, T));
        const hidden = this.geluErf(this.linear(this.layerNorm(x, blk.norm2), blk.fc1));
        x = tf.add(x, this.linear(hidden, blk.fc2));
      }
      // The final norm is per token, so normalising only the class token gives the same logits.
      const cls: tf.Tensor2D = tf.reshape(tf.slice(tf.reshape(x, [B, T, D]), [0, 0, 0], [B, 1, D]), [B, D]);
      return this.linear(this.layerNorm(cls, this.norm), this.head);
    });
  }

  /** Logits per image, read back to the host. */
  async run(inputs: Float32Array[]): Promise<Float32Array[]> {
    const logits = this.forward(inputs);
    try {
      const flat = (await logits.data()) as Float32Array;
      const n = this.config.numClasses;
      return inputs.map((_, i) => flat.slice(i * n, (i + 1) * n));
    } finally {
      logits.dispose();
    }
  }

  dispose(): void {
    const all: tf.Tensor[] = [this.patchFilter, this.patchBias, this.clsToken, this.posEmbed, ...this.norm, ...this.head];
    for (const b of this.blocks) all.push(...b.norm1, ...b.qkv, ...b.proj, ...b.norm2, ...b.fc1, ...b.fc2);
    tf.dispose(all);
  }

  private linear(x: tf.Tensor2D, [w, b]: [tf.Tensor2D, tf.Tensor1D]): tf.Tensor2D {
    return tf.fused.matMul({ a: x, b: w, bias: b }) as tf.Tensor2D;
  }

  private layerNorm(x: tf.Tensor2D, [gamma, beta]: [tf.Tensor1D, tf.Tensor1D]): tf.Tensor2D {
    const { mean, variance } = tf.moments(x, -1, true);
    const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.config.eps)));
    return tf.add(tf.mul(normed, gamma), beta);
  }

  /** timm's GELU is the exact erf form; tfjs has no such op, but has erf. */
  private geluErf(x: tf.Tensor2D): tf.Tensor2D {
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
  }

  /** Multi-head self-attention on [B*T, D] rows; returns the projected output, same shape. */
  private attention(x: tf.Tensor2D, blk: BlockParams, B: number, T: number): tf.Tensor2D {
    const c = this.config;
    const D = c.embedDim;
    const H = c.numHeads;
    const hd = headDim(c);
    const heads = (t: tf.Tensor2D) => tf.transpose(tf.reshape(t, [B, T, H, hd]), [0, 2, 1, 3]);
    const [q, k, v] = tf.split(this.linear(x, blk.qkv), 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const logits = tf.matMul(heads(tf.mul(q, hd ** -0.5)), heads(k), false, true);
    const ctx = tf.matMul(tf.softmax(logits), heads(v));
    const merged: tf.Tensor2D = tf.reshape(tf.transpose(ctx, [0, 2, 1, 3]), [B * T, D]);
    return this.linear(merged, blk.proj);
  }
}
