// A browser without WebGPU (Chromium without --enable-unsafe-webgpu exposes no navigator.gpu):
// the page says so plainly, runs the fast CPU fallback (ONNX Runtime WASM, threaded because the
// server sends COOP/COEP) in the worker, labels its timings, and still gives the official answer;
// served without those headers it runs one thread and says why. Also a laptop-sized, high-DPI
// window: the overlay renders at device resolution and everything important fits without scrolling.
// Sliding r runs ToMe on the fallback: the official groups at r = 13 and decreasing-16, and the
// metrics show its speed-up over r = 0 (the ToMe graph was made at start-up: no slider move
// creates a session). A video still plays: its frames go to the CPU fallback as pixels.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViteDevServer } from 'vite';
import { goldenDir, logitsEntries } from '../../src/golden';
import { openApp, serverUrl, SHOTS, startServer, type App } from './harness';
import { makeWebm } from './make-webm';
import { analysis, settled, status, videoUntil } from './page-state';

let server: ViteDevServer;
let app: App;

beforeAll(async () => {
  server = await startServer();
  app = await openApp(serverUrl(server), { webgpu: false, viewport: { width: 1366, height: 768 }, deviceScaleFactor: 2 });
}, 300_000);

afterAll(async () => {
  await app?.close();
  await server?.close();
});

describe('browser without WebGPU', () => {
  it('falls back to ONNX Runtime WASM with threads, says so, and labels the timing', async () => {
    await settled(app.page, 300_000);
    await app.page.screenshot({ path: join(SHOTS, '10-no-webgpu-laptop-hidpi.png') });
    expect(await app.page.evaluate(() => crossOriginIsolated)).toBe(true);
    const s = await status(app.page);
    expect(s.backend?.name).toBe('cpu');
    expect(s.backend?.description).toMatch(/^ONNX Runtime [\d.]+ WASM \(SIMD, \d+ threads?\)$/);
    const cores = await app.page.evaluate(() => navigator.hardwareConcurrency);
    expect(s.backend?.description).toContain(`${cores} thread`);
    expect(await app.page.locator('#backend').textContent()).toBe(`CPU · ${s.backend?.description}`);
    const notice = await app.page.locator('#notice').textContent();
    expect(notice).toMatch(/(does not offer WebGPU|no GPU adapter was offered).* Running ONNX Runtime [\d.]+ WASM/);
    expect(notice).toContain('WebAssembly threads are on.');
    const a = await analysis(app.page);
    expect(a.timingSource).toBe('wall');
    expect(await app.page.locator('#metrics tr[data-metric="ms"] td').first().textContent()).toBe('CPU time (wall clock)');
    expect(a.top5[0].index).toBe(285);
    expect(app.errors).toEqual([]);
  });

  it('slides r on the fallback: the official groups, and the speed-up over r = 0 in the metrics', async () => {
    const chelsea = logitsEntries({ model: 'vit_tiny_patch16_224.augreg_in21k_ft_in1k' }).find((e) => e.image === 'chelsea.png')!;
    await app.page.setInputFiles('#file', join(goldenDir(), 'images/chelsea.png'));
    await settled(app.page);
    for (const [name, set] of [
      ['r13', async () => app.page.locator('#r').fill('13')],
      [
        'r16dec',
        async () => {
          await app.page.locator('#r').fill('16');
          await app.page.click('label:has(input[name="schedule"][value="decreasing"])');
        },
      ],
    ] as const) {
      await set();
      await settled(app.page);
      const gc = chelsea.cases.find((c) => c.name === name)!;
      const a = await analysis(app.page);
      expect(a.tokens).toEqual(gc.tokens);
      expect(a.groups).toEqual(gc.groups);
      a.top5.forEach((t, i) => expect(t.prob).toBeCloseTo(gc.top5[i][1], 3));
      expect(await app.page.locator('#overlay').getAttribute('data-groups')).toBe(gc.groups.join(','));
      const speedup = app.page.locator('#metrics tr[data-metric="speedup"] td');
      expect(await speedup.nth(0).textContent()).toBe('Speed-up (single runs)');
      expect(await speedup.nth(2).textContent()).toMatch(/^\d+\.\d\d×$/);
      expect(await app.page.locator('#metrics tr[data-metric="tokens"] td').nth(2).textContent()).toBe(String(gc.tokens[12]));
      await app.page.screenshot({ path: join(SHOTS, `10b-no-webgpu-${name}.png`) });
    }
    await app.page.click('label:has(input[name="schedule"][value="constant"])');
    await app.page.locator('#r').fill('0');
    await settled(app.page);
    expect(app.errors).toEqual([]);
  });

  it('disables the profile button: profiling needs the WebGPU engine', async () => {
    const button = app.page.locator('#profile');
    expect(await button.isDisabled()).toBe(true);
    expect(await button.getAttribute('title')).toMatch(/needs the WebGPU engine/);
  });

  it('renders the overlay at device resolution and fits a laptop screen', async () => {
    const dims = await app.page.locator('#overlay').evaluate((c) => {
      const canvas = c as HTMLCanvasElement;
      return { w: canvas.width, h: canvas.height, cw: canvas.clientWidth, ch: canvas.clientHeight };
    });
    expect(dims.w).toBe(Math.round(dims.cw * 2));
    expect(dims.h).toBe(Math.round(dims.ch * 2));
    for (const sel of ['#stage', '#r', '#metrics', '#save-png', '#use-camera', '#record']) {
      const box = (await app.page.locator(sel).boundingBox())!;
      expect(box.y + box.height, sel).toBeLessThanOrEqual(768);
    }
  });

  it("plays a video on the CPU reference, from the frames' pixels (slower, labelled)", async () => {
    const made = await makeWebm(app.page, [join(goldenDir(), 'images/chelsea.png')], 2, 15);
    await app.page.setInputFiles('#video-file', { name: 'cat.webm', mimeType: 'video/webm', buffer: made.bytes });
    const s = await videoUntil(app.page, (x) => x.source === 'file' && !!x.frame, 'a frame on the CPU fallback', 300_000);
    expect(s.frame!.route).toBe('pixels');
    expect(s.frame!.timingSource).toBe('wall');
    expect(s.frame!.top5[0].index).toBe(285);
    expect(await app.page.locator('#live-stats tr[data-metric="ms"] td').first().textContent()).toBe('Forward (CPU, wall)');
    expect(await app.page.locator('#overlay').getAttribute('data-groups')).toBe(s.frame!.groups.join(','));
    await app.page.screenshot({ path: join(SHOTS, '11-no-webgpu-video.png') });
    await app.page.click('#use-image');
    await settled(app.page);
    expect(app.errors).toEqual([]);
  });
});

describe('browser without WebGPU, served without COOP/COEP', () => {
  it('runs ONNX Runtime on one thread and says why', async () => {
    const bare = await openApp(serverUrl(server), { webgpu: false, withoutIsolation: true });
    try {
      await settled(bare.page, 300_000);
      expect(await bare.page.evaluate(() => crossOriginIsolated)).toBe(false);
      const s = await status(bare.page);
      expect(s.backend?.description).toMatch(/^ONNX Runtime [\d.]+ WASM \(SIMD, 1 thread\)$/);
      expect(await bare.page.locator('#notice').textContent()).toMatch(/One thread only: the page is not cross-origin isolated/);
      expect((await analysis(bare.page)).top5[0].index).toBe(285);
      // Rewriting responses in the test (route.fetch) makes Vite's dev client fail to open its
      // HMR socket; that is the test's doing, not the page's.
      expect(bare.errors.filter((e) => !/websocket|ws:\/\/|\[vite\]/i.test(e))).toEqual([]);
    } finally {
      await bare.close();
    }
  }, 300_000);
});
