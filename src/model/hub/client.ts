// A small Hugging Face hub client for timm models, for Node and the browser worker alike (fetch
// and web streams only): config.json, the hub's record of model.safetensors (size and LFS
// sha256, from the tree API), and a streaming download that hashes while it reads, reports
// bytes / speed / time left, can be cancelled, and never keeps a second copy of the file.
// Every failure is one line naming the repo, the file and what went wrong.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { DEFAULT_HUB_ENDPOINT, normalizeEndpoint, parseRepoId } from './repo-id';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';

export interface HubOptions {
  /** Default https://huggingface.co (Node callers pass HF_ENDPOINT when set). */
  endpoint?: string;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/** The hub's own record of a file on the main branch. */
export interface HubFileRecord {
  path: string;
  size: number;
  /** The LFS object id: the sha256 of the file's content. */
  sha256: string;
}

export interface DownloadProgress {
  loaded: number;
  total: number;
  /** Average since the download started. */
  bytesPerSec: number;
  /** Seconds left at that speed (Infinity before the first byte). */
  etaSec: number;
}

/** Incremental sha256 (WebCrypto has no streaming digest). Node may pass node:crypto's. */
export interface StreamingHash {
  update(chunk: Uint8Array): void;
  hex(): string;
}

function nobleSha256(): StreamingHash {
  const h = sha256.create();
  return { update: (c) => void h.update(c), hex: () => bytesToHex(h.digest()) };
}

function resolveUrl(repo: string, file: string, endpoint = DEFAULT_HUB_ENDPOINT): string {
  return `${normalizeEndpoint(endpoint)}/${parseRepoId(repo)}/resolve/main/${file}`;
}

function treeUrl(repo: string, endpoint = DEFAULT_HUB_ENDPOINT): string {
  return `${normalizeEndpoint(endpoint)}/api/models/${parseRepoId(repo)}/tree/main`;
}

function causeOf(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
}

function isAbort(e: unknown, signal?: AbortSignal): boolean {
  return (e as Error)?.name === 'AbortError' || signal?.aborted === true;
}

/** One request; HTTP and network failures become one line in the hub's terms. */
async function request(repo: string, what: string, url: string, opts: HubOptions): Promise<Response> {
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(url, { signal: opts.signal, redirect: 'follow' });
  } catch (e) {
    if (isAbort(e, opts.signal)) throw new Error(`${repo}: ${what}: cancelled`);
    throw new Error(`${repo}: cannot reach ${new URL(url).origin} for ${what} (${causeOf(e)})`);
  }
  if (res.ok) return res;
  const code = res.headers.get('x-error-code');
  // The hub answers 401 both for a repo that does not exist and for a private one.
  if (code === 'RepoNotFound' || res.status === 401) throw new Error(`${repo}: no such model repository on ${new URL(url).origin} (or it is private)`);
  if (code === 'GatedRepo' || res.status === 403) throw new Error(`${repo}: access is restricted (gated or private repository)`);
  if (code === 'EntryNotFound' || res.status === 404) throw new Error(`${repo}: has no ${what} on its main branch (HTTP 404 for ${url})`);
  if (code === 'RevisionNotFound') throw new Error(`${repo}: has no main branch`);
  throw new Error(`${repo}: ${what}: HTTP ${res.status} from ${url}`);
}

/** config.json of a repo: the raw JSON (checked before any weights download) and its bytes. */
export async function fetchHubConfig(repo: string, opts: HubOptions = {}): Promise<{ raw: Record<string, unknown>; bytes: Uint8Array }> {
  const res = await request(repo, CONFIG_FILE, resolveUrl(repo, CONFIG_FILE, opts.endpoint), opts);
  const bytes = new Uint8Array(await res.arrayBuffer());
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new Error(`${repo}: ${CONFIG_FILE} is not valid JSON (${(e as Error).message})`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${repo}: ${CONFIG_FILE} is not a JSON object`);
  return { raw: raw as Record<string, unknown>, bytes };
}

interface TreeEntry {
  type?: string;
  path?: string;
  size?: number;
  lfs?: { oid?: string; size?: number };
}

function nextPage(link: string | null): string | undefined {
  return link
    ?.split(',')
    .find((part) => /rel="?next"?/.test(part))
    ?.match(/<([^>]+)>/)?.[1];
}

/** The hub's size and sha256 of `file` from `api/models/<repo>/tree/main` (paged by Link headers). */
export async function fetchFileRecord(repo: string, file: string, opts: HubOptions = {}): Promise<HubFileRecord> {
  let url: string | undefined = treeUrl(repo, opts.endpoint);
  for (let page = 0; url && page < 100; page++) {
    const res = await request(repo, 'its file list', url, opts);
    let entries: TreeEntry[];
    try {
      entries = (await res.json()) as TreeEntry[];
    } catch (e) {
      throw new Error(`${repo}: the hub's file list is not valid JSON (${(e as Error).message})`);
    }
    if (!Array.isArray(entries)) throw new Error(`${repo}: the hub's file list is not a JSON array`);
    const entry = entries.find((e) => e?.path === file && e.type !== 'directory');
    if (entry) {
      const sha = String(entry.lfs?.oid ?? '')
        .replace(/^sha256:/, '')
        .toLowerCase();
      const size = entry.lfs?.size ?? entry.size;
      if (!/^[0-9a-f]{64}$/.test(sha)) throw new Error(`${repo}: the hub has no sha256 (LFS oid) for ${file}, so it cannot be verified`);
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0) throw new Error(`${repo}: the hub's record of ${file} has no size`);
      return { path: file, size, sha256: sha };
    }
    url = nextPage(res.headers.get('link'));
    if (url) url = new URL(url, treeUrl(repo, opts.endpoint)).href;
  }
  throw new Error(`${repo}: has no ${file} on its main branch (not in the hub's file list)`);
}

export interface DownloadOptions extends HubOptions {
  onProgress?: (p: DownloadProgress) => void;
  /** Receives each chunk in order; awaited, so a slow disk slows the download (no buffering). */
  write: (chunk: Uint8Array) => void | Promise<void>;
  hash?: () => StreamingHash;
  /** Seconds without a byte before the download is given up (never hangs silently). */
  stallSec?: number;
  now?: () => number;
}

/**
 * Streams `record.path` of `repo` (the hub redirects LFS files to its CDN; fetch follows) into
 * `write`, hashing on the way, and checks the byte count and sha256 against the hub's record.
 * On any failure the caller must discard what `write` received.
 */
export async function downloadVerified(repo: string, record: HubFileRecord, opts: DownloadOptions): Promise<void> {
  const url = resolveUrl(repo, record.path, opts.endpoint);
  const stall = new AbortController();
  const onAbort = () => stall.abort();
  opts.signal?.addEventListener('abort', onAbort);
  let stalled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => {
        stalled = true;
        stall.abort();
      },
      (opts.stallSec ?? 60) * 1000,
    );
  };
  const now = opts.now ?? (() => performance.now());
  const hash = (opts.hash ?? nobleSha256)();
  let loaded = 0;
  const what = `${record.path} (${record.size} bytes)`;
  try {
    arm();
    const res = await request(repo, record.path, url, { ...opts, signal: stall.signal });
    const length = res.headers.get('content-length');
    if (length !== null && Number(length) !== record.size && !res.headers.get('content-encoding')) {
      throw new Error(`${repo}: ${record.path} is served with ${length} bytes, the hub's record says ${record.size} (truncated or wrong file)`);
    }
    if (!res.body) throw new Error(`${repo}: ${record.path}: empty response`);
    const reader = res.body.getReader();
    const start = now();
    opts.onProgress?.({ loaded: 0, total: record.size, bytesPerSec: 0, etaSec: Infinity });
    for (;;) {
      let step: Awaited<ReturnType<typeof reader.read>>;
      try {
        step = await reader.read();
      } catch (e) {
        if (stalled)
          throw new Error(`${repo}: download of ${record.path} stalled (no data for ${opts.stallSec ?? 60} s after ${loaded} of ${record.size} bytes)`);
        if (isAbort(e, opts.signal)) throw new Error(`${repo}: download of ${record.path} cancelled after ${loaded} of ${record.size} bytes`);
        throw new Error(`${repo}: download of ${record.path} interrupted after ${loaded} of ${record.size} bytes (${causeOf(e)})`);
      }
      if (step.done) break;
      arm();
      loaded += step.value.byteLength;
      if (loaded > record.size) throw new Error(`${repo}: ${record.path} is longer than the hub's record of ${record.size} bytes (wrong file)`);
      hash.update(step.value);
      await opts.write(step.value);
      const secs = Math.max(1e-3, (now() - start) / 1000);
      const bytesPerSec = loaded / secs;
      opts.onProgress?.({ loaded, total: record.size, bytesPerSec, etaSec: (record.size - loaded) / bytesPerSec });
    }
    if (loaded < record.size) throw new Error(`${repo}: ${record.path} ended after ${loaded} of ${record.size} bytes (truncated download)`);
    const got = hash.hex();
    if (got !== record.sha256) throw new Error(`${repo}: ${what} has sha256 ${got}, the hub's record says ${record.sha256} (corrupt download)`);
  } catch (e) {
    if (stalled && !/stalled/.test((e as Error).message)) throw new Error(`${repo}: download of ${record.path} stalled (no data for ${opts.stallSec ?? 60} s)`);
    throw e;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * The whole verified file in one buffer sized from the hub's record (the browser worker's
 * path: the bytes are written once, straight where they stay).
 */
export async function downloadToBuffer(repo: string, record: HubFileRecord, opts: Omit<DownloadOptions, 'write'> = {}): Promise<Uint8Array> {
  const out = new Uint8Array(record.size);
  let offset = 0;
  await downloadVerified(repo, record, {
    ...opts,
    write: (chunk) => {
      out.set(chunk, offset);
      offset += chunk.byteLength;
    },
  });
  return out;
}
