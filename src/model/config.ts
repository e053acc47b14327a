// The model's hyper-parameters and preprocessing, read from a timm hub `config.json`.
// Any plain ViT/DeiT works: dims come from `model_args` when present, otherwise from the
// architecture name and (as a last resort) from tensor shapes, as the hub files lack model_args.

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
  /** LayerNorm epsilon (timm ViT: 1e-6). */
  eps: number;
  mean: [number, number, number];
  std: [number, number, number];
  cropPct: number;
  interpolation: Interpolation;
  /** Proportional attention is ToMe's default for timm ViT/DeiT with a class token. */
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
export function headDim(c: ModelConfig): number {
  return c.embedDim / c.numHeads;
}
/** timm eval transform: shorter side is resized to floor(img_size / crop_pct). */
export function resizeShorter(c: ModelConfig): number {
  return Math.floor(c.imgSize / c.cropPct);
}

const ARCH_DIMS: Record<string, { embed_dim: number; depth: number; num_heads: number }> = {
  tiny: { embed_dim: 192, depth: 12, num_heads: 3 },
  small: { embed_dim: 384, depth: 12, num_heads: 6 },
  base: { embed_dim: 768, depth: 12, num_heads: 12 },
  large: { embed_dim: 1024, depth: 24, num_heads: 16 },
};

type Json = Record<string, unknown>;

function num(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`config.json: ${what} is missing or not a number`);
  return v;
}

function triple(v: unknown, what: string): [number, number, number] {
  if (!Array.isArray(v) || v.length !== 3 || v.some((x) => typeof x !== 'number')) {
    throw new Error(`config.json: ${what} must be 3 numbers`);
  }
  return [v[0], v[1], v[2]];
}

/**
 * Parses a timm hub config. `labels` falls back to the given list (classes.tsv) when the
 * file has no `label_names`; `shapes` (tensor name -> shape) fills dims the config lacks.
 */
export function parseTimmConfig(
  id: string,
  raw: Json,
  opts: { labels?: string[]; shapes?: Record<string, number[]> } = {},
): ModelConfig {
  const arch = String(raw.architecture ?? '');
  if (!/^(vit|deit)_/.test(arch)) throw new Error(`config.json: architecture "${arch}" is not a plain ViT/DeiT`);
  if (/distilled/.test(arch)) throw new Error(`config.json: distilled models (${arch}) are not supported`);
  const pre = (raw.pretrained_cfg ?? {}) as Json;
  const args = (raw.model_args ?? {}) as Json;
  const sizeName = /_(tiny|small|base|large)_/.exec(arch)?.[1];
  const fromArch = sizeName ? ARCH_DIMS[sizeName] : undefined;
  const shapes = opts.shapes ?? {};
  const patchFromName = Number(/patch(\d+)/.exec(arch)?.[1] ?? NaN);
  const imgFromName = Number(/_(\d+)(\.|$)/.exec(arch)?.[1] ?? NaN);

  const embedDim = num(args.embed_dim ?? fromArch?.embed_dim ?? shapes['cls_token']?.[2], 'embed_dim');
  let depth = args.depth as number | undefined;
  if (depth === undefined && Object.keys(shapes).length) {
    depth = Object.keys(shapes).filter((k) => /^blocks\.\d+\.norm1\.weight$/.test(k)).length;
  }
  depth = num(depth ?? fromArch?.depth, 'depth');
  const numHeads = num(args.num_heads ?? fromArch?.num_heads, 'num_heads');
  const patchSize = num(args.patch_size ?? shapes['patch_embed.proj.weight']?.[2] ?? patchFromName, 'patch_size');
  const inputSize = pre.input_size as number[] | undefined;
  const imgSize = num(args.img_size ?? inputSize?.[2] ?? imgFromName, 'img_size');
  const mlpRatio = (args.mlp_ratio as number | undefined) ?? 4;
  const mlpHidden = shapes['blocks.0.mlp.fc1.weight']?.[0] ?? Math.round(embedDim * mlpRatio);
  const numClasses = num(raw.num_classes ?? pre.num_classes, 'num_classes');
  if (embedDim % numHeads !== 0) throw new Error(`config.json: embed_dim ${embedDim} not divisible by num_heads ${numHeads}`);
  if (imgSize % patchSize !== 0) throw new Error(`config.json: img_size ${imgSize} not divisible by patch_size ${patchSize}`);

  const interp = String(pre.interpolation ?? 'bicubic');
  if (interp !== 'bicubic' && interp !== 'bilinear' && interp !== 'nearest') {
    throw new Error(`config.json: interpolation "${interp}" is not supported`);
  }
  const labels = (raw.label_names as string[] | undefined) ?? opts.labels ?? [];
  if (labels.length !== numClasses) {
    throw new Error(`config.json: ${labels.length} label names for ${numClasses} classes`);
  }
  return {
    id,
    architecture: arch,
    embedDim,
    depth,
    numHeads,
    patchSize,
    imgSize,
    mlpHidden,
    numClasses,
    eps: 1e-6,
    mean: triple(pre.mean ?? [0.485, 0.456, 0.406], 'mean'),
    std: triple(pre.std ?? [0.229, 0.224, 0.225], 'std'),
    cropPct: num(pre.crop_pct ?? 0.875, 'crop_pct'),
    interpolation: interp,
    propAttnDefault: true,
    labels,
  };
}

/** The tensors a plain timm ViT must have, with their shapes, in a fixed order. */
export function expectedTensors(c: ModelConfig): Array<[string, number[]]> {
  const D = c.embedDim;
  const H = c.mlpHidden;
  const out: Array<[string, number[]]> = [
    ['cls_token', [1, 1, D]],
    ['pos_embed', [1, numPatches(c) + 1, D]],
    ['patch_embed.proj.weight', [D, 3, c.patchSize, c.patchSize]],
    ['patch_embed.proj.bias', [D]],
  ];
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
  out.push(['norm.weight', [D]], ['norm.bias', [D]], ['head.weight', [c.numClasses, D]], ['head.bias', [c.numClasses]]);
  return out;
}
