// What the backends that run on the CPU (the reference and the ONNX Runtime path) feed their
// forward: any ModelInput as a preprocessed tensor, the pixels through the reference transform.
import { isFrame, isTensor, type ModelInput } from '../core/backend';
import type { ModelConfig } from '../model/config';
import { preprocess } from './preprocess';

// Per pixel buffer (a decoded image, a frame) and model: an image run under several settings
// (every slider move, every setting of an eval) is preprocessed once. Weak, so a dropped image
// takes its tensor along.
const tensors = new WeakMap<object, { config: ModelConfig; input: Float32Array }>();

export function inputTensor(x: ModelInput, config: ModelConfig): Float32Array {
  if (isTensor(x)) {
    const n = 3 * config.imgSize * config.imgSize;
    if (x.length !== n) throw new Error(`input: ${x.length} floats, expected 3x${config.imgSize}x${config.imgSize} = ${n}`);
    return x;
  }
  const hit = tensors.get(x);
  if (hit?.config === config) return hit.input;
  const { input } = preprocess(isFrame(x) ? x.pixels() : x, config);
  tensors.set(x, { config, input });
  return input;
}
