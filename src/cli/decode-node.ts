// Node only: decodes a JPEG/PNG/WebP file into 8-bit RGB with sharp (libvips, libjpeg-turbo
// inside, like Pillow), the way timm's loader sees it: PIL `Image.open(f).convert('RGB')`.
// - The embedded ICC profile is ignored (PIL's convert does not colour-manage either).
// - Alpha is dropped, not flattened onto a background (convert('RGB') drops it).
// - Grayscale is replicated to RGB; 16-bit samples are reduced to 8 bits by libvips.
// - EXIF orientation IS applied (PIL would not): a phone photo should be classified upright.
// Every failure is one line naming the file, so the CLI can report it and go on.
import { statSync } from 'node:fs';
import sharp, { type Metadata, type SharpOptions } from 'sharp';
import { MAX_DECODE_PIXELS, reducedSize, type PrepareLimits, type RawImage } from '../core/preprocess';

const FORMATS = new Set(['jpeg', 'png', 'webp']);

/** Without limits from `prepareLimits(config)`, images are only refused above the pixel budget. */
const DEFAULT_LIMITS: PrepareLimits = { maxPixels: MAX_DECODE_PIXELS, reduceShorterTo: Infinity };

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').trim();
}

/**
 * Decodes `path` into RGB bytes. With `limits` (see `prepareLimits`), images over the pixel
 * budget are refused and images much larger than the model needs are reduced while decoding
 * (shrink-on-load plus lanczos3, both antialiased) to a shorter side of `reduceShorterTo`.
 */
export async function decodeImageFile(path: string, limits: PrepareLimits = DEFAULT_LIMITS): Promise<RawImage> {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new Error(`${path}: is a directory, not an image`);
    size = st.size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${path}: no such file`);
    if ((e as NodeJS.ErrnoException).code) throw new Error(`${path}: cannot read (${oneLine(e)})`);
    throw e;
  }
  if (size === 0) throw new Error(`${path}: empty file (0 bytes)`);

  // failOn 'truncated': libjpeg recovers from a truncated JPEG by filling grey, which would
  // silently classify half an image; libjpeg warnings (e.g. extraneous bytes
  // before a marker, which PIL accepts too) still pass. limitInputPixels also guards memory.
  const options: SharpOptions = {
    failOn: 'truncated',
    ignoreIcc: true,
    limitInputPixels: limits.maxPixels,
    autoOrient: true,
  };
  let meta: Metadata;
  try {
    // Header only: the pixel limit is checked below with a clearer message than libvips'.
    meta = await sharp(path, { ...options, limitInputPixels: false }).metadata();
  } catch (e) {
    throw new Error(`${path}: not a readable image (${oneLine(e)})`);
  }
  if (!meta.format || !FORMATS.has(meta.format)) {
    throw new Error(`${path}: unsupported format ${meta.format ?? 'unknown'} (expected JPEG, PNG or WebP)`);
  }
  if (!meta.width || !meta.height) throw new Error(`${path}: image has no size`);
  // Orientations 5-8 swap width and height; autoOrient happens before the resize below.
  const swap = (meta.orientation ?? 1) >= 5;
  const [w, h] = swap ? [meta.height, meta.width] : [meta.width, meta.height];
  let target: [number, number] | null;
  try {
    target = reducedSize(w, h, limits);
  } catch (e) {
    throw new Error(`${path}: ${oneLine(e)}`);
  }

  let pipeline = sharp(path, options).removeAlpha().toColourspace('srgb');
  if (target) {
    // fastShrinkOnLoad off: libjpeg's DCT shrink then only goes as far as keeps quality, and
    // lanczos3 does the rest.
    pipeline = pipeline.resize(target[0], target[1], { fit: 'fill', kernel: 'lanczos3', fastShrinkOnLoad: false });
  }
  try {
    const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      channels: 3,
    };
  } catch (e) {
    throw new Error(`${path}: truncated or corrupt image data (${oneLine(e)})`);
  }
}
