// End to end in a real headless Chromium (WebGPU on SwiftShader): the page loads the real model
// with byte progress, classifies the sample, takes images by file picker and by drag and drop,
// re-runs on r, draws exactly the engine's groups (checked against the official ToMe outputs in
// ../shared/golden), refuses a broken file without losing the result, exports a PNG, survives
// a lost GPU device, and a reload reads the weights from Cache Storage.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViteDevServer } from 'vite';
import { maxUsefulR, rPerLayer, tokenCounts } from '../../src/model/tome';
import { openApp, ROOT, serverUrl, SHOTS, startServer, type App } from './harness';

const GOLDEN = join(ROOT, '../shared/golden');
const VIT = 'vit_tiny_patch16_224.augreg_in21k_ft_in1k';

interface GoldenCase {
  name: string;
  tokens: number[];
  top5: Array<[number, number]>;
  groups: number[];
}
const golden = JSON.parse(readFileSync(join(GOLDEN, 'cases.json'), 'utf8')) as {
  entries: Array<{ model: string; image: string; cases: GoldenCase[] }>;
};
const goldenCase = (image: string, name: string) =>
  golden.entries.find((e) => e.model === VIT && e.image === image)!.cases.find((c) => c.name === name)!;

interface Status {
  ready: boolean;
  imageId: number;
  imageName: string;
  imagesInFlight: number;
  requestId: number;
  answeredId: number;
  backend: { kind: string; description: string } | null;
}
interface AnalysisView {
  requestId: number;
  opts: { r: number; schedule: string };
  tokens: number[];
  top5: Array<{ index: number; prob: number }>;
  groups: number[];
  ms: number;
  timingSource: string;
}

let server: ViteDevServer;
let app: App;
/** Every weight shard the browser fetched over HTTP (a cache hit makes no request). */
const shardRequests: string[] = [];

const status = () => app.page.evaluate(() => (window as unknown as { __tome: { status: Status } }).__tome.status);
const analysis = () => app.page.evaluate(() => (window as unknown as { __tome: { analysis: AnalysisView } }).__tome.analysis);
const overlayGroups = () => app.page.evaluate(() => (window as unknown as { __tome: { overlayGroups(): number[] } }).__tome.overlayGroups());

/** Waits until the newest request has its answer (and no image is still decoding). */
async function settled(timeout = 180_000): Promise<void> {
  await app.page.waitForFunction(
    () => {
      const t = (window as unknown as { __tome?: { status: Status } }).__tome;
      return !!t && t.status.ready && t.status.imagesInFlight === 0 && t.status.answeredId > 0 && t.status.answeredId === t.status.requestId;
    },
    null,
    { timeout, polling: 250 },
  );
}

const shot = (name: string) => app.page.screenshot({ path: join(SHOTS, `${name}.png`) });

beforeAll(async () => {
  server = await startServer();
  app = await openApp(serverUrl(server));
  app.context.on('request', (r) => {
    if (/group1-shard\d+of\d+\.bin/.test(r.url())) shardRequests.push(r.url());
  });
  await app.page.reload(); // listeners are attached: count from a clean start
}, 300_000);

afterAll(async () => {
  await app?.close();
  await server?.close();
});

describe('browser demo', () => {
  it('loads the model with byte progress and classifies the sample at once', async () => {
    const loadText = await app.page.locator('#load .text').textContent();
    expect(loadText).toMatch(/Loading/);
    await settled();
    await shot('01-sample');
    const s = await status();
    expect(s.imageName).toMatch(/chelsea\.jpg/);
    expect(s.backend?.kind).toBe('webgpu');
    await expect.poll(() => app.page.locator('#backend').textContent()).toMatch(/WebGPU/);
    const a = await analysis();
    expect(a.top5[0].index).toBe(285); // Egyptian cat, as the official model says for this photo
    expect(await app.page.locator('#metrics tr[data-metric="top1"] td').nth(2).textContent()).toBe('Egyptian cat');
    expect(a.timingSource).toBe('gpu-timestamp');
    expect(await app.page.locator('#metrics tr[data-metric="ms"] td').first().textContent()).toMatch(/GPU time/);
    expect(shardRequests.length).toBeGreaterThan(0);
    expect(await app.page.locator('#load').getAttribute('aria-valuenow')).toBe('100');
  });

  it('classifies a picked file exactly as the official ToMe does (groups, tokens, top-5)', async () => {
    await app.page.setInputFiles('#file', join(GOLDEN, 'images/chelsea.png'));
    await settled();
    const g8 = goldenCase('chelsea.png', 'r8');
    const a = await analysis();
    expect((await status()).imageName).toBe('chelsea.png');
    expect(a.opts.r).toBe(8);
    expect(a.tokens).toEqual(g8.tokens);
    expect(a.groups).toEqual(g8.groups);
    expect(await overlayGroups()).toEqual(g8.groups);
    a.top5.forEach((t, i) => {
      expect(t.index).toBe(g8.top5[i][0]);
      expect(t.prob).toBeCloseTo(g8.top5[i][1], 3);
    });
    await shot('02-chelsea-r8');
  });

  it('moving r re-runs at once and changes prediction, tokens, timing and overlay', async () => {
    const before = await analysis();
    const groupsBefore = await overlayGroups();
    await app.page.focus('#r');
    await app.page.keyboard.press('End'); // r = the model's maximum useful r
    const rMax = maxUsefulR(196, 12);
    expect(await app.page.locator('#r-out').textContent()).toBe(String(rMax));
    const maxCounts = tokenCounts(196, rPerLayer(12, rMax, 'constant'));
    expect(await app.page.locator('#r-tokens').textContent()).toBe(`${maxCounts[12]} of 197`);
    await settled();
    const atMax = await analysis();
    expect(atMax.opts.r).toBe(rMax);
    expect(atMax.tokens).toEqual(maxCounts);
    expect(await overlayGroups()).not.toEqual(groupsBefore);
    expect(atMax.top5[0].prob).not.toBe(before.top5[0].prob);
    expect(atMax.ms).not.toBe(before.ms);
    expect(await app.page.locator('#metrics tr[data-metric="tokens"] td').nth(2).textContent()).toBe(String(maxCounts[12]));

    // Quick key presses down to r = 16: each supersedes the last, only the newest is answered.
    for (let i = 0; i < rMax - 16; i++) await app.page.keyboard.press('ArrowLeft');
    await settled();
    const at16 = await analysis();
    expect(at16.opts.r).toBe(16);
    expect(at16.requestId).toBe((await status()).requestId);
    const g16 = goldenCase('chelsea.png', 'r16');
    expect(at16.tokens).toEqual(g16.tokens);
    expect(await overlayGroups()).toEqual(g16.groups);
    await shot('03-chelsea-r16');

    for (let i = 0; i < 3; i++) await app.page.keyboard.press('ArrowLeft');
    await settled();
    const at13 = await analysis();
    expect(at13.opts.r).toBe(13);
    expect(await overlayGroups()).toEqual(goldenCase('chelsea.png', 'r13').groups);
    await app.page.click('label:has(input[name="viz"][value="outline"])');
    await shot('03b-chelsea-r13-outlines');
  });

  it('the layer scrubber shows the groups after each block', async () => {
    const a = await analysis();
    await app.page.locator('#layer').fill('1');
    const g1 = await overlayGroups();
    expect(new Set(g1).size).toBe(a.tokens[1] - 1); // merge never touches cls
    await app.page.locator('#layer').fill('6');
    expect(new Set(await overlayGroups()).size).toBe(a.tokens[6] - 1);
    await app.page.click('label:has(input[name="viz"][value="heat"])');
    await shot('04-heat-block6');
    await app.page.locator('#layer').fill('12');
    await app.page.click('label:has(input[name="viz"][value="fill"])');
    expect(await overlayGroups()).toEqual(a.groups);
  });

  it('takes a dropped image (drag and drop with a DataTransfer)', async () => {
    const b64 = readFileSync(join(GOLDEN, 'images/coffee.png')).toString('base64');
    await app.page.evaluate((data) => {
      const bin = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bin], 'coffee.png', { type: 'image/png' }));
      const stage = document.getElementById('stage')!;
      stage.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      stage.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, b64);
    await settled();
    expect((await status()).imageName).toBe('coffee.png');
    const a = await analysis();
    expect(a.groups).toEqual(goldenCase('coffee.png', 'r13').groups);
    expect(a.top5[0].index).toBe(goldenCase('coffee.png', 'r13').top5[0][0]);
    await shot('05-coffee-r13');
  });

  it('a broken file shows a clear error and keeps the previous result', async () => {
    const before = await analysis();
    const truncated = readFileSync(join(GOLDEN, 'images/n04285008_sports_car.JPEG')).subarray(0, 600);
    const path = join(SHOTS, 'truncated.jpg');
    writeFileSync(path, truncated);
    await app.page.setInputFiles('#file', path);
    await app.page.locator('#image-error').waitFor({ state: 'visible' });
    expect(await app.page.locator('#image-error').textContent()).toMatch(/truncated\.jpg: .*could not be decoded.*previous image is kept/);
    await app.page.setInputFiles('#file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
    await expect.poll(() => app.page.locator('#image-error').textContent()).toMatch(/notes\.txt: the file is not an image/);
    await settled();
    expect((await status()).imageName).toBe('coffee.png');
    expect((await analysis()).requestId).toBe(before.requestId);
    expect(await overlayGroups()).toEqual(before.groups);
    await shot('06-broken-file');
  });

  it('exports the visualization as a PNG of the documented size', async () => {
    const bytes = Buffer.from(await app.page.evaluate(() => (window as unknown as { __tome: { exportPng(): Promise<number[]> } }).__tome.exportPng()));
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(bytes.toString('ascii', 12, 16)).toBe('IHDR');
    expect(bytes.readUInt32BE(16)).toBe(896);
    expect(bytes.readUInt32BE(20)).toBe(896 + 88);
    writeFileSync(join(SHOTS, '07-export.png'), bytes);
  });

  it('recovers from a lost GPU device without a reload', async () => {
    await app.page.evaluate(() => (window as unknown as { __tome: { loseDevice(): void } }).__tome.loseDevice());
    await expect.poll(() => app.page.locator('#notice').textContent(), { timeout: 60_000 }).toMatch(/device was lost.*new one was created/);
    await settled();
    const a = await analysis();
    expect(a.timingSource).toBe('gpu-timestamp');
    expect(a.groups).toEqual(goldenCase('coffee.png', 'r13').groups);
  });

  it('a reload reads the weights from Cache Storage, and no console errors were seen', async () => {
    expect(app.errors).toEqual([]);
    shardRequests.length = 0;
    await app.page.reload();
    await settled();
    expect(shardRequests).toEqual([]);
    expect(app.errors).toEqual([]);
  });
});
