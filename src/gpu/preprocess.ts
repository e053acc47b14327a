// GPU preprocessing: RGBA8 pixels -> the model's float32 CHW input, written straight into a
// GPUBuffer the forward pass reads. Same plan and arithmetic as src/model/preprocess.ts (the
// coefficient windows and the normalisation table are computed there, on the CPU, and
// uploaded), so the result is bit-identical to the TypeScript reference.
import type { ModelConfig } from '../model/config';
import {
  normalizeLut,
  resamplePlan,
  type DecodedImage,
  type PreprocessGeometry,
  type ResamplePlan,
} from '../model/preprocess';
import { loadShaderSources } from './shader-source';

const WG = 8;

export interface EncodedPreprocess {
  geometry: PreprocessGeometry;
  /** Frees this call's temporary buffers; call after the encoder's commands were submitted. */
  release(): void;
}

export interface GpuPreprocessor {
  /**
   * Records the preprocessing of `image` (RGBA, or RGB expanded on the CPU) into `encoder`,
   * writing 3 x S x S floats into `out` starting at float index `outOffset` (so a batch can
   * be filled image by image). Uploads happen on the queue immediately.
   */
  encode(
    encoder: GPUCommandEncoder,
    image: DecodedImage,
    config: ModelConfig,
    out: GPUBuffer,
    outOffset?: number,
  ): EncodedPreprocess;
  /** encode + submit + release, for callers that do not batch commands. */
  run(image: DecodedImage, config: ModelConfig, out: GPUBuffer, outOffset?: number): PreprocessGeometry;
  /** Frees the normalisation tables (the device may outlive the preprocessor). */
  dispose(): void;
}

/** Source columns [first, end) the crop's column windows read (like rowFirst/rowEnd for rows). */
function columnWindow(plan: ResamplePlan): { colFirst: number; colEnd: number } {
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
function sourceWindow(image: DecodedImage, plan: ResamplePlan, colFirst: number, colEnd: number): Uint8Array<ArrayBuffer> {
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
function packPlan(
  plan: ResamplePlan,
  S: number,
  outOffset: number,
  colFirst: number,
  uploadedWidth: number,
): { params: Uint32Array<ArrayBuffer>; taps: Int32Array<ArrayBuffer> } {
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
  const params = new Uint32Array([
    uploadedWidth,
    plan.rowEnd - plan.rowFirst,
    S,
    cols.ksize,
    rows.ksize,
    outOffset,
    ...offsets,
  ]);
  return { params, taps };
}

export async function createPreprocessor(device: GPUDevice): Promise<GpuPreprocessor> {
  const code = (await loadShaderSources()).preprocess;
  if (code === undefined) throw new Error('shader preprocess.wgsl not found');
  const module = device.createShaderModule({ label: 'preprocess', code });
  const [horizontal, vertical] = await Promise.all(
    (['horizontal', 'vertical'] as const).map((entryPoint) =>
      device.createComputePipelineAsync({ label: `preprocess.${entryPoint}`, layout: 'auto', compute: { module, entryPoint } }),
    ),
  );
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

  function encode(
    encoder: GPUCommandEncoder,
    image: DecodedImage,
    config: ModelConfig,
    out: GPUBuffer,
    outOffset = 0,
  ): EncodedPreprocess {
    const { width, height, channels, data } = image;
    if (channels !== 3 && channels !== 4) throw new Error(`preprocess: ${channels} channels (expected RGB or RGBA)`);
    if (data.length < width * height * channels) {
      throw new Error(`preprocess: ${data.length} bytes for a ${width}x${height}x${channels} image`);
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
    const srcBytes = nRows * nCols * 4;
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
    const { params, taps } = packPlan(plan, S, outOffset, colFirst, nCols);

    const src = storage('preprocess.src', srcBytes);
    const rows = sourceWindow(image, plan, colFirst, colEnd);
    if (srcBytes > 0) device.queue.writeBuffer(src, 0, rows);
    const tapBuf = storage('preprocess.taps', taps.byteLength);
    device.queue.writeBuffer(tapBuf, 0, taps);
    const temp = storage('preprocess.temp', nRows * S * 4);
    const uniform = device.createBuffer({ label: 'preprocess.params', size: params.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(uniform, 0, params);

    const pass = encoder.beginComputePass({ label: 'preprocess' });
    if (nRows > 0) {
      pass.setPipeline(horizontal);
      pass.setBindGroup(
        0,
        device.createBindGroup({
          layout: horizontal.getBindGroupLayout(0),
          entries: [
            { binding: 0, resource: { buffer: uniform } },
            { binding: 1, resource: { buffer: src } },
            { binding: 2, resource: { buffer: tapBuf } },
            { binding: 3, resource: { buffer: temp } },
          ],
        }),
      );
      pass.dispatchWorkgroups(Math.ceil(S / WG), Math.ceil(nRows / WG));
    }
    pass.setPipeline(vertical);
    pass.setBindGroup(
      0,
      device.createBindGroup({
        layout: vertical.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: uniform } },
          { binding: 2, resource: { buffer: tapBuf } },
          { binding: 4, resource: { buffer: temp } },
          { binding: 5, resource: { buffer: lutFor(config) } },
          { binding: 6, resource: { buffer: out } },
        ],
      }),
    );
    pass.dispatchWorkgroups(Math.ceil(S / WG), Math.ceil(S / WG));
    pass.end();
    return {
      geometry: plan.geometry,
      release() {
        for (const b of [src, tapBuf, temp, uniform]) b.destroy();
      },
    };
  }

  return {
    encode,
    run(image, config, out, outOffset = 0) {
      const encoder = device.createCommandEncoder({ label: 'preprocess' });
      const done = encode(encoder, image, config, out, outOffset);
      device.queue.submit([encoder.finish()]);
      // Destroying after submit is allowed: the memory is freed once the submitted work is done.
      done.release();
      return done.geometry;
    },
    dispose() {
      for (const b of luts.values()) b.destroy();
      luts.clear();
    },
  };
}
