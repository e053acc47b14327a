// The model's hyper-parameters and preprocessing, read from a timm hub `config.json`.
// Which architectures load is decided in architecture.ts; dims come from `model_args` when
// present, otherwise from the architecture name and (as a last resort) from tensor shapes, as
// the hub files mostly lack model_args.
import { configText, dimsFromArgs, inspectArchitecture, type Family } from './architecture';

export type Interpolation = 'bicubic' | 'bilinear' | 'nearest';

/** A model: its family's features (architecture.ts: tokens, layer scale, norms, activation,
 * pooling, eps) with its dims, head, preprocessing and labels. */
export interface ModelConfig extends Family {
  id: string;
  architecture: string;
  embedDim: number;
  depth: number;
  numHeads: number;
  patchSize: number;
  imgSize: number;
  mlpHidden: number;
  /** Classes of the head; 0: no head (a backbone), the output is the pooled feature vector. */
  numClasses: number;
  mean: [number, number, number];
  std: [number, number, number];
  cropPct: number;
  interpolation: Interpolation;
  /** Proportional attention: ToMe's default for off-the-shelf class-token models; the official
   * patch says to turn it off for average-pooled (MAE-style) ones. */
  propAttnDefault: boolean;
  labels: string[];
}

/** Derived sizes used everywhere. */
export function gridSize(c: ModelConfig): number {
  return c.imgSize / c.patchSize;
}
export function numPatches(c: ModelConfig): number {
  return gridSize(c) ** 2;
}
/**
 * The tokens before the patches and what ToMe may do with them: `[class][distillation]
 * [registers][patches]`, each prefix part possibly absent. The class and distillation tokens
 * take part in the matching but are never merged; registers are taken out of it.
 */
export interface TokenLayout {
  /** A class token at index 0: A's first token, never a source. */
  classToken: boolean;
  /** A distillation token at index 1: B's first token, never a destination, kept at index 1. */
  distToken: boolean;
  /** Register tokens after them: no part in the matching, put back in place with size 1. */
  registers: number;
}

/** A plain ViT's layout: one class token. */
export const CLASS_TOKEN_ONLY: TokenLayout = { classToken: true, distToken: false, registers: 0 };

export function tokenLayout(c: Pick<ModelConfig, 'classToken' | 'distilled' | 'registers'>): TokenLayout {
  return { classToken: c.classToken, distToken: c.distilled, registers: c.registers };
}

/** Tokens before the patches (class, distillation, registers). */
export function prefixTokens(c: Pick<ModelConfig, 'classToken' | 'distilled' | 'registers'>): number {
  return (c.classToken ? 1 : 0) + (c.distilled ? 1 : 0) + c.registers;
}

/** What a model may have beyond the plain class-token ViT with a head, in words. */
export const FAMILY_FEATURES = {
  distilled: 'distilled models (distillation token)',
  avgPool: 'average-pooled models (fc_norm)',
  registers: 'models with register tokens',
  noClassToken: 'models without a class token',
  layerScale: 'layer scale (ls1/ls2)',
  noEmbedClass: 'a position embedding over the patches only (no_embed_class)',
  preNorm: 'pre-norm CLIP towers (norm_pre)',
  quickGelu: 'QuickGELU',
  headless: 'models without a head',
} as const;
export type FamilyFeature = keyof typeof FAMILY_FEATURES;

/** The features of `c` beyond the plain class-token ViT with a head. */
export function familyFeatures(c: ModelConfig): FamilyFeature[] {
  const has: Record<FamilyFeature, boolean> = {
    distilled: c.distilled,
    avgPool: c.globalPool === 'avg',
    registers: c.registers > 0,
    noClassToken: !c.classToken,
    layerScale: c.layerScale,
    noEmbedClass: c.noEmbedClass,
    preNorm: c.preNorm,
    quickGelu: c.act !== 'gelu',
    headless: c.numClasses === 0,
  };
  return (Object.keys(has) as FamilyFeature[]).filter((f) => has[f]);
}

/**
 * The first feature of `c` that a graph builder handling only the plain ViT and `handled` does
 * not express, in words, or null when it expresses them all.
 */
export function beyondPlainViT(c: ModelConfig, handled: readonly FamilyFeature[] = []): string | null {
  const missing = familyFeatures(c).find((f) => !handled.includes(f));
  return missing ? FAMILY_FEATURES[missing] : null;
}

/** A model without a classifier head: its output is timm's pooled pre-logits feature vector. */
export function isHeadless(c: Pick<ModelConfig, 'numClasses'>): boolean {
  return c.numClasses === 0;
}
export function headDim(c: ModelConfig): number {
  return c.embedDim / c.numHeads;
}
/** timm eval transform: shorter side is resized to floor(img_size / crop_pct). */
export function resizeShorter(c: ModelConfig): number {
  return Math.floor(c.imgSize / c.cropPct);
}

type Json = Record<string, unknown>;

function num(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`config.json: ${what} is missing or not a number`);
  return v;
}

function triple(v: unknown, what: string): [number, number, number] {
  if (!Array.isArray(v) || v.length !== 3 || v.some((x) => typeof x !== 'number')) {
    throw new Error(`config.json: ${what} must be 3 numbers`);
  }
  return [v[0] as number, v[1] as number, v[2] as number];
}

/**
 * Parses a timm hub config. `labels` falls back to the given list (classes.tsv) when the
 * file has no `label_names` (class names are generic when neither fits); `shapes` (tensor name
 * -> shape) fills dims that neither model_args nor the architecture name give. Unsupported
 * architectures are refused here (inspectArchitecture), so this runs before any download.
 */
export function parseTimmConfig(id: string, raw: Json, opts: { labels?: string[]; shapes?: Record<string, number[]> } = {}): ModelConfig {
  const arch = inspectArchitecture(raw);
  const pre = (raw.pretrained_cfg ?? {}) as Json;
  const args = dimsFromArgs(raw);
  const named = arch.fromName;
  const shapes = opts.shapes ?? {};
  const countBlocks = () => {
    const n = Object.keys(shapes).filter((k) => /^blocks\.\d+\.norm1\.weight$/.test(k)).length;
    return n || undefined;
  };

  const embedDim = num(args.embedDim ?? named.embedDim ?? shapes['patch_embed.proj.weight']?.[0], 'embed_dim');
  const depth = num(args.depth ?? named.depth ?? countBlocks(), 'depth');
  const numHeads = num(args.numHeads ?? named.numHeads, 'num_heads');
  const patchSize = num(args.patchSize ?? named.patchSize ?? shapes['patch_embed.proj.weight']?.[2], 'patch_size');
  const inputSize = pre.input_size as number[] | undefined;
  const imgSize = num(args.imgSize ?? inputSize?.[2] ?? named.imgSize, 'img_size');
  // timm's int(dim * mlp_ratio), mlp_ratio 4 unless the size says otherwise; tensors that
  // disagree are refused.
  const mlpHidden = Math.trunc(embedDim * (args.mlpRatio ?? named.mlpRatio ?? 4));
  // The top-level num_classes is the model's (pretrained_cfg's is its default tag's).
  const numClasses = num(raw.num_classes ?? pre.num_classes, 'num_classes');
  for (const [what, v] of [
    ['embed_dim', embedDim],
    ['depth', depth],
    ['num_heads', numHeads],
    ['patch_size', patchSize],
    ['img_size', imgSize],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`config.json: ${what} ${v} is not a positive integer`);
  }
  if (!Number.isInteger(numClasses) || numClasses < 0) throw new Error(`config.json: num_classes ${numClasses} is not a non-negative integer`);
  if (embedDim % numHeads !== 0) throw new Error(`config.json: embed_dim ${embedDim} not divisible by num_heads ${numHeads}`);
  if (imgSize % patchSize !== 0) throw new Error(`config.json: img_size ${imgSize} not divisible by patch_size ${patchSize}`);

  const interp = configText(pre.interpolation, 'bicubic');
  if (interp !== 'bicubic' && interp !== 'bilinear' && interp !== 'nearest') {
    throw new Error(`config.json: interpolation "${interp}" is not supported`);
  }
  // A backbone has no classes, whatever its default tag's pretrained_cfg lists.
  const given = numClasses === 0 ? [] : ((raw.label_names ?? pre.label_names) as string[] | undefined);
  if (given && given.length !== numClasses) throw new Error(`config.json: ${given.length} label names for ${numClasses} classes`);
  const fallback = opts.labels?.length === numClasses ? opts.labels : undefined;
  const labels = given ?? fallback ?? Array.from({ length: numClasses }, (_, i) => `class ${i}`);
  return {
    id,
    architecture: arch.name,
    embedDim,
    depth,
    numHeads,
    patchSize,
    imgSize,
    mlpHidden,
    numClasses,
    classToken: arch.classToken,
    distilled: arch.distilled,
    registers: arch.registers,
    layerScale: arch.layerScale,
    noEmbedClass: arch.noEmbedClass,
    preNorm: arch.preNorm,
    act: arch.act,
    globalPool: arch.globalPool,
    eps: arch.eps,
    mean: triple(pre.mean ?? [0.485, 0.456, 0.406], 'mean'),
    std: triple(pre.std ?? [0.229, 0.224, 0.225], 'std'),
    cropPct: num(pre.crop_pct ?? 0.875, 'crop_pct'),
    interpolation: interp,
    // Off for average-pooled models, as the official patch says for MAE-style ones.
    propAttnDefault: arch.globalPool === 'token',
    labels,
  };
}

/** The tensors the model must have, with their shapes, in a fixed order (any other tensor is
 * refused: it would stand for a feature we do not run). */
export function expectedTensors(c: ModelConfig): Array<[string, number[]]> {
  const D = c.embedDim;
  const H = c.mlpHidden;
  const out: Array<[string, number[]]> = [];
  if (c.classToken) out.push(['cls_token', [1, 1, D]]);
  if (c.distilled) out.push(['dist_token', [1, 1, D]]);
  if (c.registers > 0) out.push(['reg_token', [1, c.registers, D]]);
  out.push(['pos_embed', [1, numPatches(c) + (c.noEmbedClass ? 0 : prefixTokens(c)), D]], ['patch_embed.proj.weight', [D, 3, c.patchSize, c.patchSize]]);
  if (!c.preNorm) out.push(['patch_embed.proj.bias', [D]]);
  else out.push(['norm_pre.weight', [D]], ['norm_pre.bias', [D]]);
  for (let i = 0; i < c.depth; i++) {
    const b = `blocks.${i}.`;
    out.push(
      [b + 'norm1.weight', [D]],
      [b + 'norm1.bias', [D]],
      [b + 'attn.qkv.weight', [3 * D, D]],
      [b + 'attn.qkv.bias', [3 * D]],
      [b + 'attn.proj.weight', [D, D]],
      [b + 'attn.proj.bias', [D]],
    );
    if (c.layerScale) out.push([b + 'ls1.gamma', [D]]);
    out.push(
      [b + 'norm2.weight', [D]],
      [b + 'norm2.bias', [D]],
      [b + 'mlp.fc1.weight', [H, D]],
      [b + 'mlp.fc1.bias', [H]],
      [b + 'mlp.fc2.weight', [D, H]],
      [b + 'mlp.fc2.bias', [D]],
    );
    if (c.layerScale) out.push([b + 'ls2.gamma', [D]]);
  }
  const finalNorm = c.globalPool === 'avg' ? 'fc_norm' : 'norm';
  out.push([`${finalNorm}.weight`, [D]], [`${finalNorm}.bias`, [D]]);
  if (!isHeadless(c)) out.push(['head.weight', [c.numClasses, D]], ['head.bias', [c.numClasses]]);
  if (c.distilled && !isHeadless(c)) out.push(['head_dist.weight', [c.numClasses, D]], ['head_dist.bias', [c.numClasses]]);
  return out;
}
