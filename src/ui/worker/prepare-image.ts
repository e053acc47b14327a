// In the worker: an encoded image decoded (within the model's size limits) and turned into the
// model's input, and the page's view of it (what the model sees, and the sharp original).
import type { ModelConfig } from '../../model/config';
import { cropInSource, prepareLimits, preprocessGeometry, type PreprocessGeometry } from '../../core/preprocess';
import { inputTensor } from '../../reference/model-input';
import { decodeImage, type BrowserImage } from './decode';
import { inputToRgba } from './model-view';
import type { ModelView } from '../protocol';

/** Decoded pixels and model input, for the model `modelId` (its size limits and transform). */
export interface PreparedImage {
  modelId: string;
  decoded: BrowserImage;
  input: Float32Array;
  geometry: PreprocessGeometry;
}

/** The image the worker runs: kept encoded too, so a model switch can prepare it again. */
export interface CurrentImage {
  imageId: number;
  name: string;
  blob: Blob;
  prepared: PreparedImage;
}

export async function prepareImage(blob: Blob, config: ModelConfig): Promise<PreparedImage> {
  const decoded = await decodeImage(blob, prepareLimits(config));
  try {
    // The same tensor a CPU backend runs (inputTensor caches it per image), for the page's view.
    const input = inputTensor(decoded, config);
    return { modelId: config.id, decoded, input, geometry: preprocessGeometry(decoded.width, decoded.height, config) };
  } catch (e) {
    decoded.bitmap.close();
    throw e;
  }
}

/** The page's view of `img` under `config`, with its own copy of the bitmap (the worker keeps
 * the original); its bitmap and pixels are meant to be transferred. */
export async function modelView(img: CurrentImage, config: ModelConfig): Promise<ModelView> {
  const { decoded, input, geometry } = img.prepared;
  const rgba = inputToRgba(input, config);
  const bitmap = await createImageBitmap(decoded.bitmap);
  return {
    imageId: img.imageId,
    modelId: config.id,
    name: img.name,
    width: decoded.width,
    height: decoded.height,
    downscaledFrom: decoded.downscaledFrom,
    crop: cropInSource(geometry, config.imgSize),
    rgba,
    size: config.imgSize,
    bitmap,
  };
}
