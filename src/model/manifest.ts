// Our converted models are TF.js graph models (public/weights/<id>/model.json plus
// group1-shardNofM.bin, the weights, and group2-shard1of1.bin, the graph's own constants): the
// format tfjs-converter's loadGraphModel reads and runs, with the ViT's GraphDef (tfjs-graph.ts).
// Our engines need only the weights: the Node and browser loaders read the same files through
// tfjs-core's io and skip the graph. Shared by the converter, both loaders and the bench's tfjs
// peer. Pure: no Node imports and no tf tensors, so it runs in a browser without a tfjs backend.
import type { io } from '@tensorflow/tfjs-core';
import { expectedTensors, type ModelConfig } from './config';
import type { RawTensor } from './safetensors';
import { GRAPH_CONSTANT_PREFIX, vitGraph, type GraphConstant, type VitGraph } from './tfjs-graph';
import { checkTensors, type ViTWeights } from './weights';

/** tfjs's converter default (`--weight_shard_size_bytes`): small enough for HTTP caches. */
export const SHARD_BYTES = 4 * 1024 * 1024;
/** TF.js's name for a graph model's model.json. */
export const GRAPH_MODEL_FORMAT = 'graph-model';
/** A weights manifest without a graph: what the converter wrote before the graph existed, and
 * writes for a model the graph does not express (`graphRefusal` says why). */
const WEIGHTS_ONLY_FORMAT = 'tome-vit-weights';

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
  /** Why model.json has no graph (the TF.js graph does not express this model); absent when it has one. */
  graphRefusal?: string;
}

export interface WeightsModelJson extends Omit<io.ModelJSON, 'modelTopology' | 'signature' | 'userDefinedMetadata'> {
  modelTopology: VitGraph['modelTopology'] | null;
  signature?: VitGraph['signature'];
  userDefinedMetadata: WeightsMetadata;
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

function shardName(group: number, index: number, count: number): string {
  return `group${group}-shard${index + 1}of${count}.bin`;
}

export function indexEntry(json: WeightsModelJson): ModelIndexEntry {
  const c = json.userDefinedMetadata.config;
  const bytes = json.userDefinedMetadata.shards.reduce((a, s) => a + s.bytes, 0);
  return { id: c.id, architecture: c.architecture, embedDim: c.embedDim, depth: c.depth, numHeads: c.numHeads, bytes };
}

/** The weights in expectedTensors() order, as one float32 buffer, and their specs. */
function weightGroup(weights: ViTWeights): { specs: io.WeightsManifestEntry[]; bytes: Uint8Array<ArrayBuffer> } {
  const order = expectedTensors(weights.config);
  checkTensors(weights.config, weights.tensors, weights.config.id);
  const total = order.reduce((a, [, shape]) => a + 4 * shape.reduce((x, y) => x * y, 1), 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const [name] of order) {
    const data = weights.tensors.get(name)!.data;
    bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset);
    offset += data.byteLength;
  }
  return { specs: order.map(([name, shape]) => ({ name, shape, dtype: 'float32' as const })), bytes };
}

/** The graph's constants as one buffer (4 bytes each, little-endian like the weights), and their specs. */
function constantGroup(constants: GraphConstant[]): { specs: io.WeightsManifestEntry[]; bytes: Uint8Array<ArrayBuffer> } {
  const bytes = new Uint8Array(4 * constants.reduce((a, k) => a + k.values.length, 0));
  const view = new DataView(bytes.buffer);
  let offset = 0;
  for (const k of constants) {
    for (const v of k.values) {
      if (k.dtype === 'int32') view.setInt32(offset, v, true);
      else view.setFloat32(offset, v, true);
      offset += 4;
    }
  }
  return { specs: constants.map(({ name, shape, dtype }) => ({ name, shape, dtype })), bytes };
}

/** What a model.json holds of its graph: the GraphDef, its signature, and its constants as the
 * second weight group (one shard). */
export interface GraphFiles {
  modelTopology: VitGraph['modelTopology'];
  signature: VitGraph['signature'];
  constantSpecs: io.WeightsManifestEntry[];
  constantBytes: Uint8Array<ArrayBuffer>;
}

/** The one shard of the graph's constants. */
export const CONSTANTS_SHARD = shardName(2, 0, 1);

/**
 * The graph part of what buildManifest writes for `config`, or why there is none (a model the
 * TF.js graph does not express). Built from the config alone, so the converter can also tell a
 * model.json written by an older graph from a current one.
 */
export function graphFiles(config: ModelConfig): GraphFiles | { refusal: string } {
  let graph: VitGraph;
  try {
    graph = vitGraph(
      config,
      expectedTensors(config).map(([name]) => name),
    );
  } catch (e) {
    return { refusal: (e as Error).message };
  }
  const k = constantGroup(graph.constants);
  return { modelTopology: graph.modelTopology, signature: graph.signature, constantSpecs: k.specs, constantBytes: k.bytes };
}

/**
 * The TF.js graph model of `weights` as loaded artifacts, for tfjs-converter's loadGraphModel
 * (`loadGraphModel({ load: async () => artifacts })`): the same graph and bytes buildManifest
 * writes to disk, without the files. Throws (one line) for a model the graph does not express.
 */
export function graphModelArtifacts(weights: ViTWeights): io.ModelArtifacts {
  const graph = graphFiles(weights.config);
  if ('refusal' in graph) throw new Error(graph.refusal);
  const w = weightGroup(weights);
  return {
    format: GRAPH_MODEL_FORMAT,
    modelTopology: graph.modelTopology,
    signature: graph.signature,
    weightSpecs: [...w.specs, ...graph.constantSpecs],
    weightData: [w.bytes.buffer, graph.constantBytes.buffer],
  };
}

/**
 * Builds model.json and its shards from checked weights: the weights concatenated in
 * expectedTensors() order, then cut every SHARD_BYTES regardless of tensor boundaries, exactly
 * as tfjs's converter writes a weight group; then the graph's constants as a second group of one
 * shard, and the graph itself. A model the graph does not express gets the weights alone.
 */
export async function buildManifest(
  weights: ViTWeights,
  source: WeightsMetadata['source'],
  convertedBy: string,
): Promise<{ modelJson: WeightsModelJson; shards: Uint8Array[] }> {
  const w = weightGroup(weights);
  const total = w.bytes.byteLength;
  const count = Math.max(1, Math.ceil(total / SHARD_BYTES));
  const shards: Uint8Array[] = Array.from({ length: count }, (_, i) => w.bytes.subarray(i * SHARD_BYTES, Math.min(total, (i + 1) * SHARD_BYTES)));
  const groups: io.WeightsManifestConfig = [{ paths: shards.map((_, i) => shardName(1, i, count)), weights: w.specs }];
  const graph = graphFiles(weights.config);
  if (!('refusal' in graph)) {
    shards.push(graph.constantBytes);
    groups.push({ paths: [CONSTANTS_SHARD], weights: graph.constantSpecs });
  }
  const paths = groups.flatMap((g) => g.paths);
  const shardInfo: ShardInfo[] = [];
  for (let i = 0; i < shards.length; i++) {
    shardInfo.push({ path: paths[i], bytes: shards[i].byteLength, sha256: await sha256Hex(shards[i]) });
  }
  const meta: WeightsMetadata = { config: weights.config, source, shards: shardInfo };
  const common = { generatedBy: `timm ${weights.config.architecture}`, convertedBy, weightsManifest: groups };
  const modelJson: WeightsModelJson =
    'refusal' in graph
      ? { format: WEIGHTS_ONLY_FORMAT, ...common, modelTopology: null, userDefinedMetadata: { ...meta, graphRefusal: graph.refusal } }
      : { format: GRAPH_MODEL_FORMAT, ...common, modelTopology: graph.modelTopology, signature: graph.signature, userDefinedMetadata: meta };
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
  // Manifests written before distilled and avg-pool models existed are plain class-token ViTs,
  // and those written before the other families lack their fields: timm's defaults.
  const family = {
    classToken: c.classToken ?? true,
    distilled: c.distilled ?? false,
    registers: c.registers ?? 0,
    layerScale: c.layerScale ?? false,
    noEmbedClass: c.noEmbedClass ?? false,
    preNorm: c.preNorm ?? false,
    act: c.act ?? 'gelu',
    globalPool: c.globalPool ?? 'token',
  };
  for (const k of ['classToken', 'distilled', 'layerScale', 'noEmbedClass', 'preNorm'] as const) {
    if (typeof family[k] !== 'boolean') fail(file, `userDefinedMetadata.config.${k} must be true or false`);
  }
  if (!Number.isInteger(family.registers) || (family.registers as number) < 0) fail(file, 'userDefinedMetadata.config.registers must be a count');
  if (family.act !== 'gelu' && family.act !== 'quickgelu') fail(file, 'userDefinedMetadata.config.act must be "gelu" or "quickgelu"');
  if (family.globalPool !== 'token' && family.globalPool !== 'avg') fail(file, 'userDefinedMetadata.config.globalPool must be "token" or "avg"');
  return { ...c, ...family } as unknown as ModelConfig;
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
  if (artifacts.format !== GRAPH_MODEL_FORMAT && artifacts.format !== WEIGHTS_ONLY_FORMAT) {
    fail(modelFile, `format is "${String(artifacts.format)}", expected "${GRAPH_MODEL_FORMAT}" (one of our converted models)`);
  }
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
    const count = spec.shape.reduce((a, b) => a * b, 1);
    if (offset + 4 * count > joined.byteLength) fail(modelFile, `tensor ${spec.name} runs past the end of the shards`);
    // The graph's own constants (shapes, axes, scalars) are for TF.js; the engines skip them.
    if (spec.name.startsWith(GRAPH_CONSTANT_PREFIX) && (spec.dtype === 'int32' || spec.dtype === 'float32') && !spec.quantization) {
      offset += 4 * count;
      continue;
    }
    if (spec.dtype !== 'float32' || spec.quantization)
      fail(modelFile, `tensor ${spec.name} is ${spec.quantization ? 'quantized' : spec.dtype}, only float32 is supported`);
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
