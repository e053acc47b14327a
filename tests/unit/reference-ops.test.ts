// Each CPU op against a direct, obviously-correct formulation on small odd shapes (which also
// exercise the register tile's edges), and erf against its Taylor series.
import { describe, expect, it } from 'vitest';
import { attention, erf, erfc, geluInPlace, layerNorm, matmulABt, patchEmbed } from '../../src/reference/ops';

function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 2 - 1;
  };
}
const randomArray = (n: number, rand: () => number) => Float32Array.from({ length: n }, rand);

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThan(tol);
}

/** erf by its Maclaurin series, exact to ~1e-12 in double for |x| <= 3. */
function erfSeries(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

describe('erf / GELU', () => {
  it('erf is within 1.2e-7 of the series on [-3, 3]; erfc keeps relative accuracy in the tail', () => {
    let worst = 0;
    for (let x = -3; x <= 3; x += 0.01) worst = Math.max(worst, Math.abs(erf(x) - erfSeries(x)));
    expect(worst).toBeLessThan(1.2e-7);
    expect(Math.abs(erfc(4) / 1.541725790028002e-8 - 1)).toBeLessThan(1.2e-7);
  });
  it('GELU matches x·Φ(x) at known points', () => {
    const y = geluInPlace(Float32Array.from([-3, -1, 0, 0.5, 1, 4]));
    expectClose(y, [-0.00404969409, -0.15865525393, 0, 0.34573123064, 0.84134474607, 3.99987331503], 2e-7);
  });
});

describe('matmulABt', () => {
  it.each([
    [1, 1, 1],
    [2, 3, 4],
    [5, 7, 6],
    [6, 9, 11],
  ])('M=%i K=%i N=%i equals the naive triple loop, with and without bias', (M, K, N) => {
    const rand = seeded(M * 100 + K * 10 + N);
    const a = randomArray(M * K, rand);
    const b = randomArray(N * K, rand);
    const bias = randomArray(N, rand);
    const naive = new Float64Array(M * N);
    for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) naive[m * N + n] += a[m * K + k] * b[n * K + k];
    expectClose(matmulABt(a, M, K, b, N, null), naive, 1e-6);
    expectClose(
      matmulABt(a, M, K, b, N, bias),
      naive.map((v, i) => v + bias[i % N]),
      1e-6,
    );
  });
});

describe('layerNorm', () => {
  it('normalises each token then applies gamma and beta', () => {
    const rand = seeded(3);
    const [T, D] = [3, 5];
    const x = randomArray(T * D, rand);
    const g = randomArray(D, rand);
    const b = randomArray(D, rand);
    const expected: number[] = [];
    for (let t = 0; t < T; t++) {
      const row = Array.from(x.subarray(t * D, (t + 1) * D));
      const mean = row.reduce((s, v) => s + v, 0) / D;
      const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / D;
      row.forEach((v, d) => expected.push(((v - mean) / Math.sqrt(variance + 1e-6)) * g[d] + b[d]));
    }
    expectClose(layerNorm(x, T, D, g, b, 1e-6), expected, 1e-6);
  });
});

describe('patchEmbed', () => {
  it('equals a stride-p convolution, with cls first and position embeddings added', () => {
    const rand = seeded(5);
    const [S, p, D] = [6, 3, 4];
    const grid = S / p;
    const img = randomArray(3 * S * S, rand);
    const w = randomArray(D * 3 * p * p, rand);
    const bias = randomArray(D, rand);
    const cls = randomArray(D, rand);
    const pos = randomArray((grid * grid + 1) * D, rand);
    const expected = Array.from({ length: D }, (_, d) => cls[d] + pos[d]);
    for (let py = 0; py < grid; py++) {
      for (let px = 0; px < grid; px++) {
        for (let d = 0; d < D; d++) {
          let s = bias[d];
          for (let c = 0; c < 3; c++) {
            for (let ky = 0; ky < p; ky++) {
              for (let kx = 0; kx < p; kx++) s += img[(c * S + py * p + ky) * S + px * p + kx] * w[((d * 3 + c) * p + ky) * p + kx];
            }
          }
          expected.push(s + pos[(py * grid + px + 1) * D + d]);
        }
      }
    }
    expectClose(patchEmbed(img, S, p, w, bias, cls, pos, D), expected, 1e-5);
  });
});

describe('attention', () => {
  it.each([true, false])('per-head softmax(q·kᵀ/√hd + log size)·v and the head-averaged key metric (prop attn %s)', (prop) => {
    const rand = seeded(prop ? 11 : 12);
    const [T, D, H] = [5, 6, 2];
    const hd = D / H;
    const qkv = randomArray(T * 3 * D, rand);
    const size = Float32Array.from([1, 2, 1, 3, 5]);
    const logSize = prop ? size.map(Math.log) : null;
    const { out, metric } = attention(qkv, T, D, H, logSize);

    const expectedOut = new Float64Array(T * D);
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < T; i++) {
        const logits = Array.from({ length: T }, (_, j) => {
          let s = 0;
          for (let d = 0; d < hd; d++) s += qkv[i * 3 * D + h * hd + d] * qkv[j * 3 * D + D + h * hd + d];
          return s / Math.sqrt(hd) + (prop ? Math.log(size[j]) : 0);
        });
        const e = logits.map(Math.exp);
        const z = e.reduce((a, b) => a + b, 0);
        for (let j = 0; j < T; j++) {
          for (let d = 0; d < hd; d++) expectedOut[i * D + h * hd + d] += (e[j] / z) * qkv[j * 3 * D + 2 * D + h * hd + d];
        }
      }
    }
    expectClose(out, expectedOut, 1e-6);

    const expectedMetric: number[] = [];
    for (let t = 0; t < T; t++) {
      const k = Array.from({ length: hd }, (_, d) => (qkv[t * 3 * D + D + d] + qkv[t * 3 * D + D + hd + d]) / 2);
      const n = Math.hypot(...k);
      expectedMetric.push(...k.map((v) => v / n));
    }
    expectClose(metric, expectedMetric, 1e-6);
  });
});
