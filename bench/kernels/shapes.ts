// The model shapes the kernel micro-benchmarks run on, from timm config names through the
// project's own config parser: ViT-Ti/16 and ViT-B/16 at 224 (the engine's model and the
// paper's), DeiT-S distilled (two prefix tokens: the patch embedding, final norm, head and ToMe
// cases with a distillation token), DINOv2 ViT-S/14 reg4 at 518 px (1374 tokens, registers, no
// head), CLIP B/16 with QuickGELU, betwixt reg4 gap (no class token, registers, avg pool), and
// tiny ones for the test that keeps every benchmark runnable.
import { parseTimmConfig, type ModelConfig } from '../../src/model/config';

function timm(id: string, architecture: string, numClasses: number, modelArgs: Record<string, number | boolean | string> = {}): ModelConfig {
  return parseTimmConfig(id, { architecture, num_classes: numClasses, model_args: modelArgs }, { labels: Array<string>(numClasses).fill('') });
}

export const BENCH_MODELS: Record<string, ModelConfig> = {
  vit_ti: timm('vit_ti', 'vit_tiny_patch16_224', 1000),
  vit_b: timm('vit_b', 'vit_base_patch16_224', 1000),
  deit_s_dist: timm('deit_s_dist', 'deit_small_distilled_patch16_224', 1000),
  dinov2_s_reg4: timm('dinov2_s_reg4', 'vit_small_patch14_reg4_dinov2', 0, { img_size: 518 }),
  clip_b16_quickgelu: timm('clip_b16_quickgelu', 'vit_base_patch16_clip_quickgelu_224', 1000),
  betwixt_reg4_gap: timm('betwixt_reg4_gap', 'vit_betwixt_patch16_reg4_gap_256', 1000),
};

const TINY_ARGS = { embed_dim: 24, depth: 2, num_heads: 2, img_size: 20, patch_size: 4, mlp_ratio: 2 };

/** D=24, 2 heads, a 5x5 grid of 4-pixel patches (T0 = 26), 10 classes. */
export const TINY_MODEL = timm('tiny', 'vit_tiny_patch4_20', 10, TINY_ARGS);

/** The same with a distillation token (T0 = 27). */
export const TINY_DISTILLED = timm('tiny_dist', 'deit_tiny_distilled_patch4_20', 10, TINY_ARGS);

/** The same without a class token, with 4 registers, layer scale and average pooling (T0 = 29). */
export const TINY_REGISTERS = timm('tiny_reg4', 'vit_tiny_patch4_reg4_gap_20', 10, TINY_ARGS);

/** ToMe's r for the matching and merge benchmarks (the engine's headline setting). */
export const BENCH_R = 13;
