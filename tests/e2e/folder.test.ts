// "Measure on a folder" in a real headless Chromium (WebGPU on SwiftShader): an ImageFolder of
// sample photos (classes by WordNet id and by name, a folder that names no class, a bad file)
// measured in the worker with the same figures as `tome eval` with a labels file; the table, the
// chart and the exports; the slider answered while it runs; cancel, a model change and a lost
// device each stop it with one line and keep nothing; an unlabelled folder of picked files; a
// dropped set of files; the kept measurement shown again after a reload; and 2,000 images
// streamed through with the worker's memory flat.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViteDevServer } from 'vite';
import { SPECS, writeTimmModel } from '../support/timm-models';
import { openApp, ROOT, serverUrl, SHOTS, startServer, type App } from './harness';
import * as state from './page-state';

const SAMPLES = join(ROOT, '../shared/eval/imagenet-samples');
const VIT = 'vit_tiny_patch16_224.augreg_in21k_ft_in1k';
const tmp = mkdtempSync(join(tmpdir(), 'tome-e2e-folder-'));

/** (file, class index, the folder it goes in: its WordNet id or its class name) */
const PHOTOS = [
  ['n01531178_goldfinch.JPEG', 11, 'n01531178'],
  ['n01443537_goldfish.JPEG', 1, 'n01443537'],
  ['n02391049_zebra.JPEG', 340, 'zebra'],
  ['n01484850_great_white_shark.JPEG', 2, 'great_white_shark'],
] as const;
const dirs = {
  imageFolder: join(tmp, 'my-photos'),
  labelled: join(tmp, 'labelled'),
  long: join(tmp, 'long-folder'),
  many: join(tmp, 'two-thousand'),
  model: join(tmp, 'small-model'),
};

let server: ViteDevServer;
let app: App;
const page = () => app.page;
const folder = () => state.folderStatus(page());
const until = (pred: (s: state.FolderStatus) => boolean, what: string) => state.folderUntil(page(), pred, what);
const shot = (name: string) => page().screenshot({ path: join(SHOTS, `${name}.png`) });

/** The folder settings of these tests: few forwards, as SwiftShader takes seconds for each. */
async function settings(rs: string, decreasing: string): Promise<void> {
  await page().fill('#folder-rs', rs);
  await page().locator('#folder-rs').dispatchEvent('change');
  await page().fill('#folder-dec-rs', decreasing);
  await page().locator('#folder-dec-rs').dispatchEvent('change');
}

async function pick(dir: string): Promise<void> {
  await page().setInputFiles('#folder-dir', dir);
  await expect.poll(async () => (await folder()).picked?.name).toBe(dir.split('/').pop());
}

/** Clicks Measure and waits for the run to end; the status at the end. */
async function measure(): Promise<state.FolderStatus> {
  await expect.poll(() => page().locator('#folder-start').isEnabled()).toBe(true);
  await page().click('#folder-start');
  expect((await folder()).running).toBe(true);
  return until((s) => !s.running, 'the folder measurement to end');
}

/** Starts a run of the long folder and waits until its first batch is under way. */
async function startLongRun(): Promise<void> {
  await settings('0,8', '');
  await pick(dirs.long);
  await page().click('#folder-start');
  await until((s) => (s.progress?.fraction ?? 0) > 0, 'the long run to get going');
}

beforeAll(async () => {
  for (const d of Object.values(dirs)) mkdirSync(d);
  const rows = ['file\tclass_index'];
  for (const [file, index, sub] of PHOTOS) {
    mkdirSync(join(dirs.imageFolder, sub));
    copyFileSync(join(SAMPLES, file), join(dirs.imageFolder, sub, file));
    copyFileSync(join(SAMPLES, file), join(dirs.labelled, file));
    rows.push(`${file}\t${index}`);
  }
  writeFileSync(join(dirs.labelled, 'labels.tsv'), rows.join('\n') + '\n');
  mkdirSync(join(dirs.imageFolder, 'holiday'));
  copyFileSync(join(SAMPLES, 'n04285008_sports_car.JPEG'), join(dirs.imageFolder, 'holiday', 'car.JPEG'));
  writeFileSync(join(dirs.imageFolder, 'zebra', 'notes.jpg'), 'not an image\n');
  // Long enough to still run while the tests move the slider, cancel, change the model...
  for (let i = 0; i < 40; i++) copyFileSync(join(SAMPLES, PHOTOS[i % PHOTOS.length][0]), join(dirs.long, `${i}.jpg`));

  server = await startServer();
  // Memory is measured at once (after a GC) rather than at the browser's next one.
  app = await openApp(serverUrl(server), { args: ['--enable-blink-features=ForceEagerMeasureMemory'] });
  await state.settled(page());
}, 600_000);

afterAll(async () => {
  await app?.close();
  await server?.close();
});

describe('measure on a folder', () => {
  let measured: state.FolderStatus;

  it('measures an ImageFolder (WordNet ids and class names), names what it left out, and equals tome eval with a labels file', async () => {
    await settings('0,8', '16');
    await pick(dirs.imageFolder);
    expect(await page().locator('#folder-name').textContent()).toMatch(/^my-photos: 6 image files/);
    measured = await measure();
    await shot('20-folder-measured');
    const report = measured.report!;
    expect(report).toMatchObject({ model: VIT, folder: 'my-photos', labels: 'folders', images: 4, skipped: 1 });
    expect(report.backend).toMatch(/^webgpu/);
    expect(measured.notes).toEqual([
      'labels from 4 class folder(s) (5 image(s))',
      expect.stringMatching(/^1 folder\(s\) not recognised, 1 image\(s\) left out: holiday \("holiday" is not a class name/),
    ]);
    expect(measured.skipped).toEqual([{ path: 'zebra/notes.jpg', reason: expect.stringMatching(/could not be decoded/) }]);
    expect(await page().locator('#folder-skipped summary').textContent()).toBe('1 unreadable file skipped');
    await expect.poll(async () => (await folder()).message).toMatch(/^Measured 4 images in \d+ s on webgpu .*\. Kept in this browser\.$/);
    expect(report.results.map((r) => `${r.r} ${r.schedule}`)).toEqual(['0 constant', '8 constant', '16 decreasing']);
    expect(
      await page()
        .locator('#folder-table tbody tr')
        .evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.setting)),
    ).toEqual(['r = 0', 'r = 8', 'r = 16 decreasing']);

    // The same photos through `tome eval` with a labels file give the same figures.
    const cli = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'eval', dirs.labelled, '--backend', 'cpu', '--r', '0,8,16', '--schedule', 'constant,decreasing'],
      { cwd: ROOT, encoding: 'utf8', timeout: 600_000 },
    );
    expect(cli.status, cli.stderr).toBe(0);
    const cliRows = (JSON.parse(cli.stdout) as { results: state.FolderRowView[] }).results;
    for (const row of report.results) {
      const c = cliRows.find((x) => x.r === row.r && x.schedule === row.schedule)!;
      expect({ n: row.n, top1: row.top1, top5: row.top5, agreement: row.agreement, tokens: row.meanFinalTokens }).toEqual({
        n: c.n,
        top1: c.top1,
        top5: c.top5,
        agreement: c.agreement,
        tokens: c.meanFinalTokens,
      });
      expect(row.meanTv).toBeCloseTo(c.meanTv, 3);
    }
  });

  it('draws its points beside the committed ones, each with its setting on hover, and exports CSV, JSON, SVG and PNG', async () => {
    const series = await page()
      .locator('#chart g[data-series]')
      .evaluateAll((gs) => gs.map((g) => g.getAttribute('data-series')));
    expect(series).toEqual([expect.stringMatching(/^eval set/), 'my-photos (here)']);
    const titles = await page()
      .locator('#chart g[data-series="my-photos (here)"] circle title')
      .evaluateAll((ts) => ts.map((t) => t.textContent));
    expect(titles.map((t) => t.split(':')[0])).toEqual(['r = 0', 'r = 8', 'r = 16 decreasing']);
    expect(titles[1]).toMatch(/top-1 \d+\.\d%, top-5 .* img\/s/);
    expect(await page().locator('#chart-note').textContent()).toMatch(/my-photos: top-1 and speed-up measured in this page/);

    const csv = (await state.folderExportText(page(), 'csv'))!.trim().split('\n');
    expect(csv[0]).toBe('r,schedule,mode,prop_attn,images,top1,top5,agreement,mean_tv,mean_final_tokens,ms_per_image,img_per_sec,speedup');
    expect(csv).toHaveLength(4);
    const json = JSON.parse((await state.folderExportText(page(), 'json'))!);
    expect(json.results).toEqual(measured.report!.results);
    const svg = (await state.folderExportText(page(), 'svg'))!;
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain(`${VIT} on my-photos`);
    const png = await state.folderExportPng(page());
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBe(800);
  });

  it('answers the slider while a folder runs; cancel stops it with one line and keeps nothing', async () => {
    await startLongRun();
    await page().focus('#r');
    await page().keyboard.press('ArrowLeft');
    await state.settled(page());
    const during = await folder();
    expect(during.running).toBe(true); // the slider's answer came while the folder still ran
    expect(during.rows!.length).toBe(2);
    await shot('21-folder-running');
    await page().click('#folder-cancel');
    const after = await until((s) => !s.running, 'the cancel');
    expect(after.message).toBe('Cancelled: nothing was kept.');
    expect(after.rows).toBeNull();
    // The last finished measurement is what shows, not the cancelled one's partial figures.
    expect(after.report!.folder).toBe('my-photos');
    expect(await page().locator('#folder-progress').isHidden()).toBe(true);
  });

  it('measures picked files without labels: agreement with r = 0 instead of top-1', async () => {
    await settings('0,16', '');
    await page().setInputFiles(
      '#folder-files',
      PHOTOS.slice(0, 2).map(([file]) => join(SAMPLES, file)),
    );
    await expect.poll(async () => (await folder()).picked?.name).toBe('2 files');
    const s = await measure();
    expect(s.report).toMatchObject({ folder: '2 files', labels: 'none', images: 2 });
    expect(s.notes[0]).toMatch(/agreement with r = 0/);
    for (const row of s.report!.results) expect(row).not.toHaveProperty('top1');
    expect(s.report!.results[0]).toMatchObject({ agreement: 1, meanTv: 0 });
    // Agreement is not top-1: the committed top-1 points are not drawn beside it.
    expect(await page().locator('#chart g[data-series]').count()).toBe(1);
    expect(await page().locator('#chart').textContent()).toContain('agreement with r = 0 (%)');
    expect(await page().locator('#folder-table tbody tr').first().locator('td').nth(2).textContent()).toBe('—');
  });

  it('takes files dropped on the card (not as the stage image)', async () => {
    const before = await state.status(page());
    const jpeg = (i: number) => sharp(join(SAMPLES, PHOTOS[i][0])).resize(64, 64).jpeg().toBuffer();
    const files = await Promise.all([0, 1, 2].map(async (i) => (await jpeg(i)).toString('base64')));
    await page().evaluate((data) => {
      const dt = new DataTransfer();
      data.forEach((b64, i) => dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], `dropped-${i}.jpg`, { type: 'image/jpeg' })));
      const card = document.getElementById('folder-card')!;
      card.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      card.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, files);
    await expect.poll(async () => (await folder()).picked).toEqual({ name: '3 files', files: 3 });
    expect((await state.status(page())).imageId).toBe(before.imageId);
  });

  it('a model change stops a run with one line', async () => {
    await startLongRun();
    await page().selectOption('#model', 'deit_tiny_patch16_224.lnq');
    const s = await until((x) => !x.running, 'the run to stop');
    expect(s.message).toBe('The model changed, so the folder measurement stopped; nothing was kept. Measure again for the new model.');
    await state.settled(page());
    expect((await state.status(page())).modelId).toBe('deit_tiny_patch16_224.lnq');
  });

  it('a lost GPU device stops a run with one line, and the page goes on', async () => {
    await startLongRun();
    await state.loseDevice(page());
    const s = await until((x) => !x.running, 'the run to stop');
    expect(s.message).toBe('The GPU device was lost, so the folder measurement stopped; nothing was kept. Measure again.');
    await expect.poll(() => page().locator('#notice').textContent(), { timeout: 60_000 }).toMatch(/device was lost/);
    await state.settled(page());
  });

  it('shows the kept measurement after a reload, and offers to measure the folder again', async () => {
    await page().reload();
    await state.settled(page());
    // The newest kept measurement of this model comes back by itself...
    const back = await until((s) => s.report !== null, 'the kept measurement');
    expect(back.stored).toBe(true);
    expect(back.report!.folder).toBe('2 files');
    expect(back.message).toMatch(/^Kept from .*: your last folder \(2 files, 2 images\)/);
    // ...and picking the first folder again with its settings finds its own.
    await settings('0,8', '16');
    await pick(dirs.imageFolder);
    const again = await until((s) => s.report?.folder === 'my-photos', 'the kept measurement of my-photos');
    expect(again.stored).toBe(true);
    expect(again.report!.results).toEqual(measured.report!.results);
    expect(again.skipped).toEqual(measured.skipped);
    expect(await page().locator('#folder-start').textContent()).toBe('Measure again');
    expect(app.errors).toEqual([]);
  });
});

describe('a 2,000-image folder in the page', () => {
  /** Bytes the page and its worker hold, measured after a garbage collection. */
  const memory = () =>
    page().evaluate(
      async () => (await (performance as unknown as { measureUserAgentSpecificMemory(): Promise<{ bytes: number }> }).measureUserAgentSpecificMemory()).bytes,
    );

  it('streams: the memory of the page and its worker stays flat', async () => {
    // A small model, so that 2,000 forwards take seconds; 128 x 128 photos, which would cost
    // 64 KiB each (125 MiB for the folder) if they were held decoded.
    writeTimmModel(dirs.model, SPECS.smallVit, 3);
    const base = await sharp(join(SAMPLES, PHOTOS[0][0])).resize(128, 128, { fit: 'fill' }).raw().toBuffer();
    for (let i = 0; i < 2000; i++) {
      base[i % base.length] ^= 0xff;
      await sharp(base, { raw: { width: 128, height: 128, channels: 3 } })
        .jpeg()
        .toFile(join(dirs.many, `${String(i).padStart(4, '0')}.jpg`));
    }
    await page().setInputFiles('#local-files', [join(dirs.model, 'config.json'), join(dirs.model, 'model.safetensors')]);
    await expect.poll(async () => (await state.status(page())).modelId, { timeout: 120_000 }).toBe('local:local model');
    await settings('0,2', '');
    await pick(dirs.many);
    await page().click('#folder-start');
    await until((s) => (s.progress?.imagesDone ?? 0) >= 500, 'a quarter of the folder');
    const quarter = await memory();
    const s = await until((x) => !x.running, 'the end of the folder');
    const end = await memory();
    console.log(`page + worker memory: ${(quarter / 2 ** 20).toFixed(1)} MiB at 500 images, ${(end / 2 ** 20).toFixed(1)} MiB at 2,000`);
    expect(s.report).toMatchObject({ images: 2000, skipped: 0, labels: 'none' });
    expect(end - quarter).toBeLessThan(32 * 2 ** 20);
  }, 900_000);
});
