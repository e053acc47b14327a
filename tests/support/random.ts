// Seeded randomness for tests, so a failure can be replayed: a PRNG, arrays, and whole random
// tiny ViTs (any dims the engine accepts) built in memory.
import { seededRandom } from '../../src/core/random';
import { PLAIN_FAMILY } from '../../src/model/architecture';
import { expectedTensors, type ModelConfig } from '../../src/model/config';
import type { ViTWeights } from '../../src/model/weights';

/** mulberry32 (src/core/random.ts): a small seeded PRNG with values in [0, 1). */
export const rng = seededRandom;

/** n values uniform in [-scale, scale), from a seed or from an existing generator. */
export function randomArray(n: number, source: number | (() => number), scale = 1): Float32Array {
  const rand = typeof source === 'number' ? rng(source) : source;
  return Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
}

/**
 * A ViT with random weights: defaults D=24, 2 heads, depth 3, 5x5 grid of 4-pixel patches,
 * 10 classes, class token only (the family fields give the other architectures: distilled,
 * registers, no class token, layer scale, pre-norm, QuickGELU, avg pooling, no head). LayerNorm
 * gains sit near 1 so activations keep a sane scale through the blocks; layer-scale gammas lie
 * in [0.3, 1) so that a forward skipping them is visibly off.
 */
export function randomViT(over: Partial<ModelConfig>, seed: number): ViTWeights {
  const config: ModelConfig = {
    id: 'random',
    architecture: 'vit_random',
    embedDim: 24,
    depth: 3,
    numHeads: 2,
    patchSize: 4,
    imgSize: 20,
    mlpHidden: 48,
    numClasses: 10,
    ...PLAIN_FAMILY,
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.5, 0.5],
    cropPct: 0.9,
    interpolation: 'bicubic',
    propAttnDefault: true,
    labels: [],
    ...over,
  };
  config.labels = Array.from({ length: config.numClasses }, (_, i) => `class${i}`);
  const rand = rng(seed);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, shape] of expectedTensors(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const isNormWeight = /norm(\d|_pre)?\.weight$/.test(name);
    const data = name.endsWith('.gamma')
      ? randomArray(n, rand, 0.35).map((v) => 0.65 + v)
      : isNormWeight
        ? randomArray(n, rand, 0.1).map((v) => 1 + v)
        : randomArray(n, rand, 0.3);
    tensors.set(name, { shape, data });
  }
  return { config, tensors };
}
