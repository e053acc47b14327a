// Which timm VisionTransformers this project runs, decided from config.json alone (so a hub
// model is refused before any weights download) and then checked again against the tensors.
// timm's hub configs carry no model_args: the family comes from the architecture name, read as
// timm defines those architectures (timm/models/vision_transformer.py and deit.py):
//   vit_<size>_patch<P>_<img>, deit_<size>[_distilled]_patch<P>_<img>  plain (or distilled)
//   deit3_<size>_patch<P>_<img>                  layer scale, pos_embed over the patches only
//   vit_<size>_patch<P>_clip[_quickgelu]_<img>   pre-norm, no patch-embed bias, eps 1e-5 (QuickGELU)
//   vit_<size>_patch14[_reg<N>]_dinov2           layer scale (+ N registers, pos_embed over the patches)
//   vit_<size>_patch16_reg<N>_gap_<img>          no class token, N registers, avg pool + fc_norm
// each with or without a head (num_classes 0: the output is the pooled feature vector), and
// model_args (when a config has them) override what the name implies. Everything else is
// refused with one line naming the feature.

export type GlobalPool = 'token' | 'avg';
export type Activation = 'gelu' | 'quickgelu';

/** The architecture features a forward must implement, as timm's VisionTransformer arguments. */
export interface Family {
  /** class_token: a class token at index 0. */
  classToken: boolean;
  /** DeiT distilled: a distillation token after the class token and a second head. */
  distilled: boolean;
  /** reg_tokens: register tokens right after the class token; they attend in every block, take
   * no part in ToMe's matching and are never pooled. */
  registers: number;
  /** init_values set: per-channel ls1/ls2 gammas on the attention and MLP outputs. */
  layerScale: boolean;
  /** no_embed_class: pos_embed has rows for the patches only. */
  noEmbedClass: boolean;
  /** pre_norm: LayerNorm norm_pre after the position embedding; the patch embedding has no bias. */
  preNorm: boolean;
  /** MLP activation: exact (erf) GELU, or CLIP's QuickGELU x * sigmoid(1.702 x). */
  act: Activation;
  /** Every LayerNorm's epsilon (CLIP towers 1e-5, timm's default 1e-6). */
  eps: number;
  /** 'token': the (normed) class token; 'avg': plain mean of the tokens after the prefix, then
   * fc_norm (timm global_pool='avg', whose final norm is fc_norm). Then the head, if any. */
  globalPool: GlobalPool;
}

export interface ArchitectureInfo extends Family {
  /** timm architecture name, e.g. "deit_small_distilled_patch16_224". */
  name: string;
  /** Dims the name implies (the size word, patch and image size), when it has them. */
  fromName: { embedDim?: number; depth?: number; numHeads?: number; patchSize?: number; imgSize?: number; mlpRatio?: number };
}

type Json = Record<string, unknown>;

/** timm's size words (the model definitions of vision_transformer.py and deit.py). */
const SIZE_DIMS: Record<string, { embedDim: number; depth: number; numHeads: number; mlpRatio?: number }> = {
  tiny: { embedDim: 192, depth: 12, numHeads: 3 },
  xsmall: { embedDim: 256, depth: 10, numHeads: 4 },
  wee: { embedDim: 256, depth: 14, numHeads: 4, mlpRatio: 5 },
  little: { embedDim: 320, depth: 14, numHeads: 5, mlpRatio: 5.6 },
  small: { embedDim: 384, depth: 12, numHeads: 6 },
  medium: { embedDim: 512, depth: 12, numHeads: 8 },
  mediumd: { embedDim: 512, depth: 20, numHeads: 8 },
  betwixt: { embedDim: 640, depth: 12, numHeads: 10 },
  base: { embedDim: 768, depth: 12, numHeads: 12 },
  large: { embedDim: 1024, depth: 24, numHeads: 16 },
  huge: { embedDim: 1280, depth: 32, numHeads: 16 },
  giant: { embedDim: 1408, depth: 40, numHeads: 16, mlpRatio: 48 / 11 },
  gigantic: { embedDim: 1664, depth: 48, numHeads: 16, mlpRatio: 64 / 13 },
};

/** <prefix>_<size>[_distilled]_patch<P>[_variant...][_<img>]; DINOv2 names end in _dinov2, without an image size. */
const NAME = /^(vit|deit|deit3)_([a-z]+)(_distilled)?_patch(\d+)((?:_[a-z]+\d*)*?)(?:_(\d+))?$/;

/** Names of other timm model families that people bring, with what they use that we do not run. */
const OTHER_FAMILIES: Array<[RegExp, string]> = [
  [/^eva/, 'rotary position embedding (EVA-02)'],
  [/^beit/, 'relative position bias (BEiT)'],
];

/** Name fragments of timm ViT variants we do not run, with the reason shown to the user. */
const NAME_FEATURES: Array<[RegExp, string]> = [
  [/relpos|_rpn_/, 'relative position bias'],
  [/siglip/, 'attention pooling without a class token (SigLIP, global_pool "map")'],
  [/_map_|_map$/, 'attention pooling (global_pool "map")'],
  [/_r\d*_s\d+/, 'a hybrid ResNet stem'],
  [/_\d+x\d+_/, 'parallel blocks'],
  [/_miil/, 'attention without qkv bias'],
  [/_rope/, 'rotary position embedding'],
  [/_xp_/, 'parallel scaling blocks with RMSNorm'],
  [/_plus_/, 'a ViT "plus" variant'],
];

/** model_args keys that name a feature we do not run when set to anything but timm's default. */
const ARG_FEATURES: Array<[string, (v: unknown) => boolean, string]> = [
  ['qk_norm', (v) => v === true, 'qk-norm'],
  ['scale_attn_norm', (v) => v === true, 'a norm inside attention (scale_attn_norm)'],
  ['scale_mlp_norm', (v) => v === true, 'a norm inside the MLP (scale_mlp_norm)'],
  ['dynamic_img_size', (v) => v === true, 'dynamic image size'],
  ['dynamic_img_pad', (v) => v === true, 'dynamic image padding'],
  ['pool_include_prefix', (v) => v === true, 'pooling over the prefix tokens (pool_include_prefix)'],
  ['qkv_bias', (v) => v === false, 'attention without qkv bias'],
  ['proj_bias', (v) => v === false, 'attention projection without bias'],
  ['patch_bias', (v) => v === false, 'patch embedding without bias'],
  ['in_chans', (v) => v !== 3, 'input channels other than 3'],
  ['pos_embed', (v) => v !== 'learn', 'a position embedding other than learned (pos_embed)'],
  ['act_layer', (v) => v !== 'gelu' && v !== 'quick_gelu', 'an activation other than GELU or QuickGELU (act_layer)'],
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
  ...ARG_FEATURES.map(([key]) => key),
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
  'reg_tokens',
  'init_values',
  'no_embed_class',
  'pre_norm',
  'drop_rate',
  'pos_drop_rate',
  'patch_drop_rate',
  'proj_drop_rate',
  'attn_drop_rate',
  'drop_path_rate',
  'weight_init',
  'fix_init',
]);

/** A config value as it reads in a message or a comparison (an object prints as JSON, not "[object Object]"). */
export function configText(v: unknown, fallback: string): string {
  if (v === undefined || v === null) return fallback;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

const SUPPORTED = 'plain ViT, DeiT (distilled, III), CLIP, DINOv2, register and avg-pool ViTs are';

function refuse(arch: string, what: string): never {
  throw new Error(`config.json: ${arch || 'this model'} uses ${what}, which is not supported (${SUPPORTED})`);
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

/** timm's VisionTransformer defaults: a plain ViT. */
export const PLAIN_FAMILY: Family = {
  classToken: true,
  distilled: false,
  registers: 0,
  layerScale: false,
  noEmbedClass: false,
  preNorm: false,
  act: 'gelu',
  eps: 1e-6,
  globalPool: 'token',
};

/** The family a parsed name stands for (before model_args), or a refusal. */
function familyFromName(name: string, prefix: string, size: string, variants: string[], hasImg: boolean): Family {
  const f = { ...PLAIN_FAMILY };
  const has = (v: string) => variants.includes(v);
  const reg = variants.map((v) => /^reg(\d+)$/.exec(v)).find((m) => m);
  const known = (v: string) => ['clip', 'quickgelu', 'dinov2', 'gap'].includes(v) || /^reg\d+$/.test(v);
  const unknown = variants.find((v) => !known(v));
  if (unknown) refuse(name, `the "${unknown}" variant`);
  if (prefix === 'deit3') {
    if (variants.length) refuse(name, `the "${variants[0]}" variant of DeiT III`);
    return { ...f, layerScale: true, noEmbedClass: true };
  }
  if (has('clip')) {
    if (reg || has('gap') || has('dinov2')) refuse(name, 'a CLIP tower with registers or average pooling');
    return { ...f, preNorm: true, eps: 1e-5, act: has('quickgelu') ? 'quickgelu' : 'gelu' };
  }
  if (has('quickgelu')) refuse(name, 'QuickGELU outside a CLIP tower');
  if (has('dinov2')) {
    if (size === 'giant') refuse(name, 'a SwiGLU MLP (giant DINOv2)');
    if (hasImg || has('gap')) refuse(name, 'a DINOv2 variant');
    const registers = reg ? Number(reg[1]) : 0;
    return { ...f, layerScale: true, registers, noEmbedClass: registers > 0 };
  }
  if (has('gap')) {
    // Without registers timm's *_gap_* ViTs norm before the pool (fc_norm False).
    if (!reg) refuse(name, 'average pooling after the final norm (no fc_norm)');
    // timm's reg_gap ViTs all have layer scale but the base one.
    return { ...f, classToken: false, registers: Number(reg[1]), noEmbedClass: true, layerScale: size !== 'base', globalPool: 'avg' };
  }
  if (reg) refuse(name, `register tokens without a DINOv2 or gap variant (${reg[0]})`);
  return f;
}

/**
 * Reads what kind of ViT a timm config.json describes, refusing anything we do not run. Only
 * the config is needed (the hub client calls this before downloading the weights).
 */
export function inspectArchitecture(raw: Json): ArchitectureInfo {
  const name = configText(raw.architecture, '');
  const other = OTHER_FAMILIES.find(([re]) => re.test(name));
  if (other) refuse(name, other[1]);
  if (!/^(vit|deit)/.test(name)) {
    throw new Error(`config.json: architecture "${name}" is not a timm VisionTransformer (vit_*, deit_* or deit3_*)`);
  }
  const args = (raw.model_args ?? {}) as Json;
  const pre = (raw.pretrained_cfg ?? {}) as Json;
  for (const [key, isSet, what] of ARG_FEATURES) if (key in args && isSet(args[key])) refuse(name, what);
  for (const key of Object.keys(args)) if (!ARGS_READ.has(key)) refuse(name, `model_args.${key}`);

  const feature = NAME_FEATURES.find(([re]) => re.test(name));
  if (feature) refuse(name, feature[1]);
  const m = NAME.exec(name);
  const size = m ? SIZE_DIMS[m[2]] : undefined;
  let family: Family;
  if (m && size) {
    family = familyFromName(name, m[1], m[2], m[5].split('_').filter(Boolean), m[6] !== undefined);
  } else {
    // An unknown name still runs when model_args spell out every dim (a custom timm model).
    const spelled = ['embed_dim', 'depth', 'num_heads', 'patch_size', 'img_size'].every((k) => k in args);
    if (!spelled) {
      throw new Error(
        `config.json: architecture "${name}" is not a timm ViT we know (vit_<size>_patch<P>[_clip|_reg<N>_gap|_dinov2...]_<img>, deit[3]_<size>_patch<P>_<img>), and model_args does not give its dims`,
      );
    }
    family = { ...PLAIN_FAMILY };
  }
  if (m?.[3] || args.distilled === true) family.distilled = true;

  // model_args, when present, say what the model was built with.
  if (args.class_token !== undefined) family.classToken = args.class_token !== false;
  if (args.reg_tokens !== undefined) family.registers = Number(args.reg_tokens);
  if (args.init_values !== undefined) family.layerScale = args.init_values !== null;
  if (args.no_embed_class !== undefined) family.noEmbedClass = args.no_embed_class === true;
  if (args.pre_norm !== undefined) family.preNorm = args.pre_norm === true;
  if (args.act_layer !== undefined) family.act = args.act_layer === 'quick_gelu' ? 'quickgelu' : 'gelu';
  if (!Number.isInteger(family.registers) || family.registers < 0) refuse(name, `reg_tokens ${configText(args.reg_tokens, '')}`);

  const pool = configText(args.global_pool ?? raw.global_pool, family.globalPool);
  if (pool === 'map') refuse(name, 'attention pooling (global_pool "map", SigLIP)');
  if (pool !== 'token' && pool !== 'avg') refuse(name, pool ? `global_pool "${pool}"` : 'no pooling (global_pool "")');
  family.globalPool = pool;
  // timm puts fc_norm after the pool exactly when global_pool is avg, unless told otherwise.
  const fcNorm = (args.fc_norm as boolean | null | undefined) ?? family.globalPool === 'avg';
  if (family.globalPool === 'avg' && !fcNorm) refuse(name, 'average pooling after the final norm (no fc_norm)');
  if (family.globalPool === 'token' && fcNorm) refuse(name, 'fc_norm on the class token');
  if (family.globalPool === 'token' && !family.classToken) refuse(name, 'token pooling without a class token');
  if (family.distilled && family.globalPool !== 'token') refuse(name, 'a distillation token with average pooling');
  if (family.distilled && (family.registers > 0 || !family.classToken)) refuse(name, 'a distillation token with registers or without a class token');
  if (family.distilled && (raw.num_classes ?? pre.num_classes) === 0) refuse(name, 'a distillation token without a head');
  if (configText(pre.crop_mode, 'center') !== 'center') refuse(name, `crop_mode "${configText(pre.crop_mode, '')}" (only center crops are implemented)`);
  const inputSize = pre.input_size as number[] | undefined;
  if (Array.isArray(inputSize) && (inputSize.length !== 3 || inputSize[1] !== inputSize[2])) refuse(name, `non-square input_size [${inputSize}]`);
  if (Array.isArray(inputSize) && inputSize[0] !== 3) refuse(name, `${inputSize[0]} input channels`);

  squareSize(args.patch_size, 'patch_size', name);
  squareSize(args.img_size, 'img_size', name);
  return {
    name,
    ...family,
    fromName: m && size ? { ...size, patchSize: Number(m[4]), imgSize: m[6] === undefined ? undefined : Number(m[6]) } : {},
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
  [/^reg_token$/, 'register tokens, which config.json does not declare'],
  [/^cls_token$/, 'a class token, which config.json does not declare'],
  [/\.ls[12]\.gamma$/, 'layer scale (ls1/ls2), which config.json does not declare'],
  [/\.gamma_[12]$/, 'layer scale in BEiT form (gamma_1/gamma_2)'],
  [/\.attn\.[qk]_norm\./, 'qk-norm'],
  [/^norm_pre\./, 'pre-norm (norm_pre), which config.json does not declare'],
  [/^patch_embed\.proj\.bias$/, 'a patch-embedding bias, which a pre-norm (CLIP) tower does not have'],
  [/relative_position|rel_pos/, 'relative position bias'],
  [/^attn_pool\./, 'attention pooling'],
  [/\.attn\.norm\.|\.mlp\.norm\./, 'norms inside attention or the MLP'],
  [/\.mlp\.fc1_[gx]\.|\.mlp\.w12\./, 'a gated MLP (SwiGLU)'],
  [/^patch_embed\.backbone\./, 'a hybrid CNN stem'],
  [/^patch_embed\.norm\./, 'a norm on the patch embedding'],
  [/^(dist_token|head_dist\.)/, 'a distillation token, which config.json does not declare'],
  [/^fc_norm\./, 'fc_norm, which config.json does not declare (global_pool avg)'],
  [/^norm\./, 'a final norm before the pool, which an fc_norm model does not have'],
  [/^head\./, 'a classifier head, which config.json does not declare (num_classes 0)'],
];

/** The feature an unexpected tensor stands for, or a generic description. */
export function featureOfTensor(name: string): string {
  return TENSOR_FEATURES.find(([re]) => re.test(name))?.[1] ?? 'a tensor this architecture does not have';
}
