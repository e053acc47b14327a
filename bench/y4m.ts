// A Y4M (YUV4MPEG2) writer for Chromium's fake camera (--use-file-for-fake-video-capture):
// 4:2:0 planar frames (I420, the "C420jpeg" chroma siting Chromium reads), converted from 8-bit
// RGB with the BT.601 limited-range matrix, which is what Chromium assumes for a capture file.
import { writeFileSync } from 'node:fs';
import sharp from 'sharp';

export interface Y4mScene {
  /** Image file (any format sharp decodes); scaled to cover the frame and centre-cropped. */
  file: string;
  /** Seconds this scene lasts. */
  seconds: number;
}

export interface Y4mOptions {
  width: number;
  height: number;
  fps: number;
}

const clamp8 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/**
 * One I420 frame (Y plane, then U, then V, chroma subsampled 2x2 by averaging) from packed
 * 8-bit RGB. Odd widths/heights round the chroma planes up, as I420 does.
 */
export function rgbToI420(rgb: Uint8Array, width: number, height: number): Uint8Array {
  if (rgb.length < width * height * 3) throw new Error(`rgbToI420: ${rgb.length} bytes for ${width}x${height} RGB`);
  const cw = (width + 1) >> 1;
  const ch = (height + 1) >> 1;
  const out = new Uint8Array(width * height + 2 * cw * ch);
  const u = width * height;
  const v = u + cw * ch;
  for (let p = 0; p < width * height; p++) {
    const r = rgb[p * 3];
    const g = rgb[p * 3 + 1];
    const b = rgb[p * 3 + 2];
    out[p] = clamp8(16 + 0.256788 * r + 0.504129 * g + 0.097906 * b);
  }
  for (let cy = 0; cy < ch; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let n = 0;
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const x = 2 * cx + dx;
          const y = 2 * cy + dy;
          if (x >= width || y >= height) continue;
          const p = (y * width + x) * 3;
          r += rgb[p];
          g += rgb[p + 1];
          b += rgb[p + 2];
          n++;
        }
      }
      r /= n;
      g /= n;
      b /= n;
      out[u + cy * cw + cx] = clamp8(128 - 0.148223 * r - 0.290993 * g + 0.439216 * b);
      out[v + cy * cw + cx] = clamp8(128 + 0.439216 * r - 0.367788 * g - 0.071427 * b);
    }
  }
  return out;
}

export function y4mHeader({ width, height, fps }: Y4mOptions): string {
  return `YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`;
}

/** A whole Y4M stream: header, then `FRAME\n` + I420 bytes per frame. */
export function encodeY4m(frames: Uint8Array[], opts: Y4mOptions): Uint8Array {
  const header = new TextEncoder().encode(y4mHeader(opts));
  const tag = new TextEncoder().encode('FRAME\n');
  const frameBytes = opts.width * opts.height + 2 * ((opts.width + 1) >> 1) * ((opts.height + 1) >> 1);
  const out = new Uint8Array(header.length + frames.length * (tag.length + frameBytes));
  out.set(header, 0);
  let o = header.length;
  for (const f of frames) {
    if (f.length !== frameBytes) throw new Error(`encodeY4m: frame of ${f.length} bytes, expected ${frameBytes}`);
    out.set(tag, o);
    out.set(f, o + tag.length);
    o += tag.length + frameBytes;
  }
  return out;
}

/** The photo as the RGB frame a scene shows: cover-scaled and centre-cropped by sharp. */
async function sceneRgb(file: string, width: number, height: number): Promise<Uint8Array> {
  const { data } = await sharp(file).resize(width, height, { fit: 'cover' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Writes a Y4M of the scenes one after the other (a still frame repeated per scene). */
export async function writeSceneY4m(path: string, scenes: Y4mScene[], opts: Y4mOptions): Promise<void> {
  const frames: Uint8Array[] = [];
  for (const s of scenes) {
    const yuv = rgbToI420(await sceneRgb(s.file, opts.width, opts.height), opts.width, opts.height);
    for (let i = 0; i < Math.round(s.seconds * opts.fps); i++) frames.push(yuv);
  }
  writeFileSync(path, encodeY4m(frames, opts));
}
