// ToMe invariants of the CPU reference on random tiny ViTs (random weights built in memory),
// plus the shared schedule helpers against the official parse_r figures.
import { describe, expect, it } from 'vitest';
import { applyMerge, bipartiteMatch } from '../../src/reference/tome';
import { forward, type BlockTrace } from '../../src/reference/vit';
import { clampR, initialTokenOfPatch, rPerLayer, tokenCounts, type Schedule, type ToMeOptions } from '../../src/core/tome';
import type { ViTWeights } from '../../src/model/weights';
import { randomArray, randomViT, rng } from '../support/random';

function tinyViT(seed: number, embedDim: number, numHeads: number, depth: number, grid: number): ViTWeights {
  return randomViT({ embedDim, numHeads, depth, patchSize: 2, imgSize: grid * 2, mlpHidden: 2 * embedDim, numClasses: 7 }, seed);
}

interface Scenario {
  seed: number;
  embedDim: number;
  numHeads: number;
  depth: number;
  grid: number;
  opts: ToMeOptions;
}

// Grids 3..6 give 10, 17, 26 and 37 tokens (even and odd counts); r spans 0, small, the clamp
// and far beyond it. ModelConfig grids are square (img_size / patch_size), so no 6x5 grid.
function scenarios(): Scenario[] {
  const rand = rng(2023);
  const out: Scenario[] = [];
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  for (let i = 0; i < 24; i++) {
    const numHeads = pick([1, 2, 3, 4]);
    out.push({
      seed: 100 + i,
      embedDim: pick([8, 12, 16, 24].filter((d) => d % numHeads === 0)),
      numHeads,
      depth: 2 + (i % 4),
      grid: 3 + (i % 4),
      opts: {
        r: pick([0, 1, 2, 3, 5, 8, 40]),
        schedule: i % 3 === 0 ? 'decreasing' : 'constant',
        mode: i % 2 === 0 ? 'merge' : 'prune',
        propAttn: i % 5 !== 1,
      },
    });
  }
  return out;
}

describe('CPU forward on random tiny ViTs', () => {
  it.each(scenarios())('seed $seed: D=$embedDim h=$numHeads depth=$depth grid=$grid r=$opts.r $opts.schedule $opts.mode propAttn=$opts.propAttn', (s) => {
    const rand = rng(s.seed);
    const weights = tinyViT(s.seed, s.embedDim, s.numHeads, s.depth, s.grid);
    const P = s.grid * s.grid;
    const input = randomArray(3 * s.grid * 2 * s.grid * 2, rand);
    const traces: BlockTrace[] = [];
    const res = forward(weights, input, s.opts, (t) => traces.push(t));

    const rs = rPerLayer(s.depth, s.opts.r, s.opts.schedule);
    expect(res.tokens).toEqual(tokenCounts(P, rs));
    expect(res.tokenOfPatch).toHaveLength(s.depth);
    expect(traces).toHaveLength(s.depth);

    for (let i = 0; i < s.depth; i++) {
      const T = res.tokens[i + 1];
      const { plan, size } = traces[i];
      expect(plan?.r ?? 0).toBe(clampR(rs[i], res.tokens[i]));
      // The class token is never a source and stays token 0 standing for itself alone.
      if (plan) {
        expect([...plan.srcA]).not.toContain(0);
        expect(plan.keptA[0]).toBe(0);
      }
      expect(size).toHaveLength(T);
      expect(size[0]).toBe(1);
      const map = res.tokenOfPatch[i];
      expect(map).toHaveLength(P);
      // Each token's size is exactly the number of patches it stands for (+1 for cls).
      const counted = new Float32Array(T);
      counted[0] = 1;
      for (const t of map) {
        expect(t).not.toBe(0);
        expect(t).toBeLessThan(T);
        if (t > 0) counted[t]++;
        else expect(s.opts.mode).toBe('prune');
      }
      expect(size).toEqual(counted);
      if (s.opts.mode === 'merge') expect(size.reduce((a, b) => a + b, 0)).toBe(P + 1);
    }

    // Canonical groups partition the patches: each group is named by its smallest member, and
    // two patches share a group exactly when they end in the same (non-pruned) token.
    const last = res.tokenOfPatch[s.depth - 1];
    for (let p = 0; p < P; p++) {
      const g = res.groups[p];
      expect(g).toBeLessThanOrEqual(p);
      expect(res.groups[g]).toBe(g);
      if (last[p] < 0) expect(g).toBe(p);
      else expect(last[g]).toBe(last[p]);
    }

    const again = forward(weights, input, s.opts);
    expect(again.logits).toEqual(res.logits);
    expect(again.groups).toEqual(res.groups);
    expect(res.logits.every(Number.isFinite)).toBe(true);
  });
});

describe('applyMerge', () => {
  function randomTokens(seed: number, T: number, D: number) {
    const rand = rng(seed);
    const x = randomArray(T * D, rand);
    const metric = randomArray(T * D, rand);
    for (let t = 0; t < T; t++) {
      let n = 0;
      for (let d = 0; d < D; d++) n += metric[t * D + d] ** 2;
      for (let d = 0; d < D; d++) metric[t * D + d] /= Math.sqrt(n);
    }
    // Uneven sizes, as after earlier merges; cls keeps size 1.
    const size = Float32Array.from({ length: T }, (_, t) => (t === 0 ? 1 : 1 + Math.floor(rand() * 4)));
    return { x, metric, size };
  }

  it.each([
    [11, 9, 1],
    [12, 6, 5],
    [37, 16, 18],
  ])('T=%i D=%i r=%i: merge preserves Σ size·x and the total size; new order is [kept A, B]', (T, D, r) => {
    const { x, metric, size } = randomTokens(T * 31 + r, T, D);
    const plan = bipartiteMatch(metric, T, D, r);
    const out = applyMerge(x, T, D, size, initialTokenOfPatch(T - 1), plan, 'merge');
    expect(out.T).toBe(T - r);
    expect(out.size.reduce((a, b) => a + b, 0)).toBe(size.reduce((a, b) => a + b, 0));
    for (let d = 0; d < D; d++) {
      let before = 0;
      let after = 0;
      for (let t = 0; t < T; t++) before += size[t] * x[t * D + d];
      for (let t = 0; t < out.T; t++) after += out.size[t] * out.x[t * D + d];
      expect(after).toBeCloseTo(before, 4);
    }
    // Kept A tokens come first in their order (cls first), untouched; then B tokens in order.
    const kept = [...plan.keptA];
    expect(kept[0]).toBe(0);
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
    kept.forEach((a, i) => {
      expect(out.size[i]).toBe(size[2 * a]);
      expect(out.x[i * D]).toBeCloseTo(x[2 * a * D], 6);
    });
    // The r sources are the A tokens with the highest best-score.
    const rest = Math.max(...kept.slice(1).map((a) => plan.bestScore[a]), -Infinity);
    for (const a of plan.srcA) expect(plan.bestScore[a]).toBeGreaterThanOrEqual(rest);
  });

  it('prune drops the sources: destinations keep value and size, their patches become -1', () => {
    const T = 17;
    const D = 4;
    const { x, metric, size } = randomTokens(7, T, D);
    const plan = bipartiteMatch(metric, T, D, 5);
    const map = initialTokenOfPatch(T - 1);
    const out = applyMerge(x, T, D, size, map, plan, 'prune');
    const nKept = plan.keptA.length;
    for (let b = 0; b < Math.floor(T / 2); b++) {
      expect(out.size[nKept + b]).toBe(size[2 * b + 1]);
      expect(Array.from(out.x.subarray((nKept + b) * D, (nKept + b + 1) * D))).toEqual(Array.from(x.subarray((2 * b + 1) * D, (2 * b + 2) * D)));
    }
    for (const a of plan.srcA) expect(out.tokenOfPatch[2 * a - 1]).toBe(-1);
    expect(out.tokenOfPatch.filter((t) => t < 0)).toHaveLength(5);
  });

  it('ties go to the lower index (best B and ranking)', () => {
    // Every token identical: every score ties, so A token a picks B 0 and the lowest A merge.
    const T = 9;
    const D = 2;
    const metric = new Float32Array(T * D).fill(Math.SQRT1_2);
    const plan = bipartiteMatch(metric, T, D, 2);
    expect([...plan.bestB.subarray(1)]).toEqual([0, 0, 0, 0]);
    expect([...plan.srcA]).toEqual([1, 2]);
    expect([...plan.keptA]).toEqual([0, 3, 4]);
  });
});

describe('schedule helpers (official parse_r figures)', () => {
  it('rPerLayer: constant and decreasing', () => {
    expect(rPerLayer(12, 8, 'constant')).toEqual(new Array(12).fill(8));
    expect(rPerLayer(12, 16, 'decreasing')).toEqual([32, 29, 26, 23, 20, 17, 14, 11, 8, 5, 2, 0]);
  });
  it('tokenCounts on 196 patches, with the clamp', () => {
    const final = (r: number, s: Schedule) => tokenCounts(196, rPerLayer(12, r, s))[12];
    expect(final(0, 'constant')).toBe(197);
    expect(final(4, 'constant')).toBe(149);
    expect(final(8, 'constant')).toBe(101);
    expect(final(13, 'constant')).toBe(41);
    expect(final(16, 'constant')).toBe(11);
    expect(final(16, 'decreasing')).toBe(10);
    expect(tokenCounts(196, rPerLayer(12, 16, 'constant')).slice(-2)).toEqual([21, 11]);
  });
});
