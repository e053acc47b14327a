// In-memory weights of one ViT, shared by every backend: timm tensor names -> float32 data.
import { expectedTensors, type ModelConfig } from './config';
import type { RawTensor } from './safetensors';

export interface ViTWeights {
  config: ModelConfig;
  tensors: Map<string, RawTensor>;
}

/** Checks that every tensor a plain ViT needs is present with the shape the config implies. */
export function checkTensors(config: ModelConfig, tensors: Map<string, RawTensor>, source: string): void {
  for (const [name, shape] of expectedTensors(config)) {
    const t = tensors.get(name);
    if (!t) throw new Error(`${source}: tensor ${name} is missing`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${source}: tensor ${name} has shape [${t.shape}], config implies [${shape}]`);
    }
    if (t.data.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`${source}: tensor ${name} has the wrong length`);
  }
}

export function tensor(w: ViTWeights, name: string): Float32Array {
  const t = w.tensors.get(name);
  if (!t) throw new Error(`weights of ${w.config.id}: tensor ${name} is missing`);
  return t.data;
}
