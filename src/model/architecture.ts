// Which timm VisionTransformers this project runs, decided from config.json alone (so a hub
// model is refused before any weights download) and then checked again against the tensors.
// Supported: plain ViT/DeiT with a class token and token pooling, DeiT distilled (class +
// distillation token, two heads averaged at eval), and global-average pooling with fc_norm.
// Everything else is refused with one line naming the feature.

export type GlobalPool = 'token' | 'avg';

export interface ArchitectureInfo {
  /** timm architecture name, e.g. "deit_small_distilled_patch16_224". */
  name: string;
  distilled: boolean;
  globalPool: GlobalPool;
  /** Dims the name implies (the size word, patch and image size), when it has them. */
  fromName: { embedDim?: number; depth?: number; numHeads?: number; patchSize?: number; imgSize?: number };
}

type Json = Record<string, unknown>;

/** timm's size words (vision_transformer.py / deit.py model definitions). */
const SIZE_DIMS: Record<string, { embedDim: number; depth: number; numHeads: number }> = {
  tiny: { embedDim: 192, depth: 12, numHeads: 3 },
  small: { embedDim: 384, depth: 12, numHeads: 6 },
  base: { embedDim: 768, depth: 12, numHeads: 12 },
  large: { embedDim: 1024, depth: 24, numHeads: 16 },
  huge: { embedDim: 1280, depth: 32, numHeads: 16 },
};

/** The plain names: vit_<size>_patch<P>_<img>, deit_<size>[_distilled]_patch<P>_<img>. */
const PLAIN_NAME = /^(vit|deit)_(tiny|small|base|large|huge)(_distilled)?_patch(\d+)_(\d+)$/;

/** Name fragments of timm variants we do not run, with the reason shown to the user. */
const NAME_FEATURES: Array<[RegExp, string]> = [
  [/^deit3_/, 'layer scale (DeiT III, init_values)'],
  [/dinov2/, 'layer scale (DINOv2, init_values)'],
  [/_reg\d+/, 'register tokens (reg_tokens)'],
  [/relpos|_rpn_/, 'relative position bias'],
  [/siglip/, 'attention pooling without a class token (SigLIP)'],
  [/clip/, 'pre-norm (norm_pre, CLIP image towers)'],
  [/_gap_|_gap$/, 'no class token (global-average-pooled without it)'],
  [/_r\d*_s\d+/, 'a hybrid ResNet stem'],
  [/_\d+x\d+_/, 'parallel blocks'],
  [/_miil/, 'attention without qkv bias'],
  [/_rope/, 'rotary position embedding'],
];

/** model_args keys that name a feature we do not run when set to anything but timm's default. */
const ARG_FEATURES: Array<[string, (v: unknown) => boolean, string]> = [
  ['reg_tokens', (v) => Number(v) > 0, 'register tokens (reg_tokens)'],
  ['init_values', (v) => v !== null && v !== undefined, 'layer scale (init_values, ls1/ls2)'],
  ['class_token', (v) => v === false, 'no class token (class_token false)'],
  ['no_embed_class', (v) => v === true, 'position embedding without the class token (no_embed_class)'],
  ['pre_norm', (v) => v === true, 'pre-norm (norm_pre)'],
  ['qk_norm', (v) => v === true, 'qk-norm'],
  ['scale_attn_norm', (v) => v === true, 'a norm inside attention (scale_attn_norm)'],
  ['scale_mlp_norm', (v) => v === true, 'a norm inside the MLP (scale_mlp_norm)'],
  ['dynamic_img_size', (v) => v === true, 'dynamic image size'],
  ['dynamic_img_pad', (v) => v === true, 'dynamic image padding'],
  ['qkv_bias', (v) => v === false, 'attention without qkv bias'],
  ['proj_bias', (v) => v === false, 'attention projection without bias'],
  ['patch_bias', (v) => v === false, 'patch embedding without bias'],
  ['in_chans', (v) => v !== 3, 'input channels other than 3'],
  ['pos_embed', (v) => v !== 'learn', 'a position embedding other than learned (pos_embed)'],
  ['act_layer', (v) => v !== 'gelu', 'an activation other than GELU (act_layer)'],
  ['mlp_layer', () => true, 'an MLP other than fc1-GELU-fc2 (mlp_layer)'],
  ['block_fn', () => true, 'a non-standard block (block_fn)'],
  ['embed_layer', () => true, 'a non-standard patch embedding (embed_layer)'],
  ['norm_layer', (v) => v !== 'layernorm', 'a norm other than LayerNorm (norm_layer)'],
  ['attn_layer', () => true, 'a non-standard attention (attn_layer)'],
  ['embed_norm_layer', () => true, 'a norm on the patch embedding'],
  ['final_norm', (v) => v === false, 'no final norm'],
];

/** model_args keys with no effect on an eval forward, or that we read ourselves. */
const ARGS_READ = new Set([
  'embed_dim',
  'depth',
  'num_heads',
  'patch_size',
  'img_size',
  'mlp_ratio',
  'num_classes',
  'global_pool',
  'fc_norm',
  'class_token',
  'distilled',
  'drop_rate',
  'pos_drop_rate',
  'patch_drop_rate',
  'proj_drop_rate',
  'attn_drop_rate',
  'drop_path_rate',
  'weight_init',
  'fix_init',
  'qkv_bias',
  'proj_bias',
  'patch_bias',
  'in_chans',
  'pos_embed',
  'final_norm',
  'reg_tokens',
  'init_values',
  'no_embed_class',
  'pre_norm',
  'qk_norm',
  'scale_attn_norm',
  'scale_mlp_norm',
  'dynamic_img_size',
  'dynamic_img_pad',
  'act_layer',
  'norm_layer',
]);

/** A config value as it reads in a message or a comparison (an object prints as JSON, not "[object Object]"). */
export function configText(v: unknown, fallback: string): string {
  if (v === undefined || v === null) return fallback;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function refuse(arch: string, what: string): never {
  throw new Error(`config.json: ${arch || 'this model'} uses ${what}, which is not supported (plain ViT, DeiT distilled and avg-pool + fc_norm ViTs are)`);
}

function squareSize(v: unknown, what: string, arch: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) {
    if (v.length !== 2 || v.some((x) => typeof x !== 'number')) throw new Error(`config.json: ${what} must be a number or two numbers`);
    if (v[0] !== v[1]) refuse(arch, `non-square ${what} (${v[0]}x${v[1]})`);
    return v[0] as number;
  }
  if (typeof v !== 'number') throw new Error(`config.json: ${what} is not a number`);
  return v;
}

/**
 * Reads what kind of ViT a timm config.json describes, refusing anything we do not run. Only
 * the config is needed (the hub client calls this before downloading the weights).
 */
export function inspectArchitecture(raw: Json): ArchitectureInfo {
  const name = configText(raw.architecture, '');
  if (!/^(vit|deit)/.test(name)) {
    throw new Error(`config.json: architecture "${name}" is not a timm VisionTransformer (vit_* or deit_*)`);
  }
  const args = (raw.model_args ?? {}) as Json;
  const pre = (raw.pretrained_cfg ?? {}) as Json;
  for (const [key, isSet, what] of ARG_FEATURES) if (key in args && isSet(args[key])) refuse(name, what);
  for (const key of Object.keys(args)) if (!ARGS_READ.has(key)) refuse(name, `model_args.${key}`);

  const plain = PLAIN_NAME.exec(name);
  if (!plain) {
    const feature = NAME_FEATURES.find(([re]) => re.test(name));
    // An unknown name still runs when model_args spell out every dim (a custom timm model).
    const spelled = ['embed_dim', 'depth', 'num_heads', 'patch_size', 'img_size'].every((k) => k in args);
    if (feature) refuse(name, feature[1]);
    if (!spelled) {
      throw new Error(
        `config.json: architecture "${name}" is not a plain vit_<size>_patch<P>_<img> or deit_<size>[_distilled]_patch<P>_<img>, and model_args does not give its dims`,
      );
    }
  }
  const distilled = name.includes('_distilled') || args.distilled === true;
  const pool = configText(args.global_pool ?? raw.global_pool, 'token');
  if (pool !== 'token' && pool !== 'avg') refuse(name, pool ? `global_pool "${pool}"` : 'no pooling (global_pool "")');
  const globalPool = pool;
  // timm puts fc_norm after the pool exactly when global_pool is avg, unless told otherwise.
  const fcNorm = (args.fc_norm as boolean | null | undefined) ?? globalPool === 'avg';
  if (globalPool === 'avg' && !fcNorm) refuse(name, 'average pooling without fc_norm');
  if (globalPool === 'token' && fcNorm) refuse(name, 'fc_norm on the class token');
  if (distilled && globalPool !== 'token') refuse(name, 'a distillation token with average pooling');
  if (configText(pre.crop_mode, 'center') !== 'center') refuse(name, `crop_mode "${configText(pre.crop_mode, '')}" (only center crops are implemented)`);
  const inputSize = pre.input_size as number[] | undefined;
  if (Array.isArray(inputSize) && (inputSize.length !== 3 || inputSize[1] !== inputSize[2])) refuse(name, `non-square input_size [${inputSize}]`);
  if (Array.isArray(inputSize) && inputSize[0] !== 3) refuse(name, `${inputSize[0]} input channels`);
  const numClasses = raw.num_classes ?? pre.num_classes;
  if (numClasses === 0) refuse(name, 'no classifier head (num_classes 0: a feature extractor)');

  squareSize(args.patch_size, 'patch_size', name);
  squareSize(args.img_size, 'img_size', name);
  const size = plain ? SIZE_DIMS[plain[2]] : undefined;
  return {
    name,
    distilled,
    globalPool,
    fromName: plain ? { ...size, patchSize: Number(plain[4]), imgSize: Number(plain[5]) } : {},
  };
}

/** The dims model_args spell out (non-square sizes were refused by inspectArchitecture). */
export function dimsFromArgs(raw: Json): { embedDim?: number; depth?: number; numHeads?: number; patchSize?: number; imgSize?: number; mlpRatio?: number } {
  const args = (raw.model_args ?? {}) as Json;
  const n = (v: unknown) => (Array.isArray(v) ? (v[0] as number) : (v as number | undefined));
  return {
    embedDim: n(args.embed_dim),
    depth: n(args.depth),
    numHeads: n(args.num_heads),
    patchSize: n(args.patch_size),
    imgSize: n(args.img_size),
    mlpRatio: n(args.mlp_ratio),
  };
}

/** Tensors that reveal a feature the config did not declare, with that feature's name. */
const TENSOR_FEATURES: Array<[RegExp, string]> = [
  [/^reg_token$/, 'register tokens'],
  [/\.ls[12]\.gamma$|\.gamma_[12]$/, 'layer scale (ls1/ls2)'],
  [/\.attn\.[qk]_norm\./, 'qk-norm'],
  [/^norm_pre\./, 'pre-norm (norm_pre)'],
  [/relative_position|rel_pos/, 'relative position bias'],
  [/^attn_pool\./, 'attention pooling'],
  [/\.attn\.norm\.|\.mlp\.norm\./, 'norms inside attention or the MLP'],
  [/\.mlp\.fc1_[gx]\.|\.mlp\.w12\./, 'a gated MLP (SwiGLU)'],
  [/^patch_embed\.backbone\./, 'a hybrid CNN stem'],
  [/^patch_embed\.norm\./, 'a norm on the patch embedding'],
  [/^(dist_token|head_dist\.)/, 'a distillation token, which config.json does not declare'],
  [/^fc_norm\./, 'fc_norm, which config.json does not declare (global_pool avg)'],
];

/** The feature an unexpected tensor stands for, or a generic description. */
export function featureOfTensor(name: string): string {
  return TENSOR_FEATURES.find(([re]) => re.test(name))?.[1] ?? 'a tensor a plain ViT does not have';
}
