// The families of issue 19 in the page (headless Chromium, WebGPU on SwiftShader) through the
// mock hub and from local files: a register model without a class token (a reg4 gap ViT, small
// random weights under timm's real architecture name) and a model without a head (golden-archs'
// ViT-S with num_classes 0) load by repo id and from their folder, run on WebGPU and equal the
// CPU reference on the same image; for the headless model the results show how far the features
// moved from r = 0 (cosine similarity) instead of a top-5, and the "Feature colours" overlay
// paints every patch with its token's colour (one colour per group); a classifier loaded after
// it hides that style again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViteDevServer } from 'vite';
import { decodeImageFile } from '../../src/cli/decode-node';
import { cosineSimilarity } from '../../src/core/features';
import { preprocess } from '../../src/reference/preprocess';
import { forward } from '../../src/reference/vit';
import type { ToMeOptions } from '../../src/core/tome';
import { readTimmDir } from '../../src/model/timm-dir';
import imagenetLabels from '../../src/model/imagenet-labels.json';
import { startMockHub, type MockHub } from '../support/mock-hub';
import { ARCHS_WEIGHTS } from '../support/golden-archs';
import { writeTimmModel } from '../support/timm-models';
import { openApp, ROOT, serverUrl, SHOTS, startServer, type App } from './harness';
import * as state from './page-state';

const IMAGE = join(ROOT, '../shared/golden/images/chelsea.png');
const NOHEAD = 'vit_small_patch16_224.rand_nohead';
const T = 600_000;

let hub: MockHub;
let tmp: string;
let server: ViteDevServer;
let app: App;
const savedEnv: Record<string, string | undefined> = {};
let regDir = '';

interface FamilyAnalysis extends state.AnalysisView {
  features: number[] | null;
  baselineFeatures: number[] | null;
  featureColours: number[] | null;
}
const analysis = async () => (await state.analysis(app.page)) as FamilyAnalysis;
const settled = () => state.settled(app.page, 600_000);
const shot = (name: string) => app.page.screenshot({ path: join(SHOTS, `families-${name}.png`) });

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'tome-e2e-families-'));
  regDir = join(tmp, 'reg4-gap');
  // timm's vit_betwixt_patch16_reg4_gap_256 (no class token, 4 registers, layer scale, avg pool + fc_norm), shrunk.
  writeTimmModel(
    regDir,
    {
      architecture: 'vit_betwixt_patch16_reg4_gap_256',
      tag: 'small',
      numClasses: 10,
      imgSize: 128,
      globalPool: 'avg',
      modelArgs: { embed_dim: 64, depth: 3, num_heads: 4, img_size: 128 },
    },
    21,
  );
  hub = await startMockHub();
  hub.add('test/reg4-gap', { dir: regDir });
  hub.add(`test/${NOHEAD}`, { dir: join(ARCHS_WEIGHTS, NOHEAD) });
  for (const [k, v] of Object.entries({ VITE_HF_ENDPOINT: hub.url, VITE_HF_DOWNLOAD_HOSTS: hub.cdnUrl })) {
    savedEnv[k] = process.env[k];
    process.env[k] = v;
  }
  server = await startServer();
  app = await openApp(serverUrl(server));
  await settled();
  await app.page.setInputFiles('#file', IMAGE);
  await settled();
}, T);

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

async function load(how: 'hub' | 'local', repoOrDir: string): Promise<void> {
  if (how === 'hub') {
    await app.page.fill('#hub-repo', repoOrDir);
    await app.page.click('#hub-load');
  } else {
    await app.page.setInputFiles('#local-files', [join(repoOrDir, 'config.json'), join(repoOrDir, 'model.safetensors')]);
  }
  await settled();
}

async function setR(r: number): Promise<void> {
  await app.page.locator('#r').fill(String(r));
  await settled();
}

/** The CPU reference in this process, on the page's image, at the page's settings. */
async function reference(dir: string, opts: ToMeOptions) {
  const w = readTimmDir(dir, { labels: imagenetLabels });
  const { input } = preprocess(await decodeImageFile(IMAGE), w.config);
  return forward(w, input, opts);
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('the families of issue 19 in the page', () => {
  it(
    'a register model without a class token: by repo id and from its folder, on WebGPU, equal to the CPU reference',
    async () => {
      await load('hub', 'test/reg4-gap');
      expect((await state.status(app.page)).backend?.name).toBe('webgpu');
      await setR(20);
      const viaHub = await analysis();
      // 64 patches and 4 registers, no class token: r = 20, then 20, then clamped to 24 // 2 = 12
      // (the registers take no part in the matching nor in the clamp).
      expect(viaHub.tokens).toEqual([68, 48, 28, 16]);
      await shot('01-reg4-gap');
      await load('local', regDir);
      const local = await analysis();
      expect({ tokens: local.tokens, groups: local.groups, top5: local.top5 }).toEqual({ tokens: viaHub.tokens, groups: viaHub.groups, top5: viaHub.top5 });
      const want = await reference(regDir, local.opts as ToMeOptions);
      expect(local.tokens).toEqual(want.tokens);
      expect(local.groups).toEqual(Array.from(want.groups));
      expect(local.top5.map((t) => t.index)).toEqual(want.top5.map((t) => t.index));
      expect(await app.page.locator('#viz-features').isHidden()).toBe(true);
    },
    T,
  );

  it(
    'a model without a head: features instead of a top-5, the cosine to r = 0, and feature colours, held to the CPU reference',
    async () => {
      await setR(0);
      await load('hub', `test/${NOHEAD}`);
      expect((await state.status(app.page)).backend?.name).toBe('webgpu');
      const r0 = await analysis();
      expect(r0.top5).toEqual([]);
      expect(r0.features).toHaveLength(384);
      await setR(48);
      const a = await analysis();
      expect(a.tokens).toEqual([197, 149, 101, 53]);
      const want = await reference(join(ARCHS_WEIGHTS, NOHEAD), a.opts as ToMeOptions);
      const wantR0 = await reference(join(ARCHS_WEIGHTS, NOHEAD), { ...(a.opts as ToMeOptions), r: 0 });
      expect(a.groups).toEqual(Array.from(want.groups));
      expect(maxDiff(a.features!, want.features!)).toBeLessThan(1e-3);
      const cos = cosineSimilarity(want.features!, wantR0.features!);
      // The results card: no top-5, the cosine to r = 0 in its row and the features panel.
      expect(await app.page.locator('#top5 .col').count()).toBe(0);
      const shown = Number(await app.page.locator('#metrics tr[data-metric="cosine"] td:last-child').textContent());
      expect(shown).toBeCloseTo(cos, 3);
      expect(Number(await app.page.locator('#top5 .features').getAttribute('data-cosine'))).toBeCloseTo(cos, 4);
      // Feature colours: offered for this model; one colour per group (the colour of the token
      // every patch of the group ended in), and fewer colours than at r = 0.
      expect(await app.page.locator('#viz-features').isVisible()).toBe(true);
      await app.page.click('label:has(input[name="viz"][value="features"])');
      expect(await app.page.locator('#overlay').getAttribute('data-style')).toBe('features');
      const colourOf = (c: number[], p: number) => c.slice(3 * p, 3 * p + 3).join(',');
      const colours = a.featureColours!;
      expect(colours).toHaveLength(196 * 3);
      a.groups.forEach((g, p) => expect(colourOf(colours, p)).toBe(colourOf(colours, g)));
      const distinct = (c: number[]) => new Set(Array.from({ length: 196 }, (_, p) => colourOf(c, p))).size;
      expect(distinct(colours)).toBeLessThan(distinct(r0.featureColours!));
      expect(distinct(r0.featureColours!)).toBeGreaterThan(150);
      await shot('02-nohead-feature-colours');
      // The same model from its folder: the same answer.
      await load('local', join(ARCHS_WEIGHTS, NOHEAD));
      const local = await analysis();
      expect({ tokens: local.tokens, groups: local.groups, colours: local.featureColours }).toEqual({
        tokens: a.tokens,
        groups: a.groups,
        colours: a.featureColours,
      });
      expect(maxDiff(local.features!, a.features!)).toBeLessThan(1e-6);
    },
    T,
  );

  it(
    'a classifier loaded after it hides the feature colours and draws the mean colour again',
    async () => {
      await load('local', regDir);
      expect(await app.page.locator('#viz-features').isHidden()).toBe(true);
      expect(await app.page.locator('#overlay').getAttribute('data-style')).toBe('fill');
      expect((await analysis()).top5).toHaveLength(5);
    },
    T,
  );
});
