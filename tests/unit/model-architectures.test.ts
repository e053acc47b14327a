// Which timm configs load, read as the hub has them (mostly without model_args), and how every
// other architecture is refused: one line naming the feature, from config.json alone, and again
// from the tensors when a config hides it.
import { describe, expect, it } from 'vitest';
import { expectedTensors, numPatches, parseTimmConfig, prefixTokens } from '../../src/model/config';
import { metadataOf } from '../../src/model/manifest';
import { checkTensors } from '../../src/model/weights';
import imagenetLabels from '../../src/model/imagenet-labels.json';
import { hubConfig, randomTensors, SPECS, type TimmSpec } from '../support/timm-models';

const parse = (raw: Record<string, unknown>) => parseTimmConfig('m', raw, { labels: imagenetLabels });
const spec = (architecture: string, over: Partial<TimmSpec> = {}): Record<string, unknown> => hubConfig({ architecture, tag: 'x', ...over });

describe('supported configs', () => {
  it.each([
    ['vit_small_patch16_224', { embedDim: 384, depth: 12, numHeads: 6, patchSize: 16, imgSize: 224, mlpHidden: 1536 }],
    ['vit_base_patch32_384', { embedDim: 768, depth: 12, numHeads: 12, patchSize: 32, imgSize: 384 }],
    ['vit_large_patch16_224', { embedDim: 1024, depth: 24, numHeads: 16, patchSize: 16, imgSize: 224, mlpHidden: 4096 }],
    ['deit_tiny_patch16_224', { embedDim: 192, depth: 12, numHeads: 3, distilled: false }],
  ])('%s from the name alone (no model_args)', (arch, dims) => {
    const c = parse(spec(arch, { imgSize: Number(arch.split('_').pop()) }));
    expect(c).toMatchObject({ ...dims, globalPool: 'token', distilled: false, propAttnDefault: true });
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
      model_args: { embed_dim: 48, depth: 3, num_heads: 4, patch_size: 4, img_size: 16, mlp_ratio: 2 },
      pretrained_cfg: {},
    };
    expect(parse(custom)).toMatchObject({ embedDim: 48, depth: 3, mlpHidden: 96, labels: ['class 0', 'class 1', 'class 2', 'class 3', 'class 4'] });
  });
});

describe('refused from config.json alone', () => {
  const base = hubConfig(SPECS.vitS16);
  const args = (a: Record<string, unknown>) => ({ ...base, model_args: a });
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['deit3', spec('deit3_small_patch16_224'), /deit3_small_patch16_224 uses layer scale \(DeiT III, init_values\), which is not supported/],
    ['dinov2', spec('vit_small_patch14_dinov2'), /layer scale \(DINOv2/],
    ['registers', spec('vit_base_patch16_reg4_gap_256'), /register tokens/],
    ['relative position', spec('vit_relpos_base_patch16_224'), /relative position bias/],
    ['CLIP', spec('vit_base_patch16_clip_224'), /pre-norm \(norm_pre/],
    ['SigLIP', spec('vit_so400m_patch14_siglip_384'), /attention pooling without a class token/],
    ['gap', spec('vit_medium_patch16_gap_256'), /no class token/],
    ['hybrid', spec('vit_base_r50_s16_384'), /hybrid ResNet stem/],
    ['miil', spec('vit_base_patch16_224_miil'), /without qkv bias/],
    ['init_values', args({ init_values: 1e-5 }), /layer scale \(init_values, ls1\/ls2\)/],
    ['qk_norm', args({ qk_norm: true }), /qk-norm/],
    ['reg_tokens', args({ reg_tokens: 4 }), /register tokens/],
    ['class_token false', args({ class_token: false }), /no class token/],
    ['no_embed_class', args({ no_embed_class: true }), /no_embed_class/],
    ['pre_norm', args({ pre_norm: true }), /pre-norm/],
    ['dynamic_img_size', args({ dynamic_img_size: true }), /dynamic image size/],
    ['non-square patch', args({ patch_size: [16, 8] }), /non-square patch_size \(16x8\)/],
    ['non-square image', args({ img_size: [224, 160] }), /non-square img_size/],
    ['map pooling', args({ global_pool: 'map' }), /global_pool "map"/],
    ['avg without fc_norm', args({ global_pool: 'avg', fc_norm: false }), /average pooling without fc_norm/],
    ['fc_norm with token', args({ fc_norm: true }), /fc_norm on the class token/],
    ['quick_gelu', args({ act_layer: 'quick_gelu' }), /activation other than GELU/],
    ['unknown argument', args({ shiny_new_thing: 1 }), /model_args\.shiny_new_thing/],
    ['feature extractor', { ...base, num_classes: 0 }, /no classifier head/],
    ['squash crop', { ...base, pretrained_cfg: { ...(base.pretrained_cfg as object), crop_mode: 'squash' } }, /crop_mode "squash"/],
    ['non-square input', { ...base, pretrained_cfg: { ...(base.pretrained_cfg as object), input_size: [3, 224, 160] } }, /non-square input_size/],
    ['not a ViT', spec('beit_base_patch16_224'), /"beit_base_patch16_224" is not a timm VisionTransformer/],
    ['unknown ViT name', spec('vit_weird_patch16_224'), /is not a plain vit_<size>_patch<P>_<img>.*model_args does not give its dims/],
  ])('%s', (_, raw, re) => {
    expect(() => parse(raw)).toThrow(re);
    expect(() => parse(raw)).toThrow(/^config\.json: [^\n]+$/);
  });
});

describe('checked again against the tensors', () => {
  const c = parse(hubConfig(SPECS.smallVit));
  it.each([
    ['blocks.1.ls1.gamma', [32], /tensor blocks\.1\.ls1\.gamma \(layer scale \(ls1\/ls2\)\) is not part of vit_tiny_patch16_224 \(D=32, depth 2\)/],
    ['reg_token', [1, 4, 32], /register tokens/],
    ['norm_pre.weight', [32], /pre-norm/],
    ['blocks.0.attn.q_norm.weight', [16], /qk-norm/],
    ['dist_token', [1, 1, 32], /a distillation token, which config\.json does not declare/],
    ['fc_norm.weight', [32], /fc_norm, which config\.json does not declare/],
  ])('an extra %s names its feature', (name, shape, re) => {
    const t = randomTensors(c, 1);
    t.set(name, { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    expect(() => checkTensors(c, t, 'm/model.safetensors')).toThrow(re);
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
      /tensor cls_token has shape \[1,1,32\], config implies \[1,1,384\] \(config\.json and the weights disagree\)/,
    );
  });
});

describe('converted manifests from before these architectures', () => {
  it('read as plain class-token ViTs', () => {
    const { distilled: _, globalPool: __, ...old } = parse(hubConfig(SPECS.smallVit));
    const meta = metadataOf({ config: old, shards: [{ path: 'a.bin', bytes: 4, sha256: '0'.repeat(64) }] }, 'model.json');
    expect(meta.config).toMatchObject({ distilled: false, globalPool: 'token' });
  });
});
