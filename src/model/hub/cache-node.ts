// Node-only: hub models downloaded once into a cache folder, <cacheDir>/<owner>--<name>/ with
// config.json, model.safetensors and hub.json (the hub's record they were verified against).
// A download goes to a hidden temporary folder, is verified (size, sha256, config against
// tensors) and only then renamed into place: a failure leaves nothing that looks cached, and a
// cached model loads with no request at all.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readTimmDir } from '../timm-dir';
import type { ViTWeights } from '../weights';
import { CONFIG_FILE, WEIGHTS_FILE, downloadVerified, type DownloadProgress, type HubFileRecord, type StreamingHash } from './client';
import { checkHubModel } from './hub-model';
import { DEFAULT_HUB_ENDPOINT, repoDirName } from './repo-id';

export const RECORD_FILE = 'hub.json';

export interface CachedRecord extends HubFileRecord {
  repo: string;
  endpoint: string;
}

export interface NodeHubOptions {
  cacheDir: string;
  /** Default: HF_ENDPOINT, else https://huggingface.co. */
  endpoint?: string;
  /** Class names for configs without label_names (ImageNet's when the head has 1000 classes). */
  labels?: string[];
  onProgress?: (p: DownloadProgress) => void;
  log?: (line: string) => void;
  signal?: AbortSignal;
  stallSec?: number;
}

export function hubEndpoint(env: Record<string, string | undefined> = process.env): string {
  return env.HF_ENDPOINT || DEFAULT_HUB_ENDPOINT;
}

function nodeSha256(): StreamingHash {
  const h = createHash('sha256');
  return { update: (c) => void h.update(c), hex: () => h.digest('hex') };
}

/** The cached model's folder when it is complete (its record and both files, at the recorded size). */
function cachedModelDir(repo: string, cacheDir: string): string | undefined {
  const dir = join(cacheDir, repoDirName(repo));
  const recordPath = join(dir, RECORD_FILE);
  if (!existsSync(recordPath) || !existsSync(join(dir, CONFIG_FILE)) || !existsSync(join(dir, WEIGHTS_FILE))) return undefined;
  try {
    const record = JSON.parse(readFileSync(recordPath, 'utf8')) as CachedRecord;
    return record.repo === repo && statSync(join(dir, WEIGHTS_FILE)).size === record.size ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** Temporary folders of downloads killed midway (never read as a cache entry), older than an hour. */
function removeStalePartials(cacheDir: string, name: string): void {
  for (const entry of readdirSync(cacheDir)) {
    const path = join(cacheDir, entry);
    if (entry.startsWith(`.${name}.partial-`) && Date.now() - statSync(path).mtimeMs > 3600_000) rmSync(path, { recursive: true, force: true });
  }
}

/**
 * The weights of hub repo `repo`: from the cache when there (no request), else downloaded,
 * verified and cached. Every error is one line starting with the repo id.
 */
export async function loadHubModelNode(repo: string, opts: NodeHubOptions): Promise<{ weights: ViTWeights; dir: string; fromCache: boolean }> {
  const name = repoDirName(repo);
  const cached = cachedModelDir(repo, opts.cacheDir);
  if (cached) return { weights: readTimmDir(cached, { id: name, labels: opts.labels }), dir: cached, fromCache: true };

  const endpoint = opts.endpoint ?? hubEndpoint();
  const checked = await checkHubModel(repo, { endpoint, labels: opts.labels, signal: opts.signal });
  mkdirSync(opts.cacheDir, { recursive: true });
  removeStalePartials(opts.cacheDir, name);
  const tmp = await mkdtemp(join(opts.cacheDir, `.${name}.partial-`));
  try {
    await writeFile(join(tmp, CONFIG_FILE), checked.configBytes);
    opts.log?.(`downloading ${repo} ${WEIGHTS_FILE} (${(checked.weights.size / 1e6).toFixed(1)} MB) from ${endpoint}`);
    const file = await open(join(tmp, WEIGHTS_FILE), 'w');
    try {
      await downloadVerified(repo, checked.weights, {
        endpoint,
        signal: opts.signal,
        onProgress: opts.onProgress,
        stallSec: opts.stallSec,
        hash: nodeSha256,
        write: async (chunk) => void (await file.write(chunk)),
      });
    } finally {
      await file.close();
    }
    let weights: ViTWeights;
    try {
      weights = readTimmDir(tmp, { id: name, labels: opts.labels });
    } catch (e) {
      // Name the files as the user knows them, not by the temporary folder.
      throw new Error((e as Error).message.split(tmp).join(repo));
    }
    const record: CachedRecord = { repo, endpoint, ...checked.weights };
    await writeFile(join(tmp, RECORD_FILE), JSON.stringify(record, null, 2) + '\n');
    const dir = join(opts.cacheDir, name);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    return { weights, dir, fromCache: false };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
