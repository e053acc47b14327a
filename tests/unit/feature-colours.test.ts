// The feature colours of a model without a head (src/ui/worker/feature-colours.ts): the first
// three principal axes of the r = 0 patch features, found without a covariance matrix, and each
// patch coloured by the token it ended in, on that fixed basis.
import { describe, expect, it } from 'vitest';
import { featureColours, fitFeatureBasis } from '../../src/ui/worker/feature-colours';
import { rng } from '../support/random';

/** count rows of D features: 3 orthogonal directions with standard deviations 6, 3 and 1.5, plus small noise, after `first` other rows. */
function synthetic(D: number, count: number, first: number): { tokens: Float32Array; dirs: Float64Array[] } {
  const rand = rng(5);
  const dirs = [0, 1, 2].map((k) => {
    const v = Float64Array.from({ length: D }, (_, d) => Math.cos((d + 1) * (k + 1.3)) + (d % 7 === k ? 1 : 0));
    return v;
  });
  // Orthonormal directions (Gram-Schmidt here, independently of the module).
  dirs.forEach((v, i) => {
    for (let j = 0; j < i; j++) {
      const p = v.reduce((s, x, d) => s + x * dirs[j][d], 0);
      v.forEach((x, d) => (v[d] = x - p * dirs[j][d]));
    }
    const n = Math.hypot(...v);
    v.forEach((x, d) => (v[d] = x / n));
  });
  const tokens = new Float32Array((first + count) * D).fill(99); // the prefix rows must be ignored
  for (let t = 0; t < count; t++) {
    const a = [6, 3, 1.5].map((s) => s * (rand() * 2 - 1) * Math.sqrt(3));
    for (let d = 0; d < D; d++) tokens[(first + t) * D + d] = 0.5 + a[0] * dirs[0][d] + a[1] * dirs[1][d] + a[2] * dirs[2][d] + 0.01 * (rand() - 0.5);
  }
  return { tokens, dirs };
}

describe('fitFeatureBasis', () => {
  it('finds the three principal axes, largest variance first, orthonormal, ignoring the prefix rows', () => {
    const D = 48;
    const { tokens, dirs } = synthetic(D, 400, 5);
    const basis = fitFeatureBasis(tokens, D, 5, 400);
    basis.axes.forEach((v, k) => {
      expect(Math.abs(v.reduce((s, x, d) => s + x * dirs[k][d], 0))).toBeGreaterThan(0.995); // the sample covariance of 400 rows, not the generating one
      basis.axes.forEach((w, j) => expect(v.reduce((s, x, d) => s + x * w[d], 0)).toBeCloseTo(j === k ? 1 : 0, 9));
    });
    basis.mean.forEach((m) => expect(Math.abs(m - 0.5)).toBeLessThan(0.6));
    expect(basis.hi[0] - basis.lo[0]).toBeGreaterThan(basis.hi[2] - basis.lo[2]);
  });
});

describe('featureColours', () => {
  const D = 24;
  const { tokens } = synthetic(D, 64, 1);
  const basis = fitFeatureBasis(tokens, D, 1, 64);

  it('colours each patch by its token: at r = 0 every patch its own, after merges one colour per token, pruned patches black', () => {
    const r0 = featureColours(
      basis,
      tokens,
      Int32Array.from({ length: 64 }, (_, p) => p + 1),
    );
    const colours = (c: Uint8Array) => new Set(Array.from({ length: 64 }, (_, p) => c.slice(3 * p, 3 * p + 3).join(',')));
    expect(colours(r0).size).toBeGreaterThan(40);
    // Patches 0..63 ending in 8 tokens (rows 1..8 of the same matrix), patch 5 pruned.
    const map = Int32Array.from({ length: 64 }, (_, p) => (p === 5 ? -1 : 1 + (p % 8)));
    const merged = featureColours(basis, tokens, map);
    expect(colours(merged).size).toBe(9); // 8 tokens + black
    expect(Array.from(merged.slice(15, 18))).toEqual([0, 0, 0]);
    for (let p = 0; p < 64; p++) if (p !== 5) expect(Array.from(merged.slice(3 * p, 3 * p + 3))).toEqual(Array.from(r0.slice(3 * (p % 8), 3 * (p % 8) + 3)));
  });

  it('keeps the r = 0 range: a token far out along an axis saturates instead of rescaling the others', () => {
    const far = tokens.slice();
    for (let d = 0; d < D; d++) far[D + d] = basis.mean[d] + 1000 * basis.axes[0][d];
    const c = featureColours(basis, far, Int32Array.from([1, 2]));
    expect(c[0]).toBe(255);
    expect(Array.from(c.slice(3, 6))).toEqual(Array.from(featureColours(basis, tokens, Int32Array.from([2]))));
  });
});
