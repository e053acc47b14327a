// In-memory weights of one ViT, shared by every backend: timm tensor names -> float32 data.
import { featureOfTensor } from './architecture';
import { expectedTensors, type ModelConfig } from './config';
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
  for (const [name, shape] of expected) {
    const t = tensors.get(name);
    if (!t) throw new Error(`${source}: tensor ${name} is missing (config.json describes ${describeArchitecture(config)})`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${source}: tensor ${name} has shape [${t.shape}], config implies [${shape}] (config.json and the weights disagree)`);
    }
    if (t.data.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`${source}: tensor ${name} has the wrong length`);
  }
}

/** E.g. "deit_small_distilled_patch16_224 (D=384, depth 12, distilled)" for error messages. */
function describeArchitecture(c: ModelConfig): string {
  const kind = c.distilled ? ', distilled' : c.globalPool === 'avg' ? ', avg pool + fc_norm' : '';
  return `${c.architecture} (D=${c.embedDim}, depth ${c.depth}${kind})`;
}

export function tensor(w: ViTWeights, name: string): Float32Array {
  const t = w.tensors.get(name);
  if (!t) throw new Error(`weights of ${w.config.id}: tensor ${name} is missing`);
  return t.data;
}
