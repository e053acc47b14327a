// The hub client and the Node cache against a local mock of the hub (no network): repo ids,
// config first (unsupported architectures refused before any weights request), the tree
// record, streaming download with progress, cancellation, every fault as one line, and the
// cache (verified, renamed into place, nothing left behind on failure, no request when hit).
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHubModel } from '../../src/model/hub/hub-model';
import { downloadToBuffer, fetchFileRecord, type DownloadProgress } from '../../src/model/hub/client';
import { loadHubModelNode, RECORD_FILE } from '../../src/model/hub/cache-node';
import { parseRepoId, repoDirName } from '../../src/model/hub/repo-id';
import { readTimmDir } from '../../src/model/timm-dir';
import imagenetLabels from '../../src/model/imagenet-labels.json';
import { startMockHub, type MockHub } from '../support/mock-hub';
import { hubConfig, SPECS, writeTimmModel } from '../support/timm-models';
import { sharedPath } from '../../src/golden';

const VIT = 'vit_tiny_patch16_224.augreg_in21k_ft_in1k';
const VIT_DIR = sharedPath('weights', VIT);
const VIT_SHA = 'a22e9b3685d1feca11a382fbed2db95defc965fe037c026069331b6c243268a6';

let hub: MockHub;
let tmp: string;
const small = () => join(tmp, 'small');

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'tome-hub-'));
  writeTimmModel(small(), SPECS.smallVit, 1);
  writeTimmModel(join(tmp, 'small-distilled'), SPECS.smallDistilled, 2);
  hub = await startMockHub();
  hub.add(`timm/${VIT}`, { dir: VIT_DIR });
  hub.add('test/small', { dir: small() });
  hub.add('test/small-distilled', { dir: join(tmp, 'small-distilled') });
  for (const fault of ['no-weights', 'drop', 'truncate', 'corrupt', 'stall'] as const) hub.add(`test/${fault}`, { dir: small(), fault });
  // config.json says ViT-S/16; the tensors are the small model's.
  hub.add('test/disagree', { dir: small(), config: Buffer.from(JSON.stringify(hubConfig(SPECS.vitS16))) });
  hub.add('test/rotary', { dir: small(), config: Buffer.from(JSON.stringify({ ...hubConfig(SPECS.vitS16), architecture: 'eva02_base_patch14_224' })) });
  hub.add('test/siglip', { dir: small(), config: Buffer.from(JSON.stringify({ ...hubConfig(SPECS.vitS16), architecture: 'vit_base_patch16_siglip_224' })) });
  // A DeiT III (layer scale) by its name; the tensors are a plain ViT's.
  hub.add('test/layerscale', { dir: small(), config: Buffer.from(JSON.stringify({ ...hubConfig(SPECS.smallVit), architecture: 'deit3_small_patch16_224' })) });
  hub.add('test/beit', { dir: small(), config: Buffer.from(JSON.stringify({ ...hubConfig(SPECS.vitS16), architecture: 'beit_base_patch16_224' })) });
  hub.add('test/badjson', { dir: small(), config: Buffer.from('{"architecture": ') });
});
afterAll(async () => {
  await hub.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('repo ids', () => {
  it.each(['timm/vit_small_patch16_224.augreg_in21k_ft_in1k', 'gpt2', 'a-b/c_d.e'])('accepts %s', (id) => expect(parseRepoId(id)).toBe(id));
  it.each([
    ['', /empty/],
    ['timm/vit/extra', /namespace\/name/],
    ['timm/vit small', /letters, digits/],
    ['timm/a--b', /"--"/],
    ['timm/.hidden', /start or end/],
    ['../etc/passwd', /not a Hugging Face repo id/],
    ['x'.repeat(97), /1 to 96/],
  ])('refuses %j in one line', (id, re) => {
    expect(() => parseRepoId(id)).toThrow(re);
    expect(() => parseRepoId(id)).toThrow(/^[^\n]+$/);
  });
  it('maps to a directory name and back', () => {
    expect(repoDirName('timm/deit_small_patch16_224.fb_in1k')).toBe('timm--deit_small_patch16_224.fb_in1k');
  });
});

describe('hub client', () => {
  it('reads config.json and the LFS record of the shipped ViT-Ti', async () => {
    const m = await checkHubModel(`timm/${VIT}`, { endpoint: hub.url, labels: imagenetLabels });
    expect(m.id).toBe(`timm--${VIT}`);
    expect(m.config).toMatchObject({ embedDim: 192, depth: 12, numHeads: 3, patchSize: 16, imgSize: 224, distilled: false, globalPool: 'token' });
    expect(m.weights).toEqual({ path: 'model.safetensors', size: 22883376, sha256: VIT_SHA });
  });

  it('streams the weights through the redirect with byte progress, speed and time left', async () => {
    const record = await fetchFileRecord(`timm/${VIT}`, 'model.safetensors', { endpoint: hub.url });
    const seen: DownloadProgress[] = [];
    const bytes = await downloadToBuffer(`timm/${VIT}`, record, { endpoint: hub.url, onProgress: (p) => seen.push(p) });
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(VIT_SHA);
    expect(Buffer.from(bytes).equals(readFileSync(join(VIT_DIR, 'model.safetensors')))).toBe(true);
    expect(seen.length).toBeGreaterThan(10);
    for (let i = 1; i < seen.length; i++) expect(seen[i].loaded).toBeGreaterThan(seen[i - 1].loaded);
    const last = seen[seen.length - 1];
    expect(last).toMatchObject({ loaded: record.size, total: record.size, etaSec: 0 });
    expect(last.bytesPerSec).toBeGreaterThan(0);
    expect(seen[Math.floor(seen.length / 2)].etaSec).toBeGreaterThan(0);
  });

  it('is cancelled by its AbortSignal mid-download', async () => {
    const record = await fetchFileRecord(`timm/${VIT}`, 'model.safetensors', { endpoint: hub.url });
    const ctl = new AbortController();
    const run = downloadToBuffer(`timm/${VIT}`, record, { endpoint: hub.url, signal: ctl.signal, onProgress: (p) => p.loaded > 1e6 && ctl.abort() });
    await expect(run).rejects.toThrow(/cancelled after \d+ of 22883376 bytes/);
  });

  it('refuses unsupported architectures from config.json alone, before any weights request', async () => {
    await expect(checkHubModel('test/rotary', { endpoint: hub.url })).rejects.toThrow(
      /^test\/rotary: config\.json: eva02_base_patch14_224 uses rotary position embedding \(EVA-02\), which is not supported[^\n]*$/,
    );
    await expect(checkHubModel('test/siglip', { endpoint: hub.url })).rejects.toThrow(/^test\/siglip: [^\n]*attention pooling without a class token \(SigLIP/);
    await expect(checkHubModel('test/beit', { endpoint: hub.url })).rejects.toThrow(/^test\/beit: [^\n]*relative position bias \(BEiT\)/);
    for (const repo of ['test/rotary', 'test/siglip', 'test/beit']) {
      expect(hub.weightRequests(repo)).toEqual([]);
      expect(hub.requests.filter((q) => q.includes(`${repo}/tree`))).toEqual([]); // not even the record
    }
  });

  it.each([
    ['nobody/nothing', /^nobody\/nothing: no such model repository on http:\/\/127\.0\.0\.1:\d+ \(or it is private\)$/],
    ['test/no-weights', /^test\/no-weights: has no model\.safetensors on its main branch/],
    ['test/badjson', /^test\/badjson: config\.json is not valid JSON/],
  ])('%s: one clear line', async (repo, re) => {
    await expect(checkHubModel(repo, { endpoint: hub.url })).rejects.toThrow(re);
  });

  it('says when the hub cannot be reached', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    const port = await new Promise<number>((r) => probe.listen(0, '127.0.0.1', () => r((probe.address() as AddressInfo).port)));
    await new Promise((r) => probe.close(r));
    await expect(checkHubModel('test/small', { endpoint: `http://127.0.0.1:${port}` })).rejects.toThrow(
      new RegExp(`^test/small: cannot reach http://127\\.0\\.0\\.1:${port} for config\\.json \\(ECONNREFUSED\\)$`),
    );
  });

  it.each([
    ['drop', /interrupted after \d+ of \d+ bytes/],
    ['truncate', /served with \d+ bytes, the hub's record says \d+ \(truncated or wrong file\)/],
    ['corrupt', /has sha256 [0-9a-f]{64}, the hub's record says [0-9a-f]{64} \(corrupt download\)/],
  ])('fault %s: one clear line', async (fault, re) => {
    const record = await fetchFileRecord(`test/${fault}`, 'model.safetensors', { endpoint: hub.url });
    const run = downloadToBuffer(`test/${fault}`, record, { endpoint: hub.url });
    await expect(run).rejects.toThrow(re);
    await expect(run).rejects.toThrow(new RegExp(`^test/${fault}: [^\\n]+$`));
  });

  it('gives up on a stalled download instead of hanging', async () => {
    const record = await fetchFileRecord('test/stall', 'model.safetensors', { endpoint: hub.url });
    await expect(downloadToBuffer('test/stall', record, { endpoint: hub.url, stallSec: 0.5 })).rejects.toThrow(
      /stalled \(no data for 0\.5 s after \d+ of \d+ bytes\)/,
    );
  });
});

describe('Node cache', () => {
  const load = (repo: string, cacheDir: string) => loadHubModelNode(repo, { cacheDir, endpoint: hub.url, labels: imagenetLabels });

  it('downloads once, verified, then loads from the cache with zero requests', async () => {
    const cache = join(tmp, 'cache-ok');
    const first = await load(`timm/${VIT}`, cache);
    expect(first.fromCache).toBe(false);
    expect(readdirSync(cache)).toEqual([`timm--${VIT}`]);
    expect(readdirSync(first.dir).sort()).toEqual(['config.json', RECORD_FILE, 'model.safetensors']);
    expect(JSON.parse(readFileSync(join(first.dir, RECORD_FILE), 'utf8'))).toMatchObject({ repo: `timm/${VIT}`, sha256: VIT_SHA, size: 22883376 });
    const local = readTimmDir(VIT_DIR, { labels: imagenetLabels });
    expect(first.weights.config).toEqual({ ...local.config, id: `timm--${VIT}` });
    for (const [name, t] of local.tensors)
      expect(
        Buffer.from(first.weights.tensors.get(name)!.data.buffer, first.weights.tensors.get(name)!.data.byteOffset, t.data.byteLength).equals(
          Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength),
        ),
        name,
      ).toBe(true);

    const before = hub.requests.length;
    const second = await load(`timm/${VIT}`, cache);
    expect(second.fromCache).toBe(true);
    expect(hub.requests.length).toBe(before);
  });

  it('loads a distilled model with its distillation token and second head', async () => {
    const { weights } = await load('test/small-distilled', join(tmp, 'cache-distilled'));
    expect(weights.config).toMatchObject({ distilled: true, embedDim: 32, depth: 2, imgSize: 32, numClasses: 10 });
    expect(weights.tensors.get('dist_token')!.shape).toEqual([1, 1, 32]);
    expect(weights.tensors.get('pos_embed')!.shape).toEqual([1, 18, 32]);
  });

  it.each([
    ['drop', /interrupted/],
    ['truncate', /truncated/],
    ['corrupt', /sha256/],
    ['no-weights', /has no model\.safetensors/],
    [
      'disagree',
      /^test\/disagree\/model\.safetensors: tensor patch_embed\.proj\.weight has shape \[32,3,8,8\], config implies \[384,3,16,16\] \(config\.json and the weights disagree\)$/,
    ],
    [
      'layerscale',
      /^test\/layerscale\/model\.safetensors: tensor blocks\.0\.ls1\.gamma is missing \(config\.json describes deit3_small_patch16_224 \(D=32, depth 2, layer scale/,
    ],
  ])('%s leaves nothing in the cache, and the next try downloads again', async (name, re) => {
    const cache = join(tmp, `cache-${name}`);
    await expect(load(`test/${name}`, cache)).rejects.toThrow(re);
    expect(existsSync(cache) ? readdirSync(cache) : []).toEqual([]);
  });

  it('replaces a damaged cache entry (wrong size) by a fresh download', async () => {
    const cache = join(tmp, 'cache-damaged');
    const { dir } = await load('test/small', cache);
    cpSync(join(small(), 'config.json'), join(dir, 'model.safetensors')); // now the wrong size
    const before = hub.weightRequests('test/small').length;
    const again = await load('test/small', cache);
    expect(again.fromCache).toBe(false);
    expect(hub.weightRequests('test/small').length).toBeGreaterThan(before);
    expect(readFileSync(join(dir, 'model.safetensors')).equals(readFileSync(join(small(), 'model.safetensors')))).toBe(true);
  });
});
