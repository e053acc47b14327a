// topK keeps the k best classes in one pass; it must order exactly as a full sort by probability,
// ties to the lower index, on any input (ties everywhere, k above the class count, k = 0).
import { describe, expect, it } from 'vitest';
import { topK } from '../../src/core/prediction';

function bySort(probs: number[], k: number) {
  const idx = probs.map((_, i) => i).sort((a, b) => probs[b] - probs[a] || a - b);
  return idx.slice(0, k).map((index) => ({ index, prob: probs[index] }));
}

describe('topK', () => {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  it.each([
    ['1000 distinct values', 1000, () => rand()],
    ['many ties (10 levels)', 1000, () => Math.floor(rand() * 10) / 10],
    ['all equal', 50, () => 0.5],
    ['3 classes', 3, () => rand()],
  ])('orders as a full sort: %s', (_, n, value) => {
    for (let trial = 0; trial < 20; trial++) {
      const probs = Array.from({ length: n }, value);
      for (const k of [0, 1, 5, 7]) expect(topK(probs, k)).toEqual(bySort(probs, k));
    }
  });
});
