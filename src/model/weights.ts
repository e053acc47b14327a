// In-memory weights of one ViT, shared by every backend: timm tensor names -> float32 data.
import { featureOfTensor } from './architecture';
import { expectedTensors, numPatches, type ModelConfig } from './config';
import type { RawTensor } from './safetensors';

export interface ViTWeights {
  config: ModelConfig;
  tensors: Map<string, RawTensor>;
}

/**
 * Checks that the tensors are exactly the ones the config implies, with its shapes. A tensor
 * the config does not account for names the feature it stands for (layer scale, registers...):
 * such a model would otherwise run without it and give wrong answers.
 */
export function checkTensors(config: ModelConfig, tensors: Map<string, RawTensor>, source: string): void {
  const expected = expectedTensors(config);
  const known = new Set(expected.map(([name]) => name));
  const extra = [...tensors.keys()].filter((name) => !known.has(name));
  if (extra.length) {
    throw new Error(
      `${source}: tensor ${extra[0]} (${featureOfTensor(extra[0])}) is not part of ${describeArchitecture(config)}${extra.length > 1 ? ` (nor ${extra.length - 1} more)` : ''}`,
    );
  }
  const checkShape = (name: string, shape: number[]) => {
    const t = tensors.get(name)!;
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(
        `${source}: tensor ${name} has shape [${t.shape}], config implies [${shape}] (config.json and the weights disagree${posEmbedHint(config, name, t.shape)})`,
      );
    }
    if (t.data.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`${source}: tensor ${name} has the wrong length`);
  };
  // The patch embedding first (other dims or patch size: nothing else would match either),
  // then missing tensors (each names a feature), then the other shapes.
  const patch = expected.find(([name]) => name === 'patch_embed.proj.weight')!;
  if (tensors.has(patch[0])) checkShape(...patch);
  for (const [name] of expected) {
    if (!tensors.has(name)) throw new Error(`${source}: tensor ${name} is missing (config.json describes ${describeArchitecture(config)})`);
  }
  for (const [name, shape] of expected) checkShape(name, shape);
}

/** Why pos_embed's rows differ when they differ by the prefix tokens: no_embed_class. */
function posEmbedHint(c: ModelConfig, name: string, shape: number[]): string {
  if (name !== 'pos_embed' || c.registers + (c.classToken ? 1 : 0) + (c.distilled ? 1 : 0) === 0) return '';
  return shape[1] === numPatches(c)
    ? ': its rows cover the patches only (no_embed_class)'
    : shape[1] > numPatches(c)
      ? ': it has rows for the prefix tokens too'
      : '';
}

/** E.g. "vit_small_patch14_reg4_dinov2 (D=384, depth 12, 4 registers, layer scale, no head)" for error messages. */
export function describeArchitecture(c: ModelConfig): string {
  const features = [
    c.distilled && 'distilled',
    !c.classToken && 'no class token',
    c.registers > 0 && `${c.registers} register${c.registers > 1 ? 's' : ''}`,
    c.layerScale && 'layer scale',
    c.noEmbedClass && 'pos_embed over the patches only',
    c.preNorm && 'pre-norm',
    c.act === 'quickgelu' && 'QuickGELU',
    c.globalPool === 'avg' && 'avg pool + fc_norm',
    c.numClasses === 0 && 'no head',
  ].filter(Boolean);
  return `${c.architecture} (D=${c.embedDim}, depth ${c.depth}${features.map((f) => `, ${f}`).join('')})`;
}

export function tensor(w: ViTWeights, name: string): Float32Array {
  const t = w.tensors.get(name);
  if (!t) throw new Error(`weights of ${w.config.id}: tensor ${name} is missing`);
  return t.data;
}
