// The "feature colours" of a model without a head: its final patch features at r = 0 projected
// on their first three principal components, as RGB. The components (and the range each colour
// channel spans) are fitted once per image at r = 0 and held fixed while r moves, so a merged
// forward's tokens land in the same colour space: each patch is painted with the colour of the
// token it ended in, and merging shows as flattened colour regions.

export interface FeatureBasis {
  dim: number;
  mean: Float64Array;
  /** The first three principal axes, unit length, largest variance first. */
  axes: Float64Array[];
  /** Per axis, the projections mapped to 0 and 255: mean -/+ 2.5 standard deviations of the
   * r = 0 patches' projections. */
  lo: number[];
  hi: number[];
}

const AXES = 3;
const ITERATIONS = 40;

function dot(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, D: number): number {
  let s = 0;
  for (let d = 0; d < D; d++) s += a[ao + d] * b[d];
  return s;
}

/** Gram-Schmidt in place: the vectors orthonormal, in order. */
function orthonormalize(vs: Float64Array[]): void {
  vs.forEach((v, i) => {
    for (let j = 0; j < i; j++) {
      const p = dot(v, 0, vs[j], v.length);
      for (let d = 0; d < v.length; d++) v[d] -= p * vs[j][d];
    }
    const n = Math.sqrt(dot(v, 0, v, v.length)) || 1;
    for (let d = 0; d < v.length; d++) v[d] /= n;
  });
}

/**
 * Fits the basis on rows [first, first + count) of `tokens` ([rows, D], the r = 0 forward's
 * final tokens: its patches, each its own token), by subspace iteration on the centred rows (no
 * D x D covariance is formed; deterministic start).
 */
export function fitFeatureBasis(tokens: Float32Array, D: number, first: number, count: number): FeatureBasis {
  const mean = new Float64Array(D);
  for (let t = first; t < first + count; t++) for (let d = 0; d < D; d++) mean[d] += tokens[t * D + d] / count;
  const centred = new Float64Array(count * D);
  for (let t = 0; t < count; t++) for (let d = 0; d < D; d++) centred[t * D + d] = tokens[(first + t) * D + d] - mean[d];
  let axes = Array.from({ length: AXES }, (_, k) => Float64Array.from({ length: D }, (_, d) => Math.sin(1 + d * (k + 1) * 0.618) + (d === k ? 1 : 0)));
  orthonormalize(axes);
  const proj = new Float64Array(count);
  for (let it = 0; it < ITERATIONS; it++) {
    // axes <- X^T X axes, then orthonormal again.
    axes = axes.map((v) => {
      const next = new Float64Array(D);
      for (let t = 0; t < count; t++) {
        const p = dot(centred, t * D, v, D);
        for (let d = 0; d < D; d++) next[d] += p * centred[t * D + d];
      }
      return next;
    });
    orthonormalize(axes);
  }
  const variance = (v: Float64Array) => {
    let s = 0;
    for (let t = 0; t < count; t++) s += dot(centred, t * D, v, D) ** 2;
    return s / count;
  };
  axes.sort((a, b) => variance(b) - variance(a));
  const lo: number[] = [];
  const hi: number[] = [];
  for (const v of axes) {
    for (let t = 0; t < count; t++) proj[t] = dot(centred, t * D, v, D);
    const m = proj.reduce((s, x) => s + x, 0) / count;
    const sd = Math.sqrt(proj.reduce((s, x) => s + (x - m) ** 2, 0) / count) || 1;
    lo.push(m - 2.5 * sd);
    hi.push(m + 2.5 * sd);
  }
  return { dim: D, mean, axes, lo, hi };
}

/** RGB (3 bytes per patch) of the token each patch ended in (`tokenOfPatch`: the last block's
 * patch->token row; -1, a pruned patch, is black), projected on `basis`. */
export function featureColours(basis: FeatureBasis, tokens: Float32Array, tokenOfPatch: Int32Array): Uint8Array {
  const D = basis.dim;
  const centred = new Float64Array(D);
  const out = new Uint8Array(tokenOfPatch.length * 3);
  const colourOf = new Map<number, number[]>();
  tokenOfPatch.forEach((t, p) => {
    if (t < 0) return;
    let rgb = colourOf.get(t);
    if (!rgb) {
      for (let d = 0; d < D; d++) centred[d] = tokens[t * D + d] - basis.mean[d];
      rgb = basis.axes.map((v, k) => {
        const u = (dot(centred, 0, v, D) - basis.lo[k]) / (basis.hi[k] - basis.lo[k]);
        return Math.round(255 * Math.min(1, Math.max(0, u)));
      });
      colourOf.set(t, rgb);
    }
    out.set(rgb, p * 3);
  });
  return out;
}
