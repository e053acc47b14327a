// Node-only: loads a converted model (public/weights/<id>/model.json + shards) from disk through
// a tfjs io.IOHandler (tfjs-node's file:// handler is not installable here), then checks and
// unpacks it with the same code the browser uses (weightsFromArtifacts).
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io } from '@tensorflow/tfjs-core';
import { metadataOf, progressOf, weightsFromArtifacts, type ProgressCallback } from './manifest';
import type { ViTWeights } from './weights';

export const DEFAULT_WEIGHTS_ROOT = fileURLToPath(new URL('../../public/weights', import.meta.url));

/** Chunk size of shard reads: small enough for a smooth progress bar, large enough to be cheap. */
const READ_CHUNK = 1 << 20;

async function readModelJson(path: string): Promise<io.ModelJSON> {
  if (!existsSync(path)) throw new Error(`${path}: missing (run \`npm run weights\`)`);
  let json: io.ModelJSON;
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as io.ModelJSON;
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message}); run \`npm run weights\` to regenerate it`);
  }
  if (!json || typeof json !== 'object' || !Array.isArray(json.weightsManifest)) {
    throw new Error(`${path}: has no weightsManifest (not a weights manifest)`);
  }
  return json;
}

async function readShard(path: string, onChunk: (bytes: number) => void): Promise<ArrayBuffer> {
  if (!existsSync(path)) throw new Error(`${path}: missing (listed in model.json); run \`npm run weights\``);
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK })) {
    chunks.push(chunk as Buffer);
    onChunk((chunk as Buffer).byteLength);
  }
  const all = Buffer.concat(chunks);
  return all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
}

/** An io.IOHandler reading model.json and its shards from `dir`; progress counts shard bytes.
 * TF.js's own loaders take it too (tfjs-converter's loadGraphModel runs the graph in model.json). */
export function nodeFileHandler(dir: string, onProgress?: ProgressCallback): io.IOHandler {
  return {
    async load() {
      const modelPath = join(dir, 'model.json');
      const json = await readModelJson(modelPath);
      const total = metadataOf(json.userDefinedMetadata, modelPath).shards.reduce((a, s) => a + s.bytes, 0);
      return io.getModelArtifactsForJSON(json, async (manifest) => {
        let loaded = 0;
        onProgress?.(progressOf(0, total));
        const buffers: ArrayBuffer[] = [];
        // One shard at a time: the disk is not faster in parallel and progress stays ordered.
        for (const path of manifest.flatMap((g) => g.paths)) {
          buffers.push(
            await readShard(join(dir, path), (n) => {
              loaded += n;
              onProgress?.(progressOf(loaded, total));
            }),
          );
        }
        return [io.getWeightSpecs(manifest), buffers];
      });
    },
  };
}

/** Ids of the converted models under `root` (directories holding a model.json), sorted. */
export function listModelsNode(root: string = DEFAULT_WEIGHTS_ROOT): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'model.json')))
    .map((d) => d.name)
    .sort();
}

export async function loadModelNode(id: string, opts: { root?: string; onProgress?: ProgressCallback } = {}): Promise<ViTWeights> {
  const root = opts.root ?? DEFAULT_WEIGHTS_ROOT;
  const ids = listModelsNode(root);
  if (!ids.includes(id)) {
    const have = ids.length ? `available: ${ids.join(', ')}` : 'no model is converted yet';
    throw new Error(`unknown model "${id}" in ${root} (${have}); run \`npm run weights\` to convert models`);
  }
  const dir = join(root, id);
  const handler = nodeFileHandler(dir, opts.onProgress);
  return weightsFromArtifacts(await handler.load!(), dir);
}
