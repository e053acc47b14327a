// Image file -> RGBA pixels, in the worker. The browser decodes (JPEG, PNG, WebP, EXIF
// orientation applied, no colour management so pixels match Pillow's), and the model input is
// then made by our own Pillow-exact resize (src/core/preprocess.ts), never by canvas scaling.
import { reducedSize, type PrepareLimits } from '../../core/preprocess';

export interface BrowserImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
  channels: 4;
  /** The decoded (and possibly reduced) image, kept for display. */
  bitmap: ImageBitmap;
  downscaledFrom?: { width: number; height: number };
}

const RAW: ImageBitmapOptions = { premultiplyAlpha: 'none', colorSpaceConversion: 'none' };

export async function decodeImage(blob: Blob, limits: PrepareLimits): Promise<BrowserImage> {
  if (blob.size === 0) throw new Error('the file is empty');
  if (blob.type && !blob.type.startsWith('image/')) throw new Error(`the file is not an image (${blob.type})`);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { ...RAW, imageOrientation: 'from-image' });
  } catch {
    throw new Error('the file could not be decoded as an image (unsupported format or truncated)');
  }
  let downscaledFrom: BrowserImage['downscaledFrom'];
  let reduced: [number, number] | null;
  try {
    reduced = reducedSize(bitmap.width, bitmap.height, limits);
  } catch (e) {
    bitmap.close();
    throw e;
  }
  if (reduced) {
    // Huge photos: the browser's antialiased downscale to 4x the model's resize target first
    // (the same policy as the Node decoder), then our exact resize does the rest.
    downscaledFrom = { width: bitmap.width, height: bitmap.height };
    const big = bitmap;
    bitmap = await createImageBitmap(big, { ...RAW, resizeWidth: reduced[0], resizeHeight: reduced[1], resizeQuality: 'high' });
    big.close();
  }
  const { width, height } = bitmap;
  const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2D canvas in this worker');
  ctx.drawImage(bitmap, 0, 0); // 1:1 copy, no scaling
  return { width, height, data: ctx.getImageData(0, 0, width, height).data, channels: 4, bitmap, downscaledFrom };
}
