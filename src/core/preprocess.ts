// timm's eval transform, exactly as torchvision applies it to a PIL image: resize the shorter
// side to floor(S / crop_pct) with Pillow's 8-bit resampler, center-crop S x S, /255, then
// (x - mean) / std, as float32 CHW. This file holds the transform's rules, shared by every
// implementation: the crop geometry, Pillow's fixed-point coefficient windows, the
// normalisation table and the decode size policy. The pixel loops live beside their backend:
// src/reference/preprocess.ts (the reference) and src/gpu/preprocess.ts + preprocess.wgsl.
//
// Only the S x S crop is ever computed: every output pixel of Pillow's separable resize depends
// only on its own row/column coefficient windows, so resampling just the cropped columns (and the
// source rows the cropped rows need) gives the same bytes as resizing the whole image and then
// cropping, at a cost independent of the resized size (a 1 x 20000 image resizes to
// 248 x 4,960,000 in Pillow; here it still costs S x S pixels).
import { resizeShorter, type Interpolation, type ModelConfig } from '../model/config';

/** Decoded 8-bit pixels, row-major, interleaved: RGB or RGBA (alpha ignored). What every
 * backend's preprocessing starts from (the CPU reference here, the GPU kernel in src/gpu). */
export interface RawImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels: 3 | 4;
}

/** Refuses pixels that are not what RawImage promises (they may come from untyped code). */
export function checkPixels({ data, width, height, channels }: RawImage): void {
  const c: number = channels;
  if (c !== 3 && c !== 4) throw new Error(`preprocess: ${c} channels (expected RGB or RGBA)`);
  if (data.length < width * height * c) throw new Error(`preprocess: ${data.length} bytes for a ${width}x${height}x${c} image`);
}

export interface PreprocessGeometry {
  /** Source size [w, h]. */
  origSize: [number, number];
  /** Size after the shorter-side resize [w, h]. */
  resized: [number, number];
  /**
   * Top-left corner of the S x S crop inside the resized image [x, y]. Negative when the resized
   * image is smaller than S (crop_pct > 1): torchvision then zero-pads, and so do we.
   */
  cropLeftTop: [number, number];
}

export interface Preprocessed {
  /** float32 CHW, 3 x S x S, normalised. */
  input: Float32Array;
  geometry: PreprocessGeometry;
}

// Pillow's fixed-point format for 8-bit resampling (Resample.c): 32 bits minus 8 for the pixel
// value minus 2 for overflow of filters with negative lobes.
export const PRECISION_BITS = 32 - 8 - 2;
export const ONE = 2 ** PRECISION_BITS;
/** Rounding offset Pillow starts every accumulator at. */
export const HALF = 2 ** (PRECISION_BITS - 1);

/** Python's round(): half to even (torchvision's center_crop uses it). */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** The crop of the eval transform in source pixels (draws the sharp original under the overlay). */
export function cropInSource(g: PreprocessGeometry, imgSize: number): { x: number; y: number; w: number; h: number } {
  const sx = g.origSize[0] / g.resized[0];
  const sy = g.origSize[1] / g.resized[1];
  return { x: g.cropLeftTop[0] * sx, y: g.cropLeftTop[1] * sy, w: imgSize * sx, h: imgSize * sy };
}

/** torchvision resize(int) + center_crop(S) geometry for a w x h image. */
export function preprocessGeometry(width: number, height: number, config: ModelConfig): PreprocessGeometry {
  const target = resizeShorter(config);
  const S = config.imgSize;
  // torchvision: new_long = int(size * long / short), a float division then truncation.
  const [rw, rh] = width <= height ? [target, Math.floor((target * height) / width)] : [Math.floor((target * width) / height), target];
  return { origSize: [width, height], resized: [rw, rh], cropLeftTop: [cropOffset(rw, S), cropOffset(rh, S)] };
}

function cropOffset(size: number, crop: number): number {
  // Larger: round((size - crop) / 2) half to even. Smaller: torchvision pads (crop - size) // 2
  // zeros on the left/top first, so the crop starts that far before the image.
  return size >= crop ? roundHalfEven((size - crop) / 2) : -Math.floor((crop - size) / 2);
}

/**
 * Fixed-point coefficient windows for `count` consecutive outputs starting at `first` of a 1-D
 * resize inSize -> outSize. Output j reads inputs start[j] .. start[j]+taps[j]-1 with integer
 * weights weights[j*ksize + k]. Outputs outside [0, outSize) (crop padding) get no taps, so
 * they come out as 0 like torchvision's padding.
 */
export interface ResampleTaps {
  ksize: number;
  start: Int32Array;
  taps: Int32Array;
  weights: Int32Array;
}

interface Filter {
  support: number;
  fn: (x: number) => number;
}

// Pillow's filters, evaluated in double with the same operation order as Resample.c.
const BICUBIC: Filter = {
  support: 2,
  fn: (x) => {
    const a = -0.5;
    if (x < 0) x = -x;
    if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
    if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
    return 0;
  },
};
const BILINEAR: Filter = {
  support: 1,
  fn: (x) => {
    if (x < 0) x = -x;
    return x < 1 ? 1 - x : 0;
  },
};

/** Pillow's `(int)(0.5 + k * 2^22)` / `(int)(-0.5 + k * 2^22)`: round half away from zero. */
function toFixed(k: number): number {
  return Math.trunc(k < 0 ? -0.5 + k * ONE : 0.5 + k * ONE);
}

export function resampleTaps(inSize: number, outSize: number, first: number, count: number, interpolation: Interpolation): ResampleTaps {
  if (interpolation === 'nearest') return nearestTaps(inSize, outSize, first, count);
  const filter = interpolation === 'bicubic' ? BICUBIC : BILINEAR;
  // precompute_coeffs: the support widens by the downscale factor (antialiasing).
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = filter.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const out: ResampleTaps = {
    ksize,
    start: new Int32Array(count),
    taps: new Int32Array(count),
    weights: new Int32Array(count * ksize),
  };
  const ss = 1 / filterscale;
  const w = new Float64Array(ksize);
  for (let j = 0; j < count; j++) {
    const xx = first + j;
    if (xx < 0 || xx >= outSize) continue;
    const center = (xx + 0.5) * scale;
    // C's (int) cast truncates toward zero.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      w[x] = filter.fn((x + xmin - center + 0.5) * ss);
      ww += w[x];
    }
    for (let x = 0; x < xmax; x++) {
      out.weights[j * ksize + x] = toFixed(ww !== 0 ? w[x] / ww : w[x]);
    }
    out.start[j] = xmin;
    out.taps[j] = xmax;
  }
  return out;
}

/**
 * Pillow's NEAREST resize goes through ImagingScaleAffine, not the resampler: source index
 * COORD(x0) with x0 = a/2 accumulated by a = in/out per output. As a one-tap window of
 * weight 1.0 the resampler's arithmetic reproduces it exactly, so one code path serves all.
 */
function nearestTaps(inSize: number, outSize: number, first: number, count: number): ResampleTaps {
  const out: ResampleTaps = {
    ksize: 1,
    start: new Int32Array(count),
    taps: new Int32Array(count),
    weights: new Int32Array(count),
  };
  const a = inSize / outSize;
  let xo = a * 0.5;
  // The accumulation order matters for bit-exactness on long rows, so walk from 0.
  for (let xx = 0; xx < first + count; xx++, xo += a) {
    const j = xx - first;
    if (j < 0) continue;
    const xin = xo < 0 ? -1 : Math.trunc(xo);
    if (xin < 0 || xin >= inSize) continue;
    out.start[j] = xin;
    out.taps[j] = 1;
    out.weights[j] = ONE;
  }
  return out;
}

/**
 * 256-entry float32 tables per channel: v -> (float32(v) / 255 - mean) / std, each step rounded
 * to float32 as torch does (ToTensor divides in float32, Normalize subtracts and divides by
 * float32 mean/std). Shared with the GPU kernel, whose f32 division is not correctly rounded.
 */
export function normalizeLut(config: ModelConfig): Float32Array<ArrayBuffer> {
  const lut = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    const mean = Math.fround(config.mean[c]);
    const std = Math.fround(config.std[c]);
    for (let v = 0; v < 256; v++) {
      lut[c * 256 + v] = Math.fround(Math.fround(Math.fround(v / 255) - mean) / std);
    }
  }
  return lut;
}

/** What both the TS and the GPU resampler need: geometry, windows and source rows used. */
export interface ResamplePlan {
  geometry: PreprocessGeometry;
  /** Windows of the S cropped columns, over source columns. */
  cols: ResampleTaps;
  /** Windows of the S cropped rows, over source rows (absolute indices). */
  rows: ResampleTaps;
  /** Source rows [rowFirst, rowEnd) read by `rows` (the horizontal pass runs on these only). */
  rowFirst: number;
  rowEnd: number;
}

export function resamplePlan(width: number, height: number, config: ModelConfig): ResamplePlan {
  if (!(width >= 1 && height >= 1 && Number.isInteger(width) && Number.isInteger(height))) {
    throw new Error(`preprocess: image size ${width}x${height} is not a positive integer size`);
  }
  const geometry = preprocessGeometry(width, height, config);
  const S = config.imgSize;
  const [rw, rh] = geometry.resized;
  const [left, top] = geometry.cropLeftTop;
  const cols = resampleTaps(width, rw, left, S, config.interpolation);
  const rows = resampleTaps(height, rh, top, S, config.interpolation);
  let rowFirst = height;
  let rowEnd = 0;
  for (let j = 0; j < S; j++) {
    if (rows.taps[j] === 0) continue;
    rowFirst = Math.min(rowFirst, rows.start[j]);
    rowEnd = Math.max(rowEnd, rows.start[j] + rows.taps[j]);
  }
  if (rowEnd <= rowFirst) rowFirst = rowEnd = 0;
  return { geometry, cols, rows, rowFirst, rowEnd };
}

/**
 * Size policy for decoding before `preprocess`, used by the Node decoder and the browser.
 * - `maxPixels`: images above this are refused instead of decoded. A decoded RGBA frame costs
 *   4 bytes per pixel (400 MB at 100 Mpixel) on top of the encoded file, which is already more
 *   than a browser tab or a CLI process on a small machine should spend on one photo.
 * - `reduceShorterTo`: images whose shorter side exceeds this are first reduced (with an
 *   antialiased filter: libvips' lanczos3 in Node, createImageBitmap's "high" quality in the
 *   browser) so the shorter side equals it. It is 4x the model's resize target, so Pillow's
 *   bicubic resize, which we reproduce exactly, still does a >= 4x downscale and dominates the
 *   result. Memory stays bounded by maxPixels, and the resampler above only reads the source
 *   rows and columns the crop needs, so even extreme aspect ratios cost O(S^2) to resize.
 */
export interface PrepareLimits {
  maxPixels: number;
  reduceShorterTo: number;
}

export const MAX_DECODE_PIXELS = 100_000_000;

export function prepareLimits(config: ModelConfig): PrepareLimits {
  return { maxPixels: MAX_DECODE_PIXELS, reduceShorterTo: 4 * resizeShorter(config) };
}

/**
 * The size to reduce a width x height image to before preprocessing, or null when it can be
 * used as is. Throws (with the size in the message) when it is over `maxPixels`.
 */
export function reducedSize(width: number, height: number, limits: PrepareLimits): [number, number] | null {
  if (width * height > limits.maxPixels) {
    const mp = ((width * height) / 1e6).toFixed(1);
    throw new Error(`image is ${width}x${height} (${mp} Mpixel), over the ${limits.maxPixels / 1e6} Mpixel limit`);
  }
  const short = Math.min(width, height);
  if (short <= limits.reduceShorterTo) return null;
  const f = limits.reduceShorterTo / short;
  return width <= height
    ? [limits.reduceShorterTo, Math.max(limits.reduceShorterTo, Math.round(height * f))]
    : [Math.max(limits.reduceShorterTo, Math.round(width * f)), limits.reduceShorterTo];
}
