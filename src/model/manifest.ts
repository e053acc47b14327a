// The TF.js weights-manifest layout of our converted models (public/weights/<id>/model.json plus
// group1-shardNofM.bin), shared by the converter, the Node loader and the browser loader.
// Pure: no Node imports and no tf tensors, so it runs in a browser without a tfjs backend.
import type { io } from '@tensorflow/tfjs-core';
import { expectedTensors, type ModelConfig } from './config';
import type { RawTensor } from './safetensors';
import { checkTensors, type ViTWeights } from './weights';

/** tfjs's converter default (`--weight_shard_size_bytes`): small enough for HTTP caches. */
export const SHARD_BYTES = 4 * 1024 * 1024;
const MANIFEST_FORMAT = 'tome-vit-weights';

export interface ShardInfo {
  path: string;
  bytes: number;
  sha256: string;
}

/** What model.json's userDefinedMetadata holds (everything needed to trust and rebuild the model). */
export interface WeightsMetadata {
  config: ModelConfig;
  /** sha256 of the source files the shards were made from: the converter's up-to-date check. */
  source: { safetensorsSha256: string; configSha256: string };
  shards: ShardInfo[];
}

export interface WeightsModelJson extends Omit<io.ModelJSON, 'modelTopology'> {
  modelTopology: null;
  userDefinedMetadata: WeightsMetadata & Record<string, object>;
}

/** One entry of public/weights/index.json, for the app's model selector. */
export interface ModelIndexEntry {
  id: string;
  architecture: string;
  embedDim: number;
  depth: number;
  numHeads: number;
  bytes: number;
}

/** Progress of a weights download or read: bytes so far, bytes in all shards, 0..100. */
export interface LoadProgress {
  loaded: number;
  total: number;
  percent: number;
}
export type ProgressCallback = (p: LoadProgress) => void;

export function progressOf(loaded: number, total: number): LoadProgress {
  return { loaded, total, percent: total > 0 ? (100 * loaded) / total : 100 };
}

export async function sha256Hex(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

function shardName(index: number, count: number): string {
  return `group1-shard${index + 1}of${count}.bin`;
}

export function indexEntry(json: WeightsModelJson): ModelIndexEntry {
  const c = json.userDefinedMetadata.config;
  const bytes = json.userDefinedMetadata.shards.reduce((a, s) => a + s.bytes, 0);
  return { id: c.id, architecture: c.architecture, embedDim: c.embedDim, depth: c.depth, numHeads: c.numHeads, bytes };
}

/**
 * Builds model.json and its shards from checked weights: tensors concatenated in
 * expectedTensors() order, then cut every SHARD_BYTES regardless of tensor boundaries,
 * exactly as tfjs's converter writes a weight group.
 */
export async function buildManifest(
  weights: ViTWeights,
  source: WeightsMetadata['source'],
  convertedBy: string,
): Promise<{ modelJson: WeightsModelJson; shards: Uint8Array[] }> {
  const order = expectedTensors(weights.config);
  checkTensors(weights.config, weights.tensors, weights.config.id);
  const total = order.reduce((a, [, shape]) => a + 4 * shape.reduce((x, y) => x * y, 1), 0);
  const all = new Uint8Array(total);
  let offset = 0;
  for (const [name] of order) {
    const data = weights.tensors.get(name)!.data;
    all.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset);
    offset += data.byteLength;
  }
  const count = Math.max(1, Math.ceil(total / SHARD_BYTES));
  const shards = Array.from({ length: count }, (_, i) => all.subarray(i * SHARD_BYTES, Math.min(total, (i + 1) * SHARD_BYTES)));
  const shardInfo: ShardInfo[] = [];
  for (let i = 0; i < count; i++) {
    shardInfo.push({ path: shardName(i, count), bytes: shards[i].byteLength, sha256: await sha256Hex(shards[i]) });
  }
  const modelJson: WeightsModelJson = {
    format: MANIFEST_FORMAT,
    generatedBy: `timm ${weights.config.architecture}`,
    convertedBy,
    modelTopology: null,
    weightsManifest: [
      {
        paths: shardInfo.map((s) => s.path),
        weights: order.map(([name, shape]) => ({ name, shape, dtype: 'float32' as const })),
      },
    ],
    userDefinedMetadata: { config: weights.config, source, shards: shardInfo },
  };
  return { modelJson, shards };
}

function fail(file: string, what: string): never {
  throw new Error(`${file}: ${what}`);
}

const CONFIG_NUMBERS = ['embedDim', 'depth', 'numHeads', 'patchSize', 'imgSize', 'mlpHidden', 'numClasses', 'eps', 'cropPct'] as const;

/** The ModelConfig stored in model.json, checked field by field (the JSON may be hand-edited or damaged). */
function configFromMetadata(meta: Record<string, unknown>, file: string): ModelConfig {
  const c = meta.config as Record<string, unknown> | undefined;
  if (!c || typeof c !== 'object') fail(file, 'userDefinedMetadata.config is missing');
  for (const k of CONFIG_NUMBERS) {
    if (typeof c[k] !== 'number' || !Number.isFinite(c[k])) fail(file, `userDefinedMetadata.config.${k} is missing or not a number`);
  }
  for (const k of ['id', 'architecture', 'interpolation'] as const) {
    if (typeof c[k] !== 'string') fail(file, `userDefinedMetadata.config.${k} is missing or not a string`);
  }
  for (const k of ['mean', 'std'] as const) {
    const v = c[k];
    if (!Array.isArray(v) || v.length !== 3 || v.some((x) => typeof x !== 'number')) fail(file, `userDefinedMetadata.config.${k} must be 3 numbers`);
  }
  const labels = c.labels;
  if (!Array.isArray(labels) || labels.length !== c.numClasses || labels.some((l) => typeof l !== 'string')) {
    fail(file, `userDefinedMetadata.config.labels must be ${String(c.numClasses)} strings`);
  }
  // Manifests written before distilled and avg-pool models existed are plain class-token ViTs.
  const distilled = c.distilled ?? false;
  const globalPool = c.globalPool ?? 'token';
  if (typeof distilled !== 'boolean') fail(file, 'userDefinedMetadata.config.distilled must be true or false');
  if (globalPool !== 'token' && globalPool !== 'avg') fail(file, 'userDefinedMetadata.config.globalPool must be "token" or "avg"');
  return { ...c, distilled, globalPool } as unknown as ModelConfig;
}

function shardsFromMetadata(meta: Record<string, unknown>, file: string): ShardInfo[] {
  const shards = meta.shards;
  if (!Array.isArray(shards) || shards.length === 0) fail(file, 'userDefinedMetadata.shards is missing');
  for (const s of shards as ShardInfo[]) {
    if (typeof s?.path !== 'string' || typeof s.bytes !== 'number' || !/^[0-9a-f]{64}$/.test(String(s.sha256))) {
      fail(file, 'userDefinedMetadata.shards has an entry without path, bytes and sha256');
    }
  }
  return shards as ShardInfo[];
}

/** Reads and checks model.json's userDefinedMetadata (config and shard list), with the sha256 of
 * the model.safetensors it was converted from when it says (what identifies the model). */
export function metadataOf(userDefinedMetadata: unknown, file: string): Pick<WeightsMetadata, 'config' | 'shards'> & { weightsSha256?: string } {
  if (!userDefinedMetadata || typeof userDefinedMetadata !== 'object') fail(file, 'userDefinedMetadata is missing (not a tome-vit-weights manifest)');
  const meta = userDefinedMetadata as Record<string, unknown>;
  const sha = (meta.source as Partial<WeightsMetadata['source']> | undefined)?.safetensorsSha256;
  return {
    config: configFromMetadata(meta, file),
    shards: shardsFromMetadata(meta, file),
    weightsSha256: /^[0-9a-f]{64}$/.test(String(sha)) ? sha : undefined,
  };
}

/**
 * Turns loaded tfjs artifacts back into ViTWeights without creating tf tensors: verifies every
 * shard's size and sha256, then cuts the tensors out by weightSpecs. `base` prefixes the file
 * names in error messages (a directory or URL). Tensors are Float32Array views into one buffer.
 */
export async function weightsFromArtifacts(artifacts: io.ModelArtifacts, base = ''): Promise<ViTWeights> {
  const file = (name: string) => (base ? `${base.replace(/\/$/, '')}/${name}` : name);
  const modelFile = file('model.json');
  if (artifacts.format !== MANIFEST_FORMAT) fail(modelFile, `format is "${String(artifacts.format)}", expected "${MANIFEST_FORMAT}"`);
  const { config, shards } = metadataOf(artifacts.userDefinedMetadata, modelFile);
  const specs = artifacts.weightSpecs;
  if (!specs || !artifacts.weightData) fail(modelFile, 'no weights manifest');

  // Keep shards separate when the handler gave them separately, so a bad one can be named.
  const data = artifacts.weightData;
  const parts: ArrayBuffer[] = Array.isArray(data) ? data : splitBuffer(data, shards, modelFile);
  if (parts.length !== shards.length) fail(modelFile, `lists ${shards.length} shards but ${parts.length} were loaded`);
  for (let i = 0; i < shards.length; i++) {
    const s = shards[i];
    if (parts[i].byteLength !== s.bytes) fail(file(s.path), `${parts[i].byteLength} bytes, model.json says ${s.bytes} (truncated or wrong file)`);
    if ((await sha256Hex(parts[i])) !== s.sha256) fail(file(s.path), `sha256 does not match model.json (corrupt file)`);
  }

  const joined = parts.length === 1 ? parts[0] : joinBuffers(parts);
  const tensors = new Map<string, RawTensor>();
  let offset = 0;
  for (const spec of specs) {
    if (spec.dtype !== 'float32' || spec.quantization)
      fail(modelFile, `tensor ${spec.name} is ${spec.quantization ? 'quantized' : spec.dtype}, only float32 is supported`);
    const count = spec.shape.reduce((a, b) => a * b, 1);
    if (offset + 4 * count > joined.byteLength) fail(modelFile, `tensor ${spec.name} runs past the end of the shards`);
    tensors.set(spec.name, { shape: spec.shape, data: new Float32Array(joined, offset, count) });
    offset += 4 * count;
  }
  if (offset !== joined.byteLength) fail(modelFile, `weight specs cover ${offset} bytes, shards hold ${joined.byteLength}`);
  checkTensors(config, tensors, modelFile);
  return { config, tensors };
}

function splitBuffer(buf: ArrayBuffer, shards: ShardInfo[], modelFile: string): ArrayBuffer[] {
  const total = shards.reduce((a, s) => a + s.bytes, 0);
  if (buf.byteLength !== total) fail(modelFile, `weight data has ${buf.byteLength} bytes, the shards should hold ${total}`);
  const out: ArrayBuffer[] = [];
  let offset = 0;
  for (const s of shards) {
    out.push(buf.slice(offset, offset + s.bytes));
    offset += s.bytes;
  }
  return out;
}

function joinBuffers(parts: ArrayBuffer[]): ArrayBuffer {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), offset);
    offset += p.byteLength;
  }
  return out.buffer;
}
