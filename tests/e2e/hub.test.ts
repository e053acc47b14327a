// Models from the Hugging Face hub and from local files, in the page (headless Chromium, WebGPU on
// SwiftShader), through a mock hub (tests/support/mock-hub.ts, its CDN on a second origin; no
// network): ViT-Ti (the real weights), a random ViT-S/16-shaped and a random distilled
// DeiT-Ti-shaped model load by repo id, and their results equal the local-folder path and the CPU
// reference on the same image; a second visit loads them from Cache Storage with zero requests;
// the cached list shows their sizes and deletes one; every bad input is one line, leaves nothing
// in the cache and the previous model loaded and usable; a model over the GPU memory runs on the
// CPU reference with the line naming the limit; the CSP allows exactly the page and this hub.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViteDevServer } from 'vite';
import { decodeImageFile } from '../../src/cli/decode-node';
import { preprocess } from '../../src/reference/preprocess';
import { forward } from '../../src/reference/vit';
import type { ToMeOptions } from '../../src/core/tome';
import { readTimmDir } from '../../src/model/timm-dir';
import imagenetLabels from '../../src/model/imagenet-labels.json';
import { startMockHub, type MockHub } from '../support/mock-hub';
import { hubConfig, SPECS, writeTimmModel, type TimmSpec } from '../support/timm-models';
import { openApp, ROOT, serverUrl, SHOTS, startServer, type App } from './harness';
import * as state from './page-state';

const SHARED = join(ROOT, '../shared');
const VIT = 'vit_tiny_patch16_224.augreg_in21k_ft_in1k';
const VIT_DIR = join(SHARED, 'weights', VIT);
const IMAGE = join(SHARED, 'golden/images/chelsea.png');
const HUB_CACHE = 'tome-hub-v1';
// The page's GPU memory estimate (VITE_GPU_MEMORY_MB): every model here fits but the "wide" one.
const GPU_MEMORY_MB = 256;

let hub: MockHub;
let tmp: string;
let server: ViteDevServer;
let app: App;
const dirs: Record<string, string> = {};
const savedEnv: Record<string, string | undefined> = {};

const status = () => state.status(app.page) as Promise<state.Status & { loadingId: string }>;
const analysis = () => state.analysis(app.page);
const settled = () => state.settled(app.page, 600_000);
const shot = (name: string) => app.page.screenshot({ path: join(SHOTS, `hub-${name}.png`) });
const loadText = () => app.page.locator('#load .text').textContent();
const cacheKeys = () => app.page.evaluate(async (name) => (await (await caches.open(name)).keys()).map((k) => new URL(k.url).pathname).sort(), HUB_CACHE);

function add(repo: string, name: string, spec: TimmSpec, seed: number): void {
  dirs[name] = join(tmp, 'models', name);
  writeTimmModel(dirs[name], spec, seed);
  hub.add(repo, { dir: dirs[name] });
}

function setEnv(values: Record<string, string>): void {
  for (const [k, v] of Object.entries(values)) {
    savedEnv[k] = process.env[k];
    process.env[k] = v;
  }
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'tome-e2e-hub-'));
  hub = await startMockHub();
  hub.add(`timm/${VIT}`, { dir: VIT_DIR });
  add('test/vit_small_patch16_224.random', 'vit_small_patch16_224.random', SPECS.vitS16, 11);
  add('test/deit_tiny_distilled_patch16_224.random', 'deit_tiny_distilled_patch16_224.random', SPECS.deitTiDistilled, 12);
  add('test/small', 'small', SPECS.smallVit, 14);
  // 3136 patches of 4 pixels, 8 heads: its attention scores alone (315 MiB) are over the page's GPU memory.
  add(
    'test/wide',
    'wide',
    { architecture: 'vit_tiny_patch4_224', tag: 'wide', numClasses: 10, modelArgs: { embed_dim: 32, depth: 1, num_heads: 8, patch_size: 4, img_size: 224 } },
    15,
  );
  for (const fault of ['no-weights', 'drop', 'truncate', 'corrupt', 'stall'] as const) hub.add(`test/${fault}`, { dir: dirs.small, fault });
  hub.add('test/disagree', { dir: dirs.small, config: Buffer.from(JSON.stringify(hubConfig(SPECS.vitS16))) });
  hub.add('test/registers', {
    dir: dirs.small,
    config: Buffer.from(JSON.stringify({ ...hubConfig(SPECS.vitS16), architecture: 'vit_base_patch16_reg4_gap_256' })),
  });
  // The page and its CSP point at the mock hub (Vite reads these when the server starts).
  setEnv({ VITE_HF_ENDPOINT: hub.url, VITE_HF_DOWNLOAD_HOSTS: hub.cdnUrl, VITE_GPU_MEMORY_MB: String(GPU_MEMORY_MB) });
  server = await startServer();
  app = await openApp(serverUrl(server));
  await settled(); // the shipped ViT-Ti on the bundled sample
  await app.page.setInputFiles('#file', IMAGE);
  await settled();
}, 600_000);

afterAll(async () => {
  await app?.close();
  await server?.close();
  await hub?.close();
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function loadFromHub(repo: string): Promise<void> {
  await app.page.fill('#hub-repo', repo);
  await app.page.click('#hub-load');
}

async function loadLocal(dir: string): Promise<void> {
  await app.page.setInputFiles('#local-files', [join(dir, 'config.json'), join(dir, 'model.safetensors')]);
}

/** What must agree between two paths to one model (the model id differs). */
async function result(): Promise<{ tokens: number[]; groups: number[]; top5: number[]; probs: number[]; opts: ToMeOptions }> {
  const a = await analysis();
  return { tokens: a.tokens, groups: a.groups, top5: a.top5.map((t) => t.index), probs: a.top5.map((t) => t.prob), opts: a.opts as ToMeOptions };
}

/** The CPU reference in this process, on the page's image, at the page's settings. */
async function reference(dir: string, opts: ToMeOptions) {
  const w = readTimmDir(dir, { labels: imagenetLabels });
  const { input } = preprocess(await decodeImageFile(IMAGE), w.config);
  return forward(w, input, opts);
}

async function expectEqualsReference(got: Awaited<ReturnType<typeof result>>, dir: string): Promise<void> {
  const want = await reference(dir, got.opts);
  expect(got.tokens).toEqual(want.tokens);
  expect(got.groups).toEqual(Array.from(want.groups));
  expect(got.top5).toEqual(want.top5.map((t) => t.index));
  got.probs.forEach((p, i) => expect(Math.abs(p - want.top5[i].prob)).toBeLessThan(1e-3));
}

/** The loaded model still answers: a new r gives a new analysis from it. */
async function expectUsable(modelId: string): Promise<void> {
  const s = await status();
  expect(s.modelId).toBe(modelId);
  expect(s.ready).toBe(true);
  const before = (await analysis()).requestId;
  await app.page.focus('#r');
  await app.page.keyboard.press('ArrowLeft');
  await settled();
  const a = await analysis();
  expect(a.requestId).toBeGreaterThan(before);
  expect((await status()).modelId).toBe(modelId);
  await app.page.keyboard.press('ArrowRight');
  await settled();
}

// Forwards on SwiftShader take seconds (ViT-S: ~20 s): each test gets its own budget.
const T = 600_000;

describe('models from the hub and from local files, in the page', () => {
  it(
    'serves a CSP whose connect-src is exactly the page and the configured hub (and its download host), enforced',
    async () => {
      const expected = ["'self'", hub.url, hub.cdnUrl];
      const connectSrc = (csp: string) =>
        csp
          .split(';')
          .map((d) => d.trim().split(/\s+/))
          .find((d) => d[0] === 'connect-src')!
          .slice(1);
      const meta = (await app.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content'))!;
      expect(connectSrc(meta)).toEqual(expected);
      for (const path of ['', 'src/ui/worker.ts']) {
        const header = (await fetch(`${serverUrl(server)}${path}`)).headers.get('content-security-policy')!;
        expect(header).toBe(meta);
      }
      const blocked = await app.page.evaluate(
        () =>
          new Promise<string>((resolve) => {
            document.addEventListener('securitypolicyviolation', (e) => resolve(`${e.effectiveDirective} ${e.blockedURI}`), { once: true });
            void fetch('https://example.com/x').catch(() => undefined);
          }),
      );
      expect(blocked).toBe('connect-src https://example.com/x');
    },
    T,
  );

  let vitShipped: Awaited<ReturnType<typeof result>>;
  it(
    'loads ViT-Ti by repo id with byte progress; equals the shipped model, the local folder and the CPU reference',
    async () => {
      vitShipped = await result();
      expect((await status()).modelId).toBe(VIT);
      const progress: string[] = [];
      const watch = setInterval(() => void loadText().then((t) => t && progress.push(t)), 50);
      await loadFromHub(`timm/${VIT}`);
      await settled();
      clearInterval(watch);
      expect((await status()).modelId).toBe(`hf:timm/${VIT}`);
      expect(
        progress.some((t) => /^Loading hf:timm\/vit_tiny\S+: [\d.]+ (KiB|MiB) of 21\.8 MiB \(\d+%\), [\d.]+ (B|KiB|MiB)\/s, (\d+ s left|starting)/.test(t)),
      ).toBe(true);
      expect(await loadText()).toMatch(/^timm\/vit_tiny\S+: downloaded 21\.8 MiB, sha256 verified against the hub's record, cached for next time$/);
      expect((await status()).backend?.name).toBe('webgpu');
      const viaHub = await result();
      expect(viaHub).toEqual(vitShipped);
      await shot('01-vit-ti');
      await loadLocal(VIT_DIR);
      await settled();
      expect((await status()).modelId).toBe('local:local model');
      expect(await loadText()).toMatch(/^local model: read from local files \(21\.8 MiB\), nothing downloaded$/);
      expect(await result()).toEqual(viaHub);
      await expectEqualsReference(viaHub, VIT_DIR);
    },
    T,
  );

  it.each([
    ['a random ViT-S/16', 'test/vit_small_patch16_224.random', 'vit_small_patch16_224.random', /8\d\.\d MiB/],
    ['a random distilled DeiT-Ti', 'test/deit_tiny_distilled_patch16_224.random', 'deit_tiny_distilled_patch16_224.random', /2\d\.\d MiB/],
  ])(
    'loads %s by repo id on WebGPU; equals the local folder and the CPU reference',
    async (_, repo, name, size) => {
      await loadFromHub(repo);
      await settled();
      expect((await status()).modelId).toBe(`hf:${repo}`);
      expect((await status()).backend?.name).toBe('webgpu');
      expect(await loadText()).toMatch(new RegExp(`^${repo}: downloaded ${size.source}, sha256 verified`));
      const viaHub = await result();
      await shot(`02-${name}`);
      await loadLocal(dirs[name]);
      await settled();
      expect(await result()).toEqual(viaHub);
      await expectEqualsReference(viaHub, dirs[name]);
    },
    T,
  );

  it(
    'a second visit loads the hub models from Cache Storage with zero requests; the list shows them with their size',
    async () => {
      await app.page.reload();
      await settled(); // the shipped ViT-Ti again
      await app.page.setInputFiles('#file', IMAGE);
      await settled();
      await app.page.click('#hub-cache summary');
      const listed = await app.page.locator('#hub-recent li').evaluateAll((lis) => lis.map((li) => li.textContent));
      expect(listed).toEqual([
        expect.stringMatching(/^test\/deit_tiny_distilled_patch16_224\.random2\d\.\d MiBLoadDelete$/),
        expect.stringMatching(/^test\/vit_small_patch16_224\.random8\d\.\d MiBLoadDelete$/),
        expect.stringMatching(/^timm\/vit_tiny_patch16_224\.augreg_in21k_ft_in1k21\.8 MiBLoadDelete$/),
      ]);
      await shot('03-cached-list');
      const before = hub.requests.length;
      await app.page.selectOption('#model', `hf:timm/${VIT}`);
      await settled();
      expect(await loadText()).toMatch(/^timm\/vit_tiny\S+: from this browser's cache \(21\.8 MiB, sha256 [0-9a-f]{12}…\), nothing downloaded$/);
      expect(await result()).toEqual(vitShipped);
      await app.page.click('#hub-recent li[data-repo="test/deit_tiny_distilled_patch16_224.random"] button.load');
      await settled();
      expect((await status()).modelId).toBe('hf:test/deit_tiny_distilled_patch16_224.random');
      expect(hub.requests.length).toBe(before);
    },
    T,
  );

  it(
    'deletes a cached model: gone from the list, the selector and the cache; the loaded model stays',
    async () => {
      const keysBefore = await cacheKeys();
      await app.page.locator('#hub-cache').evaluate((d) => ((d as HTMLDetailsElement).open = true)); // Load closed it
      await app.page.click('#hub-recent li[data-repo="test/vit_small_patch16_224.random"] button.delete');
      await expect.poll(() => app.page.locator('#hub-recent li').count()).toBe(2);
      expect(await app.page.locator('#hub-cache summary').textContent()).toBe('Cached (2)');
      expect(await app.page.locator('#model option[value="hf:test/vit_small_patch16_224.random"]').count()).toBe(0);
      const keys = await cacheKeys();
      expect(keys).toHaveLength(keysBefore.length - 2); // its record and its weights
      expect(keys.some((k) => k.includes('vit_small'))).toBe(false);
      await expectUsable('hf:test/deit_tiny_distilled_patch16_224.random');
    },
    T,
  );

  it.each<[string, string, RegExp]>([
    ['a malformed repo id', 'timm/vit--tiny', /^"timm\/vit--tiny" is not a Hugging Face repo id \("--" and "\.\." are not allowed/],
    [
      'an unknown repo',
      'nobody/nothing',
      /^Could not load hf:nobody\/nothing: nobody\/nothing: no such model repository on http:\/\/127\.0\.0\.1:\d+ \(or it is private\)/,
    ],
    ['a repo without weights (404)', 'test/no-weights', /: test\/no-weights: has no model\.safetensors on its main branch/],
    ['a connection dropped mid-download', 'test/drop', /: test\/drop: download of model\.safetensors interrupted after \d+ of \d+ bytes/],
    [
      'a truncated file',
      'test/truncate',
      /: test\/truncate: model\.safetensors (is served with \d+ bytes, the hub's record says \d+|ended after \d+ of \d+ bytes) \(truncated/,
    ],
    [
      'a sha256 mismatch',
      'test/corrupt',
      /: test\/corrupt: model\.safetensors \(\d+ bytes\) has sha256 [0-9a-f]{64}, the hub's record says [0-9a-f]{64} \(corrupt download\)/,
    ],
    [
      'a config that disagrees with the tensors',
      'test/disagree',
      /: test\/disagree\/model\.safetensors: tensor cls_token has shape \[1,1,32\], config implies \[1,1,384\] \(config\.json and the weights disagree\)/,
    ],
    [
      'an unsupported architecture (before any weights download)',
      'test/registers',
      /: test\/registers: config\.json: vit_base_patch16_reg4_gap_256 uses register tokens \(reg_tokens\), which is not supported/,
    ],
  ])(
    '%s: one line, nothing cached, the previous model stays loaded and usable',
    async (_, repo, line) => {
      const kept = (await status()).modelId;
      const keys = await cacheKeys();
      const requests = hub.requests.length;
      await loadFromHub(repo);
      await app.page.waitForFunction(() => (window as unknown as { __tome: { status: { loadingId: string } } }).__tome.status.loadingId === '', null, {
        timeout: 120_000,
      });
      const text = (await loadText())!;
      expect(text).toMatch(line);
      expect(text).toMatch(new RegExp(`; ${kept.replace(/[.]/g, '\\.')} stays loaded$`));
      expect(text.split('\n')).toHaveLength(1);
      expect(await cacheKeys()).toEqual(keys);
      if (repo === 'timm/vit--tiny') expect(hub.requests.length).toBe(requests);
      if (repo === 'test/registers') expect(hub.weightRequests(repo)).toEqual([]);
      expect(await app.page.locator('#model').inputValue()).toBe(kept);
      await expectUsable(kept);
    },
    T,
  );

  it(
    'cancels a download that stalls: one line, nothing cached, the previous model stays',
    async () => {
      const kept = (await status()).modelId;
      const keys = await cacheKeys();
      await loadFromHub('test/stall');
      await expect.poll(loadText, { timeout: 60_000 }).toMatch(/^Loading hf:test\/stall: [\d.]+ KiB of [\d.]+ KiB \(\d+%\)/);
      await shot('04-downloading');
      await app.page.click('#load-cancel');
      await expect
        .poll(loadText)
        .toMatch(/^Could not load hf:test\/stall: test\/stall: download of model\.safetensors cancelled after \d+ of \d+ bytes; .* stays loaded$/);
      expect(await cacheKeys()).toEqual(keys);
      await expectUsable(kept);
    },
    T,
  );

  it(
    'refuses local files that are not a model, in one line',
    async () => {
      const kept = (await status()).modelId;
      await app.page.setInputFiles('#local-files', [join(dirs.small, 'config.json')]);
      await expect.poll(loadText).toBe(`A local model is two files, config.json and model.safetensors (got config.json); ${kept} stays loaded`);
      await expectUsable(kept);
    },
    T,
  );

  it(
    'a model over the GPU memory runs on the CPU fallback, and the page shows the line naming the limit',
    async () => {
      await loadFromHub('test/wide');
      await settled();
      const s = await status();
      expect(s.modelId).toBe('hf:test/wide');
      expect(s.backend?.name).toBe('cpu');
      const line = new RegExp(
        `^test--wide \\(f32, batch 1\\): (buffer scores needs [\\d.]+ MiB, over this adapter's maxStorageBufferBindingSize of [\\d.]+ MiB|needs [\\d.]+ MiB of GPU memory \\(weights [\\d.]+ (KiB|MiB), working buffers [\\d.]+ MiB\\), over the ${GPU_MEMORY_MB}\\.0 MiB available)`,
      );
      expect(s.backend?.fallbackReason).toMatch(line);
      expect(await app.page.locator('#notice').textContent()).toMatch(/^test--wide \(f32, batch 1\): .* Running ONNX Runtime [\d.]+ WASM .* instead/);
      await shot('05-over-the-limit');
    },
    T,
  );
});
