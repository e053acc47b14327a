// Converts one timm hub-layout directory (config.json + model.safetensors) into
// <outRoot>/<id>/ as a TF.js graph model (src/model/manifest.ts), and rebuilds <outRoot>/index.json.
// Every error names the file at fault, so the CLI can print it as one line.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseTimmConfig } from '../../src/model/config';
import { buildManifest, CONSTANTS_SHARD, graphFiles, indexEntry, type ModelIndexEntry, type WeightsModelJson } from '../../src/model/manifest';
import { readSafetensors } from '../../src/model/safetensors';
import { readClassesTsv } from '../../src/model/timm-dir';
import { checkTensors } from '../../src/model/weights';
import type { GoldenCases } from '../../src/golden';
import imagenetLabels from '../../src/model/imagenet-labels.json';

export interface ConvertOptions {
  /** shared/golden/cases.json: `models.<id>.weights_sha256` pins the expected safetensors. */
  goldenCases?: string;
  /** shared/imagenet/classes.tsv: labels for hub configs without label_names. */
  classesTsv?: string;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
}

export interface ConvertResult {
  id: string;
  status: 'converted' | 'up to date';
  tensors: number;
  shards: number;
  bytes: number;
}

const CONVERTED_BY = 'tome-webgpu scripts/prepare-weights.ts';

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

/** Hashes that the source must have: a `<file>.sha256` sidecar and, for the safetensors, cases.json. */
function expectedHashes(id: string, file: string, goldenCases: string | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const sidecar = `${file}.sha256`;
  if (existsSync(sidecar)) out.push([readFileSync(sidecar, 'utf8').trim().split(/\s+/)[0].toLowerCase(), sidecar]);
  if (goldenCases && basename(file) === 'model.safetensors' && existsSync(goldenCases)) {
    const models = (readJson(goldenCases) as Partial<GoldenCases>).models ?? {};
    const pinned = models[id]?.weights_sha256;
    if (pinned) out.push([pinned.toLowerCase(), goldenCases]);
  }
  return out;
}

function verifySha(id: string, file: string, actual: string, goldenCases: string | undefined): void {
  for (const [expected, where] of expectedHashes(id, file, goldenCases)) {
    if (expected !== actual) {
      throw new Error(`${file}: sha256 ${actual} does not match ${expected} from ${where} (wrong, truncated or corrupt file)`);
    }
  }
}

/** Whether model.json's graph (or the reason it has none) is what the graph of this converter
 * makes of its config: a change to src/model/tfjs-graph.ts leaves older outputs stale. */
function graphCurrent(json: WeightsModelJson): boolean {
  const graph = graphFiles(json.userDefinedMetadata.config);
  if ('refusal' in graph) return json.modelTopology === null && json.userDefinedMetadata.graphRefusal === graph.refusal;
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const constants = json.userDefinedMetadata.shards.find((s) => s.path === CONSTANTS_SHARD);
  return (
    same(json.modelTopology, graph.modelTopology) &&
    same(json.signature, graph.signature) &&
    same(json.weightsManifest[1]?.weights, graph.constantSpecs) &&
    constants?.sha256 === sha256(graph.constantBytes)
  );
}

/** The output is current when its model.json records these source hashes and this converter's
 * graph, and every shard is there at its size. */
function upToDate(outDir: string, source: WeightsModelJson['userDefinedMetadata']['source']): WeightsModelJson | undefined {
  const path = join(outDir, 'model.json');
  if (!existsSync(path)) return undefined;
  let json: WeightsModelJson;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as WeightsModelJson;
  } catch {
    return undefined;
  }
  const meta = json?.userDefinedMetadata;
  if (meta?.source?.safetensorsSha256 !== source.safetensorsSha256 || meta.source.configSha256 !== source.configSha256) return undefined;
  if (!graphCurrent(json)) return undefined;
  const shardsOk =
    Array.isArray(meta.shards) &&
    meta.shards.every((s) => {
      const p = join(outDir, s.path);
      return existsSync(p) && statSync(p).size === s.bytes;
    });
  return shardsOk && existsSync(join(outDir, 'config.json')) && existsSync(join(outDir, 'labels.json')) ? json : undefined;
}

function fallbackLabels(classesTsv: string | undefined): string[] {
  return classesTsv && existsSync(classesTsv) ? readClassesTsv(classesTsv) : imagenetLabels;
}

export async function convertTimmDir(srcDir: string, outRoot: string, opts: ConvertOptions = {}): Promise<ConvertResult> {
  const id = basename(srcDir);
  const cfgPath = join(srcDir, 'config.json');
  const stPath = join(srcDir, 'model.safetensors');
  for (const p of [cfgPath, stPath]) if (!existsSync(p)) throw new Error(`${p}: missing`);
  const cfgBytes = readFileSync(cfgPath);
  const stBytes = readFileSync(stPath);
  const source = { safetensorsSha256: sha256(stBytes), configSha256: sha256(cfgBytes) };
  verifySha(id, stPath, source.safetensorsSha256, opts.goldenCases);
  verifySha(id, cfgPath, source.configSha256, opts.goldenCases);

  const outDir = join(outRoot, id);
  const current = upToDate(outDir, source);
  if (current) {
    const entry = indexEntry(current);
    return {
      id,
      status: 'up to date',
      tensors: current.weightsManifest[0].weights.length,
      shards: current.userDefinedMetadata.shards.length,
      bytes: entry.bytes,
    };
  }

  opts.log?.(`${id}: reading ${stPath}`);
  const raw = readJson(cfgPath);
  const tensors = readSafetensors(stBytes, stPath);
  const shapes = Object.fromEntries([...tensors].map(([k, t]) => [k, t.shape]));
  let config;
  try {
    config = parseTimmConfig(id, raw, { labels: fallbackLabels(opts.classesTsv), shapes });
  } catch (e) {
    // parseTimmConfig names the file "config.json"; give the full path of this one.
    throw new Error(`${cfgPath}: ${(e as Error).message.replace(/^config\.json: /, '')}`);
  }
  checkTensors(config, tensors, stPath);

  const { modelJson, shards } = await buildManifest({ config, tensors }, source, CONVERTED_BY);
  const refusal = modelJson.userDefinedMetadata.graphRefusal;
  if (refusal) opts.log?.(`${id}: weights only, no TF.js graph in model.json (${refusal})`);
  mkdirSync(outDir, { recursive: true });
  // model.json goes last and the old one first: a run killed midway never leaves a model.json
  // that vouches for half-written shards.
  rmSync(join(outDir, 'model.json'), { force: true });
  const paths = new Set(modelJson.userDefinedMetadata.shards.map((s) => s.path));
  for (const f of readdirSync(outDir)) if (/^group\d+-shard\d+of\d+\.bin$/.test(f) && !paths.has(f)) rmSync(join(outDir, f));
  modelJson.userDefinedMetadata.shards.forEach((s, i) => writeFileSync(join(outDir, s.path), shards[i]));
  writeFileSync(join(outDir, 'config.json'), cfgBytes);
  writeFileSync(join(outDir, 'labels.json'), JSON.stringify(config.labels) + '\n');
  writeFileSync(join(outDir, 'model.json'), JSON.stringify(modelJson) + '\n');
  const entry = indexEntry(modelJson);
  return { id, status: 'converted', tensors: modelJson.weightsManifest[0].weights.length, shards: shards.length, bytes: entry.bytes };
}

/** Rewrites <outRoot>/index.json from the model.json files present (the app's model selector). */
export function writeIndex(outRoot: string, log?: (line: string) => void): ModelIndexEntry[] {
  const models: ModelIndexEntry[] = [];
  for (const d of readdirSync(outRoot, { withFileTypes: true })) {
    const path = join(outRoot, d.name, 'model.json');
    if (!d.isDirectory() || !existsSync(path)) continue;
    try {
      models.push(indexEntry(JSON.parse(readFileSync(path, 'utf8')) as WeightsModelJson));
    } catch (e) {
      log?.(`${path}: left out of index.json (${(e as Error).message})`);
    }
  }
  models.sort((a, b) => a.id.localeCompare(b.id));
  writeFileSync(join(outRoot, 'index.json'), JSON.stringify({ models }, null, 2) + '\n');
  return models;
}
