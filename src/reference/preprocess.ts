// The CPU reference of timm's eval transform (rules in src/core/preprocess.ts): Pillow's
// separable 8-bit resampler over the cropped window, then the normalisation table. The oracle
// for the GPU kernel, and the input path of the CPU backends.
import type { ModelConfig } from '../model/config';
import { checkPixels, HALF, ONE, normalizeLut, resamplePlan, type Preprocessed, type RawImage } from '../core/preprocess';

/** clip8: arithmetic shift of the accumulator, then clamp to 0..255. */
function clip8(acc: number): number {
  const v = Math.floor(acc / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** The model input for decoded pixels: Pillow-exact resize, crop, normalise (float32 CHW). */
export function preprocess(image: RawImage, config: ModelConfig): Preprocessed {
  checkPixels(image);
  const { data, width, height, channels } = image;
  const plan = resamplePlan(width, height, config);
  const S = config.imgSize;
  const { cols, rows, rowFirst, rowEnd } = plan;

  // Horizontal pass over the source rows in use, cropped columns only; 8-bit result (RGB).
  const nRows = rowEnd - rowFirst;
  const temp = new Uint8Array(nRows * S * 3);
  for (let r = 0; r < nRows; r++) {
    const rowBase = (rowFirst + r) * width;
    for (let j = 0; j < S; j++) {
      let a0 = HALF;
      let a1 = HALF;
      let a2 = HALF;
      const start = cols.start[j];
      const wBase = j * cols.ksize;
      for (let k = 0; k < cols.taps[j]; k++) {
        const w = cols.weights[wBase + k];
        const p = (rowBase + start + k) * channels;
        a0 += data[p] * w;
        a1 += data[p + 1] * w;
        a2 += data[p + 2] * w;
      }
      const t = (r * S + j) * 3;
      temp[t] = clip8(a0);
      temp[t + 1] = clip8(a1);
      temp[t + 2] = clip8(a2);
    }
  }

  // Vertical pass on the cropped rows, then the per-channel normalisation table.
  const lut = normalizeLut(config);
  const input = new Float32Array(3 * S * S);
  for (let i = 0; i < S; i++) {
    const start = rows.start[i] - rowFirst;
    const wBase = i * rows.ksize;
    for (let j = 0; j < S; j++) {
      let a0 = HALF;
      let a1 = HALF;
      let a2 = HALF;
      for (let k = 0; k < rows.taps[i]; k++) {
        const w = rows.weights[wBase + k];
        const t = ((start + k) * S + j) * 3;
        a0 += temp[t] * w;
        a1 += temp[t + 1] * w;
        a2 += temp[t + 2] * w;
      }
      const o = i * S + j;
      input[o] = lut[clip8(a0)];
      input[S * S + o] = lut[256 + clip8(a1)];
      input[2 * S * S + o] = lut[512 + clip8(a2)];
    }
  }
  return { input, geometry: plan.geometry };
}
