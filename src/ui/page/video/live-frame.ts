// A processed video frame as the page shows it: the frame itself (the bitmap the worker copied
// into the GPU, handed back), where the model's crop lies in it, and a patch-grid thumbnail for
// the groups' mean colours; with the forward's result and the frame's cost, part by part.
import type { ForwardResult, Timing } from '../../../core/backend';
import { cropInSource, preprocessGeometry } from '../../../core/preprocess';
import type { ToMeOptions } from '../../../core/tome';
import { gridSize, type ModelConfig } from '../../../model/config';
import type { FrameAnswer } from '../../protocol';

export interface FrameView {
  bitmap: ImageBitmap;
  /** The eval transform's center crop, in frame pixels. */
  crop: { x: number; y: number; w: number; h: number };
  /** The model's input side (the overlay's texture is at least this big). */
  size: number;
  /** grid x grid RGBA: the crop scaled down by the browser to one pixel per patch. Display only
   * (the groups' mean colours); the model's input never leaves the GPU. */
  thumb: Uint8ClampedArray;
  grid: number;
}

/** Where a frame's time went, ms: grabbing it from the <video> (createImageBitmap), the worker
 * (copy into the texture, preprocessing, forward, result read-back), the forward alone (GPU
 * timestamps where the adapter has them), the overlay (groups, colours, three.js draw), and the
 * whole, from the grab to the overlay drawn. */
export interface FrameCost {
  grabMs: number;
  workerMs: number;
  forwardMs: number;
  overlayMs: number;
  totalMs: number;
}

export interface LiveFrame {
  frameId: number;
  opts: ToMeOptions;
  result: ForwardResult;
  timing: Timing;
  route: FrameAnswer['route'];
  view: FrameView;
  /** Camera label or file name, and the frame's position in a file (seconds; null for a camera). */
  sourceName: string;
  mediaTime: number | null;
  cost: FrameCost;
}

export function frameView(bitmap: ImageBitmap, config: ModelConfig): FrameView {
  const crop = cropInSource(preprocessGeometry(bitmap.width, bitmap.height, config), config.imgSize);
  const grid = gridSize(config);
  const ctx = new OffscreenCanvas(grid, grid).getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2D canvas for the frame thumbnail');
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, crop.x, crop.y, crop.w, crop.h, 0, 0, grid, grid);
  return { bitmap, crop, size: config.imgSize, thumb: ctx.getImageData(0, 0, grid, grid).data, grid };
}
