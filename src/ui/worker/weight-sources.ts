// In the worker: where a model's weights come from. A shipped model (public/weights, converted
// by `npm run weights`, shards cached by sha256), a Hugging Face hub repo (config first, verified
// streamed download, Cache Storage keyed by the file's sha256: src/model/hub/hub-browser.ts), or
// two local files (config.json + model.safetensors, no request at all). Each is a WeightSource
// the model session loads the same way.
import { loadModelBrowser } from '../../model/load-browser';
import { loadHubModelBrowser } from '../../model/hub/hub-browser';
import { weightsFromFiles } from '../../model/load-files';
import type { ViTWeights } from '../../model/weights';
import imagenetLabels from '../../model/imagenet-labels.json';
import { formatBytes } from '../../core/format';

export interface SourceProgress {
  loaded: number;
  total: number;
  /** Downloads only: average speed and the time left at it. */
  bytesPerSec?: number;
  etaSec?: number;
}

export interface SourceContext {
  onProgress: (p: SourceProgress) => void;
  /** Aborted when the user cancels or picks another model meanwhile. */
  signal: AbortSignal;
}

/** Loads the weights; `note` is a line for the page about where they came from; `sha256` is the
 * model.safetensors' (what the page keeps measurements of the model under). */
export type WeightSource = (ctx: SourceContext) => Promise<{ weights: ViTWeights; note?: string; sha256: string }>;

export function shippedSource(modelId: string, baseUrl: string): WeightSource {
  return async ({ onProgress }) => {
    let sha256 = '';
    const weights = await loadModelBrowser(modelId, { baseUrl, onProgress, onWeightsSha256: (s) => (sha256 = s) });
    // A manifest converted before the converter recorded its source: the model id stands in.
    return { weights, sha256: sha256 || `unrecorded:${modelId}` };
  };
}

export function hubSource(repo: string, endpoint: string): WeightSource {
  return async ({ onProgress, signal }) => {
    const m = await loadHubModelBrowser(repo, { endpoint, labels: imagenetLabels, signal, onProgress });
    const size = formatBytes(m.size);
    const note = m.fromCache
      ? `${repo}: from this browser's cache (${size}, sha256 ${m.sha256.slice(0, 12)}…), nothing downloaded`
      : m.cached
        ? `${repo}: downloaded ${size}, sha256 verified against the hub's record, cached for next time`
        : `${repo}: downloaded ${size}, sha256 verified against the hub's record; not cached (the browser refused the storage)`;
    return { weights: m.weights, note, sha256: m.sha256 };
  };
}

export function localSource(name: string, config: File, weights: File): WeightSource {
  return async ({ onProgress }) => {
    onProgress({ loaded: 0, total: weights.size });
    const { weights: w, sha256 } = await weightsFromFiles(name, config, weights, imagenetLabels);
    onProgress({ loaded: weights.size, total: weights.size });
    return { weights: w, sha256, note: `${name}: read from local files (${formatBytes(weights.size)}), nothing downloaded` };
  };
}
