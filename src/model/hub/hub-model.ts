// The checks a hub model passes before its weights are downloaded: a valid repo id, a
// config.json describing an architecture we run (dims, pooling, tokens), and the hub's record
// (size, sha256) of model.safetensors. Shared by the Node cache and the browser worker.
import { parseTimmConfig, type ModelConfig } from '../config';
import { WEIGHTS_FILE, fetchFileRecord, fetchHubConfig, type HubFileRecord, type HubOptions } from './client';
import { parseRepoId, repoDirName } from './repo-id';

export interface CheckedHubModel {
  repo: string;
  /** The model id: the repo id as a directory name ("timm--vit_small_patch16_224.augreg_in21k_ft_in1k"). */
  id: string;
  config: ModelConfig;
  configBytes: Uint8Array;
  weights: HubFileRecord;
}

/** Everything short of the weights; throws one line (naming the repo) on the first problem. */
export async function checkHubModel(repo: string, opts: HubOptions & { labels?: string[] } = {}): Promise<CheckedHubModel> {
  parseRepoId(repo);
  const id = repoDirName(repo);
  const { raw, bytes } = await fetchHubConfig(repo, opts);
  let config: ModelConfig;
  try {
    config = parseTimmConfig(id, raw, { labels: opts.labels });
  } catch (e) {
    throw new Error(`${repo}: ${(e as Error).message}`);
  }
  const weights = await fetchFileRecord(repo, WEIGHTS_FILE, opts);
  return { repo, id, config, configBytes: bytes, weights };
}
