// Which timm configs load, read as the hub has them (mostly without model_args), and how every
// other architecture is refused: one line naming the feature, from config.json alone, and again
// from the tensors when a config hides it or the name and the weights disagree.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedTensors, isHeadless, numPatches, parseTimmConfig, prefixTokens } from '../../src/model/config';
import { metadataOf } from '../../src/model/manifest';
import type { RawTensor } from '../../src/model/safetensors';
import { checkTensors } from '../../src/model/weights';
import imagenetLabels from '../../src/model/imagenet-labels.json';
import { ARCHS_WEIGHTS, archModels, loadArchModel } from '../support/golden-archs';
import { hubConfig, randomTensors, SPECS, type TimmSpec } from '../support/timm-models';

const parse = (raw: Record<string, unknown>) => parseTimmConfig('m', raw, { labels: imagenetLabels });
const spec = (architecture: string, over: Partial<TimmSpec> = {}): Record<string, unknown> => hubConfig({ architecture, tag: 'x', ...over });
const CLIP_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

describe('supported configs', () => {
  it.each([
    ['vit_small_patch16_224', { embedDim: 384, depth: 12, numHeads: 6, patchSize: 16, imgSize: 224, mlpHidden: 1536 }],
    ['vit_base_patch32_384', { embedDim: 768, depth: 12, numHeads: 12, patchSize: 32, imgSize: 384 }],
    ['vit_large_patch16_224', { embedDim: 1024, depth: 24, numHeads: 16, patchSize: 16, imgSize: 224, mlpHidden: 4096 }],
    ['deit_tiny_patch16_224', { embedDim: 192, depth: 12, numHeads: 3, distilled: false }],
  ])('%s from the name alone (no model_args)', (arch, dims) => {
    const c = parse(spec(arch, { imgSize: Number(arch.split('_').pop()) }));
    expect(c).toMatchObject({ ...dims, globalPool: 'token', distilled: false, propAttnDefault: true, classToken: true, registers: 0, layerScale: false });
    expect(c.labels).toEqual(imagenetLabels);
  });

  it('DeiT distilled: two prefix tokens, pos_embed over both, a second head', () => {
    const c = parse(spec('deit_base_distilled_patch16_384', { imgSize: 384 }));
    expect(c).toMatchObject({ embedDim: 768, imgSize: 384, distilled: true, globalPool: 'token' });
    expect(prefixTokens(c)).toBe(2);
    const shapes = new Map(expectedTensors(c));
    expect(shapes.get('dist_token')).toEqual([1, 1, 768]);
    expect(shapes.get('pos_embed')).toEqual([1, numPatches(c) + 2, 768]);
    expect(shapes.get('head_dist.weight')).toEqual([1000, 768]);
  });

  it('global_pool avg: fc_norm instead of the final norm, proportional attention off by default', () => {
    const c = parse(hubConfig(SPECS.vitTiAvg));
    expect(c).toMatchObject({ globalPool: 'avg', distilled: false, propAttnDefault: false });
    const names = expectedTensors(c).map(([n]) => n);
    expect(names).toContain('fc_norm.weight');
    expect(names).not.toContain('norm.weight');
  });

  it('model_args override the name, and spell out a custom model', () => {
    expect(parse(hubConfig(SPECS.smallVit))).toMatchObject({ embedDim: 32, depth: 2, numHeads: 2, patchSize: 8, imgSize: 32, numClasses: 10 });
    const custom = {
      architecture: 'vit_custom',
      num_classes: 5,
      model_args: { embed_dim: 48, depth: 3, num_heads: 4, patch_size: 4, img_size: 16, mlp_ratio: 2, reg_tokens: 2, init_values: 1e-5 },
      pretrained_cfg: {},
    };
    expect(parse(custom)).toMatchObject({
      embedDim: 48,
      depth: 3,
      mlpHidden: 96,
      registers: 2,
      layerScale: true,
      labels: ['class 0', 'class 1', 'class 2', 'class 3', 'class 4'],
    });
  });
});

// The hub's config.json of real models (no model_args; their pretrained_cfg as timm has it):
// what each family reads as.
describe('the families people bring, from the hub config alone', () => {
  it.each<[string, Partial<TimmSpec>, Record<string, unknown>]>([
    [
      'deit3_small_patch16_224.fb_in1k',
      { cropPct: 1.0 },
      { embedDim: 384, depth: 12, layerScale: true, noEmbedClass: true, classToken: true, registers: 0, preNorm: false, eps: 1e-6, numClasses: 1000 },
    ],
    [
      'vit_base_patch16_clip_224.openai_ft_in12k_in1k',
      { cropPct: 0.95, mean: CLIP_MEAN, std: CLIP_STD },
      { embedDim: 768, preNorm: true, eps: 1e-5, act: 'gelu', layerScale: false, noEmbedClass: false, mean: CLIP_MEAN, cropPct: 0.95 },
    ],
    [
      'vit_large_patch14_clip_quickgelu_224.openai',
      { numClasses: 768, mean: CLIP_MEAN, std: CLIP_STD },
      { embedDim: 1024, depth: 24, patchSize: 14, preNorm: true, eps: 1e-5, act: 'quickgelu', numClasses: 768 },
    ],
    [
      'vit_small_patch14_dinov2.lvd142m',
      { numClasses: 0, imgSize: 518, cropPct: 1.0 },
      { embedDim: 384, patchSize: 14, imgSize: 518, layerScale: true, registers: 0, noEmbedClass: false, classToken: true, numClasses: 0, labels: [] },
    ],
    [
      'vit_base_patch14_reg4_dinov2.lvd142m',
      { numClasses: 0, imgSize: 518, cropPct: 1.0 },
      { embedDim: 768, patchSize: 14, imgSize: 518, layerScale: true, registers: 4, noEmbedClass: true, classToken: true, numClasses: 0 },
    ],
    [
      'vit_base_patch16_reg4_gap_256.sbb_in1k',
      { imgSize: 256, globalPool: 'avg', cropPct: 0.95 },
      { embedDim: 768, classToken: false, registers: 4, noEmbedClass: true, layerScale: false, globalPool: 'avg', propAttnDefault: false },
    ],
    [
      'vit_betwixt_patch16_reg4_gap_256.sbb_in12k_ft_in1k',
      { imgSize: 256, globalPool: 'avg' },
      { embedDim: 640, numHeads: 10, classToken: false, registers: 4, layerScale: true, globalPool: 'avg' },
    ],
    ['vit_little_patch16_reg1_gap_256.sbb_in12k', { imgSize: 256, globalPool: 'avg', numClasses: 11821 }, { embedDim: 320, mlpHidden: 1792, registers: 1 }],
    ['vit_base_patch16_224.mae', { numClasses: 0 }, { embedDim: 768, numClasses: 0, layerScale: false, classToken: true }],
  ])('%s', (id, over, expected) => {
    const c = parseTimmConfig(id, spec(id.split('.')[0], over), { labels: imagenetLabels });
    expect(c).toMatchObject(expected);
    expect(isHeadless(c)).toBe(expected.numClasses === 0);
  });

  it('a headless model with its default tag still listing 1000 classes: the top-level num_classes counts', () => {
    const c = parse(spec('vit_small_patch16_224', { numClasses: 0, pretrainedNumClasses: 1000, labelNames: undefined }));
    expect(c.numClasses).toBe(0);
    const names = expectedTensors(c).map(([n]) => n);
    expect(names).not.toContain('head.weight');
    expect(names).toContain('norm.weight');
  });

  it('registers and no class token in the tensor list: reg_token, no cls_token, pos_embed over the patches', () => {
    const c = parse(spec('vit_betwixt_patch16_reg4_gap_256', { imgSize: 256, globalPool: 'avg' }));
    const shapes = new Map(expectedTensors(c));
    expect(shapes.has('cls_token')).toBe(false);
    expect(shapes.get('reg_token')).toEqual([1, 4, 640]);
    expect(shapes.get('pos_embed')).toEqual([1, 256, 640]);
    expect(shapes.get('blocks.11.ls2.gamma')).toEqual([640]);
    expect(prefixTokens(c)).toBe(4);
  });

  it('a CLIP tower: norm_pre, and no patch-embedding bias', () => {
    const names = expectedTensors(parse(spec('vit_base_patch16_clip_224'))).map(([n]) => n);
    expect(names).toContain('norm_pre.weight');
    expect(names).not.toContain('patch_embed.proj.bias');
  });
});

describe('the golden-archs models: config.json as timm writes it, read as timm defines the architecture', () => {
  it.each(Object.entries(archModels()))('%s', (id, facts) => {
    const raw = JSON.parse(readFileSync(join(ARCHS_WEIGHTS, id, 'config.json'), 'utf8')) as Record<string, unknown>;
    const c = parseTimmConfig(id, raw);
    expect({
      class_token: c.classToken,
      registers: c.registers,
      layer_scale: c.layerScale,
      pre_norm: c.preNorm,
      head: !isHeadless(c),
      num_classes: c.numClasses,
      global_pool: c.globalPool,
      fc_norm: c.globalPool === 'avg',
      no_embed_class: c.noEmbedClass,
      layernorm_eps: c.eps,
      act: c.act === 'quickgelu' ? 'QuickGELU' : 'GELU',
      patch_embed_bias: !c.preNorm,
      depth: c.depth,
      embed_dim: c.embedDim,
      num_heads: c.numHeads,
      patch_size: c.patchSize,
      patch_grid: [c.imgSize / c.patchSize, c.imgSize / c.patchSize],
      pos_embed_len: expectedTensors(c).find(([n]) => n === 'pos_embed')![1][1],
      crop: c.imgSize,
      resize_shorter: Math.floor(c.imgSize / c.cropPct),
      mean: c.mean,
      std: c.std,
    }).toEqual({
      ...Object.fromEntries(
        Object.entries(facts).filter(
          ([k]) => !['architecture', 'weights_sha256', 'config_sha256', 'preprocess', 'prop_attn', 'distill_token', 'output', 'num_features'].includes(k),
        ),
      ),
      crop: facts.preprocess.crop,
      resize_shorter: facts.preprocess.resize_shorter,
      mean: facts.preprocess.mean,
      std: facts.preprocess.std,
    });
    // And the weights match that reading exactly (readTimmDir checks every tensor).
    expect(loadArchModel(id).config.architecture).toBe(facts.architecture);
  });
});

describe('refused from config.json alone', () => {
  const base = hubConfig(SPECS.vitS16);
  const args = (a: Record<string, unknown>) => ({ ...base, model_args: a });
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['EVA-02', spec('eva02_base_patch14_224'), /eva02_base_patch14_224 uses rotary position embedding \(EVA-02\), which is not supported/],
    ['BEiT', spec('beit_base_patch16_224'), /beit_base_patch16_224 uses relative position bias \(BEiT\)/],
    ['SigLIP', spec('vit_so400m_patch14_siglip_384'), /attention pooling without a class token \(SigLIP/],
    ['SigLIP base', spec('vit_base_patch16_siglip_224'), /SigLIP, global_pool "map"/],
    ['map pooling', args({ global_pool: 'map' }), /attention pooling \(global_pool "map"/],
    ['relative position', spec('vit_relpos_base_patch16_224'), /relative position bias/],
    ['gap without registers', spec('vit_medium_patch16_gap_256'), /average pooling after the final norm/],
    ['giant DINOv2', spec('vit_giant_patch14_dinov2'), /SwiGLU MLP \(giant DINOv2\)/],
    ['a ViT plus', spec('vit_base_patch16_plus_240'), /"plus" variant/],
    ['hybrid', spec('vit_base_r50_s16_384'), /hybrid ResNet stem/],
    ['miil', spec('vit_base_patch16_224_miil'), /without qkv bias/],
    ['qk_norm', args({ qk_norm: true }), /qk-norm/],
    ['dynamic_img_size', args({ dynamic_img_size: true }), /dynamic image size/],
    ['non-square patch', args({ patch_size: [16, 8] }), /non-square patch_size \(16x8\)/],
    ['non-square image', args({ img_size: [224, 160] }), /non-square img_size/],
    ['avg without fc_norm', args({ global_pool: 'avg', fc_norm: false }), /average pooling after the final norm/],
    ['fc_norm with token', args({ fc_norm: true }), /fc_norm on the class token/],
    ['token pool without a class token', args({ class_token: false }), /token pooling without a class token/],
    ['silu', args({ act_layer: 'silu' }), /activation other than GELU or QuickGELU/],
    ['unknown argument', args({ shiny_new_thing: 1 }), /model_args\.shiny_new_thing/],
    ['squash crop', { ...base, pretrained_cfg: { ...(base.pretrained_cfg as object), crop_mode: 'squash' } }, /crop_mode "squash"/],
    ['non-square input', { ...base, pretrained_cfg: { ...(base.pretrained_cfg as object), input_size: [3, 224, 160] } }, /non-square input_size/],
    ['not a ViT', spec('convnext_tiny'), /"convnext_tiny" is not a timm VisionTransformer/],
    ['unknown ViT name', spec('vit_weird_patch16_224'), /is not a timm ViT we know.*model_args does not give its dims/],
  ])('%s', (_, raw, re) => {
    expect(() => parse(raw)).toThrow(re);
    expect(() => parse(raw)).toThrow(/^config\.json: [^\n]+$/);
  });
});

describe('checked again against the tensors: a contradiction is one line naming it', () => {
  const c = parse(hubConfig(SPECS.smallVit));
  const withExtra = (name: string, shape: number[]) => {
    const t = randomTensors(c, 1);
    t.set(name, { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    return t;
  };
  it.each([
    [
      'blocks.1.ls1.gamma',
      [32],
      /tensor blocks\.1\.ls1\.gamma \(layer scale \(ls1\/ls2\), which config\.json does not declare\) is not part of vit_tiny_patch16_224 \(D=32, depth 2\)/,
    ],
    ['reg_token', [1, 4, 32], /register tokens/],
    ['norm_pre.weight', [32], /pre-norm/],
    ['blocks.0.attn.q_norm.weight', [16], /qk-norm/],
    ['dist_token', [1, 1, 32], /a distillation token, which config\.json does not declare/],
    ['fc_norm.weight', [32], /fc_norm, which config\.json does not declare/],
  ])('an extra %s names its feature', (name, shape, re) => {
    expect(() => checkTensors(c, withExtra(name, shape), 'm/model.safetensors')).toThrow(re);
  });

  const small = (architecture: string, extra: Record<string, unknown> = {}, over: Partial<TimmSpec> = {}) =>
    parse(hubConfig({ ...SPECS.smallVit, architecture, ...over, modelArgs: { ...SPECS.smallVit.modelArgs, ...extra } }));
  const tensorsOf = (cfg: ReturnType<typeof parse>): Map<string, RawTensor> => randomTensors(cfg, 2);
  it.each<[string, ReturnType<typeof parse>, ReturnType<typeof parse>, RegExp]>([
    [
      'deit3 weights without layer scale',
      small('deit3_small_patch16_224'),
      small('vit_small_patch16_224'),
      /tensor blocks\.0\.ls1\.gamma is missing \(config\.json describes deit3_small_patch16_224 \(D=32, depth 2, layer scale/,
    ],
    [
      'a base reg4 gap (no layer scale in timm) with gammas',
      small('vit_base_patch16_reg4_gap_256', {}, { globalPool: 'avg' }),
      small('vit_betwixt_patch16_reg4_gap_256', {}, { globalPool: 'avg' }),
      /ls1\.gamma \(layer scale \(ls1\/ls2\), which config\.json does not declare\)/,
    ],
    [
      'a headless config over weights with a head',
      small('vit_small_patch16_224', {}, { numClasses: 0 }),
      small('vit_small_patch16_224'),
      /head\.(weight|bias) \(a classifier head, which config\.json does not declare \(num_classes 0\)\)/,
    ],
    [
      'a CLIP config over weights with a patch bias',
      small('vit_base_patch16_clip_224'),
      small('vit_base_patch16_224'),
      /patch_embed\.proj\.bias \(a patch-embedding bias, which a pre-norm \(CLIP\) tower does not have\)/,
    ],
    [
      'a model without a class token over weights with one',
      small('vit_small_patch16_reg4_gap_256', {}, { globalPool: 'avg' }),
      small('vit_small_patch16_reg4_gap_256', { class_token: true, no_embed_class: true }, { globalPool: 'avg' }),
      /tensor cls_token \(a class token, which config\.json does not declare\)/,
    ],
    [
      'registers missing',
      small('vit_small_patch14_reg4_dinov2'),
      small('vit_small_patch14_dinov2'),
      /tensor reg_token is missing \(config\.json describes vit_small_patch14_reg4_dinov2 \(D=32, depth 2, 4 registers/,
    ],
  ])('%s', (_, config, weightsOf, re) => {
    expect(() => checkTensors(config, tensorsOf(weightsOf), 'm/model.safetensors')).toThrow(re);
    expect(() => checkTensors(config, tensorsOf(weightsOf), 'm/model.safetensors')).toThrow(/^m\/model\.safetensors: [^\n]+$/);
  });

  it('a distilled config over plain tensors: the missing token is named', () => {
    const d = parse(hubConfig(SPECS.smallDistilled));
    expect(() => checkTensors(d, randomTensors(c, 1), 'm/model.safetensors')).toThrow(
      /^m\/model\.safetensors: tensor dist_token is missing \(config\.json describes deit_tiny_distilled_patch16_224 \(D=32, depth 2, distilled\)\)$/,
    );
  });

  it('other dims than the config: one line saying they disagree', () => {
    const bigger = parse(hubConfig(SPECS.vitS16));
    expect(() => checkTensors(bigger, randomTensors(c, 1), 'm/model.safetensors')).toThrow(
      /tensor patch_embed\.proj\.weight has shape \[32,3,8,8\], config implies \[384,3,16,16\] \(config\.json and the weights disagree\)/,
    );
  });
});

describe('converted manifests from before these architectures', () => {
  it('read as plain class-token ViTs', () => {
    const {
      distilled: _d,
      globalPool: _g,
      classToken: _c,
      registers: _r,
      layerScale: _l,
      noEmbedClass: _n,
      preNorm: _p,
      act: _a,
      ...old
    } = parse(hubConfig(SPECS.smallVit));
    const meta = metadataOf({ config: old, shards: [{ path: 'a.bin', bytes: 4, sha256: '0'.repeat(64) }] }, 'model.json');
    expect(meta.config).toMatchObject({
      distilled: false,
      globalPool: 'token',
      classToken: true,
      registers: 0,
      layerScale: false,
      noEmbedClass: false,
      preNorm: false,
      act: 'gelu',
    });
  });
});
