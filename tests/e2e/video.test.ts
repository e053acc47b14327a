// The page's video mode end to end in headless Chromium (WebGPU on SwiftShader): a fake camera
// fed from a Y4M of two photos (Chromium's --use-file-for-fake-video-capture) runs through the
// app itself: the label follows the scene, the overlay changes with it, fps and ms are shown,
// r moves the token count while it runs, every overlay style and the scrubber work, r = 0 on
// alternate frames gives its figure, Record writes a WebM that decodes with the right
// duration, Save PNG has the frame's caption, and the tab hidden, a lost GPU device and a
// camera stream that ends are each survived with one line. Then a video file made in the page:
// play, pause, seek, and a frame's groups equal the still image's for the same pixels; broken
// files, a denied camera, no camera, and a choice of two cameras.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViteDevServer } from 'vite';
import { rPerLayer, tokenCounts } from '../../src/core/tome';
import { webmTiming } from '../../src/ui/page/video/webm-duration';
import { writeSceneY4m } from '../../bench/y4m';
import { goldenDir } from '../../src/golden';
import { openApp, serverUrl, SHOTS, startServer, type App } from './harness';
import { makeWebm, type MadeWebm } from './make-webm';
import * as state from './page-state';

const SCENES = [join(goldenDir(), 'images/chelsea.png'), join(goldenDir(), 'images/n02391049_zebra.JPEG')];
const CAT = 285; // Egyptian cat: the model's top-1 on chelsea
const ZEBRA = 340;
const SECONDS_PER_SCENE = 3;
const FPS = 15;
const CAMERA_ARGS = (y4m: string) => ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`];

let server: ViteDevServer;
let app: App;
let dir: string;

const page = () => app.page;
const video = () => state.videoStatus(page());
const until = (pred: (s: state.VideoStatus) => boolean, what: string, timeout?: number) => state.videoUntil(page(), pred, what, timeout);
const liveCell = (metric: string) => page().locator(`#live-stats tr[data-metric="${metric}"] td`).nth(1).textContent();
const liveLabel = (metric: string) => page().locator(`#live-stats tr[data-metric="${metric}"] td`).nth(0).textContent();
const shot = (name: string) => page().screenshot({ path: join(SHOTS, `${name}.png`) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tome-video-'));
  const y4m = join(dir, 'camera.y4m');
  await writeSceneY4m(
    y4m,
    SCENES.map((file) => ({ file, seconds: SECONDS_PER_SCENE })),
    { width: 640, height: 480, fps: FPS },
  );
  server = await startServer();
  app = await openApp(serverUrl(server), { args: CAMERA_ARGS(y4m) });
  await state.settled(page());
}, 300_000);

afterAll(async () => {
  await app?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the camera in the app', () => {
  it('follows the scene: the label changes with it and so does the overlay; fps and ms are shown', async () => {
    const still = await state.analysis(page());
    await page().click('#use-camera');
    const first = await until((s) => s.source === 'camera' && !!s.frame, 'a first camera frame');
    expect(first.cameras).toBe(1);
    expect(await page().locator('#camera-pick').isHidden()).toBe(true); // one camera: no picker
    expect(await page().locator('#live').isVisible()).toBe(true);
    expect(await page().locator('.card.metrics').isHidden()).toBe(true);
    expect(first.frame!.route).toBe('texture');
    expect(first.frame!.timingSource).toBe('gpu-timestamp');
    // The file loops (3 s of each photo), so both scenes come round whatever the start.
    const byScene = new Map<number, state.LiveFrameView>();
    const labels = new Set<string>();
    await until(
      (s) => {
        if (s.frame && [CAT, ZEBRA].includes(s.frame.top5[0].index)) byScene.set(s.frame.top5[0].index, s.frame);
        return byScene.size === 2;
      },
      'frames of both scenes',
      180_000,
    );
    for (;;) {
      labels.add((await liveCell('top1'))!.replace(/ [\d.]+%$/, ''));
      if (labels.has('Egyptian cat') && labels.has('zebra')) break;
      await sleep(200);
    }
    const cat = byScene.get(CAT)!;
    const zebra = byScene.get(ZEBRA)!;
    expect(cat.groups).not.toEqual(zebra.groups);
    for (const f of [cat, zebra]) {
      expect(f.opts.r).toBe(still.opts.r);
      expect(f.tokens).toEqual(still.tokens); // token counts depend on r alone
      expect(f.cost.totalMs).toBeGreaterThanOrEqual(f.cost.workerMs);
      expect(f.cost.workerMs).toBeGreaterThanOrEqual(f.cost.forwardMs * 0.5);
    }
    // The overlay draws the newest frame's groups.
    const s = await video();
    expect(await state.overlayGroups(page())).toEqual(s.frame!.groups);
    expect(await liveCell('ms')).toMatch(/^\d+(\.\d)? ms at r = 8$/);
    expect(await liveLabel('ms')).toBe('Forward (GPU time)');
    expect(await liveCell('fps')).toMatch(/^\d+(\.\d)? of \d+(\.\d)? fps$/);
    expect(s.stats.offeredFps).toBeGreaterThan(FPS * 0.6);
    expect(s.stats.processedFps).toBeGreaterThan(0);
    // SwiftShader takes seconds per forward: most camera frames are dropped, and it says so.
    expect(s.stats.dropped).toBeGreaterThan(0);
    expect(await liveCell('dropped')).toMatch(/^\d+ of \d+ \(\d+%\)$/);
    expect(s.stats.failed).toBe(0);
    // The temporal view: the strip chart has the share of patches whose group changed.
    expect(s.samples.some((x) => x.changedShare !== null && x.changedShare > 0)).toBe(true);
    expect(await page().locator('#live-chart polyline[data-series="changedShare"]').count()).toBeGreaterThan(0);
    await shot('20-camera');
  });

  it('moving r changes the token count while it runs', async () => {
    const counts = (r: number) => tokenCounts(196, rPerLayer(12, r, 'constant'));
    for (const r of [13, 16]) {
      await page().locator('#r').fill(String(r));
      const s = await until((x) => x.frame?.opts.r === r, `a frame at r = ${r}`);
      expect(s.frame!.tokens).toEqual(counts(r));
      expect(await liveCell('tokens')).toBe(`${counts(r)[12]} of 197`);
      expect(s.source).toBe('camera');
      expect(s.paused).toBe(false);
    }
  });

  it('every overlay style and the layer scrubber work on a paused camera frame', async () => {
    await page().click('#play'); // pause
    await until((s) => s.paused, 'the camera paused');
    await sleep(500);
    const f = (await until((s) => !s.stats.busy, 'the last frame done')).frame!;
    expect((await video()).frame!.frameId).toBe(f.frameId);
    for (const layer of [1, 6, 12]) {
      await page().locator('#layer').fill(String(layer));
      expect(new Set(await state.overlayGroups(page())).size).toBe(f.tokens[layer] - 1);
    }
    for (const style of ['outline', 'heat', 'none', 'fill']) {
      await page().click(`label:has(input[name="viz"][value="${style}"])`);
      expect(await page().locator('#overlay').getAttribute('data-style')).toBe(style);
      expect(await state.overlayGroups(page())).toEqual(f.groups);
      if (style === 'heat') expect(await page().locator('#heat-legend').isVisible()).toBe(true);
    }
    // A setting moved while paused re-runs the paused frame.
    await page().locator('#r').fill('13');
    const again = await until((s) => s.frame!.opts.r === 13 && s.frame!.frameId > f.frameId, 'the paused frame re-run at r = 13');
    expect(again.frame!.tokens).toEqual(tokenCounts(196, rPerLayer(12, 13, 'constant')));
    await page().click('#play'); // play again
    await until((s) => !s.paused, 'the camera playing');
  });

  it('r = 0 on alternate frames gives a live speed-up and agreement figure (off by default)', async () => {
    expect(await page().locator('#alt-r0').isChecked()).toBe(false);
    expect(await page().locator('#alt-out').isHidden()).toBe(true);
    await page().locator('#alt-r0').check();
    await expect
      .poll(() => page().locator('#alt-out').textContent(), { timeout: 120_000 })
      .toMatch(/^r = 13 is \d+\.\d\d× faster than r = 0 \(median forward, \d+ \+ \d+ frames\); top-1 agrees with the r = 0 frame before it on \d+ of \d+/);
    // The overlay and the chart stay on the chosen r: r = 0 frames are only compared.
    expect((await video()).frame!.opts.r).toBe(13);
    await page().locator('#alt-r0').uncheck();
    expect(await page().locator('#alt-out').isHidden()).toBe(true);
  });

  it('Save PNG exports the current frame with its caption', async () => {
    const bytes = await state.exportPng(page());
    expect(bytes.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([896, 896 + 88]);
    writeFileSync(join(SHOTS, '21-camera-frame.png'), bytes);
  });

  it('Record writes a WebM of the overlay that decodes and lasts as long as it recorded', async () => {
    expect(await page().locator('#record').isEnabled()).toBe(true);
    await page().click('#record');
    await expect.poll(() => page().locator('#rec-indicator').textContent()).toMatch(/^● REC 0:0\d · \d+\.\d MB \(stops at 5:00 or 200\.0 MB\)$/);
    expect((await video()).recording).toBe(true);
    await sleep(4000);
    await page().click('#record');
    const s = await until((x) => !!x.lastRecording && !x.recording, 'the recording saved');
    const rec = s.lastRecording!;
    expect(await page().locator('#rec-indicator').isHidden()).toBe(true);
    expect(await page().locator('#live-state').textContent()).toMatch(/^Recording saved: tome-.*-r13-camera\.webm, \d+\.\d s, \d+\.\d MB\.$/);
    expect(rec.type).toMatch(/^video\/webm/);
    const bytes = await state.recordingBytes(page());
    const t = webmTiming(new Uint8Array(bytes));
    // The encoder kept the frames it was handed, which came at up to 15 a second (the page's
    // timer: a loaded machine delays it, so the rate is checked loosely and the file's duration
    // exactly); the duration is in the header and matches the wall time from the first frame to
    // the stop within a frame or two.
    expect(t.frames).toBeGreaterThanOrEqual(0.9 * rec.handed);
    expect(rec.handed).toBeLessThanOrEqual((rec.wallMs / 1000) * 15 + 2);
    expect(rec.handed).toBeGreaterThan(0.5 * (rec.wallMs / 1000) * 15);
    expect(t.declaredMs).toBeCloseTo(rec.durationMs, 3);
    expect(Math.abs(rec.durationMs - rec.wallMs)).toBeLessThan(2 * t.frameMs + 1);
    expect(rec.wallMs).toBeGreaterThan(3500);
    // It decodes: the browser plays it, knows its duration, and seeks into it to a picture.
    const played = await page().evaluate(async (b64) => {
      const v = document.createElement('video');
      v.muted = true;
      v.src = URL.createObjectURL(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], { type: 'video/webm' }));
      await new Promise((res, rej) => ((v.onloadeddata = res), (v.onerror = () => rej(new Error(v.error?.message ?? 'error')))));
      v.currentTime = v.duration / 2;
      await new Promise((res) => (v.onseeked = res));
      const c = document.createElement('canvas');
      c.width = v.videoWidth;
      c.height = v.videoHeight;
      const g = c.getContext('2d')!;
      g.drawImage(v, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      let lo = 255;
      let hi = 0;
      for (let i = 0; i < d.length; i += 4 * 97) {
        lo = Math.min(lo, d[i]);
        hi = Math.max(hi, d[i]);
      }
      return { duration: v.duration, width: v.videoWidth, height: v.videoHeight, contrast: hi - lo };
    }, bytes.toString('base64'));
    expect(Math.abs(played.duration * 1000 - rec.durationMs)).toBeLessThan(t.frameMs + 1);
    expect([played.width, played.height]).toEqual([640, 702]); // the overlay at 640, the caption strip below
    expect(played.contrast).toBeGreaterThan(50);
    writeFileSync(join(SHOTS, '22-recording.webm'), bytes);
  });

  it('a recording stops by itself at its time limit and is saved', async () => {
    await state.setRecordingLimits(page(), { maxBytes: 200 * 2 ** 20, maxMs: 1500 });
    await page().click('#record');
    const s = await until((x) => !x.recording && x.lastRecording?.limitHit === 'time', 'the time limit', 30_000);
    // Never longer than the limit (a frame or two of slack); a loaded machine's timers can
    // make it shorter.
    expect(s.lastRecording!.durationMs).toBeLessThan(1500 + 150);
    expect(s.lastRecording!.durationMs).toBeGreaterThan(700);
    expect(await page().locator('#live-state').textContent()).toMatch(/^Recording stopped at its 0:01 time limit and was saved: /);
    await state.setRecordingLimits(page(), { maxBytes: 20_000, maxMs: 60_000 });
    await page().click('#record');
    const b = await until((x) => !x.recording && x.lastRecording?.limitHit === 'size', 'the size limit', 30_000);
    expect(b.lastRecording!.size).toBeGreaterThanOrEqual(20_000);
    expect(await page().locator('#live-state').textContent()).toMatch(/^Recording stopped at its 0\.0 MB size limit and was saved: /);
    await state.setRecordingLimits(page(), { maxBytes: 200 * 2 ** 20, maxMs: 5 * 60_000 });
  });

  it('the tab hidden pauses the camera; visible again resumes it', async () => {
    await state.setPageHidden(page(), true);
    const hidden = await until((s) => s.paused && s.hidden, 'paused while hidden');
    expect(await page().locator('#live-state').textContent()).toBe('Paused while the tab is hidden');
    await until((s) => !s.stats.busy, 'the frame in flight done');
    const processed = (await video()).stats.processed;
    await sleep(3000);
    expect((await video()).stats.processed).toBe(processed);
    expect(hidden.source).toBe('camera');
    await state.setPageHidden(page(), false);
    await until((s) => !s.paused && !s.hidden && s.stats.processed > processed, 'frames again once visible');
    expect(await page().locator('#live-state').textContent()).toBe('Live');
  });

  it('a GPU device lost mid-stream is recreated and the camera carries on', async () => {
    await until((s) => s.stats.busy, 'a frame in flight');
    const before = (await video()).frame!.frameId;
    await state.loseDevice(page());
    await expect.poll(() => page().locator('#notice').textContent(), { timeout: 60_000 }).toMatch(/device was lost.*new one was created/);
    const s = await until((x) => x.frame!.frameId > before + 1, 'frames on the new device');
    expect(s.frame!.route).toBe('texture');
    expect((await state.status(page())).backend?.name).toBe('webgpu');
    expect(s.source).toBe('camera');
    expect(await page().locator('#image-error').isHidden()).toBe(true);
  });

  it('back to the image: the still shows again and the model was never reloaded', async () => {
    const requests: string[] = [];
    page().on('request', (r) => requests.push(r.url()));
    await page().click('#use-image');
    expect((await video()).source).toBe('image');
    await state.settled(page());
    expect((await state.status(page())).imageName).toMatch(/chelsea\.jpg/);
    expect((await state.analysis(page())).opts.r).toBe(13);
    expect(await page().locator('.card.metrics').isVisible()).toBe(true);
    expect(await page().locator('#live').isHidden()).toBe(true);
    expect(requests.filter((u) => /weights/.test(u))).toEqual([]);
  });
});

describe('a video file made by the test', () => {
  let made: MadeWebm;
  let file: string;

  it('plays, pauses and seeks to the right scene; the transport shows where it is', async () => {
    await page().locator('#r').fill('8');
    await state.settled(page());
    made = await makeWebm(page(), SCENES, 2, FPS);
    file = join(dir, 'scenes.webm');
    writeFileSync(file, made.bytes);
    await page().setInputFiles('#video-file', file);
    const playing = await until((s) => s.source === 'file' && !s.paused && !!s.frame, 'the file playing');
    expect(playing.name).toBe('scenes.webm');
    expect(Math.abs(playing.duration! * 1000 - made.durationMs)).toBeLessThan(made.frameMs + 1);
    expect(await page().locator('#seek').isVisible()).toBe(true);
    expect(made.durationMs).toBeGreaterThan(3500); // 2 s of each photo
    expect(await page().locator('#video-time').textContent()).toMatch(/^0:0\d\.\d \/ 0:0[34]\.\d$/);
    await page().click('#play');
    const paused = await until((s) => s.paused, 'paused');
    await sleep(600);
    expect((await video()).currentTime).toBe(paused.currentTime);
    for (const [to, scene] of [
      [3.0, ZEBRA],
      [0.5, CAT],
    ] as const) {
      await page().locator('#seek').fill(String(to));
      const s = await until((x) => !x.stats.busy && x.frame?.mediaTime !== null && Math.abs(x.frame!.mediaTime - to) < 0.1, `the frame at ${to} s`);
      expect(s.frame!.top5[0].index).toBe(scene);
      expect(s.paused).toBe(true);
    }
    await shot('23-file-paused');
  });

  it("a frame's groups equal the still image's for the same pixels", async () => {
    const f = (await video()).frame!;
    const png = await state.framePng(page());
    const still = join(dir, 'frame.png');
    writeFileSync(still, png);
    await page().setInputFiles('#file', still);
    await state.settled(page());
    expect((await video()).source).toBe('image');
    const a = await state.analysis(page());
    expect(a.opts).toEqual(f.opts);
    expect(a.tokens).toEqual(f.tokens);
    expect(a.groups).toEqual(f.groups);
    expect(a.top5).toEqual(f.top5.map((t) => ({ index: t.index, prob: expect.closeTo(t.prob, 6) })));
  });

  it('a dropped video file plays too, and a broken one is refused in one line, keeping what plays', async () => {
    await page().evaluate((b64) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'dropped.webm', { type: 'video/webm' }));
      document.getElementById('stage')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, made.bytes.toString('base64'));
    await until((s) => s.source === 'file' && s.name === 'dropped.webm' && !!s.frame, 'the dropped file playing');
    await page().setInputFiles('#video-file', { name: 'garbage.webm', mimeType: 'video/webm', buffer: Buffer.from('this is not a video '.repeat(100)) });
    await expect
      .poll(() => page().locator('#image-error').textContent())
      .toBe('garbage.webm: not a video this browser can play (MP4/H.264 or WebM/VP8/VP9 work almost everywhere). The current source keeps playing.');
    await page().setInputFiles('#video-file', { name: 'cut.webm', mimeType: 'video/webm', buffer: made.bytes.subarray(0, 300) });
    await expect.poll(() => page().locator('#image-error').textContent(), { timeout: 20_000 }).toMatch(/^cut\.webm: .*The current source keeps playing\.$/);
    const s = await video();
    expect([s.source, s.name]).toEqual(['file', 'dropped.webm']);
    const n = s.stats.processed;
    await until((x) => x.stats.processed > n, 'frames still processed');
  });

  it('a file whose frames are broken from the first is refused in one line', async () => {
    // Header intact, the frames scrambled: it loads its metadata, then no frame can be shown.
    // (Scrambling later parts only made Chromium stop early without an error, so a video that
    // fails further in is the same fault path as a camera that ends, tested below, with its
    // watcher tested in tests/unit/video-faults.test.ts.)
    const bytes = Buffer.from(made.bytes);
    for (let i = 4000; i < bytes.length; i++) bytes[i] = (bytes[i] * 31 + i) & 255;
    await page().setInputFiles('#video-file', { name: 'corrupt.webm', mimeType: 'video/webm', buffer: bytes });
    await expect
      .poll(() => page().locator('#image-error').textContent(), { timeout: 30_000 })
      .toMatch(
        /^corrupt\.webm: (no video frame in it could be shown \(cut short or not a video\?\)|the video is broken.*|the file could not be read.*)\. The current source keeps playing\.$/,
      );
    expect((await video()).name).toBe('dropped.webm');
    await page().click('#use-image');
    await state.settled(page());
  });
});

describe('camera faults', () => {
  it('a camera stream that ends (unplugged): one line, back to the image, the page keeps working', async () => {
    // A camera whose source really ends: getUserMedia answered with a generator track that the
    // test closes (headless Chromium cannot unplug its fake camera).
    await page().evaluate(() => {
      const Gen = (
        globalThis as unknown as { MediaStreamTrackGenerator: new (o: { kind: string }) => MediaStreamTrack & { writable: WritableStream<VideoFrame> } }
      ).MediaStreamTrackGenerator;
      const w = window as unknown as { endCamera: () => Promise<void> };
      navigator.mediaDevices.getUserMedia = async () => {
        const gen = new Gen({ kind: 'video' });
        const writer = gen.writable.getWriter();
        const c = new OffscreenCanvas(640, 480);
        const g = c.getContext('2d')!;
        let t = 0;
        const timer = setInterval(() => {
          g.fillStyle = `hsl(${(t * 7) % 360} 60% 50%)`;
          g.fillRect(0, 0, 640, 480);
          void writer.write(new VideoFrame(c, { timestamp: (t++ * 1e6) / 15 }));
        }, 1000 / 15);
        w.endCamera = async () => {
          clearInterval(timer);
          await writer.close();
        };
        return new MediaStream([gen]);
      };
    });
    await page().click('#use-camera');
    await until((s) => s.source === 'camera' && !!s.frame, 'the generated camera running');
    await page().evaluate(() => (window as unknown as { endCamera: () => Promise<void> }).endCamera());
    await expect
      .poll(() => page().locator('#image-error').textContent())
      .toMatch(/^The camera stream ended.*: it was unplugged or stopped\. Choose a source to carry on\.$/);
    expect((await video()).source).toBe('image');
    await page().locator('#r').fill('4');
    await state.settled(page());
    expect((await state.analysis(page())).opts.r).toBe(4);
  });

  it('camera permission denied, no camera at all, and a choice of two cameras', async () => {
    const line = async (args: string[], expectLine: RegExp) => {
      // No WebGPU needed: the camera fails before any frame reaches the model.
      const other = await openApp(serverUrl(server), { webgpu: false, args });
      try {
        await other.page.click('#use-camera');
        await expect.poll(() => other.page.locator('#image-error').textContent(), { timeout: 30_000 }).toMatch(expectLine);
        expect(await state.videoStatus(other.page)).toMatchObject({ source: 'image' });
      } finally {
        await other.close();
      }
    };
    // No fake-UI flag: headless Chromium answers the permission prompt with a denial.
    await line(['--use-fake-device-for-media-stream'], /^Camera permission denied: .* The image is kept\.$/);
    // Permission granted, but no camera here and no fake one offered.
    await line(['--use-fake-ui-for-media-stream'], /^No camera found: .* The image is kept\.$/);
    const two = await openApp(serverUrl(server), {
      webgpu: false,
      args: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream=device-count=2'],
    });
    try {
      await two.page.click('#use-camera');
      await state.videoUntil(two.page, (s) => s.source === 'camera', 'the first camera');
      const pick = two.page.locator('#camera-pick');
      await pick.waitFor({ state: 'visible' });
      const options = await pick.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
      expect(options).toHaveLength(2);
      const name = (await state.videoStatus(two.page)).name;
      await pick.selectOption(options.find((o) => o !== options[0])!);
      await state.videoUntil(two.page, (s) => s.source === 'camera' && s.name !== name, 'the second camera');
    } finally {
      await two.close();
    }
  });

  it('saw no console errors', () => {
    expect(app.errors).toEqual([]);
  });
});
