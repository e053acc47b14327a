// What the model sees, for display: the normalised input tensor turned back into pixels (for
// the groups' mean colours).
import type { ModelConfig } from '../../model/config';

/** CHW normalised float input -> imgSize^2 RGBA bytes (inverse of the normalisation only). */
export function inputToRgba(input: Float32Array, c: ModelConfig): Uint8ClampedArray {
  const n = c.imgSize * c.imgSize;
  if (input.length !== 3 * n) throw new Error(`input has ${input.length} values, expected ${3 * n}`);
  const out = new Uint8ClampedArray(n * 4);
  for (let ch = 0; ch < 3; ch++) {
    const m = c.mean[ch];
    const s = c.std[ch];
    for (let i = 0; i < n; i++) out[i * 4 + ch] = Math.round((input[ch * n + i] * s + m) * 255);
  }
  for (let i = 0; i < n; i++) out[i * 4 + 3] = 255;
  return out;
}
