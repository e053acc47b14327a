// Turns one CLI input (an image file or a preprocessed `.f32` tensor) into the model's input.
import { readFileSync, statSync } from 'node:fs';
import type { ModelConfig } from '../model/config';
import { prepareLimits, preprocess } from '../model/preprocess';
import { decodeImageFile } from './decode-node';

export async function loadInput(path: string, config: ModelConfig): Promise<Float32Array> {
  if (path.toLowerCase().endsWith('.f32')) return readF32(path, config);
  // Very large photos are shrunk on load (antialiased) before the Pillow-exact resize.
  const image = await decodeImageFile(path, prepareLimits(config));
  return preprocess(image, config).input;
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
