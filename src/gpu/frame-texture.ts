// The GPU texture a video frame lands in before the engine's runTextures reads it: one
// rgba8unorm texture per stream, reused frame after frame and re-created only when the frame
// size changes, so a playing video allocates nothing per frame.
import type { RawImage } from '../core/preprocess';

/** What runTextures needs (COPY_SRC: the preprocessing copies the crop's window out) and what
 * copyExternalImageToTexture and writeTexture need (COPY_DST, RENDER_ATTACHMENT). A function:
 * in Node the GPU globals exist only once the webgpu package is loaded. */
export function frameTextureUsage(): GPUTextureUsageFlags {
  return GPUTextureUsage.COPY_SRC | GPUTextureUsage.COPY_DST | GPUTextureUsage.RENDER_ATTACHMENT;
}

export interface FrameTexture {
  /** The current texture (null before the first frame); valid until the next call or dispose. */
  readonly texture: GPUTexture | null;
  /**
   * Copies an external image into the texture on the GPU, with no CPU read-back. The page hands
   * video frames over as ImageBitmaps (grabbed on its thread with createImageBitmap, which every
   * adapter copies; headless Chromium on SwiftShader refuses to copy a CPU-backed VideoFrame
   * directly). The caller keeps ownership of `source` (close it afterwards).
   */
  fromExternal(source: GPUCopyExternalImageSource, width: number, height: number): GPUTexture;
  /** Writes decoded 8-bit RGB/RGBA pixels (stills, tests, Node). */
  fromPixels(image: RawImage): GPUTexture;
  dispose(): void;
}

/** RGBA bytes for writeTexture: RGBA input as it is (unless it lives in a SharedArrayBuffer,
 * which writeTexture refuses), RGB expanded with opaque alpha. */
function rgbaOf(image: RawImage): Uint8Array<ArrayBuffer> {
  const { data, width, height } = image;
  const n = width * height;
  if (data.length < n * image.channels) throw new Error(`frame: ${data.length} bytes for a ${width}x${height}x${image.channels} image`);
  if (image.channels === 4) {
    const buf = data.buffer;
    return buf instanceof ArrayBuffer ? new Uint8Array(buf, data.byteOffset, n * 4) : new Uint8Array(data.subarray(0, n * 4));
  }
  const out = new Uint8Array(n * 4);
  for (let p = 0; p < n; p++) {
    out[p * 4] = data[p * 3];
    out[p * 4 + 1] = data[p * 3 + 1];
    out[p * 4 + 2] = data[p * 3 + 2];
    out[p * 4 + 3] = 255;
  }
  return out;
}

export function createFrameTexture(device: GPUDevice): FrameTexture {
  let texture: GPUTexture | null = null;

  const checkSize = (width: number, height: number) => {
    if (!(width >= 1 && height >= 1 && Number.isInteger(width) && Number.isInteger(height))) {
      throw new Error(`frame: size ${width}x${height} is not a positive integer size`);
    }
    const max = device.limits.maxTextureDimension2D;
    if (width > max || height > max) throw new Error(`frame: ${width}x${height} is over this device's ${max}-pixel texture limit`);
  };
  const sized = (width: number, height: number): GPUTexture => {
    checkSize(width, height);
    if (!texture || texture.width !== width || texture.height !== height) {
      texture?.destroy();
      texture = device.createTexture({ label: 'frame', size: [width, height], format: 'rgba8unorm', usage: frameTextureUsage() });
    }
    return texture;
  };

  return {
    get texture() {
      return texture;
    },
    fromExternal(source, width, height) {
      const dst = sized(width, height);
      // @webgpu/types' GPUCopyExternalImageSource names HTML element types a worker's lib does
      // not declare, so the type is unresolved there; an ImageBitmap is what comes.
      // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment
      device.queue.copyExternalImageToTexture({ source }, { texture: dst }, [width, height]);
      return dst;
    },
    fromPixels(image) {
      checkSize(image.width, image.height);
      const rgba = rgbaOf(image);
      const dst = sized(image.width, image.height);
      device.queue.writeTexture({ texture: dst }, rgba, { bytesPerRow: image.width * 4 }, [image.width, image.height]);
      return dst;
    },
    dispose() {
      texture?.destroy();
      texture = null;
    },
  };
}
