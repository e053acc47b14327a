// Browser-only: a hub model for the page's worker. From Cache Storage when it is there (no
// request at all), else checked before any weights download (repo id, config.json describing an
// architecture we run, the hub's record of model.safetensors), streamed into one buffer of the
// recorded size while being hashed and written to the cache, verified against the record's
// sha256, converted (the tensors against the config), and only then committed to the cache. Any
// failure is one line naming the repo, and leaves the cache as it was.
import type { ViTWeights } from '../weights';
import { downloadVerified, type DownloadProgress } from './client';
import { checkHubModel } from './hub-model';
import { hubCacheWriter, readHubCache, touchHubCache } from './cache-browser';
import { repoDirName } from './repo-id';
import { weightsFromBytes } from '../load-files';

export interface BrowserHubOptions {
  endpoint: string;
  labels?: string[];
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  stallSec?: number;
}

export interface BrowserHubModel {
  weights: ViTWeights;
  /** The hub's record of the weights (size, sha256). */
  size: number;
  sha256: string;
  /** Loaded from Cache Storage, with no request. */
  fromCache: boolean;
  /** Downloaded and now in Cache Storage (false when the cache refused it, e.g. its quota). */
  cached: boolean;
}

/** The model as the CLI names it too (owner--name); errors name the repo's files. */
function convert(repo: string, configText: string, bytes: Uint8Array, labels?: string[]): ViTWeights {
  const w = weightsFromBytes(repo, configText, bytes, labels);
  w.config.id = repoDirName(repo);
  return w;
}

export async function loadHubModelBrowser(repo: string, o: BrowserHubOptions): Promise<BrowserHubModel> {
  const hit = await readHubCache(repo);
  if (hit) {
    try {
      const weights = convert(repo, hit.record.configText, new Uint8Array(hit.weights), o.labels);
      await touchHubCache(hit.record);
      return { weights, size: hit.record.weights.size, sha256: hit.record.weights.sha256, fromCache: true, cached: true };
    } catch {
      // A cached copy that no longer parses is downloaded again (and replaced).
    }
  }
  const checked = await checkHubModel(repo, { endpoint: o.endpoint, labels: o.labels, signal: o.signal });
  const record = checked.weights;
  const configText = new TextDecoder().decode(checked.configBytes);
  const sink = await hubCacheWriter(record);
  // The one copy of the file: written once, where the tensors will view it.
  const bytes = new Uint8Array(record.size);
  let offset = 0;
  try {
    await downloadVerified(repo, record, {
      endpoint: o.endpoint,
      signal: o.signal,
      onProgress: o.onProgress,
      stallSec: o.stallSec,
      write: async (chunk) => {
        bytes.set(chunk, offset);
        offset += chunk.byteLength;
        await sink.write(chunk);
      },
    });
    const weights = convert(repo, configText, bytes, o.labels);
    const cached = await sink.commit({ repo, endpoint: o.endpoint, configText, weights: record });
    return { weights, size: record.size, sha256: record.sha256, fromCache: false, cached };
  } catch (e) {
    await sink.abandon(e as Error);
    throw e;
  }
}
