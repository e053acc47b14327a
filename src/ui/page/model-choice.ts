// What the user asked for, before anything is loaded (no DOM): a hub repo id as typed (an id,
// `hf:<id>`, or the repo's page on the hub), or a model's two files among those picked or
// dropped, each problem as one line; and the prefixes of the page's ids for such models.
import { parseRepoId } from '../../model/hub/repo-id';
import { HUB_ENDPOINT } from './hub-endpoint';

export const HUB_ID_PREFIX = 'hf:';
export const LOCAL_ID_PREFIX = 'local:';

/** What the user typed: a repo id, `hf:<repo>`, or the repo's page on the hub. */
export function repoFromInput(text: string): string {
  let t = text.trim();
  if (t.startsWith(HUB_ID_PREFIX)) t = t.slice(HUB_ID_PREFIX.length);
  for (const base of [HUB_ENDPOINT, 'https://huggingface.co']) {
    if (t.startsWith(`${base}/`))
      t = t
        .slice(base.length + 1)
        .replace(/\/(tree|blob|resolve)\/.*$/, '')
        .replace(/\/$/, '');
  }
  return parseRepoId(t);
}

/** The two files of a timm model among those picked or dropped, or a one-line reason. */
export function modelFiles(files: File[]): { config: File; weights: File } | string {
  const config = files.find((f) => f.name === 'config.json') ?? files.filter((f) => f.name.endsWith('.json')).at(0);
  const weights = files.find((f) => f.name === 'model.safetensors') ?? files.filter((f) => f.name.endsWith('.safetensors')).at(0);
  if (config && weights) return { config, weights };
  const got = files.length ? files.map((f) => f.name).join(', ') : 'nothing';
  return `A local model is two files, config.json and model.safetensors (got ${got})`;
}
