// The model's hyper-parameters and preprocessing, read from a timm hub `config.json`.
// Which architectures load is decided in architecture.ts; dims come from `model_args` when
// present, otherwise from the architecture name and (as a last resort) from tensor shapes, as
// the hub files mostly lack model_args.
import { configText, dimsFromArgs, inspectArchitecture, type GlobalPool } from './architecture';

export type Interpolation = 'bicubic' | 'bilinear' | 'nearest';

export interface ModelConfig {
  id: string;
  architecture: string;
  embedDim: number;
  depth: number;
  numHeads: number;
  patchSize: number;
  imgSize: number;
  mlpHidden: number;
  numClasses: number;
  /** DeiT distilled: a distillation token after the class token and a second head (head_dist);
   * the logits are the mean of both heads, as timm at eval. */
  distilled: boolean;
  /** 'token': classify the (normed) class token; 'avg': plain mean of the tokens after the
   * prefix, then fc_norm, then the head (timm global_pool='avg', whose final norm is fc_norm). */
  globalPool: GlobalPool;
  /** LayerNorm epsilon (timm ViT: 1e-6). */
  eps: number;
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
/** Tokens before the patches (class, and distillation when distilled): never merged. */
export function prefixTokens(c: { distilled: boolean }): number {
  return c.distilled ? 2 : 1;
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

  const embedDim = num(args.embedDim ?? named.embedDim ?? shapes['cls_token']?.[2], 'embed_dim');
  const depth = num(args.depth ?? named.depth ?? countBlocks(), 'depth');
  const numHeads = num(args.numHeads ?? named.numHeads, 'num_heads');
  const patchSize = num(args.patchSize ?? named.patchSize ?? shapes['patch_embed.proj.weight']?.[2], 'patch_size');
  const inputSize = pre.input_size as number[] | undefined;
  const imgSize = num(args.imgSize ?? inputSize?.[2] ?? named.imgSize, 'img_size');
  // timm's default mlp_ratio is 4 for every plain ViT/DeiT; tensors that disagree are refused.
  const mlpHidden = Math.round(embedDim * (args.mlpRatio ?? 4));
  const numClasses = num(raw.num_classes ?? pre.num_classes, 'num_classes');
  for (const [what, v] of [
    ['embed_dim', embedDim],
    ['depth', depth],
    ['num_heads', numHeads],
    ['patch_size', patchSize],
    ['img_size', imgSize],
    ['num_classes', numClasses],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`config.json: ${what} ${v} is not a positive integer`);
  }
  if (embedDim % numHeads !== 0) throw new Error(`config.json: embed_dim ${embedDim} not divisible by num_heads ${numHeads}`);
  if (imgSize % patchSize !== 0) throw new Error(`config.json: img_size ${imgSize} not divisible by patch_size ${patchSize}`);

  const interp = configText(pre.interpolation, 'bicubic');
  if (interp !== 'bicubic' && interp !== 'bilinear' && interp !== 'nearest') {
    throw new Error(`config.json: interpolation "${interp}" is not supported`);
  }
  const given = (raw.label_names ?? pre.label_names) as string[] | undefined;
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
    distilled: arch.distilled,
    globalPool: arch.globalPool,
    eps: 1e-6,
    mean: triple(pre.mean ?? [0.485, 0.456, 0.406], 'mean'),
    std: triple(pre.std ?? [0.229, 0.224, 0.225], 'std'),
    cropPct: num(pre.crop_pct ?? 0.875, 'crop_pct'),
    interpolation: interp,
    propAttnDefault: arch.globalPool === 'token',
    labels,
  };
}

/** The tensors the model must have, with their shapes, in a fixed order (any other tensor is
 * refused: it would stand for a feature we do not run). */
export function expectedTensors(c: ModelConfig): Array<[string, number[]]> {
  const D = c.embedDim;
  const H = c.mlpHidden;
  const out: Array<[string, number[]]> = [['cls_token', [1, 1, D]]];
  if (c.distilled) out.push(['dist_token', [1, 1, D]]);
  out.push(
    ['pos_embed', [1, numPatches(c) + prefixTokens(c), D]],
    ['patch_embed.proj.weight', [D, 3, c.patchSize, c.patchSize]],
    ['patch_embed.proj.bias', [D]],
  );
  for (let i = 0; i < c.depth; i++) {
    const b = `blocks.${i}.`;
    out.push(
      [b + 'norm1.weight', [D]],
      [b + 'norm1.bias', [D]],
      [b + 'attn.qkv.weight', [3 * D, D]],
      [b + 'attn.qkv.bias', [3 * D]],
      [b + 'attn.proj.weight', [D, D]],
      [b + 'attn.proj.bias', [D]],
      [b + 'norm2.weight', [D]],
      [b + 'norm2.bias', [D]],
      [b + 'mlp.fc1.weight', [H, D]],
      [b + 'mlp.fc1.bias', [H]],
      [b + 'mlp.fc2.weight', [D, H]],
      [b + 'mlp.fc2.bias', [D]],
    );
  }
  const finalNorm = c.globalPool === 'avg' ? 'fc_norm' : 'norm';
  out.push([`${finalNorm}.weight`, [D]], [`${finalNorm}.bias`, [D]], ['head.weight', [c.numClasses, D]], ['head.bias', [c.numClasses]]);
  if (c.distilled) out.push(['head_dist.weight', [c.numClasses, D]], ['head_dist.bias', [c.numClasses]]);
  return out;
}
