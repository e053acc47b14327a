// The model shapes the kernel micro-benchmarks run on: timm's ViT-Ti/16 and ViT-B/16 at 224
// (the engine's model and the paper's), and a tiny one for the test that keeps every
// benchmark runnable.
import type { ModelConfig } from '../../src/model/config';

function vit(id: string, embedDim: number, numHeads: number, over: Partial<ModelConfig> = {}): ModelConfig {
  return {
    id,
    architecture: `vit_${id}`,
    embedDim,
    depth: 12,
    numHeads,
    patchSize: 16,
    imgSize: 224,
    mlpHidden: 4 * embedDim,
    numClasses: 1000,
    eps: 1e-6,
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.5, 0.5],
    cropPct: 0.9,
    interpolation: 'bicubic',
    propAttnDefault: true,
    labels: [],
    ...over,
  };
}

export const BENCH_MODELS: Record<string, ModelConfig> = {
  vit_ti: vit('vit_ti', 192, 3),
  vit_b: vit('vit_b', 768, 12),
};

/** D=24, 2 heads, a 5x5 grid of 4-pixel patches (T0 = 26), 10 classes. */
export const TINY_MODEL = vit('tiny', 24, 2, { depth: 2, patchSize: 4, imgSize: 20, mlpHidden: 48, numClasses: 10 });

/** ToMe's r for the matching and merge benchmarks (the engine's headline setting). */
export const BENCH_R = 13;
