// The design choices the CPU path's ToMe graph expresses (src/ort/choices.ts: the metrics k, q, v
// and x, the distances cosine, dot and euclidean, the splits alternate, sequential and random, the
// weightings size, mean and keep) against the
// CPU reference (the oracle, itself checked against plain-loop computations in
// tome-choices.test.ts), on random tiny ViTs of every token layout and on ViT-Ti's real shapes:
// the same merges, token maps and groups, logits within float32 rounding; every other choice
// refused in one line; the official choices still take their own graph.
import { describe, expect, it } from 'vitest';
import { CHOICE_VALUES, OFFICIAL_CHOICES, type DesignChoices, type ToMeOptions } from '../../src/core/tome';
import type { ModelConfig } from '../../src/model/config';
import { readTimmDir } from '../../src/model/timm-dir';
import { sharedPath } from '../../src/golden';
import { forward as referenceForward } from '../../src/reference/vit';
import type { MergePlan } from '../../src/reference/tome';
import { ortForward, type ForwardSessions } from '../../src/ort/forward';
import { ORT_CHOICES, ortChoicesRefusal } from '../../src/ort/choices';
import { randomArray, randomViT } from '../support/random';
import { maxAbsDiff } from '../support/max-abs-diff';
import { ortTestSessions } from '../support/ort-sessions';
import type { ViTWeights } from '../../src/model/weights';

const { options, sessionsFor } = await ortTestSessions();

/** Each choice the graph runs other than the official one, alone, and two combined. */
const choices: Array<Partial<DesignChoices>> = [
  { metric: 'q' },
  { metric: 'v' },
  { metric: 'x' },
  { distance: 'dot' },
  { distance: 'euclidean' },
  { weighting: 'mean' },
  { weighting: 'keep' },
  { split: 'sequential' },
  { split: 'random', seed: 5 },
  { metric: 'x', distance: 'euclidean', weighting: 'mean' },
  { metric: 'q', split: 'random', seed: 2, weighting: 'keep' },
  { metric: 'v', distance: 'dot', weighting: 'keep' },
];

async function expectSameAsReference(w: ViTWeights, sessions: ForwardSessions, images: Float32Array[], opts: ToMeOptions, logitTol: number) {
  const plans: MergePlan[][] = images.map(() => []);
  const got = await ortForward(w, sessions, options.ort, images, opts, (i, block, plan) => (plans[i][block] = plan));
  images.forEach((image, i) => {
    const wantPlans: Array<MergePlan | null> = [];
    const want = referenceForward(w, image, opts, (t) => wantPlans.push(t.plan));
    wantPlans.forEach((p, block) => {
      const plan = plans[i][block];
      if (!p) return expect(plan, `block ${block} merges nothing`).toBeUndefined();
      expect(Array.from(plan.srcA), `sources of block ${block}`).toEqual(Array.from(p.srcA));
      expect(Array.from(plan.keptA), `kept A of block ${block}`).toEqual(Array.from(p.keptA));
      expect(
        Array.from(plan.srcA, (a) => plan.bestB[a]),
        `destinations of block ${block}`,
      ).toEqual(Array.from(p.srcA, (a) => p.bestB[a]));
    });
    expect(got[i].tokens).toEqual(want.tokens);
    got[i].tokenOfPatch.forEach((row, l) => expect(Array.from(row), `map after block ${l}`).toEqual(Array.from(want.tokenOfPatch[l])));
    expect(Array.from(got[i].groups)).toEqual(Array.from(want.groups));
    if (want.features) expect(maxAbsDiff(got[i].features!, want.features)).toBeLessThan(logitTol);
    else expect(maxAbsDiff(got[i].logits, want.logits)).toBeLessThan(logitTol);
    expect(got[i].top5.map((t) => t.index)).toEqual(want.top5.map((t) => t.index));
  });
}

const layouts: Array<{ name: string; over: Partial<ModelConfig> }> = [
  { name: 'class token, grid 5x5 (T0 = 26)', over: {} },
  { name: 'distilled, grid 4x4 (T0 = 18), depth 4', over: { distilled: true, imgSize: 16, depth: 4 } },
  { name: '2 registers, no head, layer scale', over: { registers: 2, numClasses: 0, layerScale: true } },
  { name: 'no class token, average pool, grid 5x5 (T0 = 25)', over: { classToken: false, globalPool: 'avg' } },
];

describe.each(layouts)('random ViT, $name', ({ over }) => {
  const w = randomViT(over, 21);
  const S = w.config.imgSize;
  const images = [randomArray(3 * S * S, 7, 2), randomArray(3 * S * S, 8, 2)];
  const sessions = sessionsFor(w);
  it.each(choices)('%o matches the reference (r = 3 constant and r = 4 decreasing, batch of 2)', async (c) => {
    await expectSameAsReference(w, sessions, images, { r: 3, schedule: 'constant', propAttn: true, mode: 'merge', ...c }, 1e-4);
    await expectSameAsReference(w, sessions, images, { r: 4, schedule: 'decreasing', propAttn: false, mode: 'merge', ...c }, 1e-4);
  });
});

describe('ViT-Ti (real shapes: 197 tokens, 3 heads of 64)', () => {
  const w = readTimmDir(sharedPath('weights', 'vit_tiny_patch16_224.augreg_in21k_ft_in1k'), {});
  const S = w.config.imgSize;
  const image = randomArray(3 * S * S, 5, 1);
  const sessions = sessionsFor(w);
  it.each<Partial<DesignChoices>>([
    { metric: 'x' },
    { distance: 'euclidean' },
    { weighting: 'mean' },
    { metric: 'q', weighting: 'keep' },
    { split: 'random', seed: 1 },
  ])(
    '%o at r = 13 matches the reference',
    async (c) => {
      await expectSameAsReference(w, sessions, [image], { r: 13, schedule: 'constant', propAttn: true, mode: 'merge', ...c }, 2e-4);
    },
    120_000,
  );
});

describe('what the graph refuses', () => {
  const others = (Object.keys(CHOICE_VALUES) as Array<keyof typeof CHOICE_VALUES>).flatMap((key) =>
    (CHOICE_VALUES[key] as readonly string[]).filter((v) => !(ORT_CHOICES[key] as readonly string[]).includes(v)).map((v) => [key, v] as const),
  );

  it('refuses each choice it lacks (the max weighting, greedy and k-means matching) in one line', () => {
    expect(others.map(([k, v]) => `${k} ${v}`).sort()).toEqual(['matching greedy', 'matching kmeans', 'weighting max']);
    for (const [key, value] of others) {
      const line = ortChoicesRefusal([{ [key]: value }]);
      expect(line).toMatch(new RegExp(`CPU path.*--${key} ${value}`));
      expect(line).not.toContain('\n');
    }
    expect(ortChoicesRefusal([OFFICIAL_CHOICES, ...choices])).toBeNull();
  });

  it('a forward asked for one fails with that line; the sessions stay usable', async () => {
    const w = randomViT({}, 3);
    const sessions = sessionsFor(w);
    const S = w.config.imgSize;
    const opts: ToMeOptions = { r: 2, schedule: 'constant', propAttn: true, mode: 'merge' };
    await expect(ortForward(w, sessions, options.ort, [randomArray(3 * S * S, 1)], { ...opts, weighting: 'max' })).rejects.toThrow(/--weighting max/);
    const [ok] = await ortForward(w, sessions, options.ort, [randomArray(3 * S * S, 1)], opts);
    expect(ok.tokens[1]).toBe(ok.tokens[0] - 2);
  });
});
