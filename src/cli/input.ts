// Turns one CLI input (an image file or a preprocessed `.f32` tensor) into what a backend
// runs: a tensor, or decoded pixels that the WebGPU engine preprocesses on the GPU.
import { readFileSync, statSync } from 'node:fs';
import type { Backend, ForwardResult, Timing } from '../core/backend';
import type { ModelConfig } from '../model/config';
import { prepareLimits, type RawImage } from '../core/preprocess';
import { preprocess } from '../reference/preprocess';
import type { ToMeOptions } from '../core/tome';
import type { WebGpuBackend } from '../gpu/engine';
import { decodeImageFile } from './decode-node';

export type LoadedInput = { kind: 'tensor'; tensor: Float32Array } | { kind: 'image'; image: RawImage };

/**
 * Reads `path` for `backend`: a `.f32` as a tensor; an image decoded, then preprocessed here
 * (in TypeScript) unless the backend preprocesses on the GPU itself (runImages).
 */
export async function loadInput(path: string, backend: Backend): Promise<LoadedInput> {
  const { config } = backend;
  if (path.toLowerCase().endsWith('.f32')) return { kind: 'tensor', tensor: readF32(path, config) };
  // Very large photos are shrunk on load (antialiased) before the Pillow-exact resize.
  const image = await decodeImageFile(path, prepareLimits(config));
  if (!hasRunImages(backend)) return { kind: 'tensor', tensor: preprocess(image, config).input };
  return { kind: 'image', image };
}

function hasRunImages(backend: Backend): backend is WebGpuBackend {
  return backend.name === 'webgpu' && typeof (backend as Partial<WebGpuBackend>).runImages === 'function';
}

/**
 * One forward of `inputs`. On the WebGPU engine a batch of images goes to runImages, so the
 * preprocessing runs on the GPU in the forward's submission; a batch mixing images and `.f32`
 * tensors has its images preprocessed here in TypeScript (bit-identical) and goes to run().
 */
export function runInputs(backend: Backend, inputs: LoadedInput[], opts: ToMeOptions): Promise<{ results: ForwardResult[]; timing: Timing }> {
  const images = inputs.flatMap((x) => (x.kind === 'image' ? [x.image] : []));
  if (hasRunImages(backend) && images.length === inputs.length) return backend.runImages(images, opts);
  return backend.run(
    inputs.map((x) => (x.kind === 'tensor' ? x.tensor : preprocess(x.image, backend.config).input)),
    opts,
  );
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
