// Hugging Face repo ids ("namespace/name" or a bare legacy "name"), checked with the hub's own
// rules (huggingface_hub validate_repo_id) so a typo fails here, in one line, before any request.

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

const PART = /^[A-Za-z0-9._-]{1,96}$/;

function partProblem(part: string): string | null {
  if (!PART.test(part)) return 'letters, digits, "-", "_" and "." only, 1 to 96 of them';
  if (part.includes('--') || part.includes('..')) return '"--" and ".." are not allowed';
  if (/^[-.]|[-.]$/.test(part)) return 'it may not start or end with "-" or "."';
  return null;
}

/** The repo id itself, or an Error naming what is wrong with it. */
export function parseRepoId(id: string): string {
  const parts = id.split('/');
  const bad = (why: string) => new Error(`"${id}" is not a Hugging Face repo id (${why}; e.g. timm/vit_small_patch16_224.augreg_in21k_ft_in1k)`);
  if (!id) throw bad('it is empty');
  if (parts.length > 2) throw bad('use "namespace/name"');
  for (const part of parts) {
    const why = partProblem(part);
    if (why) throw bad(why);
  }
  return id;
}

/** A directory name for a repo id (the hub forbids "--" in ids, so this is reversible). */
export function repoDirName(id: string): string {
  return parseRepoId(id).replace('/', '--');
}

/** The endpoint without a trailing slash; `HF_ENDPOINT`-style overrides must be http(s) URLs. */
export function normalizeEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`hub endpoint "${endpoint}" is not a URL (HF_ENDPOINT must look like https://huggingface.co)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`hub endpoint "${endpoint}" must be http or https`);
  return endpoint.replace(/\/+$/, '');
}
