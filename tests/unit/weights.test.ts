// The weights pipeline end to end on the two real models in ../shared/weights: conversion to
// a TF.js graph model (weights manifest + graph), bit-exact loading back (Node handler and the browser loader over
// loopback HTTP), progress, the up-to-date check, and refusal of damaged or wrong files.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertTimmDir, writeIndex, type ConvertOptions } from '../../scripts/lib/convert-weights';
import { loadModelBrowser, listModelsBrowser } from '../../src/model/load-browser';
import { listModelsNode, loadModelNode } from '../../src/model/load-node';
import { SHARD_BYTES, type LoadProgress } from '../../src/model/manifest';
import { readSafetensors, type RawTensor } from '../../src/model/safetensors';
import { readClassesTsv, readTimmDir } from '../../src/model/timm-dir';
import imagenetLabels from '../../src/model/imagenet-labels.json';
import { writeSafetensors } from '../support/safetensors';
import { casesJsonPath, goldenDir, sharedPath } from '../../src/golden';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SRC = sharedPath('weights');
const VIT = 'vit_tiny_patch16_224.augreg_in21k_ft_in1k';
const DEIT = 'deit_tiny_patch16_224.lnq';
const OPTS: ConvertOptions = { goldenCases: casesJsonPath(goldenDir()), classesTsv: sharedPath('imagenet', 'classes.tsv') };

let tmp: string;
let out: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'tome-weights-'));
  out = join(tmp, 'out');
  mkdirSync(out);
  for (const id of [VIT, DEIT]) expect((await convertTimmDir(join(SRC, id), out, OPTS)).status).toBe('converted');
  writeIndex(out);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function bytesOf(t: RawTensor): Buffer {
  return Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

function expectBitExact(loaded: Map<string, RawTensor>, id: string): void {
  const source = readSafetensors(readFileSync(join(SRC, id, 'model.safetensors')));
  expect([...loaded.keys()].sort()).toEqual([...source.keys()].sort());
  for (const [name, t] of source) {
    const got = loaded.get(name)!;
    expect(got.shape, name).toEqual(t.shape);
    expect(bytesOf(got).equals(bytesOf(t)), name).toBe(true);
  }
}

/** A copy of one converted model under a fresh root, to damage without touching the others. */
function copyModel(id: string): string {
  const root = mkdtempSync(join(tmp, 'copy-'));
  cpSync(join(out, id), join(root, id), { recursive: true });
  return root;
}

/** The converted model's download: the weights (5,717,416 float32) and the TF.js graph's constants. */
const WEIGHT_BYTES = 5_717_416 * 4;
const constantBytes = (id: string) => statSync(join(out, id, 'group2-shard1of1.bin')).size;

/** A source model directory under a new id (so cases.json does not pin its hash). */
function sourceCopy(id: string, from = VIT): string {
  const dir = join(tmp, 'src', id);
  mkdirSync(dir, { recursive: true });
  cpSync(join(SRC, from, 'config.json'), join(dir, 'config.json'));
  cpSync(join(SRC, from, 'model.safetensors'), join(dir, 'model.safetensors'));
  return dir;
}

describe('converter', () => {
  it('writes a TF.js graph model: the weights in shards of at most 4 MiB, cut as tfjs does, the graph and its constants', () => {
    const json = JSON.parse(readFileSync(join(out, VIT, 'model.json'), 'utf8'));
    expect(json.format).toBe('graph-model');
    expect(json.modelTopology.node.length).toBeGreaterThan(12 * 30);
    expect(json.weightsManifest[1].paths).toEqual(['group2-shard1of1.bin']);
    const constantsBytes = statSync(join(out, VIT, 'group2-shard1of1.bin')).size;
    const paths: string[] = json.weightsManifest[0].paths;
    expect(paths).toEqual([1, 2, 3, 4, 5, 6].map((i) => `group1-shard${i}of6.bin`));
    const sizes = paths.map((p) => statSync(join(out, VIT, p)).size);
    expect(sizes.slice(0, -1).every((s) => s === SHARD_BYTES)).toBe(true);
    expect(sizes.at(-1)!).toBeLessThanOrEqual(SHARD_BYTES);
    expect(sizes.reduce((a, b) => a + b)).toBe(WEIGHT_BYTES);
    expect(json.userDefinedMetadata.shards.map((s: { bytes: number }) => s.bytes)).toEqual([...sizes, constantsBytes]);
    expect(json.userDefinedMetadata.source.safetensorsSha256).toBe('a22e9b3685d1feca11a382fbed2db95defc965fe037c026069331b6c243268a6');
    expect(json.userDefinedMetadata.config).toEqual(readTimmDir(join(SRC, VIT), { classesTsv: OPTS.classesTsv }).config);
    expect(JSON.parse(readFileSync(join(out, VIT, 'labels.json'), 'utf8'))).toHaveLength(1000);
    expect(readFileSync(join(out, VIT, 'config.json'))).toEqual(readFileSync(join(SRC, VIT, 'config.json')));
  });

  it('lists the converted models in index.json', () => {
    const { models } = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
    expect(models).toEqual([
      { id: DEIT, architecture: 'deit_tiny_patch16_224', embedDim: 192, depth: 12, numHeads: 3, bytes: WEIGHT_BYTES + constantBytes(DEIT) },
      { id: VIT, architecture: 'vit_tiny_patch16_224', embedDim: 192, depth: 12, numHeads: 3, bytes: WEIGHT_BYTES + constantBytes(VIT) },
    ]);
  });

  it('skips an up-to-date model and redoes one with a missing shard', async () => {
    const shard = join(out, DEIT, 'group1-shard2of6.bin');
    const before = statSync(shard).mtimeMs;
    expect((await convertTimmDir(join(SRC, DEIT), out, OPTS)).status).toBe('up to date');
    expect(statSync(shard).mtimeMs).toBe(before);
    rmSync(shard);
    expect((await convertTimmDir(join(SRC, DEIT), out, OPTS)).status).toBe('converted');
    expect(existsSync(shard)).toBe(true);
  });

  it('refuses a tensor whose shape the config does not imply', async () => {
    const dir = sourceCopy('vit_tiny_patch16_224.wrongshape');
    const tensors = readSafetensors(readFileSync(join(dir, 'model.safetensors')));
    tensors.set('blocks.3.mlp.fc1.bias', { shape: [767], data: new Float32Array(767) });
    writeSafetensors(join(dir, 'model.safetensors'), tensors);
    await expect(convertTimmDir(dir, out, OPTS)).rejects.toThrow(
      /wrongshape\/model\.safetensors: tensor blocks\.3\.mlp\.fc1\.bias has shape \[767\], config implies \[768\]/,
    );
  });

  it('refuses a safetensors file whose sha256 differs from cases.json', async () => {
    const dir = join(tmp, 'flipped', VIT);
    mkdirSync(dir, { recursive: true });
    cpSync(join(SRC, VIT, 'config.json'), join(dir, 'config.json'));
    const bytes = readFileSync(join(SRC, VIT, 'model.safetensors'));
    bytes[bytes.length - 5] ^= 0x01;
    writeFileSync(join(dir, 'model.safetensors'), bytes);
    await expect(convertTimmDir(dir, join(tmp, 'flipped-out'), OPTS)).rejects.toThrow(
      /model\.safetensors: sha256 \w+ does not match a22e9b36\w+ from .*cases\.json/,
    );
  });

  it('refuses a truncated safetensors file, a corrupt config.json and a missing file, naming each', async () => {
    const trunc = sourceCopy('vit_tiny_patch16_224.truncated');
    truncateSync(join(trunc, 'model.safetensors'), 1_000_000);
    await expect(convertTimmDir(trunc, out, OPTS)).rejects.toThrow(/truncated\/model\.safetensors: tensor .* runs past the end of the file/);

    const badCfg = sourceCopy('vit_tiny_patch16_224.badconfig');
    writeFileSync(join(badCfg, 'config.json'), '{"architecture": "vit_tiny_patch16_224", ');
    await expect(convertTimmDir(badCfg, out, OPTS)).rejects.toThrow(/badconfig\/config\.json: not valid JSON/);

    const missing = sourceCopy('vit_tiny_patch16_224.missing');
    rmSync(join(missing, 'model.safetensors'));
    await expect(convertTimmDir(missing, out, OPTS)).rejects.toThrow(/missing\/model\.safetensors: missing/);
  });

  it('as a CLI, ends a bad source with one line naming the file and a non-zero exit', async () => {
    const dir = sourceCopy('vit_tiny_patch16_224.cli');
    truncateSync(join(dir, 'model.safetensors'), 4);
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((done) => {
      execFile(
        join(ROOT, 'node_modules', '.bin', 'tsx'),
        [join(ROOT, 'scripts', 'prepare-weights.ts'), dir, '--out', join(tmp, 'cli-out')],
        (err, _stdout, stderr) => done({ code: err ? (err.code as number) : 0, stderr }),
      );
    });
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^prepare-weights: .*cli\/model\.safetensors: too short to be a safetensors file \(4 bytes\)$/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('keeps src/model/imagenet-labels.json equal to the first names of classes.tsv', () => {
    expect(imagenetLabels).toEqual(readClassesTsv(OPTS.classesTsv!));
  });
});

describe('Node loader', () => {
  it('loads both models bit-exactly with monotonic byte progress reaching 100%', async () => {
    expect(listModelsNode(out)).toEqual([DEIT, VIT]);
    for (const id of [VIT, DEIT]) {
      const seen: LoadProgress[] = [];
      const w = await loadModelNode(id, { root: out, onProgress: (p) => seen.push(p) });
      expectBitExact(w.tensors, id);
      expect(w.config.id).toBe(id);
      expect(seen.length).toBeGreaterThan(6);
      expect(seen[0].loaded).toBe(0);
      for (let i = 1; i < seen.length; i++) expect(seen[i].loaded).toBeGreaterThanOrEqual(seen[i - 1].loaded);
      const all = WEIGHT_BYTES + constantBytes(id);
      expect(seen.at(-1)).toEqual({ loaded: all, total: all, percent: 100 });
    }
  });

  it('names the available models for an unknown id', async () => {
    await expect(loadModelNode('vit_huge', { root: out })).rejects.toThrow(
      `unknown model "vit_huge" in ${out} (available: ${DEIT}, ${VIT}); run \`npm run weights\``,
    );
  });

  it('rejects a shard with one flipped byte', async () => {
    const root = copyModel(VIT);
    const p = join(root, VIT, 'group1-shard3of6.bin');
    const bytes = readFileSync(p);
    bytes[123_457] ^= 0x10;
    writeFileSync(p, bytes);
    await expect(loadModelNode(VIT, { root })).rejects.toThrow(`${join(root, VIT)}/group1-shard3of6.bin: sha256 does not match model.json`);
  });

  it('rejects a truncated shard', async () => {
    const root = copyModel(VIT);
    truncateSync(join(root, VIT, 'group1-shard6of6.bin'), 1000);
    await expect(loadModelNode(VIT, { root })).rejects.toThrow(`${join(root, VIT)}/group1-shard6of6.bin: 1000 bytes, model.json says 1898144`);
  });

  it('rejects a missing shard', async () => {
    const root = copyModel(VIT);
    rmSync(join(root, VIT, 'group1-shard2of6.bin'));
    await expect(loadModelNode(VIT, { root })).rejects.toThrow(`${join(root, VIT, 'group1-shard2of6.bin')}: missing`);
  });

  it('rejects a corrupt model.json: broken JSON, or a weight spec that disagrees with the shards', async () => {
    const root = copyModel(VIT);
    const p = join(root, VIT, 'model.json');
    const text = readFileSync(p, 'utf8');
    writeFileSync(p, text.slice(0, text.length / 2));
    await expect(loadModelNode(VIT, { root })).rejects.toThrow(`${p}: not valid JSON`);

    const json = JSON.parse(text);
    json.weightsManifest[0].weights.find((w: { name: string }) => w.name === 'head.bias').shape = [999];
    writeFileSync(p, JSON.stringify(json));
    await expect(loadModelNode(VIT, { root })).rejects.toThrow(
      `${p}: weight specs cover ${WEIGHT_BYTES - 4 + constantBytes(VIT)} bytes, shards hold ${WEIGHT_BYTES + constantBytes(VIT)}`,
    );
  });
});

describe('browser loader (over loopback HTTP, with an in-memory Cache Storage)', () => {
  let server: Server;
  let baseUrl: string;
  const requests: string[] = [];
  let serveRoot: string;

  /** Just enough of Cache Storage for the loader: one named cache of Request URL -> body. */
  function fakeCaches(): CacheStorage {
    const store = new Map<string, ArrayBuffer>();
    const cache = {
      match: async (key: string) => (store.has(key) ? new Response(store.get(key)!.slice(0)) : undefined),
      put: async (key: string, res: Response) => void store.set(key, await res.arrayBuffer()),
      keys: async () => [...store.keys()].map((url) => ({ url })),
      delete: async (req: { url: string }) => store.delete(req.url),
    };
    return { open: async () => cache } as unknown as CacheStorage;
  }

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url!);
      const path = join(serveRoot, decodeURIComponent(req.url!.replace(/^\/weights\//, '')));
      if (!existsSync(path)) return void res.writeHead(404).end();
      res.writeHead(200).end(readFileSync(path));
    });
    serveRoot = out;
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const addr = server.address() as { port: number };
    baseUrl = `http://127.0.0.1:${addr.port}/weights/`;
    (globalThis as { caches?: CacheStorage }).caches = fakeCaches();
  });
  afterAll(() => {
    server.close();
    delete (globalThis as { caches?: CacheStorage }).caches;
  });

  it('lists index.json, loads bit-exactly with percent progress, and serves a reload from the cache', async () => {
    expect((await listModelsBrowser(baseUrl)).map((m) => m.id)).toEqual([DEIT, VIT]);
    requests.length = 0;
    const seen: LoadProgress[] = [];
    const w = await loadModelBrowser(VIT, { baseUrl, onProgress: (p) => seen.push(p) });
    expectBitExact(w.tensors, VIT);
    expect(requests).toHaveLength(8); // model.json, 6 weight shards, the graph's constants
    for (let i = 1; i < seen.length; i++) expect(seen[i].percent).toBeGreaterThanOrEqual(seen[i - 1].percent);
    expect(seen.at(-1)!.percent).toBe(100);

    requests.length = 0;
    const again = await loadModelBrowser(VIT, { baseUrl });
    expect(requests).toEqual([`/weights/${VIT}/model.json`]);
    expectBitExact(again.tensors, VIT);
  });

  it('names the URL the server does not have: model.json of an unknown id, or a shard', async () => {
    await expect(loadModelBrowser('vit_huge', { baseUrl })).rejects.toThrow(`${baseUrl}vit_huge/model.json: HTTP 404`);
    serveRoot = copyModel(DEIT);
    rmSync(join(serveRoot, DEIT, 'group1-shard4of6.bin'));
    await expect(loadModelBrowser(DEIT, { baseUrl })).rejects.toThrow(`${baseUrl}${DEIT}/group1-shard4of6.bin: HTTP 404`);
    serveRoot = out;
  });
});
