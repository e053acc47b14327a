// A converted model's shards as one byte-plane stream (byte-planes.ts) and back, with each
// shard's size and sha256 so the unpacked files are checked before the engine reads them.
import { createHash } from 'node:crypto';
import { fromPlanes, toPlanes } from './byte-planes';

export interface ShardEntry {
  name: string;
  bytes: number;
  sha256: string;
}

export interface NamedBytes {
  name: string;
  data: Uint8Array;
}

const sha256 = (d: Uint8Array) => createHash('sha256').update(d).digest('hex');

export function packShards(shards: NamedBytes[]): { planes: Uint8Array; entries: ShardEntry[] } {
  const total = shards.reduce((a, s) => a + s.data.length, 0);
  const all = new Uint8Array(total);
  let at = 0;
  for (const s of shards) {
    all.set(s.data, at);
    at += s.data.length;
  }
  return { planes: toPlanes(all), entries: shards.map((s) => ({ name: s.name, bytes: s.data.length, sha256: sha256(s.data) })) };
}

/** The shards back; throws naming the first shard whose size or sha256 is off. */
export function unpackShards(planes: Uint8Array, entries: ShardEntry[]): NamedBytes[] {
  const total = entries.reduce((a, e) => a + e.bytes, 0);
  if (planes.length !== total) throw new Error(`weights stream has ${planes.length} bytes, the manifest lists ${total}`);
  const all = fromPlanes(planes);
  let at = 0;
  return entries.map((e) => {
    const data = all.subarray(at, at + e.bytes);
    at += e.bytes;
    const got = sha256(data);
    if (got !== e.sha256) throw new Error(`${e.name}: sha256 ${got.slice(0, 12)}... differs from the manifest's ${e.sha256.slice(0, 12)}...`);
    return { name: e.name, data };
  });
}

/** models/<id>/manifest.json of a bundle. */
export interface ModelBundleManifest {
  model: string;
  /** sha256 of model.json and of the golden cases it was packed from: a re-pack with the same
   * sources is skipped. */
  sourceKey: string;
  shards: ShardEntry[];
  /** Small files copied as they are (model.json, config.json, labels.json), under meta/. */
  meta: string[];
  /** Golden cases of this model (cases.json with its entries, inputs, logits) as a tar. */
  golden: string;
  goldenEntries: number;
}
