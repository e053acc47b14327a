// ToMe's design choices in the page (headless Chromium, WebGPU on SwiftShader), on the sample
// photo: a non-official choice reruns the image and changes the merged groups, the overlay and
// the prediction against the official algorithm; a choice the page's backend lacks runs on the
// CPU reference and says so in one line (which ones depends on what the engine runs:
// backendChoicesRefusal decides, as the worker does); a combination that means nothing shows its
// one line and is not sent; the compare view shows keys against the token itself merging the
// same picture differently, each side with its overlay, top-5, KL and time; and the folder
// measurement takes the page's choices.
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViteDevServer } from 'vite';
import { backendChoicesRefusal } from '../../src/backends/choose';
import type { DesignChoices, ToMeOptions } from '../../src/core/tome';
import { openApp, ROOT, serverUrl, SHOTS, startServer, type App } from './harness';
import * as state from './page-state';

const SAMPLES = join(ROOT, '../shared/eval/imagenet-samples');
const T = 600_000;

let server: ViteDevServer;
let app: App;
const page = () => app.page;
const analysis = () => state.analysis(page()) as Promise<state.AnalysisView & { opts: ToMeOptions; route: { backend: string; reason: string } | null }>;
const compare = () => state.compareStatus(page());

/** Picks `value` for the page's (a) or setting B's (b) choice `key`. */
const choose = (side: 'a' | 'b', key: keyof DesignChoices, value: string) => page().selectOption(`#choice-${side}-${key}`, value);

/** Waits until setting B's newest request has its answer. */
const compareSettled = () =>
  page().waitForFunction(
    () => {
      const c = (window as unknown as { __tome: { compare: { status: { answeredId: number; requestId: number } } } }).__tome.compare.status;
      return c.answeredId > 0 && c.answeredId === c.requestId;
    },
    null,
    { timeout: T, polling: 250 },
  );

beforeAll(async () => {
  server = await startServer();
  app = await openApp(serverUrl(server), { viewport: { width: 1440, height: 1000 } });
  await state.settled(page());
}, T);

afterAll(async () => {
  await app?.close();
  await server?.close();
});

describe('design choices in the page', () => {
  it('a non-official choice reruns the image and changes the groups, the overlay and the prediction', async () => {
    const official = await analysis();
    expect(official.opts.metric).toBeUndefined();
    expect(await page().locator('#choice-a-metric option:checked').textContent()).toBe('keys (official)');
    await choose('a', 'metric', 'v');
    await state.settled(page(), T);
    const values = await analysis();
    expect(values.opts).toMatchObject({ r: official.opts.r, metric: 'v' });
    expect(values.tokens).toEqual(official.tokens); // the same number merged, differently
    expect(values.groups).not.toEqual(official.groups);
    expect(await state.overlayGroups(page())).toEqual(values.groups);
    expect(values.top5[0].prob).not.toBe(official.top5[0].prob);
    expect(values.route).toBeNull(); // every backend of the page runs values
    expect(await page().locator('#choices-route').textContent()).toBe('');
    await choose('a', 'weighting', 'max');
    await state.settled(page(), T);
    const maxed = await analysis();
    expect(maxed.opts).toMatchObject({ metric: 'v', weighting: 'max' });
    expect(maxed.top5[0].prob).not.toBe(values.top5[0].prob);
    expect(await page().locator('#metrics tr[data-metric="kl"] td').nth(2).textContent()).toMatch(/^\d\.\d{4} nats$/);
  });

  it('a choice the backend lacks runs on the CPU reference and says so in one line', async () => {
    await choose('a', 'weighting', 'size');
    await choose('a', 'metric', 'k');
    await choose('a', 'distance', 'euclidean');
    await state.settled(page(), T);
    const a = await analysis();
    expect(a.opts).toMatchObject({ distance: 'euclidean' });
    const backend = (await state.status(page())).backend!.name as 'webgpu' | 'cpu' | 'reference';
    const refusal = backendChoicesRefusal(backend, [{ distance: 'euclidean' }]);
    if (refusal) {
      expect(a.route).toEqual({ backend: 'reference', reason: `Runs on the CPU reference (seconds per forward): ${refusal}.` });
      expect(await page().locator('#choices-route').textContent()).toBe(a.route!.reason);
      expect(await page().locator('#metrics tr[data-metric="speedup"] td').nth(2).textContent()).toBe('— (other backend)');
    } else {
      expect(a.route).toBeNull();
      expect(await page().locator('#choices-route').textContent()).toBe('');
    }
    await choose('a', 'distance', 'cosine');
    await state.settled(page(), T);
    expect((await analysis()).route).toBeNull();
  });

  it('a combination that means nothing shows its one line and is not sent', async () => {
    await choose('a', 'weighting', 'keep');
    await state.settled(page(), T);
    const sent = (await state.status(page())).requestId;
    await page().click('label:has(input[name="mode"][value="prune"])');
    const line = page().locator('#choices-a .choices-conflict');
    await expect.poll(() => line.isVisible()).toBe(true);
    expect(await line.textContent()).toBe('--weighting keep needs --mode merge (prune drops the sources, nothing is weighed)');
    expect((await state.status(page())).requestId).toBe(sent);
    expect((await analysis()).opts.mode).toBe('merge'); // the last result stays
    await choose('a', 'weighting', 'size');
    await state.settled(page(), T);
    expect(await line.isVisible()).toBe(false);
    expect((await analysis()).opts).toMatchObject({ mode: 'prune' });
    expect((await analysis()).opts.weighting).toBeUndefined();
    await page().click('label:has(input[name="mode"][value="merge"])');
    await state.settled(page(), T);
  });

  it('the compare view shows keys against the token itself merging the same picture differently', async () => {
    await page().click('#compare-on');
    await expect.poll(() => page().locator('#compare').isVisible()).toBe(true);
    await choose('b', 'metric', 'x');
    await compareSettled();
    await state.settled(page(), T);
    const c = await compare();
    expect(c.a!.opts.metric).toBeUndefined();
    expect(c.b!.opts).toMatchObject({ r: c.a!.opts.r, metric: 'x' });
    expect(c.b!.groups).not.toEqual(c.a!.groups);
    expect(c.b!.top5.map((t) => t.prob)).not.toEqual(c.a!.top5.map((t) => t.prob));
    for (const [side, s] of [
      ['a', c.a!],
      ['b', c.b!],
    ] as const) {
      const root = page().locator(`#compare-${side}`);
      expect((await root.locator('canvas').getAttribute('data-groups'))!.split(',').map(Number)).toEqual(s.groups);
      expect(await root.locator('tr[data-metric="kl"] td').nth(2).textContent()).toMatch(/^\d\.\d{4} nats$/);
      expect(await root.locator('tr[data-metric="ms"] td').nth(2).textContent()).toMatch(/ms$/);
      expect(await root.locator('.top5 .col').nth(1).locator('.item').count()).toBe(5);
    }
    expect(await page().locator('#compare-a .setting').textContent()).toBe('A: official choices');
    expect(await page().locator('#compare-b .setting').textContent()).toBe('B: metric x');
    const route = backendChoicesRefusal((await state.status(page())).backend!.name as 'webgpu', [{ metric: 'x' }]);
    expect(await page().locator('#compare-b .route').textContent()).toBe(route ? `Runs on the CPU reference (seconds per forward): ${route}.` : '');
    await page()
      .locator('#compare')
      .screenshot({ path: join(SHOTS, 'choices-compare.png') });

    // r is shared: moving it reruns both sides at the new r.
    await page().focus('#r');
    await page().keyboard.press('ArrowRight');
    await compareSettled();
    await state.settled(page(), T);
    const moved = await compare();
    expect(moved.a!.opts.r).toBe(c.a!.opts.r + 1);
    expect(moved.b!.opts.r).toBe(c.a!.opts.r + 1);
    expect(moved.b!.groups).not.toEqual(c.b!.groups);

    // B's own conflict: its line, and nothing sent for B.
    const sent = moved.requestId;
    await choose('b', 'matching', 'greedy');
    await compareSettled();
    await choose('b', 'split', 'random');
    const line = page().locator('#compare .choices-conflict');
    await expect.poll(() => line.isVisible()).toBe(true);
    expect(await line.textContent()).toBe('--split random applies to bipartite matching only (--matching greedy pairs any two tokens)');
    expect((await compare()).requestId).toBe(sent + 1);
    expect(await page().locator('#choice-b-seed').isVisible()).toBe(true);
  });

  it('the folder measurement takes the page\u2019s choices', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tome-e2e-choices-')), 'two-photos');
    mkdirSync(dir);
    for (const f of ['n01531178_goldfinch.JPEG', 'n02391049_zebra.JPEG']) copyFileSync(join(SAMPLES, f), join(dir, f));
    await page().fill('#folder-rs', '0,8');
    await page().fill('#folder-dec-rs', '');
    await page().uncheck('#folder-labels');
    await choose('a', 'metric', 'v');
    await page().setInputFiles('#folder-dir', dir);
    await expect.poll(() => page().locator('#folder-start').isEnabled()).toBe(true);
    await page().click('#folder-start');
    const done = await state.folderUntil(page(), (s) => !s.running, 'the folder measurement to end');
    expect(done.report, done.message).not.toBeNull();
    expect(done.report!.results.map((r) => [r.r, (r as { metric?: string }).metric])).toEqual([
      [0, undefined],
      [8, 'v'],
    ]);
    expect(await page().locator('#folder-table tbody tr').nth(1).getAttribute('data-setting')).toBe('r = 8, metric v');

    // A combination that means nothing is refused in the card's line, before anything runs.
    await page().check('#folder-prune');
    await choose('a', 'weighting', 'max');
    await page().click('#folder-start');
    await expect
      .poll(async () => (await state.folderStatus(page())).message)
      .toBe('--weighting max needs --mode merge (prune drops the sources, nothing is weighed)');
    expect((await state.folderStatus(page())).running).toBe(false);
  });
});
