// ToMe's design choices (src/reference/tome-choices.ts) against independent computations written
// here in plain loops from the paper's description: the features, the splits, bipartite matching
// under any split, greedy matching as "the most similar free pair, r times", k-means as Lloyd's
// iterations, and every weighting; then whole forwards on random tiny ViTs of every layout.
import { describe, expect, it } from 'vitest';
import {
  choicesConflict,
  clampR,
  CHOICE_VALUES,
  initialTokenOfPatch,
  OFFICIAL_CHOICES,
  tokenCounts,
  unofficialChoices,
  type DesignChoices,
} from '../../src/core/tome';
import { CLASS_TOKEN_ONLY, type TokenLayout } from '../../src/model/config';
import { applyMerge, bipartiteMatch, newPositions } from '../../src/reference/tome';
import { applyGroups, bipartiteChoice, greedyChoice, kmeansChoice, metricFeatures, similarity, type ChoiceStep } from '../../src/reference/tome-choices';
import { KMEANS_ITERATIONS, splitPositions } from '../../src/core/tome-choices';
import { forward } from '../../src/reference/vit';
import { randomArray, randomViT, rng } from '../support/random';

const DISTILLED: TokenLayout = { classToken: true, distToken: true, registers: 0 };
const REGISTERS: TokenLayout = { classToken: true, distToken: false, registers: 2 };
const NO_CLASS: TokenLayout = { classToken: false, distToken: false, registers: 4 };

function normalised(f: Float32Array, C: number): Float32Array {
  const out = f.slice();
  for (let t = 0; t < f.length / C; t++) {
    const n = Math.hypot(...f.subarray(t * C, t * C + C));
    for (let c = 0; c < C; c++) out[t * C + c] = f[t * C + c] / n;
  }
  return out;
}

/** dot or minus squared distance, written again. */
function sim(f: Float32Array, C: number, i: number, j: number, distance: DesignChoices['distance']): number {
  let s = 0;
  for (let c = 0; c < C; c++) s += distance === 'euclidean' ? -((f[i * C + c] - f[j * C + c]) ** 2) : f[i * C + c] * f[j * C + c];
  return s;
}

/** Destination of every token of a step (itself when it stays), pruned tokens aside. */
function destinations(step: ChoiceStep): Map<number, number> {
  const owner = new Map<number, number>();
  step.newIndex.forEach((n, t) => {
    if (!step.isSource[t]) owner.set(n, t);
  });
  const out = new Map<number, number>();
  step.newIndex.forEach((n, t) => out.set(t, owner.get(n)!));
  return out;
}

describe('metric features', () => {
  const T = 5;
  const D = 12;
  const heads = 3;
  const hd = D / heads;
  const qkv = randomArray(T * 3 * D, 1);
  const x = randomArray(T * D, 2);
  const keysCosine = new Float32Array(T * hd).fill(7);
  it.each(['q', 'k', 'v'] as const)('%s: the mean over heads of its third of qkv, raw for dot, normalised for cosine', (metric) => {
    const part = { q: 0, k: 1, v: 2 }[metric];
    const expected = new Float32Array(T * hd);
    for (let t = 0; t < T; t++)
      for (let h = 0; h < heads; h++) for (let d = 0; d < hd; d++) expected[t * hd + d] += qkv[t * 3 * D + part * D + h * hd + d] / heads;
    const dot = metricFeatures({ metric, distance: 'dot' }, qkv, x, T, D, heads, keysCosine);
    expect(dot.C).toBe(hd);
    for (let i = 0; i < expected.length; i++) expect(dot.features[i]).toBeCloseTo(expected[i], 6);
    if (metric !== 'k') {
      const cos = metricFeatures({ metric, distance: 'cosine' }, qkv, x, T, D, heads, keysCosine);
      const want = normalised(expected, hd);
      for (let i = 0; i < want.length; i++) expect(cos.features[i]).toBeCloseTo(want[i], 6);
    }
  });
  it('k with cosine is the attention metric itself; x is the token', () => {
    expect(metricFeatures({ metric: 'k', distance: 'cosine' }, qkv, x, T, D, heads, keysCosine).features).toBe(keysCosine);
    const f = metricFeatures({ metric: 'x', distance: 'euclidean' }, qkv, x, T, D, heads, keysCosine);
    expect(f.C).toBe(D);
    expect(f.features).toEqual(x);
  });
  it('similarity: dot product, minus squared euclidean distance', () => {
    const f = randomArray(4 * 6, 3);
    for (const distance of ['dot', 'euclidean', 'cosine'] as const) expect(similarity(f, 6, 1, 3, distance)).toBeCloseTo(sim(f, 6, 1, 3, distance), 6);
  });
});

describe('splits', () => {
  it('alternate: even against odd', () => {
    const { a, b } = splitPositions(7, CLASS_TOKEN_ONLY, 'alternate', 0, 0);
    expect([...a]).toEqual([0, 2, 4, 6]);
    expect([...b]).toEqual([1, 3, 5]);
  });
  it('sequential: class token first in A, then the first half against the second; a distillation token opens B', () => {
    expect(splitPositions(7, CLASS_TOKEN_ONLY, 'sequential', 0, 0)).toEqual({ a: Int32Array.from([0, 1, 2, 3]), b: Int32Array.from([4, 5, 6]) });
    expect(splitPositions(8, DISTILLED, 'sequential', 0, 0)).toEqual({ a: Int32Array.from([0, 2, 3, 4]), b: Int32Array.from([1, 5, 6, 7]) });
  });
  it('random: a partition of the same sizes, protected tokens in place, seeded per block', () => {
    const s = splitPositions(40, DISTILLED, 'random', 5, 3);
    expect(s.a.length).toBe(20);
    expect(s.a[0]).toBe(0);
    expect(s.b[0]).toBe(1);
    expect([...s.a, ...s.b].sort((p, q) => p - q)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(splitPositions(40, DISTILLED, 'random', 5, 3)).toEqual(s);
    expect(splitPositions(40, DISTILLED, 'random', 5, 4)).not.toEqual(s);
    expect(splitPositions(40, DISTILLED, 'random', 6, 3)).not.toEqual(s);
  });
});

describe('bipartite matching under any split', () => {
  it('alternate + cosine is the official matching', () => {
    const T = 21;
    const C = 8;
    const f = normalised(randomArray(T * C, 4), C);
    const official = bipartiteMatch(f, T, C, 6);
    const step = bipartiteChoice(f, C, T, 6, CLASS_TOKEN_ONLY, OFFICIAL_CHOICES, 0, 'merge');
    expect(step.newIndex).toEqual(newPositions(official, 'merge'));
  });
  it.each([
    ['sequential', 'dot', CLASS_TOKEN_ONLY],
    ['random', 'euclidean', DISTILLED],
    ['random', 'cosine', REGISTERS],
    ['sequential', 'cosine', NO_CLASS],
  ] as const)('%s split, %s: each A merges into its best B, the r best A merge', (split, distance, layout) => {
    const T = 26;
    const C = 5;
    const f = randomArray(T * C, 9);
    const r = clampR(7, T, layout);
    const choices = { ...OFFICIAL_CHOICES, split, distance, seed: 11 };
    const step = bipartiteChoice(f, C, T, r, layout, choices, 2, 'merge');
    const Tm = T - layout.registers;
    const { a, b } = splitPositions(Tm, layout, split, 11, 2);
    const full = (u: number) => (u < (layout.classToken ? 1 : 0) + (layout.distToken ? 1 : 0) ? u : u + layout.registers);
    // Plain loops: best B of every A (the protected tokens left out), then r times the best A left.
    const best = new Map<number, { b: number; s: number }>();
    for (let i = layout.classToken ? 1 : 0; i < a.length; i++) {
      let top = { b: -1, s: -Infinity };
      for (let j = layout.distToken ? 1 : 0; j < b.length; j++) {
        const s = sim(f, C, full(a[i]), full(b[j]), distance);
        if (s > top.s) top = { b: full(b[j]), s };
      }
      best.set(full(a[i]), top);
    }
    const expected = new Map<number, number>();
    for (let k = 0; k < r; k++) {
      let pick = -1;
      for (const [t, v] of best) if (!expected.has(t) && (pick < 0 || v.s > best.get(pick)!.s)) pick = t;
      expected.set(pick, best.get(pick)!.b);
    }
    const dst = destinations(step);
    for (let t = 0; t < T; t++) expect(dst.get(t)).toBe(expected.get(t) ?? t);
    expect(new Set(step.newIndex).size).toBe(T - r);
  });
});

describe('greedy matching', () => {
  it.each([CLASS_TOKEN_ONLY, DISTILLED, REGISTERS, NO_CLASS])('is the most similar free pair, r times (%o)', (layout) => {
    const T = 19;
    const C = 6;
    const f = randomArray(T * C, 21);
    const r = clampR(6, T, layout);
    const step = greedyChoice(f, C, T, r, layout, 'dot', 'merge');
    const first = (layout.classToken ? 1 : 0) + (layout.distToken ? 1 : 0);
    const regs = new Set(Array.from({ length: layout.registers }, (_, g) => first + g));
    const free = Array.from({ length: T }, (_, t) => t).filter((t) => t >= first && !regs.has(t));
    const expected = new Map<number, number>();
    for (let k = 0; k < r; k++) {
      let top = { i: -1, j: -1, s: -Infinity };
      for (const i of free) for (const j of free) if (i < j && sim(f, C, i, j, 'dot') > top.s) top = { i, j, s: sim(f, C, i, j, 'dot') };
      expected.set(top.j, top.i);
      free.splice(free.indexOf(top.i), 1);
      free.splice(free.indexOf(top.j), 1);
    }
    const dst = destinations(step);
    for (let t = 0; t < T; t++) expect(dst.get(t)).toBe(expected.get(t) ?? t);
    // Every token that stays keeps its original order.
    const kept = Array.from({ length: T }, (_, t) => t).filter((t) => !step.isSource[t]);
    expect(kept.map((t) => step.newIndex[t])).toEqual(kept.map((_, i) => i));
  });
});

describe('k-means matching', () => {
  /** Lloyd's algorithm written again, on points [N, C] with k clusters. */
  function lloyd(points: number[][], k: number, distance: DesignChoices['distance']): number[] {
    const N = points.length;
    const unit = (v: number[]) => v.map((x) => x / Math.hypot(...v));
    let centroids = Array.from({ length: k }, (_, c) => points[Math.floor((c * N) / k)].slice());
    const score = (p: number[], c: number[]) =>
      distance === 'euclidean' ? -p.reduce((s, x, d) => s + (x - c[d]) ** 2, 0) : p.reduce((s, x, d) => s + x * c[d], 0);
    let assign: number[] = [];
    for (let it = 0; it < KMEANS_ITERATIONS; it++) {
      assign = points.map((p) => {
        let arg = 0;
        for (let c = 1; c < k; c++) if (score(p, centroids[c]) > score(p, centroids[arg])) arg = c;
        return arg;
      });
      centroids = centroids.map((old, c) => {
        const members = points.filter((_, i) => assign[i] === c);
        if (!members.length) return old;
        const mean = old.map((_, d) => members.reduce((s, m) => s + m[d], 0) / members.length);
        return distance === 'cosine' ? unit(mean) : mean;
      });
    }
    return assign;
  }

  it('recovers planted clusters, each merged into its earliest token', () => {
    // 1 class token + 12 patches in 3 tight clusters (r = 6: 6 clusters of the 12, at least).
    const T = 13;
    const C = 3;
    const centres = [
      [5, 0, 0],
      [0, 5, 0],
      [0, 0, 5],
    ];
    const rand = rng(3);
    const f = new Float32Array(T * C);
    const clusterOf = (t: number) => (t - 1) % 3;
    for (let t = 1; t < T; t++) for (let c = 0; c < C; c++) f[t * C + c] = centres[clusterOf(t)][c] + (rand() - 0.5) * 0.01;
    const step = kmeansChoice(f, C, T, 6, CLASS_TOKEN_ONLY, 'euclidean', 'merge');
    const dst = destinations(step);
    expect(dst.get(0)).toBe(0);
    for (let t = 1; t < T; t++) expect(clusterOf(dst.get(t)!)).toBe(clusterOf(t));
    expect(new Set(step.newIndex).size).toBe(T - 6);
  });

  it.each(['cosine', 'dot', 'euclidean'] as const)('matches Lloyd iterations written again (%s), exactly r merged', (distance) => {
    const T = 30;
    const C = 4;
    const raw = randomArray(T * C, 8);
    const f = distance === 'cosine' ? normalised(raw, C) : raw;
    const r = 9;
    const step = kmeansChoice(f, C, T, r, CLASS_TOKEN_ONLY, distance, 'merge');
    const points = Array.from({ length: T - 1 }, (_, i) => Array.from(f.subarray((i + 1) * C, (i + 2) * C)));
    const assign = lloyd(points, T - 1 - r, distance);
    const dst = destinations(step);
    // Same clusters. Under the raw dot product large centroids take over and leave clusters empty
    // (then the split-off rule decides: only the count is checked); not on these points otherwise.
    const clusters = new Map<number, number[]>();
    assign.forEach((c, i) => clusters.set(c, [...(clusters.get(c) ?? []), i + 1]));
    if (distance !== 'dot') expect(clusters.size).toBe(T - 1 - r);
    if (distance !== 'dot') for (const members of clusters.values()) for (const t of members) expect(dst.get(t)).toBe(members[0]);
    expect(new Set(step.newIndex).size).toBe(T - r);
    expect(step.isSource.reduce((s, v) => s + v, 0)).toBe(r);
  });
});

describe('weightings', () => {
  const T = 17;
  const D = 6;
  const rand = rng(77);
  const x = randomArray(T * D, rand);
  const f = normalised(randomArray(T * 4, rand), 4);
  const size = Float32Array.from({ length: T }, (_, t) => (t === 0 ? 1 : 1 + Math.floor(rand() * 4)));
  const map = initialTokenOfPatch(T - 1);

  it('size on the official plan is applyMerge, bit for bit', () => {
    const plan = bipartiteMatch(f, T, 4, 5);
    const official = applyMerge(x, T, D, size, map, plan, 'merge');
    const step = bipartiteChoice(f, 4, T, 5, CLASS_TOKEN_ONLY, OFFICIAL_CHOICES, 0, 'merge');
    expect(applyGroups(x, T, D, size, map, step, 'size')).toEqual(official);
  });

  it.each(['mean', 'keep', 'max', 'size'] as const)('%s: every group written again', (weighting) => {
    const step = greedyChoice(f, 4, T, 6, CLASS_TOKEN_ONLY, 'cosine', 'merge');
    const out = applyGroups(x, T, D, size, map, step, weighting);
    expect(out.T).toBe(T - 6);
    for (let n = 0; n < out.T; n++) {
      const members = Array.from({ length: T }, (_, t) => t).filter((t) => step.newIndex[t] === n);
      const dst = members.find((t) => !step.isSource[t])!;
      expect(out.size[n]).toBe(members.reduce((s, t) => s + size[t], 0));
      for (let d = 0; d < D; d++) {
        const v = members.map((t) => x[t * D + d]);
        const want = {
          mean: v.reduce((a, b) => a + b, 0) / v.length,
          keep: x[dst * D + d],
          max: Math.max(...v),
          size: members.reduce((s, t) => s + x[t * D + d] * size[t], 0) / out.size[n],
        }[weighting];
        expect(out.x[n * D + d]).toBeCloseTo(want, 5);
      }
    }
  });
});

describe('options', () => {
  it('official defaults: nothing unofficial; conflicts are one line', () => {
    expect(unofficialChoices({})).toEqual([]);
    expect(unofficialChoices({ ...OFFICIAL_CHOICES })).toEqual([]);
    expect(unofficialChoices({ metric: 'x', split: 'random', seed: 3 })).toEqual(['--metric x', '--split random', '--seed 3']);
    expect(choicesConflict({ split: 'random', matching: 'greedy', mode: 'merge' })).toMatch(/bipartite matching only/);
    expect(choicesConflict({ weighting: 'max', mode: 'prune' })).toMatch(/needs --mode merge/);
    expect(choicesConflict({ metric: 'v', mode: 'merge' })).toBeNull();
  });
});

describe('whole forwards under every choice', () => {
  const layouts = [{}, { distilled: true }, { registers: 2 }, { classToken: false, registers: 4, globalPool: 'avg' as const }];
  const variants: Array<Partial<DesignChoices>> = [
    ...CHOICE_VALUES.metric.map((metric) => ({ metric })),
    ...CHOICE_VALUES.distance.map((distance) => ({ distance })),
    ...CHOICE_VALUES.split.map((split) => ({ split, seed: 4 })),
    ...CHOICE_VALUES.matching.map((matching) => ({ matching })),
    ...CHOICE_VALUES.weighting.map((weighting) => ({ weighting })),
  ];
  it.each(layouts)('token counts follow the schedule, outputs are finite, deterministic (%o)', (over) => {
    const w = randomViT({ ...over, embedDim: 24, numHeads: 2, depth: 3, patchSize: 4, imgSize: 24 }, 5);
    const input = randomArray(3 * 24 * 24, 6);
    const base = { r: 4, schedule: 'constant' as const, propAttn: true, mode: 'merge' as const };
    const layout = { classToken: w.config.classToken, distToken: w.config.distilled, registers: w.config.registers };
    for (const v of variants) {
      const res = forward(w, input, { ...base, ...v });
      expect(res.tokens).toEqual(tokenCounts(36, [4, 4, 4], layout));
      expect([...res.logits, ...(res.features ?? [])].every(Number.isFinite)).toBe(true);
      expect(forward(w, input, { ...base, ...v }).logits).toEqual(res.logits);
    }
    expect(forward(w, input, { ...base, ...OFFICIAL_CHOICES }).logits).toEqual(forward(w, input, base).logits);
  });
  it('refuses a conflict in one line', () => {
    const w = randomViT({}, 5);
    expect(() => forward(w, randomArray(3 * 20 * 20, 1), { r: 2, schedule: 'constant', propAttn: true, mode: 'prune', weighting: 'mean' })).toThrow(
      /needs --mode merge/,
    );
  });
});
