// What a video frame costs in the real page in headless Chromium (WebGPU on SwiftShader here):
// the app opened with a fake 640x480 camera, each setting chosen in the page's own controls in
// turn, and the page's own per-frame costs read back (its test hook): grabbing the frame
// (createImageBitmap), the worker (copy into the GPU texture, preprocessing, forward, result
// read-back), the forward alone (GPU timestamps), the overlay (groups, colours, three.js draw),
// and the whole frame from the grab to the overlay drawn.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { median } from '../src/core/stats';
import type { ToMeOptions } from '../src/core/tome';
import { openPage, ROOT, serverUrl, startServer } from './browser';
import { VIDEO_SETTINGS, VIDEO_SOURCE } from './video-frame';
import { writeSceneY4m } from './y4m';

export interface BrowserVideoRow {
  setting: string;
  frames: number;
  /** Medians, ms: the whole frame (and the fps it gives), the forward alone, and the parts. */
  frameMs: number;
  fps: number;
  forwardMs: number;
  grabMs: number;
  workerMs: number;
  overlayMs: number;
  /** 1 - forward / frame, of the medians. */
  outsideShare: number;
}

export interface BrowserVideoBench {
  adapter: string;
  source: string;
  rounds: number;
  timing: string;
  rows: BrowserVideoRow[];
}

interface Cost {
  grabMs: number;
  workerMs: number;
  forwardMs: number;
  overlayMs: number;
  totalMs: number;
  opts: ToMeOptions;
  timingSource: string;
}

type Hook = {
  __tome: {
    status: { ready: boolean; answeredId: number; backend: { description: string } | null };
    video: { status: { source: string; frame: unknown }; costs(): Cost[] };
  };
};

const same = (a: ToMeOptions, b: ToMeOptions) => a.r === b.r && a.schedule === b.schedule && a.mode === b.mode && a.propAttn === b.propAttn;

async function choose(page: Page, o: ToMeOptions): Promise<void> {
  await page.click(`label:has(input[name="schedule"][value="${o.schedule}"])`);
  await page.locator('#r').fill(String(o.r));
}

/** Waits for one more frame at `o` (one whose grab came after the settings changed). */
async function nextFrameAt(page: Page, o: ToMeOptions, timeoutMs = 300_000): Promise<Cost> {
  const count = async () => (await page.evaluate(() => (globalThis as unknown as Hook).__tome.video.costs())).filter((c) => same(c.opts, o));
  const before = (await count()).length;
  const t0 = Date.now();
  for (;;) {
    const now = await count();
    if (now.length > before) return now[now.length - 1];
    if (Date.now() - t0 > timeoutMs) throw new Error(`no frame at r=${o.r} ${o.schedule} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function benchVideoInBrowser(rounds: number, log: (s: string) => void = () => undefined): Promise<BrowserVideoBench> {
  const dir = mkdtempSync(join(tmpdir(), 'tome-video-bench-'));
  const y4m = join(dir, 'camera.y4m');
  await writeSceneY4m(y4m, [{ file: join(ROOT, '../shared/golden/images/chelsea.png'), seconds: 2 }], { ...VIDEO_SOURCE, fps: 15 });
  const server = await startServer();
  const app = await openPage(serverUrl(server), {
    args: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`],
  });
  try {
    const { page } = app;
    await page.waitForFunction(
      () => {
        const t = (globalThis as unknown as Partial<Hook>).__tome;
        return !!t && t.status.ready && t.status.answeredId > 0;
      },
      null,
      { timeout: 300_000, polling: 250 },
    );
    await page.click('#use-camera');
    await page.waitForFunction(() => !!(globalThis as unknown as Hook).__tome.video.status.frame, null, { timeout: 300_000, polling: 250 });
    const samples = new Map(VIDEO_SETTINGS.map(([name]) => [name, [] as Cost[]]));
    // Round 0 warms up each setting (its forward plan, the texture's preprocessing resources).
    for (let round = 0; round <= rounds; round++) {
      for (const [name, opts] of VIDEO_SETTINGS) {
        await choose(page, opts);
        const c = await nextFrameAt(page, opts);
        if (round > 0) samples.get(name)!.push(c);
      }
      log(`browser video frames: round ${round}/${rounds}`);
    }
    const adapter = (await page.evaluate(() => (globalThis as unknown as Hook).__tome.status.backend?.description)) ?? 'unknown';
    const rows = VIDEO_SETTINGS.map(([setting]): BrowserVideoRow => {
      const s = samples.get(setting)!;
      const m = (k: keyof Omit<Cost, 'opts' | 'timingSource'>) => median(s.map((c) => c[k]));
      const frame = m('totalMs');
      const forward = m('forwardMs');
      return {
        setting,
        frames: s.length,
        frameMs: +frame.toFixed(1),
        fps: +(1000 / frame).toFixed(2),
        forwardMs: +forward.toFixed(1),
        grabMs: +m('grabMs').toFixed(2),
        workerMs: +m('workerMs').toFixed(1),
        overlayMs: +m('overlayMs').toFixed(2),
        outsideShare: +(1 - forward / frame).toFixed(4),
      };
    });
    const timing = [...samples.values()].flat()[0]?.timingSource ?? 'wall';
    return {
      adapter: `Chromium WebGPU ${adapter}`,
      source: `${VIDEO_SOURCE.width}x${VIDEO_SOURCE.height} fake camera, the app's own page`,
      rounds,
      timing,
      rows,
    };
  } finally {
    await app.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function browserVideoTable(b: BrowserVideoBench): string {
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  return [
    `${b.source} on ${b.adapter}; medians of ${b.rounds} rounds (settings alternated, one frame each). Frame = grab (createImageBitmap) + worker (copy into the texture, preprocessing, forward, read-back) + overlay, from the grab to the overlay drawn; forward = the forward alone (${b.timing === 'gpu-timestamp' ? 'GPU timestamps' : 'wall clock'}).`,
    '',
    '| setting | ms per frame | frames/s | forward ms | grab ms | worker ms | overlay ms | outside the forward |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...b.rows.map((r) => `| ${r.setting} | ${r.frameMs} | ${r.fps} | ${r.forwardMs} | ${r.grabMs} | ${r.workerMs} | ${r.overlayMs} | ${pct(r.outsideShare)} |`),
  ].join('\n');
}
