// End to end in a real headless Chromium (WebGPU on SwiftShader): the page loads the real model
// with byte progress, classifies the sample, takes images by file picker and by drag and drop,
// re-runs on r, draws exactly the engine's groups (checked against the official ToMe outputs in
// ../shared/golden), profiles a forward (kernel families, blocks, ToMe's own cost), refuses a
// broken file without losing the result, exports a PNG, survives
// a lost GPU device, and a reload reads the weights from Cache Storage.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViteDevServer } from 'vite';
import { maxUsefulR, rPerLayer, tokenCounts } from '../../src/core/tome';
import { openApp, ROOT, serverUrl, SHOTS, startServer, type App } from './harness';
import * as state from './page-state';

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
const goldenCase = (image: string, name: string) => golden.entries.find((e) => e.model === VIT && e.image === image)!.cases.find((c) => c.name === name)!;

let server: ViteDevServer;
let app: App;
/** Every weight shard the browser fetched over HTTP (a cache hit makes no request). */
const shardRequests: string[] = [];

const status = () => state.status(app.page);
const analysis = () => state.analysis(app.page);
const overlayGroups = () => state.overlayGroups(app.page);
const settled = () => state.settled(app.page);
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
    expect(s.backend?.name).toBe('webgpu');
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
    const boxes = () => Promise.all(['#stage', '#metrics', '#top5', '.controls', '.tradeoff'].map((sel) => app.page.locator(sel).boundingBox()));
    const boxesBefore = await boxes();
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
    expect(await boxes()).toEqual(boxesBefore); // numbers changed, nothing moved

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

    // Prune instead of merge: same token counts, every survivor is one patch, the rest dropped.
    await app.page.click('label:has(input[name="mode"][value="prune"])');
    await settled();
    const pruned = await analysis();
    expect(pruned.tokens).toEqual(at13.tokens);
    expect(await overlayGroups()).toEqual(Array.from({ length: 196 }, (_, i) => i));
    expect(await app.page.locator('#overlay').getAttribute('data-pruned')).toBe(String(196 - (pruned.tokens[12] - 1)));
    await app.page.click('label:has(input[name="viz"][value="fill"])');
    await shot('03c-chelsea-r13-prune');
    await app.page.click('label:has(input[name="mode"][value="merge"])');
    await settled();
    expect(await overlayGroups()).toEqual(goldenCase('chelsea.png', 'r13').groups);
  });

  it('the layer scrubber shows the groups after each block', async () => {
    const a = await analysis();
    await app.page.locator('#layer').fill('1');
    const g1 = await overlayGroups();
    expect(new Set(g1).size).toBe(a.tokens[1] - 1); // merge never touches cls
    await app.page.locator('#layer').fill('6');
    expect(new Set(await overlayGroups()).size).toBe(a.tokens[6] - 1);
    await app.page.click('label:has(input[name="viz"][value="heat"])');
    const sizes = new Map<number, number>();
    for (const g of await overlayGroups()) sizes.set(g, (sizes.get(g) ?? 0) + 1);
    expect(await app.page.locator('#heat-legend').isVisible()).toBe(true);
    expect(await app.page.locator('#heat-max').textContent()).toBe(String(Math.max(...sizes.values())));
    // Hover the patch at grid (7, 7): its group is highlighted and its size shown.
    const box = (await app.page.locator('#overlay').boundingBox())!;
    await app.page.mouse.move(box.x + (7.5 / 14) * box.width, box.y + (7.5 / 14) * box.height);
    const g6 = await overlayGroups();
    const size = g6.filter((g) => g === g6[7 * 14 + 7]).length;
    await expect.poll(() => app.page.locator('#tooltip').textContent()).toBe(size === 1 ? 'unmerged patch' : `group of ${size} patches → 1 token`);
    await shot('04-heat-block6');
    await app.page.mouse.move(0, 0);
    // The same from the keyboard: focus the image, arrows walk from the centre patch (7, 7).
    await app.page.focus('#overlay');
    await app.page.keyboard.press('ArrowRight'); // shows (7, 7)
    await app.page.keyboard.press('ArrowRight'); // moves to (8, 7)
    const size8 = g6.filter((g) => g === g6[7 * 14 + 8]).length;
    await expect.poll(() => app.page.locator('#tooltip').textContent()).toBe(size8 === 1 ? 'unmerged patch' : `group of ${size8} patches → 1 token`);
    await app.page.keyboard.press('Escape');
    await app.page.locator('#tooltip').waitFor({ state: 'hidden' });
    await app.page.locator('#layer').fill('12');
    await app.page.click('label:has(input[name="viz"][value="fill"])');
    expect(await overlayGroups()).toEqual(a.groups);
  });

  it("profiles the forward: time per kernel family and per block, and ToMe's own cost", async () => {
    await app.page.locator('#r').fill('13');
    await settled();
    expect(await app.page.locator('#profile').isEnabled()).toBe(true);
    const p = await state.profile(app.page);
    expect(p.report).toBeNull();
    const done = await state.runProfile(app.page);
    expect(done.error).toBeNull();
    expect(done.opts?.r).toBe(13);
    const r = done.report!;
    expect(r.source).toBe('gpu-timestamp'); // SwiftShader offers timestamp-query
    for (const f of ['matmul', 'attention', 'layernorm', 'tome_match', 'tome_merge']) expect(r.perFamily[f], f).toBeGreaterThan(0);
    expect(r.perBlock).toHaveLength(12);
    expect(r.totalMs).toBeGreaterThan(0);
    const familySum = Object.values(r.perFamily).reduce((a, b) => a + b, 0);
    expect(familySum).toBeCloseTo(r.totalMs, 6);
    expect(r.perBlock.reduce((a, b) => a + b, 0) + r.embedMs + r.headMs).toBeCloseTo(r.totalMs, 6);
    expect(r.tomeMs).toBeCloseTo(r.perFamily.tome_match + r.perFamily.tome_merge, 6);
    expect(r.tomeCost!.share).toBeGreaterThan(0);
    expect(r.tomeCost!.share).toBeLessThan(1);
    expect(r.tomeCost!.share).toBeCloseTo(r.tomeCost!.tomeMs / r.tomeCost!.forwardMs, 6);

    // The table: one row per family, slowest first, then the total.
    const rows = await app.page.locator('#profile-table tbody tr[data-family]').evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.family!));
    expect(rows).toEqual(
      Object.entries(r.perFamily)
        .sort((a, b) => b[1] - a[1])
        .map(([f]) => f),
    );
    expect(await app.page.locator('#profile-table tr.total td').nth(0).textContent()).toBe('total');
    expect(await app.page.locator('#profile-blocks [data-block]').count()).toBe(12);
    expect(await app.page.locator('#profile-source').textContent()).toMatch(/r = 13.*chelsea\.png.*GPU timestamps/);
    const tomeText = (await app.page.locator('#profile-tome').textContent())!;
    expect(tomeText).toContain('%');
    expect(tomeText).toMatch(/^ToMe \(metric, matching, merge\): .* ms of .* ms = \d+\.\d% \(its dispatches timed alone\)/);
    expect(await app.page.locator('#profile-error').isHidden()).toBe(true);
    expect(await app.page.locator('#profile').textContent()).toBe('Profile this forward');
    await app.page.locator('.card.profile').scrollIntoViewIfNeeded();
    await shot('04b-profile-r13');

    // r = 0: no ToMe dispatches at all.
    await app.page.locator('#r').fill('0');
    await settled();
    const p0 = await state.runProfile(app.page);
    expect(p0.error).toBeNull();
    expect(p0.opts?.r).toBe(0);
    expect(p0.report!.perFamily.tome_match ?? 0).toBe(0);
    expect(p0.report!.perFamily.tome_merge ?? 0).toBe(0);
    expect(p0.report!.tomeCost).toBeNull();
    expect(p0.report!.perBlock).toHaveLength(12);
    expect(await app.page.locator('#profile-table tr[data-family="tome_match"]').count()).toBe(0);
    expect(await app.page.locator('#profile-tome').textContent()).toBe('r = 0: no ToMe work');

    // Forwards after profiling (which leaves the working buffers undefined) are still exact.
    await app.page.locator('#r').fill('13');
    await settled();
    expect((await analysis()).opts.r).toBe(13);
    expect(await overlayGroups()).toEqual(goldenCase('chelsea.png', 'r13').groups);
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

  it('switches model from the selector and re-runs the same image', async () => {
    const deit = 'deit_tiny_patch16_224.lnq';
    const options = await app.page.locator('#model option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options).toEqual(expect.arrayContaining([VIT, deit]));
    await app.page.selectOption('#model', deit);
    await settled();
    const s = await status();
    expect(s.modelId).toBe(deit);
    expect(s.imageName).toBe('coffee.png');
    const g = golden.entries.find((e) => e.model === deit && e.image === 'coffee.png')!.cases.find((c) => c.name === 'r13')!;
    const a = await analysis();
    expect(a.tokens).toEqual(g.tokens);
    expect(a.groups).toEqual(g.groups);
    expect(a.top5[0].index).toBe(g.top5[0][0]);
  });

  it('exports the visualization as a PNG of the documented size', async () => {
    const bytes = await state.exportPng(app.page);
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(bytes.toString('ascii', 12, 16)).toBe('IHDR');
    expect(bytes.readUInt32BE(16)).toBe(896);
    expect(bytes.readUInt32BE(20)).toBe(896 + 88);
    writeFileSync(join(SHOTS, '07-export.png'), bytes);
  });

  it('takes a pasted WebP, reducing a large one first', async () => {
    const webp = await sharp(join(GOLDEN, 'images/n02391049_zebra.JPEG')).resize(3000, 2000, { fit: 'fill' }).webp().toBuffer();
    await app.page.evaluate((data) => {
      const bin = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bin], 'zebra.webp', { type: 'image/webp' }));
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, webp.toString('base64'));
    await settled();
    expect(await app.page.locator('#image-name').textContent()).toMatch(/^zebra\.webp · \d+×\d+, reduced from 3000×2000$/);
    expect((await analysis()).top5[0].index).toBe(340); // zebra
    await shot('08-pasted-webp');
  });

  it('measures speed in the page with progress, and can be cancelled', async () => {
    await app.page.click('#bench');
    await app.page.locator('#bench-progress').waitFor({ state: 'visible' });
    await app.page.waitForFunction(
      () => /^[5-9] \/ \d+ forwards|^\d\d+ \/ \d+ forwards/.test(document.querySelector('#bench-progress .text')?.textContent ?? ''),
      null,
      { timeout: 120_000 },
    );
    await app.page.click('#bench-cancel');
    await app.page.locator('#bench-progress').waitFor({ state: 'hidden' });
    const s = await status();
    expect(s.benchRunning).toBe(false);
    const r0 = s.benchRows!.find((row) => row.r === 0)!;
    expect(r0.speedupVsR0).toBe(1);
    expect(r0.msMedian).toBeGreaterThan(0);
    expect(await app.page.locator('#chart-note').textContent()).toMatch(/measured here/);
    await shot('09-bench-cancelled');
  });

  it('recovers from a lost GPU device without a reload, even mid-forward', async () => {
    const r = (await analysis()).opts.r;
    await app.page.focus('#r');
    await app.page.keyboard.press('ArrowRight'); // a forward at r + 1 starts...
    await state.loseDevice(app.page); // ...and its device goes away under it
    await expect.poll(() => app.page.locator('#notice').textContent(), { timeout: 60_000 }).toMatch(/device was lost.*new one was created/);
    await settled();
    const a = await analysis();
    expect(a.opts.r).toBe(r + 1);
    expect(a.timingSource).toBe('gpu-timestamp');
    expect(a.top5[0].index).toBe(340);
    expect(await app.page.locator('#image-error').isHidden()).toBe(true);
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
