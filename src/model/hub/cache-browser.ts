// Browser-only (page and worker): hub models kept in Cache Storage. The weights are stored under
// their sha256 (the hub's LFS oid), written while they download through a stream that is closed
// only once the whole file is verified, so a failed or cancelled download leaves nothing (the
// Cache API stores an entry only when its body was read to the end). A small record per repo
// (config.json, the hub's size and sha256, when it was last used) is written after the weights;
// those records are the page's list of recent hub models, and a cached model loads with no
// request at all.
import { openCacheStorage } from '../cache-storage';
import type { HubFileRecord } from './client';

const HUB_CACHE_NAME = 'tome-hub-v1';
// Cache keys are URLs; these paths are never fetched.
const WEIGHTS_PREFIX = '/__tome-hub__/weights/';
const RECORD_PREFIX = '/__tome-hub__/models/';

export interface HubCacheRecord {
  repo: string;
  endpoint: string;
  /** config.json as the hub served it. */
  configText: string;
  weights: HubFileRecord;
  /** Date.now() of the last load. */
  usedAt: number;
}

const weightsKey = (sha256: string) => `${WEIGHTS_PREFIX}${sha256}`;
const recordKey = (repo: string) => `${RECORD_PREFIX}${encodeURIComponent(repo)}`;

async function readRecord(cache: Cache, key: RequestInfo): Promise<HubCacheRecord | undefined> {
  try {
    const res = await cache.match(key);
    const r = res ? ((await res.json()) as HubCacheRecord) : undefined;
    return r && typeof r.repo === 'string' && typeof r.configText === 'string' && /^[0-9a-f]{64}$/.test(r.weights?.sha256) ? r : undefined;
  } catch {
    return undefined;
  }
}

/** The cached hub models, most recently used first. */
export async function listHubCache(): Promise<HubCacheRecord[]> {
  const cache = await openCacheStorage(HUB_CACHE_NAME);
  if (!cache) return [];
  const keys = (await cache.keys()).filter((k) => new URL(k.url).pathname.startsWith(RECORD_PREFIX));
  const records = (await Promise.all(keys.map((k) => readRecord(cache, k)))).filter((r): r is HubCacheRecord => !!r);
  return records.sort((a, b) => b.usedAt - a.usedAt);
}

/** The record and weights of `repo` when both are there (at the recorded size), else undefined
 * (a record whose weights are gone, e.g. evicted by the browser, is dropped). */
export async function readHubCache(repo: string): Promise<{ record: HubCacheRecord; weights: ArrayBuffer } | undefined> {
  const cache = await openCacheStorage(HUB_CACHE_NAME);
  if (!cache) return undefined;
  const record = await readRecord(cache, recordKey(repo));
  if (!record) return undefined;
  const res = await cache.match(weightsKey(record.weights.sha256));
  const weights = res ? await res.arrayBuffer() : undefined;
  if (!weights || weights.byteLength !== record.weights.size) {
    await cache.delete(recordKey(repo));
    return undefined;
  }
  return { record, weights };
}

/** Notes a load of a cached model (the list's order). */
export async function touchHubCache(record: HubCacheRecord): Promise<void> {
  const cache = await openCacheStorage(HUB_CACHE_NAME);
  await cache?.put(recordKey(record.repo), Response.json({ ...record, usedAt: Date.now() }));
}

/**
 * Where a download's bytes go while they arrive: `write` them in order, then `commit(record)`
 * once the file is verified and converted (the weights entry is completed, then the record
 * written), or `abandon()` (nothing is stored). A full quota or a cache that cannot open only
 * means nothing is cached: `write` never fails, and commit reports whether it stored the model.
 */
export interface HubCacheWriter {
  write(chunk: Uint8Array): Promise<void>;
  commit(record: Omit<HubCacheRecord, 'usedAt'>): Promise<boolean>;
  abandon(reason: Error): Promise<void>;
}

export async function hubCacheWriter(weights: HubFileRecord): Promise<HubCacheWriter> {
  const cache = await openCacheStorage(HUB_CACHE_NAME);
  if (!cache) return { write: async () => undefined, commit: async () => false, abandon: async () => undefined };
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const headers = { 'content-type': 'application/octet-stream', 'content-length': String(weights.size) };
  let failed = false;
  // put() reads the body as we write it; it stores the entry only when the stream closes.
  const stored = cache.put(weightsKey(weights.sha256), new Response(readable, { headers })).then(
    () => true,
    () => ((failed = true), false),
  );
  return {
    async write(chunk) {
      if (failed) return;
      try {
        await writer.ready;
        await writer.write(chunk);
      } catch {
        failed = true;
      }
    },
    async commit(record) {
      if (!failed) await writer.close().catch(() => (failed = true));
      if (!(await stored)) return false;
      try {
        await cache.put(recordKey(record.repo), Response.json({ ...record, usedAt: Date.now() }));
        return true;
      } catch {
        await removeWeightsUnlessListed(cache, weights.sha256);
        return false;
      }
    },
    async abandon(reason) {
      await writer.abort(reason).catch(() => undefined);
      await stored;
    },
  };
}

async function removeWeightsUnlessListed(cache: Cache, sha256: string): Promise<void> {
  const records = await listHubCache();
  if (!records.some((r) => r.weights.sha256 === sha256)) await cache.delete(weightsKey(sha256));
}

/** Deletes the record of `repo`, and its weights unless another cached repo has the same file. */
export async function deleteHubCache(repo: string): Promise<void> {
  const cache = await openCacheStorage(HUB_CACHE_NAME);
  if (!cache) return;
  const record = await readRecord(cache, recordKey(repo));
  await cache.delete(recordKey(repo));
  if (record) await removeWeightsUnlessListed(cache, record.weights.sha256);
}
