// The ViT's building blocks in plain TypeScript, one exported function per GPU kernel family, so
// each WGSL kernel has an exact reference to be tested against. Everything works on one image
// (no batch), on flat row-major Float32Arrays with explicit dims; Linear weights keep PyTorch's
// [out, in] layout. Sums run in float64 (JS numbers) and are rounded to float32 on store, which
// keeps the reference at least as accurate as the float32 PyTorch forward the golden set came from.

/**
 * out[M, N] = a[M, K] · b[N, K]ᵀ (+ bias[N]). Both operands are read along contiguous rows,
 * and a 2x4 register tile (8 accumulators, 6 loads per step) reuses every load 2-4 times while
 * staying inside the x64 register file; this is what makes the forward fast enough in V8.
 */
export function matmulABt(
  a: Float32Array,
  M: number,
  K: number,
  b: Float32Array,
  N: number,
  bias: Float32Array | null,
  out: Float32Array = new Float32Array(M * N),
): Float32Array {
  const M2 = M - (M % 2);
  const N4 = N - (N % 4);
  for (let m = 0; m < M2; m += 2) {
    const a0 = m * K;
    const a1 = a0 + K;
    for (let n = 0; n < N4; n += 4) {
      const b0 = n * K;
      const b1 = b0 + K;
      const b2 = b1 + K;
      const b3 = b2 + K;
      let s00 = 0,
        s01 = 0,
        s02 = 0,
        s03 = 0;
      let s10 = 0,
        s11 = 0,
        s12 = 0,
        s13 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = a[a0 + k];
        const x1 = a[a1 + k];
        const w0 = b[b0 + k];
        const w1 = b[b1 + k];
        const w2 = b[b2 + k];
        const w3 = b[b3 + k];
        s00 += x0 * w0;
        s01 += x0 * w1;
        s02 += x0 * w2;
        s03 += x0 * w3;
        s10 += x1 * w0;
        s11 += x1 * w1;
        s12 += x1 * w2;
        s13 += x1 * w3;
      }
      if (bias) {
        s00 += bias[n];
        s01 += bias[n + 1];
        s02 += bias[n + 2];
        s03 += bias[n + 3];
        s10 += bias[n];
        s11 += bias[n + 1];
        s12 += bias[n + 2];
        s13 += bias[n + 3];
      }
      const o0 = m * N + n;
      const o1 = o0 + N;
      out[o0] = s00;
      out[o0 + 1] = s01;
      out[o0 + 2] = s02;
      out[o0 + 3] = s03;
      out[o1] = s10;
      out[o1 + 1] = s11;
      out[o1 + 2] = s12;
      out[o1 + 3] = s13;
    }
    for (let n = N4; n < N; n++) {
      out[m * N + n] = dot(a, a0, b, n * K, K) + (bias ? bias[n] : 0);
      out[(m + 1) * N + n] = dot(a, a1, b, n * K, K) + (bias ? bias[n] : 0);
    }
  }
  for (let m = M2; m < M; m++) {
    for (let n = 0; n < N; n++) out[m * N + n] = dot(a, m * K, b, n * K, K) + (bias ? bias[n] : 0);
  }
  return out;
}

function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, K: number): number {
  let s = 0;
  for (let k = 0; k < K; k++) s += a[ao + k] * b[bo + k];
  return s;
}

/** PyTorch Linear on T tokens: y[T, outDim] = x[T, inDim] · W[outDim, inDim]ᵀ + b. */
export function linear(x: Float32Array, T: number, inDim: number, weight: Float32Array, bias: Float32Array | null, outDim: number): Float32Array {
  return matmulABt(x, T, inDim, weight, outDim, bias);
}

/** LayerNorm over the last dim (biased variance, as PyTorch), per token. */
export function layerNorm(x: Float32Array, T: number, D: number, gamma: Float32Array, beta: Float32Array, eps: number): Float32Array {
  const out = new Float32Array(T * D);
  for (let t = 0; t < T; t++) {
    const o = t * D;
    let mean = 0;
    for (let d = 0; d < D; d++) mean += x[o + d];
    mean /= D;
    let variance = 0;
    for (let d = 0; d < D; d++) {
      const c = x[o + d] - mean;
      variance += c * c;
    }
    const inv = 1 / Math.sqrt(variance / D + eps);
    for (let d = 0; d < D; d++) out[o + d] = (x[o + d] - mean) * inv * gamma[d] + beta[d];
  }
  return out;
}

/**
 * Complementary error function, Numerical Recipes' `erfcc` (Chebyshev-fitted exponential):
 * relative error below 1.2e-7 for every x. JS has no Math.erf; this is accurate enough that the
 * GELU below differs from the float32 PyTorch one by less than float32 rounding of its inputs.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

export function erf(x: number): number {
  return 1 - erfc(x);
}

/**
 * Exact (erf) GELU, in place: x·Φ(x) = ½·x·erfc(-x/√2). The erfc form keeps the relative
 * accuracy for large negative x, where 1 + erf(x/√2) would cancel.
 */
export function geluInPlace(x: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    x[i] = 0.5 * v * erfc(-v * Math.SQRT1_2);
  }
  return x;
}

/** CLIP's QuickGELU, in place: x·σ(1.702·x) (timm's QuickGELU, `x * sigmoid(1.702 * x)`). */
export function quickGeluInPlace(x: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    x[i] = v / (1 + Math.exp(-1.702 * v));
  }
  return x;
}

/** Residual connection, in place: x += y. */
export function addInPlace(x: Float32Array, y: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) x[i] += y[i];
  return x;
}

/** Residual connection through a layer scale, in place: x += gamma ⊙ y (timm's LayerScale
 * multiplies in float32 before the add; y has rows of D = gamma.length). */
export function addScaledInPlace(x: Float32Array, y: Float32Array, gamma: Float32Array): Float32Array {
  const D = gamma.length;
  for (let i = 0; i < x.length; i++) x[i] += Math.fround(y[i] * gamma[i % D]);
  return x;
}

/**
 * Patch embedding + timm's _pos_embed. The patch/stride-patch conv is an im2col (each patch
 * flattened in the conv weight's [channel, ky, kx] order) followed by a Linear with the conv
 * weight seen as [D, 3·p·p] (`bias` null: a CLIP tower's conv has none). `prefix` holds the
 * tokens put before the patches, in order ([class][distillation][registers], n rows of D, n may
 * be 0). `posEmbed` has either a row for every token, added after the prefix is put in front, or
 * (timm's no_embed_class) a row per patch only, added to the patches before it is. Input: CHW
 * [3, S, S]. Output: [n + (S/p)², D], patch p = row·grid + col after the prefix.
 */
export function patchEmbed(
  image: Float32Array,
  imgSize: number,
  patchSize: number,
  weight: Float32Array,
  bias: Float32Array | null,
  prefix: Float32Array,
  posEmbed: Float32Array,
  D: number,
): Float32Array {
  const grid = imgSize / patchSize;
  const P = grid * grid;
  const K = 3 * patchSize * patchSize;
  const n = prefix.length / D;
  if (image.length !== 3 * imgSize * imgSize) {
    throw new Error(`patchEmbed: input has ${image.length} values, expected 3x${imgSize}x${imgSize}`);
  }
  if (posEmbed.length !== P * D && posEmbed.length !== (P + n) * D)
    throw new Error(`patchEmbed: pos_embed has ${posEmbed.length / D} rows for ${n} + ${P} tokens`);
  const patchesOnly = posEmbed.length === P * D && n > 0;
  const cols = new Float32Array(P * K);
  for (let p = 0; p < P; p++) {
    const y0 = Math.floor(p / grid) * patchSize;
    const x0 = (p % grid) * patchSize;
    let o = p * K;
    for (let c = 0; c < 3; c++) {
      for (let ky = 0; ky < patchSize; ky++) {
        const row = (c * imgSize + y0 + ky) * imgSize + x0;
        for (let kx = 0; kx < patchSize; kx++) cols[o++] = image[row + kx];
      }
    }
  }
  const emb = matmulABt(cols, P, K, weight, D, bias);
  const x = new Float32Array((P + n) * D);
  x.set(prefix);
  if (!patchesOnly) for (let i = 0; i < n * D; i++) x[i] += posEmbed[i];
  const posOffset = patchesOnly ? 0 : n * D;
  for (let i = 0; i < P * D; i++) x[n * D + i] = emb[i] + posEmbed[posOffset + i];
  return x;
}

export interface AttentionResult {
  /** Attention output before the projection, heads concatenated: [T, D]. */
  out: Float32Array;
  /** ToMe's similarity metric: the keys averaged over heads, L2-normalised: [T, D / heads]. */
  metric: Float32Array;
}

/**
 * Multi-head self-attention core on qkv [T, 3D] (rows [q | k | v], heads contiguous within each):
 * softmax(q·kᵀ·hd^-½ + log size_j)·v per head. `logSize` (length T) is proportional attention's
 * per-key bias; null disables it. The output projection is a separate `linear`.
 */
export function attention(qkv: Float32Array, T: number, D: number, heads: number, logSize: Float32Array | null): AttentionResult {
  const hd = D / heads;
  const scale = hd ** -0.5;
  const out = new Float32Array(T * D);
  const q = new Float32Array(T * hd);
  const k = new Float32Array(T * hd);
  const vT = new Float32Array(hd * T);
  const metricSum = new Float64Array(T * hd);
  for (let h = 0; h < heads; h++) {
    for (let t = 0; t < T; t++) {
      const row = t * 3 * D + h * hd;
      for (let d = 0; d < hd; d++) {
        q[t * hd + d] = qkv[row + d];
        const kv = qkv[row + D + d];
        k[t * hd + d] = kv;
        metricSum[t * hd + d] += kv;
        vT[d * T + t] = qkv[row + 2 * D + d];
      }
    }
    const scores = matmulABt(q, T, hd, k, T, null);
    for (let i = 0; i < T; i++) {
      const o = i * T;
      let max = -Infinity;
      for (let j = 0; j < T; j++) {
        const s = scores[o + j] * scale + (logSize ? logSize[j] : 0);
        scores[o + j] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let j = 0; j < T; j++) {
        const e = Math.exp(scores[o + j] - max);
        scores[o + j] = e;
        sum += e;
      }
      const inv = 1 / sum;
      for (let j = 0; j < T; j++) scores[o + j] *= inv;
    }
    const headOut = matmulABt(scores, T, T, vT, hd, null);
    for (let t = 0; t < T; t++) out.set(headOut.subarray(t * hd, (t + 1) * hd), t * D + h * hd);
  }
  const metric = new Float32Array(T * hd);
  for (let t = 0; t < T; t++) {
    let norm = 0;
    for (let d = 0; d < hd; d++) {
      const m = metricSum[t * hd + d] / heads;
      metricSum[t * hd + d] = m;
      norm += m * m;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let d = 0; d < hd; d++) metric[t * hd + d] = metricSum[t * hd + d] * inv;
  }
  return { out, metric };
}

/**
 * timm's global_pool='avg': the plain mean of tokens [from, T) — after ToMe, of the merged
 * tokens as they are (the official patch leaves timm's pooling alone, no size weighting).
 */
export function meanTokens(x: Float32Array, T: number, D: number, from: number): Float32Array {
  const sum = new Float64Array(D);
  for (let t = from; t < T; t++) for (let d = 0; d < D; d++) sum[d] += x[t * D + d];
  return Float32Array.from(sum, (v) => v / (T - from));
}

/** Classifier: final LayerNorm on the class token (token 0) only, then the head Linear. Also
 * the general form "LayerNorm of one row, then a Linear" (fc_norm of the pooled tokens). */
export function classifierHead(
  x: Float32Array,
  D: number,
  normWeight: Float32Array,
  normBias: Float32Array,
  eps: number,
  headWeight: Float32Array,
  headBias: Float32Array,
  numClasses: number,
): Float32Array {
  const cls = layerNorm(x.subarray(0, D), 1, D, normWeight, normBias, eps);
  return linear(cls, 1, D, headWeight, headBias, numClasses);
}
