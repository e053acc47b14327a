// Browser loader: fetches public/weights/<id>/model.json and its shards through tfjs io.http,
// with byte-level progress and a Cache Storage copy of every shard keyed by its sha256, so a
// reload reads the shards locally and a reconverted model is fetched again. No Node imports.
import { openCacheStorage } from './cache-storage';
import { io } from '@tensorflow/tfjs-core';
import { metadataOf, progressOf, sha256Hex, weightsFromArtifacts, type ModelIndexEntry, type ProgressCallback, type ShardInfo } from './manifest';
import type { ViTWeights } from './weights';

const CACHE_NAME = 'tome-weights-v1';
// Vite's base path; import.meta.env is absent outside Vite (e.g. a Node script importing this).
const DEFAULT_BASE_URL = `${import.meta.env?.BASE_URL ?? '/'}weights/`;

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** The converted models listed in index.json (written by `npm run weights`). */
export async function listModelsBrowser(baseUrl = DEFAULT_BASE_URL): Promise<ModelIndexEntry[]> {
  const url = `${withSlash(baseUrl)}index.json`;
  const res = await fetch(url, { cache: 'no-cache' });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} (run \`npm run weights\` to convert models)`);
  try {
    return ((await res.json()) as { models: ModelIndexEntry[] }).models;
  } catch {
    throw new Error(`${url}: not valid JSON`);
  }
}

async function readBody(res: Response, onBytes: (n: number) => void): Promise<ArrayBuffer> {
  if (!res.body) {
    const buf = await res.arrayBuffer();
    onBytes(buf.byteLength);
    return buf;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    onBytes(value.byteLength);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out.buffer;
}

/** A shard from the cache when its sha256 key is there, else from the network (then cached if intact). */
async function fetchShard(url: string, shard: ShardInfo, cache: Cache | undefined, onBytes: (n: number) => void): Promise<ArrayBuffer> {
  const key = `${url}?sha256=${shard.sha256}`;
  const hit = await cache?.match(key);
  if (hit) {
    const buf = await hit.arrayBuffer();
    if (buf.byteLength === shard.bytes) {
      onBytes(buf.byteLength);
      return buf;
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const buf = await readBody(res, onBytes);
  if (cache && buf.byteLength === shard.bytes && (await sha256Hex(buf)) === shard.sha256) {
    try {
      // Drop copies of older conversions of this shard, then keep this one.
      for (const req of await cache.keys()) if (req.url.includes(`${url}?sha256=`) && !req.url.endsWith(shard.sha256)) await cache.delete(req);
      await cache.put(key, new Response(buf.slice(0)));
    } catch {
      // A full quota only costs a download next time.
    }
  }
  return buf;
}

/** `onWeightsSha256` hears the sha256 of the model.safetensors the model was converted from. */
export async function loadModelBrowser(
  id: string,
  opts: { baseUrl?: string; onProgress?: ProgressCallback; onWeightsSha256?: (sha256: string) => void } = {},
): Promise<ViTWeights> {
  const dir = `${withSlash(opts.baseUrl ?? DEFAULT_BASE_URL)}${encodeURIComponent(id)}/`;
  const modelUrl = `${dir}model.json`;
  const cache = await openCacheStorage(CACHE_NAME);
  const shards = new Map<string, ShardInfo>();
  let total = 0;
  let loaded = 0;
  const onBytes = (n: number) => {
    loaded += n;
    opts.onProgress?.(progressOf(loaded, total));
  };

  // io.http asks for model.json first, then for every shard: serve model.json fresh (it changes
  // when a model is reconverted) and note its shard list, then serve shards through the cache.
  const fetchFunc = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    if (url === modelUrl) {
      const res = await fetch(url, { ...init, cache: 'no-cache' });
      if (!res.ok) throw new Error(`${url}: HTTP ${res.status} (unknown model "${id}"? run \`npm run weights\`)`);
      const text = await res.text();
      let json: io.ModelJSON;
      try {
        json = JSON.parse(text) as io.ModelJSON;
      } catch {
        throw new Error(`${url}: not valid JSON`);
      }
      const meta = metadataOf(json.userDefinedMetadata, url);
      for (const s of meta.shards) {
        shards.set(dir + s.path, s);
        total += s.bytes;
      }
      if (meta.weightsSha256) opts.onWeightsSha256?.(meta.weightsSha256);
      opts.onProgress?.(progressOf(0, total));
      return new Response(text, { headers: { 'content-type': 'application/json' } });
    }
    const shard = shards.get(url);
    if (!shard) throw new Error(`${url}: not a shard listed in ${modelUrl}`);
    return new Response(await fetchShard(url, shard, cache, onBytes));
  };

  const artifacts = await io.http(modelUrl, { fetchFunc }).load!();
  return weightsFromArtifacts(artifacts, dir);
}
