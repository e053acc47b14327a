// The reference data beside the project: where it is (`../shared`, or TOME_SHARED_DIR), the
// layout of its golden cases, and the raw float32 files they name. `golden/` holds the official
// ToMe outputs for the two real models, `golden-archs/` the same format for six more timm
// families (random weights), with more facts per model and, for models without a head,
// `features` instead of `logits` (their READMEs describe every field). Node-only (fs): the tests,
// the bench, `tome bench`'s inputs, the weights script and the remote-GPU tooling read it; the
// page never does.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Schedule } from '../core/tome';

/** Overrides where the shared data is (default: `shared/` beside the project's folder). */
export const SHARED_DIR_ENV = 'TOME_SHARED_DIR';

export function sharedDir(): string {
  const override = process.env[SHARED_DIR_ENV];
  return override ? resolve(override) : fileURLToPath(new URL('../../../shared', import.meta.url));
}

/** A path inside the shared data, e.g. `sharedPath('weights', id)`. */
export function sharedPath(...parts: string[]): string {
  return join(sharedDir(), ...parts);
}

/** The official ToMe outputs of the two real models (ViT-Ti AugReg, DeiT-Ti). */
export function goldenDir(): string {
  return sharedPath('golden');
}

/** The same for six more timm families with random weights. */
export function goldenArchsDir(): string {
  return sharedPath('golden-archs');
}

/** timm's eval transform of a model, as the generator applied it. */
export interface GoldenPreprocess {
  resize_shorter: number;
  crop: number;
  interpolation: string;
  mean: [number, number, number];
  std: [number, number, number];
}

/** `models.<id>` of cases.json. */
export interface GoldenModelFacts {
  architecture: string;
  /** sha256 of `weights/<id>/model.safetensors` (golden/) or of make_weights.py's output (golden-archs/). */
  weights_sha256: string;
  preprocess: GoldenPreprocess;
  prop_attn: boolean;
  class_token: boolean;
  distill_token: boolean;
}

/** `models.<id>` of golden-archs/cases.json: the architecture facts the four rules depend on. */
export interface GoldenArchFacts extends GoldenModelFacts {
  config_sha256: string;
  registers: number;
  layer_scale: boolean;
  pre_norm: boolean;
  head: boolean;
  output: 'logits' | 'features';
  num_classes: number;
  num_features: number;
  global_pool: 'token' | 'avg';
  fc_norm: boolean;
  no_embed_class: boolean;
  layernorm_eps: number;
  act: string;
  patch_embed_bias: boolean;
  depth: number;
  embed_dim: number;
  num_heads: number;
  patch_size: number;
  patch_grid: [number, number];
  pos_embed_len: number;
}

interface CaseFields {
  /** r0, r13, r16dec, ... */
  name: string;
  r: number;
  schedule: Schedule;
  r_per_layer: number[];
  /** Token count entering block 0, then after each block (class token and registers included). */
  tokens: number[];
  /** Per image patch: the smallest patch index in the same final token. */
  groups: number[];
  /** Per block, the [src, dst] token positions merged, in the order entering that block. */
  merges: Array<Array<[number, number]>>;
  /** Smallest cosine margin between the weakest merged and strongest unmerged A token. */
  min_boundary_gap: number | null;
  min_dst_gap: number | null;
  exact_tie: boolean;
  /** The same forward in float64: whether it agrees, and by how much its outputs differ. */
  fp64_forward: { same_groups: boolean; same_top5?: boolean; max_abs_logit_diff?: number; max_abs_feature_diff?: number };
}

/** A case of a model with a classifier head. */
export interface LogitsCase extends CaseFields {
  /** The `.f32` file of the logits, relative to the set's folder. */
  logits: string;
  /** [class index, softmax probability], best first. */
  top5: Array<[number, number]>;
  /** Logit of the top-1 minus the runner-up's (golden-archs/ only). */
  top1_margin?: number;
}

/** A case of a model without a head (golden-archs/): the pooled features, no top-5. */
export interface FeaturesCase extends CaseFields {
  /** The `.f32` file of the features, relative to the set's folder. */
  features: string;
}

export type GoldenCase = LogitsCase | FeaturesCase;

export const hasLogits = (c: GoldenCase): c is LogitsCase => 'logits' in c;

/** One (model, image) pair and its cases. */
export interface GoldenEntry<C extends GoldenCase = GoldenCase> {
  model: string;
  image: string;
  /** The source photo, relative to the set's folder. */
  image_file: string;
  /** Ground-truth class indices. */
  labels: number[];
  /** The preprocessed input (`.f32`, float32 CHW), relative to the set's folder. */
  input: string;
  preprocess_geometry: { orig_size: [number, number]; resized: [number, number]; crop_left_top: [number, number]; half_pixel_rounding: boolean };
  cases: C[];
}

/** A cases.json. */
export interface GoldenCases<M extends GoldenModelFacts = GoldenModelFacts> {
  format_version: 1;
  generator: string;
  tome_source: string;
  torch_version: string;
  layout: Record<string, string>;
  models: Record<string, M>;
  entries: GoldenEntry[];
}

export interface GoldenArchsCases extends GoldenCases<GoldenArchFacts> {
  set: string;
  timm_source: string;
}

export function casesJsonPath(dir: string): string {
  return join(dir, 'cases.json');
}

/** A set's cases.json (golden/ by default), checked to be one. */
export function readGoldenCases(dir: string = goldenDir()): GoldenCases {
  const path = casesJsonPath(dir);
  const json = JSON.parse(readFileSync(path, 'utf8')) as Partial<GoldenCases>;
  if (json.format_version !== 1 || !Array.isArray(json.entries) || typeof json.models !== 'object') {
    throw new Error(`${path}: not a golden cases file (format_version 1 with models and entries)`);
  }
  return json as GoldenCases;
}

export function readGoldenArchsCases(dir: string = goldenArchsDir()): GoldenArchsCases {
  return readGoldenCases(dir) as GoldenArchsCases;
}

/** The entries of a set whose every case has logits (all of golden/), optionally of one model. */
export function logitsEntries(opts: { dir?: string; model?: string } = {}): Array<GoldenEntry<LogitsCase>> {
  const dir = opts.dir ?? goldenDir();
  const entries = readGoldenCases(dir).entries.filter((e) => opts.model === undefined || e.model === opts.model);
  for (const e of entries) {
    const c = e.cases.find((x) => !hasLogits(x));
    if (c) throw new Error(`${casesJsonPath(dir)}: ${e.model} ${e.image} ${c.name} has features, not logits`);
  }
  return entries as Array<GoldenEntry<LogitsCase>>;
}

/** A float32 little-endian file (an input, logits or features). */
export function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  if (b.byteLength % 4) throw new Error(`${path}: ${b.byteLength} bytes, not a whole number of float32`);
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/** A `.f32` named in cases.json, relative to its set's folder (golden/ by default). */
export function readGoldenF32(rel: string, dir: string = goldenDir()): Float32Array {
  return readF32(join(dir, rel));
}
