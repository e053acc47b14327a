// Turns one CLI input (an image file or a preprocessed `.f32` tensor) into a ModelInput: the
// tensor, or the decoded pixels (each backend preprocesses them where it is cheapest).
import { readFileSync, statSync } from 'node:fs';
import type { ModelInput } from '../core/backend';
import { prepareLimits } from '../core/preprocess';
import type { ModelConfig } from '../model/config';
import { decodeImageFile } from './decode-node';

/** Reads `path` for a model: a `.f32` as its tensor; an image decoded (very large photos are
 * shrunk on load, antialiased, before the Pillow-exact resize). */
export async function loadInput(path: string, config: ModelConfig): Promise<ModelInput> {
  if (path.toLowerCase().endsWith('.f32')) return readF32(path, config);
  return decodeImageFile(path, prepareLimits(config));
}

function readF32(path: string, config: ModelConfig): Float32Array {
  const expected = 3 * config.imgSize * config.imgSize * 4;
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new Error(`${path}: no such file`);
  }
  if (size !== expected) {
    throw new Error(`${path}: .f32 input has ${size} bytes, expected ${expected} (float32 CHW 3x${config.imgSize}x${config.imgSize})`);
  }
  const bytes = readFileSync(path);
  const out = new Float32Array(expected / 4);
  new Uint8Array(out.buffer).set(bytes);
  if (!out.every(Number.isFinite)) throw new Error(`${path}: .f32 input holds NaN or infinite values`);
  return out;
}
