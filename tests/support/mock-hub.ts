// A local stand-in for the Hugging Face hub (node:http on 127.0.0.1, ephemeral ports), with the
// hub's paths and answers: `<repo>/resolve/main/<file>` (config.json served directly, the LFS
// file redirected with a 302 to a second "CDN" server, as the hub does), and
// `api/models/<repo>/tree/main` (entries with size, and lfs.oid = sha256 for the weights).
// Unknown repos get the hub's 401 + X-Error-Code: RepoNotFound. Every request is logged, and
// each repo can carry a fault: a 404 for the weights, a connection dropped mid-download, a
// truncated file, corrupt bytes (sha256 mismatch), or a stall. Both servers answer with the
// hub's CORS headers (any origin, its X- headers exposed), so a page can use them too.
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export type Fault = 'none' | 'no-weights' | 'drop' | 'truncate' | 'corrupt' | 'stall';

export interface MockRepo {
  /** Folder with config.json + model.safetensors (the weights are streamed from disk). */
  dir: string;
  /** Served instead of dir/config.json. */
  config?: Buffer;
  fault?: Fault;
}

interface Entry extends MockRepo {
  configBytes: Buffer;
  weightsPath: string;
  size: number;
  sha256: string;
}

export interface MockHub {
  /** The endpoint: HF_ENDPOINT for the code under test. */
  url: string;
  /** The origin the weights are redirected to (a page's CSP must allow it, as the hub's CDN). */
  cdnUrl: string;
  /** Requests as "METHOD /path" on either server, in order. */
  requests: string[];
  add(repo: string, r: MockRepo): void;
  /** Requests that fetched (or were redirected to) the weights of `repo`. */
  weightRequests(repo: string): string[];
  close(): Promise<void>;
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

/** What the hub sends a browser: any origin, and the headers its clients read. */
function cors(res: ServerResponse): void {
  res.setHeader('access-control-allow-origin', '*');
  res.setHeader('access-control-expose-headers', 'X-Repo-Commit, X-Request-Id, X-Error-Code, X-Error-Message, ETag, Link, X-Linked-Size, X-Linked-ETag');
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export async function startMockHub(): Promise<MockHub> {
  const repos = new Map<string, Entry>();
  const requests: string[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const log = (req: IncomingMessage) => requests.push(`${req.method} ${req.url}`);

  // The CDN: /lfs/<sha256>?repo=<repo> streams the LFS object.
  const cdn = createServer((req, res) => {
    log(req);
    cors(res);
    const url = new URL(req.url ?? '/', 'http://x');
    const entry = repos.get(url.searchParams.get('repo') ?? '');
    if (!entry || !url.pathname.startsWith('/lfs/')) return sendJson(res, 404, { error: 'not found' });
    const half = Math.floor(entry.size / 2);
    const fault = entry.fault ?? 'none';
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(fault === 'truncate' ? half : entry.size) });
    let sent = 0;
    const stream = createReadStream(entry.weightsPath, { highWaterMark: 1 << 16 });
    stream.on('data', (chunk) => {
      let buf = chunk as Buffer;
      if (fault === 'corrupt' && sent <= half && half < sent + buf.length) {
        buf = Buffer.from(buf);
        buf[half - sent] ^= 0xff;
      }
      if ((fault === 'drop' || fault === 'truncate' || fault === 'stall') && sent + buf.length > half) {
        stream.destroy();
        res.write(buf.subarray(0, half - sent));
        sent = half;
        if (fault === 'drop') setTimeout(() => res.socket?.destroy(), 20);
        if (fault === 'truncate') res.end();
        return; // 'stall': keep the connection open and send nothing more
      }
      sent += buf.length;
      if (!res.write(buf)) {
        stream.pause();
        res.once('drain', () => stream.resume());
      }
    });
    stream.on('end', () => res.end());
  });

  const hub = createServer((req, res) => {
    log(req);
    cors(res);
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const tree = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/main\/?$/.exec(path);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/main\/(.+)$/.exec(path);
    const repo = tree?.[1] ?? resolve?.[1];
    const entry = repo ? repos.get(repo) : undefined;
    if (!entry) return sendJson(res, 401, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound' });
    const hasWeights = entry.fault !== 'no-weights';
    if (tree) {
      const files = [
        { type: 'file', oid: createHash('sha1').update(entry.configBytes).digest('hex'), size: entry.configBytes.length, path: 'config.json' },
        { type: 'file', oid: 'c0ffee'.padEnd(40, '0'), size: 11, path: 'README.md' },
        ...(hasWeights
          ? [
              {
                type: 'file',
                oid: 'f00d'.padEnd(40, '0'),
                size: entry.size,
                path: 'model.safetensors',
                lfs: { oid: entry.sha256, size: entry.size, pointerSize: 135 },
              },
            ]
          : []),
      ];
      return sendJson(res, 200, files);
    }
    const file = resolve![2];
    if (file === 'config.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(entry.configBytes.length), 'x-repo-commit': '0'.repeat(40) });
      return res.end(entry.configBytes);
    }
    if (file === 'model.safetensors' && hasWeights) {
      res.writeHead(302, {
        location: `${cdnUrl}/lfs/${entry.sha256}?repo=${encodeURIComponent(repo!)}`,
        'x-linked-etag': `"${entry.sha256}"`,
        'x-linked-size': String(entry.size),
        'x-repo-commit': '0'.repeat(40),
      });
      return res.end();
    }
    sendJson(res, 404, { error: 'Entry not found' }, { 'x-error-code': 'EntryNotFound' });
  });

  for (const server of [hub, cdn]) server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  const url = await listen(hub);
  const cdnUrl = await listen(cdn);
  return {
    url,
    cdnUrl,
    requests,
    add(repo, r) {
      const weightsPath = join(r.dir, 'model.safetensors');
      repos.set(repo, {
        ...r,
        configBytes: r.config ?? readFileSync(join(r.dir, 'config.json')),
        weightsPath,
        size: statSync(weightsPath).size,
        sha256: sha256File(weightsPath),
      });
    },
    weightRequests(repo) {
      return requests.filter((q) => q.includes(`${repo}/resolve/main/model.safetensors`) || q.includes(`repo=${encodeURIComponent(repo)}`));
    },
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([hub, cdn].map((s) => new Promise((r) => s.close(r))));
    },
  };
}
