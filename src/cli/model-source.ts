// What `--model` names: a shipped (converted) model id, a local timm folder (config.json +
// model.safetensors), or `hf:<repo>` on the Hugging Face hub (downloaded once into a cache
// folder, verified). Each source loads into the same ViTWeights.
import { existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadHubModelNode, hubEndpoint } from '../model/hub/cache-node';
import { parseRepoId } from '../model/hub/repo-id';
import { listModelsNode, loadModelNode } from '../model/load-node';
import { readTimmDir } from '../model/timm-dir';
import type { ViTWeights } from '../model/weights';
import imagenetLabels from '../model/imagenet-labels.json';
import { downloadReporter } from './download-progress';

export type ModelSource = { kind: 'shipped'; id: string } | { kind: 'folder'; dir: string } | { kind: 'hub'; repo: string };

const HUB_PREFIX = 'hf:';

/** Shipped ids win over a folder of the same name; anything else must be a folder or hf:. */
function parseModelSource(model: string, shippedIds: string[]): ModelSource {
  if (model.startsWith(HUB_PREFIX)) return { kind: 'hub', repo: parseRepoId(model.slice(HUB_PREFIX.length)) };
  if (shippedIds.includes(model)) return { kind: 'shipped', id: model };
  if (existsSync(model) && statSync(model).isDirectory()) return { kind: 'folder', dir: resolve(model) };
  const have = shippedIds.length ? `shipped: ${shippedIds.join(', ')}` : 'no model is converted yet (run `npm run weights`)';
  throw new Error(`unknown model "${model}": not a shipped model (${have}), not a folder with config.json + model.safetensors, and not hf:<repo>`);
}

export interface ModelRoots {
  /** Converted shipped models (public/weights). */
  weightsRoot: string;
  /** Hub downloads. */
  cacheDir: string;
}

export async function loadModelSource(model: string, roots: ModelRoots): Promise<ViTWeights> {
  const source = parseModelSource(model, listModelsNode(roots.weightsRoot));
  if (source.kind === 'shipped') return loadModelNode(source.id, { root: roots.weightsRoot });
  if (source.kind === 'folder') {
    for (const f of ['config.json', 'model.safetensors'])
      if (!existsSync(join(source.dir, f))) throw new Error(`${join(source.dir, f)}: missing (a model folder holds config.json + model.safetensors)`);
    return readTimmDir(source.dir, { id: basename(source.dir), labels: imagenetLabels });
  }
  const { weights, dir, fromCache } = await loadHubModelNode(source.repo, {
    cacheDir: roots.cacheDir,
    endpoint: hubEndpoint(),
    labels: imagenetLabels,
    onProgress: downloadReporter(source.repo),
    log: (line) => process.stderr.write(`tome: ${line}\n`),
  });
  process.stderr.write(`tome: ${source.repo} ${fromCache ? 'from the cache' : 'downloaded and verified into'} ${dir}\n`);
  return weights;
}
