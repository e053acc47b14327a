// `--model` as a shipped id, a local folder and `hf:<repo>` through a mock hub
// (HF_ENDPOINT=http://127.0.0.1:PORT, no network): the same results on every path and equal to
// the CPU reference, one download then zero requests, and each bad input as one stderr line
// with a non-zero exit and nothing left in the cache; a model over the GPU's memory is one line.
// Models: the shipped ViT-Ti and random-weight ViT-S/16, DeiT-Ti distilled and avg-pool ViT-Ti
// in the hub's layout, on every backend (the ONNX Runtime path runs the distilled and avg-pool
// ones too).
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forward } from '../../src/reference/vit';
import { readTimmDir } from '../../src/model/timm-dir';
import imagenetLabels from '../../src/model/imagenet-labels.json';
import { startMockHub, type MockHub } from '../support/mock-hub';
import { randomArray } from '../support/random';
import { hubConfig, SPECS, writeTimmModel, type TimmSpec } from '../support/timm-models';
import { goldenDir, sharedPath } from '../../src/golden';

const ROOT = join(__dirname, '..', '..');
const VIT = 'vit_tiny_patch16_224.augreg_in21k_ft_in1k';
const VIT_DIR = sharedPath('weights', VIT);
const GOLDFINCH = join(goldenDir(), 'images', 'n01531178_goldfinch.JPEG');

let hub: MockHub;
let tmp: string;
let cache: string;
const dirs: Record<string, string> = {};
const f32: Record<number, string> = {};

interface Run {
  code: number | null;
  json: Record<string, unknown>[];
  stderr: string;
}

function tome(...args: string[]): Promise<Run> {
  return tomeWith({}, ...args);
}

function tomeWith(env: Record<string, string>, ...args: string[]): Promise<Run> {
  // Async: the mock hub answers from this process while the CLI runs.
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args],
      { cwd: ROOT, encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20, env: { ...process.env, HF_ENDPOINT: hub.url, TOME_HUB_CACHE: cache, ...env } },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({
          code,
          json: stdout
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l)),
          stderr,
        });
      },
    );
  });
}

/** stderr lines that report a problem (not the backend announcement, progress, cache notes or
 * Dawn's own warnings about its limits). */
function errorLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter(
      (l) =>
        l &&
        !l.startsWith('download ') &&
        !l.startsWith('Warning: ') &&
        !/^tome: (backend |downloading |no WebGPU adapter)/.test(l) &&
        !/ (from the cache|downloaded and verified into) /.test(l),
    );
}

/** The fields of a classify line that must agree between paths (the model id differs). */
const result = (j: Record<string, unknown>) => ({ tokens: j.tokens, top5: j.top5, groups: j.groups, logits: j.logits });

function add(repo: string, name: string, spec: TimmSpec, seed: number): void {
  dirs[name] = join(tmp, 'models', name);
  writeTimmModel(dirs[name], spec, seed);
  hub.add(repo, { dir: dirs[name] });
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'tome-cli-hub-'));
  cache = join(tmp, 'cache');
  hub = await startMockHub();
  hub.add(`timm/${VIT}`, { dir: VIT_DIR });
  add('test/vit_small_patch16_224.random', 'vit_small_patch16_224.random', SPECS.vitS16, 11);
  add('test/deit_tiny_distilled_patch16_224.random', 'deit_tiny_distilled_patch16_224.random', SPECS.deitTiDistilled, 12);
  add('test/vit_tiny_avg.random', 'vit_tiny_avg.random', SPECS.vitTiAvg, 13);
  add('test/small', 'small', SPECS.smallVit, 14);
  add('test/small-avg', 'small-avg', SPECS.smallAvg, 15);
  add('test/small-distilled', 'small-distilled', SPECS.smallDistilled, 16);
  for (const fault of ['no-weights', 'drop', 'truncate', 'corrupt'] as const) hub.add(`test/${fault}`, { dir: dirs.small, fault });
  hub.add('test/disagree', { dir: dirs.small, config: Buffer.from(JSON.stringify(hubConfig(SPECS.vitS16))) });
  hub.add('test/siglip', {
    dir: dirs.small,
    config: Buffer.from(JSON.stringify({ ...hubConfig(SPECS.vitS16), architecture: 'vit_base_patch16_siglip_224' })),
  });
  for (const size of [224, 32]) {
    f32[size] = join(tmp, `input${size}.f32`);
    writeFileSync(f32[size], randomArray(3 * size * size, size, 2));
  }
});
afterAll(async () => {
  await hub.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('--model hf:<repo>, a folder, a shipped id', () => {
  it('ViT-Ti: hub, folder and shipped give the same results on both backends; the second run makes no request', async () => {
    const repo = `hf:timm/${VIT}`;
    for (const backend of ['cpu', 'reference', 'webgpu']) {
      const args = ['classify', '--backend', backend, '--r', '13', '--logits', f32[224], GOLDFINCH];
      const [viaHub, folder, shipped] = [await tome(...args, '--model', repo), await tome(...args, '--model', VIT_DIR), await tome(...args, '--model', VIT)];
      for (const r of [viaHub, folder, shipped]) expect(r.code, r.stderr).toBe(0);
      expect(viaHub.json.map(result)).toEqual(folder.json.map(result));
      expect(viaHub.json.map(result)).toEqual(shipped.json.map(result));
      expect(viaHub.json[0]).toMatchObject({ model: `timm--${VIT}`, backend });
      expect(folder.json[0]).toMatchObject({ model: VIT });
      expect((viaHub.json[1].top5 as { index: number }[])[0].index).toBe(11); // goldfinch
    }
    expect(hub.requests.filter((q) => q.includes(VIT)).length).toBe(4); // config, tree, resolve (302), CDN: once
  });

  it('prints byte progress with speed and time left on stderr while downloading', async () => {
    const r = await tome('classify', '--backend', 'reference', '--model', 'hf:test/vit_tiny_avg.random', f32[224]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^download test\/vit_tiny_avg\.random: 0\.0\/22\.\d MB \(0%\), 0\.0 MB\/s, starting$/m);
    expect(r.stderr).toMatch(/^download test\/vit_tiny_avg\.random: 22\.\d\/22\.\d MB \(100%\), [\d.]+ MB\/s, 0 s left$/m);
    expect(r.stderr).toMatch(/test\/vit_tiny_avg\.random downloaded and verified into .*test--vit_tiny_avg\.random/);
  });

  it.each([
    ['DeiT-Ti distilled', 'test/deit_tiny_distilled_patch16_224.random', 'deit_tiny_distilled_patch16_224.random', 224],
    ['ViT-Ti avg pool + fc_norm', 'test/vit_tiny_avg.random', 'vit_tiny_avg.random', 224],
    ['small avg pool', 'test/small-avg', 'small-avg', 32],
  ])('%s on the CPU reference: hub = folder = the reference in this process', async (_, repo, name, size) => {
    const args = ['classify', '--backend', 'reference', '--r', '8', '--schedule', 'decreasing', '--logits', f32[size]];
    const viaHub = await tome(...args, '--model', `hf:${repo}`);
    const folder = await tome(...args, '--model', dirs[name]);
    expect(viaHub.code, viaHub.stderr).toBe(0);
    expect(folder.code, folder.stderr).toBe(0);
    expect(result(viaHub.json[0])).toEqual(result(folder.json[0]));
    const w = readTimmDir(dirs[name], { labels: imagenetLabels });
    const input = new Float32Array(randomArray(3 * size * size, size, 2));
    // Without --prop-attn / --no-prop-attn the model's default: off for the average-pooled ones.
    const ref = forward(w, input, { r: 8, schedule: 'decreasing', propAttn: w.config.propAttnDefault, mode: 'merge' });
    expect(viaHub.json[0].tokens).toEqual(ref.tokens);
    expect(viaHub.json[0].logits).toEqual(Array.from(ref.logits));
    expect(viaHub.json[0].groups).toEqual(Array.from(ref.groups));
  });

  it.each([
    ['DeiT-Ti distilled', 'test/deit_tiny_distilled_patch16_224.random', 'deit_tiny_distilled_patch16_224.random'],
    ['ViT-Ti avg pool + fc_norm', 'test/vit_tiny_avg.random', 'vit_tiny_avg.random'],
  ])("%s on the ONNX Runtime path (--backend cpu): the reference's tokens, groups and top-5", async (_, repo, name) => {
    const args = ['classify', '--r', '8', '--schedule', 'decreasing', '--logits', f32[224], '--model', `hf:${repo}`];
    const cpu = await tome(...args, '--backend', 'cpu');
    expect(cpu.code, cpu.stderr).toBe(0);
    expect(cpu.stderr).toMatch(/tome: backend cpu \(ONNX Runtime/);
    const w = readTimmDir(dirs[name], { labels: imagenetLabels });
    const ref = forward(w, new Float32Array(randomArray(3 * 224 * 224, 224, 2)), {
      r: 8,
      schedule: 'decreasing',
      propAttn: w.config.propAttnDefault,
      mode: 'merge',
    });
    expect(cpu.json[0].tokens).toEqual(ref.tokens);
    expect(cpu.json[0].groups).toEqual(Array.from(ref.groups));
    expect((cpu.json[0].top5 as { index: number }[]).map((t) => t.index)).toEqual(ref.top5.map((t) => t.index));
    const logits = cpu.json[0].logits as number[];
    expect(Math.max(...logits.map((v, i) => Math.abs(v - ref.logits[i])))).toBeLessThan(1e-4);
  });

  it.each([
    ['DeiT-Ti distilled', 'test/deit_tiny_distilled_patch16_224.random', 'deit_tiny_distilled_patch16_224.random'],
    ['ViT-Ti avg pool + fc_norm', 'test/vit_tiny_avg.random', 'vit_tiny_avg.random'],
  ])('%s from the hub on WebGPU: equals the folder path and the CPU reference', async (_, repo, name) => {
    const args = ['classify', '--r', '13', '--logits', f32[224]];
    const gpuHub = await tome(...args, '--backend', 'webgpu', '--model', `hf:${repo}`);
    const gpuFolder = await tome(...args, '--backend', 'webgpu', '--model', dirs[name]);
    const cpu = await tome(...args, '--backend', 'reference', '--model', `hf:${repo}`);
    for (const r of [gpuHub, gpuFolder, cpu]) expect(r.code, r.stderr).toBe(0);
    expect(gpuHub.json[0]).toMatchObject({ backend: 'webgpu' });
    expect(result(gpuHub.json[0])).toEqual(result(gpuFolder.json[0]));
    expect(gpuHub.json[0].tokens).toEqual(cpu.json[0].tokens);
    expect(gpuHub.json[0].groups).toEqual(cpu.json[0].groups);
    expect((gpuHub.json[0].top5 as { index: number }[]).map((t) => t.index)).toEqual((cpu.json[0].top5 as { index: number }[]).map((t) => t.index));
    const a = gpuHub.json[0].logits as number[];
    const b = cpu.json[0].logits as number[];
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeLessThan(1e-3);
  });

  it('a model over the GPU memory is one line naming the limit: an error on --backend webgpu, the CPU reference otherwise', async () => {
    const model = ['--model', 'hf:test/vit_small_patch16_224.random'];
    const env = { TOME_GPU_MEMORY_MB: '64' };
    const gpu = await tomeWith(env, 'classify', '--backend', 'webgpu', ...model, f32[224]);
    expect(gpu.code).not.toBe(0);
    expect(gpu.json).toEqual([]);
    expect(errorLines(gpu.stderr)).toEqual([
      expect.stringMatching(
        /^tome: --backend webgpu: test--vit_small_patch16_224\.random \(f32, batch 1\): needs [\d.]+ MiB of GPU memory \(weights 84\.1 MiB, working buffers [\d.]+ MiB\), over the 64\.0 MiB available$/,
      ),
    ]);
    const auto = await tomeWith(env, 'classify', ...model, f32[224]);
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.json[0]).toMatchObject({ backend: 'cpu' });
    expect(auto.stderr).toMatch(/over the 64\.0 MiB available; using the CPU path\n/);
  });

  it('ViT-S/16 from the hub on WebGPU: equals the folder path and agrees with the CPU reference', async () => {
    const args = ['classify', '--r', '13', '--logits', f32[224]];
    const gpuHub = await tome(...args, '--backend', 'webgpu', '--model', 'hf:test/vit_small_patch16_224.random');
    const gpuFolder = await tome(...args, '--backend', 'webgpu', '--model', dirs['vit_small_patch16_224.random']);
    const cpu = await tome(...args, '--backend', 'reference', '--model', 'hf:test/vit_small_patch16_224.random');
    for (const r of [gpuHub, gpuFolder, cpu]) expect(r.code, r.stderr).toBe(0);
    expect(result(gpuHub.json[0])).toEqual(result(gpuFolder.json[0]));
    expect(gpuHub.json[0].tokens).toEqual([197, 184, 171, 158, 145, 132, 119, 106, 93, 80, 67, 54, 41]);
    expect(gpuHub.json[0].tokens).toEqual(cpu.json[0].tokens);
    expect((gpuHub.json[0].top5 as { index: number }[]).map((t) => t.index)).toEqual((cpu.json[0].top5 as { index: number }[]).map((t) => t.index));
    const a = gpuHub.json[0].logits as number[];
    const b = cpu.json[0].logits as number[];
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeLessThan(1e-2);
  });

  it('eval runs on a hub model and a folder alike, with class folders named by its own labels', async () => {
    // small-avg's classes are "thing 0" ... "thing 9": an ImageFolder names them as folders.
    const images = join(tmp, 'eval');
    mkdirSync(join(images, 'thing_3'), { recursive: true });
    mkdirSync(join(images, 'thing 7'), { recursive: true });
    copyFileSync(GOLDFINCH, join(images, 'thing_3', 'goldfinch.jpg'));
    copyFileSync(join(goldenDir(), 'images', 'n02391049_zebra.JPEG'), join(images, 'thing 7', 'zebra.jpg'));
    const args = ['eval', images, '--backend', 'reference', '--r', '0,2'];
    const viaHub = await tome(...args, '--model', 'hf:test/small-avg');
    const folder = await tome(...args, '--model', dirs['small-avg']);
    expect(viaHub.code, viaHub.stderr).toBe(0);
    expect(viaHub.json[0]).toMatchObject({ model: 'test--small-avg', labels: 'folders', images: 2 });
    expect(viaHub.stderr).toMatch(/eval: labels from 2 class folder\(s\) \(2 image\(s\)\)/);
    const strip = (j: Record<string, unknown>) =>
      (j.results as Record<string, unknown>[]).map(({ msPerImage: _, imgPerSec: __, speedup: ___, ...rest }) => rest);
    expect(strip(viaHub.json[0])).toEqual(strip(folder.json[0]));
    expect(strip(viaHub.json[0]).map((row) => [row.n, row.meanFinalTokens])).toEqual([
      [2, 17],
      [2, 13],
    ]);
  });

  it('bench runs on a hub model with sample inputs and says the golden peer check is skipped', async () => {
    const out = join(tmp, 'bench');
    const r = await tome('bench', '--model', 'hf:test/small', '--r', '0,2', '--batch', '1', '--repeat', '1', '--peer', 'tfjs', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json[0]).toMatchObject({ model: 'test--small' });
    expect(r.stderr).toMatch(/bench: inputs: 8 sample photos preprocessed for test--small \(no golden inputs for it\)/);
    expect(r.stderr).toMatch(/tfjs-wasm: not checked against the official top-1 \(no golden inputs for test--small\)/);
    expect(readdirSync(out).some((f) => f.endsWith('.md'))).toBe(true);
  });
});

describe('bench on hub models', () => {
  it('runs on a distilled hub model on WebGPU and the CPU path with --peer none', async () => {
    const out = join(tmp, 'bench-distilled');
    const r = await tome('bench', '--model', 'hf:test/small-distilled', '--r', '0,2', '--batch', '1', '--repeat', '1', '--peer', 'none', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json[0]).toMatchObject({ model: 'test--small-distilled' });
    const rows = r.json[0].rows as Array<{ engine: string; r: number; schedule: string; msMedian: number }>;
    expect(rows.map((x) => `${x.engine}/${x.r}/${x.schedule}`)).toEqual([
      'tome-webgpu/0/constant',
      'tome-webgpu/2/constant',
      'tome-webgpu/2/decreasing',
      'tome-reference/0/constant',
      'tome-reference/13/constant',
      // The CPU path runs distilled models too: its settings are timed without the peers.
      'tome-cpu/0/constant',
      'tome-cpu/13/constant',
      'tome-cpu/16/decreasing',
    ]);
    for (const row of rows) expect(row.msMedian).toBeGreaterThan(0);
    expect(readdirSync(out).some((f) => f.endsWith('.md'))).toBe(true);
  });

  it('times the tfjs peers on an average-pooled model too (its TF.js graph pools as timm does), saying they are unchecked', async () => {
    const r = await tome(
      'bench',
      '--model',
      'hf:test/small-avg',
      '--r',
      '0',
      '--batch',
      '1',
      '--repeat',
      '1',
      '--peer',
      'tfjs',
      '--out',
      join(tmp, 'bench-avg'),
    );
    expect(r.code, r.stderr).toBe(0);
    // No golden outputs for a hub model: the peers run unchecked, and say so.
    expect(r.stderr).toMatch(/bench: tfjs-wasm: not checked against the official top-1 \(no golden inputs for test--small-avg\)/);
    const engines = (r.json[0].rows as Array<{ engine: string }>).map((x) => x.engine);
    expect(engines).toEqual(expect.arrayContaining(['tome-webgpu', 'tfjs-wasm', 'tfjs-cpu']));
  });
});

describe('bad --model inputs: one line, non-zero exit, nothing cached', () => {
  it.each([
    ['hf:timm/vit--tiny', /^tome: "timm\/vit--tiny" is not a Hugging Face repo id \("--" and "\.\." are not allowed/],
    ['hf:nobody/nothing', /^tome: nobody\/nothing: no such model repository on http:\/\/127\.0\.0\.1:\d+ \(or it is private\)$/],
    ['hf:test/no-weights', /^tome: test\/no-weights: has no model\.safetensors on its main branch/],
    ['hf:test/drop', /^tome: test\/drop: download of model\.safetensors interrupted after \d+ of \d+ bytes/],
    ['hf:test/truncate', /^tome: test\/truncate: model\.safetensors is served with \d+ bytes, the hub's record says \d+ \(truncated or wrong file\)$/],
    [
      'hf:test/corrupt',
      /^tome: test\/corrupt: model\.safetensors \(\d+ bytes\) has sha256 [0-9a-f]{64}, the hub's record says [0-9a-f]{64} \(corrupt download\)$/,
    ],
    [
      'hf:test/disagree',
      /^tome: test\/disagree\/model\.safetensors: tensor patch_embed\.proj\.weight has shape \[32,3,8,8\], config implies \[384,3,16,16\] \(config\.json and the weights disagree\)$/,
    ],
    [
      'hf:test/siglip',
      /^tome: test\/siglip: config\.json: vit_base_patch16_siglip_224 uses attention pooling without a class token \(SigLIP, global_pool "map"\), which is not supported/,
    ],
    ['no_such_model', /^tome: unknown model "no_such_model": not a shipped model/],
  ])('%s', async (model, re) => {
    const before = existsSync(cache) ? readdirSync(cache).sort() : [];
    const r = await tome('classify', '--backend', 'reference', '--model', model, f32[32]);
    expect(r.code).not.toBe(0);
    expect(r.json).toEqual([]);
    const errors = errorLines(r.stderr);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(re);
    expect(existsSync(cache) ? readdirSync(cache).sort() : []).toEqual(before);
    if (model === 'hf:test/siglip') expect(hub.weightRequests('test/siglip')).toEqual([]);
  });
});
