// Random-weight timm models written to disk in the hub's layout (config.json as the hub has it,
// mostly without model_args, + model.safetensors), for the hub, folder and CLI tests: real
// shapes (ViT-S/16, DeiT-Ti distilled, an avg-pool + fc_norm ViT-Ti) and small ones for speed.
// Weights are scaled by fan-in, as an initialised network, so activations keep a sane range.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectedTensors, parseTimmConfig, type ModelConfig } from '../../src/model/config';
import type { RawTensor } from '../../src/model/safetensors';
import imagenetLabels from '../../src/model/imagenet-labels.json';
import { rng } from './random';
import { writeSafetensors } from './safetensors';

export interface TimmSpec {
  architecture: string;
  tag: string;
  numClasses?: number;
  /** pretrained_cfg.num_classes: the default tag's, which may differ from the model's (timm
   * writes 1000 there for a headless ViT-S whose top-level num_classes is 0). */
  pretrainedNumClasses?: number;
  /** Written as the hub does only for models made with non-default arguments. */
  modelArgs?: Record<string, unknown>;
  globalPool?: 'token' | 'avg';
  interpolation?: string;
  imgSize?: number;
  mean?: [number, number, number];
  std?: [number, number, number];
  cropPct?: number;
  labelNames?: string[];
}

const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];

export const SPECS = {
  /** timm/vit_small_patch16_224.augreg_in21k_ft_in1k-shaped (22M parameters, 88 MB). */
  vitS16: { architecture: 'vit_small_patch16_224', tag: 'augreg_in21k_ft_in1k', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], cropPct: 0.9 },
  /** timm/deit_tiny_distilled_patch16_224.fb_in1k-shaped: class + distillation token, two heads. */
  deitTiDistilled: { architecture: 'deit_tiny_distilled_patch16_224', tag: 'fb_in1k' },
  /** A ViT-Ti with timm's global_pool='avg' (norm -> fc_norm after the pool). */
  vitTiAvg: { architecture: 'vit_tiny_patch16_224', tag: 'avg_random', globalPool: 'avg', modelArgs: { global_pool: 'avg' } },
  /** Small ones (D=32, 2 blocks, 4x4 grid of 8-pixel patches, 10 classes) for fast tests. */
  smallVit: {
    architecture: 'vit_tiny_patch16_224',
    tag: 'small',
    numClasses: 10,
    imgSize: 32,
    modelArgs: { embed_dim: 32, depth: 2, num_heads: 2, patch_size: 8, img_size: 32 },
  },
  smallDistilled: {
    architecture: 'deit_tiny_distilled_patch16_224',
    tag: 'small',
    numClasses: 10,
    imgSize: 32,
    modelArgs: { embed_dim: 32, depth: 2, num_heads: 2, patch_size: 8, img_size: 32 },
  },
  smallAvg: {
    architecture: 'vit_tiny_patch16_224',
    tag: 'small_avg',
    numClasses: 10,
    imgSize: 32,
    globalPool: 'avg',
    modelArgs: { embed_dim: 32, depth: 2, num_heads: 2, patch_size: 8, img_size: 32, global_pool: 'avg' },
    labelNames: Array.from({ length: 10 }, (_, i) => `thing ${i}`),
  },
} satisfies Record<string, TimmSpec>;

/** config.json as timm's push_to_hf_hub writes it. */
export function hubConfig(spec: TimmSpec): Record<string, unknown> {
  const numClasses = spec.numClasses ?? 1000;
  const img = spec.imgSize ?? 224;
  const distilled = spec.architecture.includes('distilled');
  return {
    architecture: spec.architecture,
    num_classes: numClasses,
    global_pool: spec.globalPool ?? 'token',
    ...(spec.modelArgs ? { model_args: spec.modelArgs } : {}),
    ...(spec.labelNames ? { label_names: spec.labelNames } : {}),
    pretrained_cfg: {
      tag: spec.tag,
      custom_load: false,
      input_size: [3, img, img],
      fixed_input_size: true,
      interpolation: spec.interpolation ?? 'bicubic',
      crop_pct: spec.cropPct ?? 0.875,
      crop_mode: 'center',
      mean: spec.mean ?? IMAGENET_MEAN,
      std: spec.std ?? IMAGENET_STD,
      num_classes: spec.pretrainedNumClasses ?? numClasses,
      pool_size: null,
      first_conv: 'patch_embed.proj',
      classifier: distilled ? ['head', 'head_dist'] : 'head',
    },
  };
}

/** Random tensors for a config: LayerNorm gains near 1, Linear/conv weights ~ U(±sqrt(3 / fan_in)). */
export function randomTensors(config: ModelConfig, seed: number): Map<string, RawTensor> {
  const rand = rng(seed);
  const out = new Map<string, RawTensor>();
  for (const [name, shape] of expectedTensors(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const fanIn = shape.length >= 2 ? shape.slice(1).reduce((a, b) => a * b, 1) : 0;
    const isNorm = /norm(\d|_pre)?\.(weight|bias)$/.test(name);
    const scale = /(cls|dist|reg)_token|pos_embed/.test(name) ? 0.5 : fanIn ? Math.sqrt(3 / fanIn) : 0.05;
    for (let i = 0; i < n; i++) {
      const u = rand() * 2 - 1;
      // Layer-scale gammas in [0.3, 1): large enough that a forward without them is off.
      if (name.endsWith('.gamma')) data[i] = 0.65 + 0.35 * u;
      else data[i] = isNorm ? (name.endsWith('weight') ? 1 + 0.1 * u : 0.1 * u) : scale * u;
    }
    out.set(name, { shape, data });
  }
  return out;
}

/** Writes `dir`/config.json + model.safetensors; returns the config our parser reads from them. */
export function writeTimmModel(dir: string, spec: TimmSpec, seed: number, tensors?: Map<string, RawTensor>): ModelConfig {
  mkdirSync(dir, { recursive: true });
  const raw = hubConfig(spec);
  const config = parseTimmConfig('random', raw, { labels: imagenetLabels });
  raw.num_features = config.embedDim;
  writeFileSync(join(dir, 'config.json'), JSON.stringify(raw, null, 2) + '\n');
  writeSafetensors(join(dir, 'model.safetensors'), tensors ?? randomTensors(config, seed));
  return config;
}
