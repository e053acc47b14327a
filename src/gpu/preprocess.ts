// GPU preprocessing: RGBA8 pixels -> the model's float32 CHW input, written straight into a
// GPUBuffer the forward pass reads. The pixels come as an array (the crop's source window is
// uploaded) or as an rgba8unorm texture already on the GPU (a video frame copied in with
// copyExternalImageToTexture; the same window is copied out of it on the GPU, texels as their
// bytes): the same kernel then reads the same window and gives the same bytes. Same plan and
// arithmetic as the CPU reference (src/reference/preprocess.ts): the coefficient windows and the
// normalisation table come from the shared rules in src/core/preprocess.ts, computed on the CPU
// and uploaded, so the result is bit-identical to it.
import type { ModelConfig } from '../model/config';
import { checkPixels, normalizeLut, resamplePlan, type RawImage, type PreprocessGeometry, type ResamplePlan } from '../core/preprocess';
import { loadShaderSources } from './shader-source';
import { bindKernel, compileKernel, preprocessHorizontalKernel, preprocessUniform, preprocessVerticalKernel, type UniformValues } from './kernels';

const WG = 8;

export interface EncodedPreprocess {
  geometry: PreprocessGeometry;
  /** Ends this call's hold on the image's cached GPU resources; call after the encoder's
   * commands were submitted (until then they are never evicted). */
  release(): void;
}

export interface GpuPreprocessor {
  /**
   * Records the preprocessing of `image` (RGBA, or RGB expanded on the CPU) into `encoder`,
   * writing 3 x S x S floats into `out` starting at float index `outOffset` (so a batch can
   * be filled image by image). Uploads happen on the queue immediately.
   */
  encode(encoder: GPUCommandEncoder, image: RawImage, config: ModelConfig, out: GPUBuffer, outOffset?: number): EncodedPreprocess;
  /**
   * Like encode, from an rgba8unorm texture (usage COPY_SRC) holding the image at its full
   * size: nothing is uploaded; a copy recorded into `encoder` moves the crop's source window
   * into the kernel's source buffer. The texture is read when the commands run, so one texture
   * can carry frame after frame; the other GPU resources are kept per (texture, config, out,
   * outOffset). Copying the window and reading it as a buffer was measured faster on the CPU
   * adapters here than sampling the texture in the kernel (textureLoad: 1.7x the kernel's time
   * on llvmpipe, 1.9x on lavapipe, for a 640x480 frame; the copy costs ~0.1 ms).
   */
  encodeTexture(encoder: GPUCommandEncoder, texture: GPUTexture, config: ModelConfig, out: GPUBuffer, outOffset?: number): EncodedPreprocess;
  /** encode + submit + release, for callers that do not batch commands. */
  run(image: RawImage, config: ModelConfig, out: GPUBuffer, outOffset?: number): PreprocessGeometry;
  /** Frees the normalisation tables and cached per-image resources (the device may outlive the preprocessor). */
  dispose(): void;
}

/** Source columns [first, end) the crop's column windows read (like rowFirst/rowEnd for rows). */
export function columnWindow(plan: ResamplePlan): { colFirst: number; colEnd: number } {
  const { start, taps } = plan.cols;
  let colFirst = Infinity;
  let colEnd = 0;
  for (let j = 0; j < taps.length; j++) {
    if (taps[j] === 0) continue;
    colFirst = Math.min(colFirst, start[j]);
    colEnd = Math.max(colEnd, start[j] + taps[j]);
  }
  return colEnd > 0 ? { colFirst, colEnd } : { colFirst: 0, colEnd: 0 };
}

/**
 * The part of the image the crop reads, rows [rowFirst, rowEnd) x columns [colFirst, colEnd),
 * as packed RGBA u32: a very wide or tall photo uploads about the crop's footprint, not its
 * whole rows.
 */
function sourceWindow(image: RawImage, plan: ResamplePlan, colFirst: number, colEnd: number): Uint8Array<ArrayBuffer> {
  const { data, width, channels } = image;
  const nCols = colEnd - colFirst;
  const nRows = plan.rowEnd - plan.rowFirst;
  if (channels === 4 && nCols === width) {
    // Whole rows: a view, not a copy, unless the pixels live in a SharedArrayBuffer (writeBuffer refuses those).
    const begin = plan.rowFirst * width * 4;
    const buf = data.buffer;
    if (buf instanceof ArrayBuffer) return new Uint8Array(buf, data.byteOffset + begin, nRows * width * 4);
    return new Uint8Array(data.subarray(begin, begin + nRows * width * 4));
  }
  const rgba = new Uint8Array(nRows * nCols * 4);
  let q = 0;
  for (let y = plan.rowFirst; y < plan.rowEnd; y++) {
    for (let p = y * width + colFirst, end = y * width + colEnd; p < end; p++, q += 4) {
      rgba[q] = data[p * channels];
      rgba[q + 1] = data[p * channels + 1];
      rgba[q + 2] = data[p * channels + 2];
    }
  }
  return rgba;
}

/** Params uniform (see preprocess.wgsl) and the concatenated tap tables, with the windows made
 * relative to the uploaded part of the image. */
export function packPlan(
  plan: ResamplePlan,
  S: number,
  outOffset: number,
  colFirst: number,
  uploadedWidth: number,
): { params: UniformValues<typeof preprocessUniform.fields>; taps: Int32Array<ArrayBuffer> } {
  const { cols, rows, rowFirst } = plan;
  // Windows without taps (padding) read nothing.
  const colStart = cols.start.map((s, i) => (cols.taps[i] ? s - colFirst : 0));
  const rowStart = rows.start.map((s, i) => (rows.taps[i] ? s - rowFirst : 0));
  const tables = [colStart, cols.taps, cols.weights, rowStart, rows.taps, rows.weights];
  const offsets: number[] = [];
  let total = 0;
  for (const t of tables) {
    offsets.push(total);
    total += t.length;
  }
  const taps = new Int32Array(total);
  tables.forEach((t, i) => taps.set(t, offsets[i]));
  const [cols_start, cols_taps, cols_weights, rows_start, rows_taps, rows_weights] = offsets;
  const params = {
    src_width: uploadedWidth,
    src_rows: plan.rowEnd - plan.rowFirst,
    size: S,
    k_cols: cols.ksize,
    k_rows: rows.ksize,
    out_offset: outOffset,
    cols_start,
    cols_taps,
    cols_weights,
    rows_start,
    rows_taps,
    rows_weights,
  };
  return { params, taps };
}

/** Where the horizontal pass reads: an uploaded pixel array, or a texture on the GPU. */
type Source = { pixels: RawImage } | { texture: GPUTexture };

/** GPU resources of one (image or texture, model, output slot): made once, reused by every forward. */
interface Prepared {
  geometry: PreprocessGeometry;
  buffers: GPUBuffer[];
  horizontal: GPUBindGroup | null;
  vertical: GPUBindGroup;
  /** Texture sources: the window copy recorded before the passes (null for pixel arrays). */
  copy: { texture: GPUTexture; buffer: GPUBuffer; origin: [number, number]; size: [number, number]; bytesPerRow: number } | null;
  S: number;
  nRows: number;
  /** Encoders holding this entry that were not released yet: such an entry is never evicted. */
  inUse: number;
}

/**
 * Entries kept between calls. The page re-runs the same image on every slider move and `eval`
 * runs each image under several settings: they then skip the CPU windowing, the upload and the
 * allocations. Bounded, least recently used first out.
 */
const CACHE_ENTRIES = 16;

export async function createPreprocessor(device: GPUDevice): Promise<GpuPreprocessor> {
  const src = await loadShaderSources();
  const [horizontal, vertical] = await Promise.all([
    compileKernel(device, src, preprocessHorizontalKernel),
    compileKernel(device, src, preprocessVerticalKernel),
  ]);
  // One normalisation table per (mean, std); models rarely change within a session.
  const luts = new Map<string, GPUBuffer>();
  const lutFor = (config: ModelConfig): GPUBuffer => {
    const key = `${config.mean.join(',')}/${config.std.join(',')}`;
    let buf = luts.get(key);
    if (!buf) {
      const lut = normalizeLut(config);
      buf = device.createBuffer({ label: 'preprocess.lut', size: lut.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(buf, 0, lut);
      luts.set(key, buf);
    }
    return buf;
  };

  const storage = (label: string, size: number) =>
    device.createBuffer({ label, size: Math.max(4, size), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });

  // Object identities as numbers, for cache keys: images and configs are taken as immutable once
  // passed in (a new picture arrives as a new pixel array).
  const ids = new WeakMap<object, number>();
  let nextId = 0;
  const idOf = (o: object): number => {
    let id = ids.get(o);
    if (id === undefined) ids.set(o, (id = nextId++));
    return id;
  };
  const cache = new Map<string, Prepared>();
  const destroy = (p: Prepared) => p.buffers.forEach((b) => b.destroy());
  const evict = () => {
    for (const [key, p] of cache) {
      if (cache.size <= CACHE_ENTRIES) break;
      if (p.inUse > 0) continue;
      destroy(p);
      cache.delete(key);
    }
  };

  function prepare(source: Source, config: ModelConfig, out: GPUBuffer, outOffset: number): Prepared {
    const { width, height } = 'pixels' in source ? source.pixels : source.texture;
    if ('pixels' in source) checkPixels(source.pixels);
    else {
      const t = source.texture;
      if (t.format !== 'rgba8unorm' || t.dimension !== '2d' || t.sampleCount !== 1 || !(t.usage & GPUTextureUsage.COPY_SRC)) {
        throw new Error(
          `preprocess: texture must be a 2d rgba8unorm texture with COPY_SRC usage (got ${t.dimension} ${t.format}, ` +
            `${t.sampleCount} samples, usage 0x${t.usage.toString(16)})`,
        );
      }
    }
    const S = config.imgSize;
    if ((outOffset + 3 * S * S) * 4 > out.size) {
      throw new Error(`preprocess: output buffer of ${out.size} bytes cannot hold 3x${S}x${S} floats at float ${outOffset}`);
    }
    const plan = resamplePlan(width, height, config);
    const nRows = plan.rowEnd - plan.rowFirst;
    const { colFirst, colEnd } = columnWindow(plan);
    const nCols = colEnd - colFirst;
    const limits = device.limits;
    // A texture's window is copied with rows padded to the 256 bytes buffer copies require.
    const rowBytes = 'pixels' in source ? nCols * 4 : Math.ceil((nCols * 4) / 256) * 256;
    const srcBytes = nRows * rowBytes;
    const maxBinding = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
    if (srcBytes > maxBinding) {
      throw new Error(
        `preprocess: ${width}x${height} image needs ${(srcBytes / 2 ** 20).toFixed(0)} MiB on the GPU, over this ` +
          `device's ${(maxBinding / 2 ** 20).toFixed(0)} MiB storage binding limit; reduce it first (prepareLimits)`,
      );
    }
    if (Math.ceil(nRows / WG) > limits.maxComputeWorkgroupsPerDimension) {
      throw new Error(`preprocess: ${nRows} source rows exceed the dispatch limit; reduce the image first (prepareLimits)`);
    }
    const { params, taps } = packPlan(plan, S, outOffset, colFirst, rowBytes / 4);

    const tapBuf = storage('preprocess.taps', taps.byteLength);
    device.queue.writeBuffer(tapBuf, 0, taps);
    const temp = storage('preprocess.temp', nRows * S * 4);
    const uniform = device.createBuffer({ label: 'preprocess.params', size: preprocessUniform.bytes, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const packed = new DataView(new ArrayBuffer(preprocessUniform.bytes));
    preprocessUniform.pack(params, packed);
    device.queue.writeBuffer(uniform, 0, packed.buffer);
    const src = storage('preprocess.src', srcBytes);
    let copy: Prepared['copy'] = null;
    if ('pixels' in source) {
      if (srcBytes > 0) device.queue.writeBuffer(src, 0, sourceWindow(source.pixels, plan, colFirst, colEnd));
    } else if (srcBytes > 0) {
      copy = { texture: source.texture, buffer: src, origin: [colFirst, plan.rowFirst], size: [nCols, nRows], bytesPerRow: rowBytes };
    }
    return {
      geometry: plan.geometry,
      buffers: [src, tapBuf, temp, uniform],
      horizontal: nRows > 0 ? bindKernel(device, horizontal, { buffer: uniform }, { src, taps: tapBuf, temp }) : null,
      copy,
      vertical: bindKernel(device, vertical, { buffer: uniform }, { taps: tapBuf, temp_in: temp, lut: lutFor(config), out }),
      S,
      nRows,
      inUse: 0,
    };
  }

  function record(encoder: GPUCommandEncoder, source: Source, config: ModelConfig, out: GPUBuffer, outOffset: number): EncodedPreprocess {
    const what =
      'pixels' in source
        ? `${idOf(source.pixels.data)}|${source.pixels.width}x${source.pixels.height}x${source.pixels.channels}`
        : `texture ${idOf(source.texture)}`;
    const key = `${what}|${idOf(config)}|${idOf(out)}|${outOffset}`;
    let p = cache.get(key);
    if (p)
      cache.delete(key); // re-inserted below as the most recently used
    else p = prepare(source, config, out, outOffset);
    cache.set(key, p);
    p.inUse++;
    evict();

    if (p.copy) {
      const { texture, buffer, origin, size, bytesPerRow } = p.copy;
      encoder.copyTextureToBuffer({ texture, origin }, { buffer, bytesPerRow }, size);
    }
    const pass = encoder.beginComputePass({ label: 'preprocess' });
    if (p.horizontal) {
      pass.setPipeline(horizontal.pipeline);
      pass.setBindGroup(0, p.horizontal);
      pass.dispatchWorkgroups(Math.ceil(p.S / WG), Math.ceil(p.nRows / WG));
    }
    pass.setPipeline(vertical.pipeline);
    pass.setBindGroup(0, p.vertical);
    pass.dispatchWorkgroups(Math.ceil(p.S / WG), Math.ceil(p.S / WG));
    pass.end();
    const entry = p;
    return {
      geometry: entry.geometry,
      release() {
        entry.inUse--;
        evict();
      },
    };
  }

  return {
    encode: (encoder, image, config, out, outOffset = 0) => record(encoder, { pixels: image }, config, out, outOffset),
    encodeTexture: (encoder, texture, config, out, outOffset = 0) => record(encoder, { texture }, config, out, outOffset),
    run(image, config, out, outOffset = 0) {
      const encoder = device.createCommandEncoder({ label: 'preprocess' });
      const done = record(encoder, { pixels: image }, config, out, outOffset);
      device.queue.submit([encoder.finish()]);
      done.release();
      return done.geometry;
    },
    dispose() {
      for (const b of luts.values()) b.destroy();
      luts.clear();
      cache.forEach(destroy);
      cache.clear();
    },
  };
}
