// The video mode's browser mechanics in real headless Chromium (WebGPU on SwiftShader), on the
// lab page tests/e2e/fixtures/video-lab.html: a fake camera fed from a Y4M of two photos
// delivers frames; each goes through the newest-wins scheduler into a GPU texture in a worker
// (copyExternalImageToTexture), where the texture path of the preprocessing equals the pixel
// path and the TS reference on the same texels, and a forward from the texture equals one from
// the pixels; the canvas recorded with MediaRecorder gives a WebM with its real duration that
// plays, pauses and seeks; and each fault gives its one line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViteDevServer } from 'vite';
import { GOLDEN } from '../support/golden';
import { sceneRgb, writeSceneY4m } from '../../bench/y4m';
import { openApp, serverUrl, startServer, type App } from './harness';

const VIT = 'vit_tiny_patch16_224.augreg_in21k_ft_in1k';
const SCENES = [join(GOLDEN, 'images/chelsea.png'), join(GOLDEN, 'images/n02391049_zebra.JPEG')];
const SECONDS_PER_SCENE = 3;
const FPS = 15;
const LAB = 'tests/e2e/fixtures/video-lab.html';

let server: ViteDevServer;
let app: App;
let dir: string;
/** Mean RGB of each scene's 640x480 frame, as the Y4M was made from. */
let sceneMeans: Array<[number, number, number]>;

const lab = <T>(expr: string): Promise<T> => app.page.evaluate(expr) as Promise<T>;
const dist = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
/** Index of the scene whose mean colour is nearest. */
const sceneOf = (m: number[]) => (dist(m, sceneMeans[0]) < dist(m, sceneMeans[1]) ? 0 : 1);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tome-video-'));
  const y4m = join(dir, 'camera.y4m');
  await writeSceneY4m(y4m, SCENES.map((file) => ({ file, seconds: SECONDS_PER_SCENE })), { width: 640, height: 480, fps: FPS });
  sceneMeans = await Promise.all(
    SCENES.map(async (f) => {
      const rgb = await sceneRgb(f, 640, 480);
      const m = [0, 0, 0];
      for (let i = 0; i < rgb.length; i += 3) for (let c = 0; c < 3; c++) m[c] += rgb[i + c];
      return m.map((x) => x / (640 * 480)) as [number, number, number];
    }),
  );
  server = await startServer();
  app = await openApp(serverUrl(server), {
    path: LAB,
    args: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`],
  });
  await app.page.waitForFunction('window.lab');
  await lab(`window.lab.init(${JSON.stringify(VIT)})`);
}, 300_000);

afterAll(async () => {
  await app?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('camera frames into the GPU', () => {
  it('the fake camera delivers 640x480 frames at the file\'s rate', async () => {
    const r = await lab<{ settings: MediaTrackSettings; cameras: number }>('window.lab.startCamera()');
    expect(r.cameras).toBe(1);
    expect([r.settings.width, r.settings.height, r.settings.frameRate]).toEqual([640, 480, FPS]);
  });

  interface FrameLog {
    mediaTime: number;
    copyMs: number;
    route: string;
    mean: [number, number, number];
    check: { textureVsPixels: number; textureVsTs: number } | null;
    bitmapMs: number;
  }
  interface CameraRun {
    frames: FrameLog[];
    stats: { offered: number; processed: number; dropped: number; failed: number; offeredFps: number; processedFps: number };
  }
  let run: CameraRun;

  it('frames go through the newest-wins scheduler into a texture in the worker, bit-exact, following the scene', async () => {
    // Two scene lengths: the file loops, so both scenes are seen whatever the start offset.
    run = await lab<CameraRun>(`window.lab.runCamera(${2 * SECONDS_PER_SCENE * 1000 + 500}, 8)`);
    const { frames, stats } = run;
    expect(stats.failed).toBe(0);
    expect(frames.length).toBe(stats.processed);
    expect(stats.offered).toBe(stats.processed + stats.dropped);
    // The camera runs at 15 fps; a frame whose copy and checks outlast a frame interval makes the next one drop.
    expect(stats.offeredFps).toBeGreaterThan(FPS * 0.6);
    expect(stats.processed).toBeGreaterThan(5);
    // SwiftShader cannot copy a CPU-backed camera frame directly; ImageBitmaps it can.
    expect(new Set(frames.map((f) => f.route))).toEqual(new Set(['direct']));
    const checks = frames.filter((f) => f.check).map((f) => f.check!);
    expect(checks.length).toBeGreaterThan(0);
    for (const c of checks) expect(c).toEqual({ textureVsPixels: 0, textureVsTs: 0 });
    // Every frame shows one of the two scenes (colour conversion moves its mean a little), both appear.
    for (const f of frames) expect(Math.min(dist(f.mean, sceneMeans[0]), dist(f.mean, sceneMeans[1]))).toBeLessThan(6);
    expect(new Set(frames.map((f) => sceneOf(f.mean)))).toEqual(new Set([0, 1]));
    const copy = frames.slice(1).map((f) => f.copyMs).sort((a, b) => a - b);
    const bitmap = frames.slice(1).map((f) => f.bitmapMs).sort((a, b) => a - b);
    console.log(
      `640x480 on SwiftShader: createImageBitmap(video) median ${bitmap[bitmap.length >> 1].toFixed(1)} ms, ` +
        `copyExternalImageToTexture + GPU wait median ${copy[copy.length >> 1].toFixed(1)} ms (min ${copy[0].toFixed(1)}), ` +
        `offered ${stats.offeredFps.toFixed(1)} fps, processed ${stats.processedFps.toFixed(1)} fps, dropped ${stats.dropped}/${stats.offered}`,
    );
  });

  it('a forward from the camera texture equals runImages on the same pixels', async () => {
    const r = await lab<{ groupsEqual: boolean; maxLogitDiff: number; tokens: number[]; ms: number; timing: string }>(
      `window.lab.forward({ r: 13, schedule: 'constant', propAttn: true, mode: 'merge' })`,
    );
    expect(r.groupsEqual).toBe(true);
    expect(r.maxLogitDiff).toBe(0);
    expect(r.tokens[r.tokens.length - 1]).toBe(41);
    expect(r.ms).toBeGreaterThan(0);
    console.log(`forward from the texture at r=13 on SwiftShader: ${r.ms.toFixed(0)} ms (${r.timing})`);
  });

  it('a VideoFrame (from the video element or MediaStreamTrackProcessor) reaches the texture too, bit-exact', async () => {
    const r = await lab<Array<{ from: string; route: string; check: unknown; copyMs: number }>>('window.lab.videoFrames()');
    expect(r.map((f) => f.from)).toEqual(['video element', 'MediaStreamTrackProcessor']);
    for (const f of r) {
      // SwiftShader refuses to copy the camera's CPU-backed I420 frames directly: the
      // frame texture then goes through createImageBitmap (a GPU adapter copies directly).
      expect(['direct', 'image-bitmap']).toContain(f.route);
      expect(f.check, f.from).toEqual({ textureVsPixels: 0, textureVsTs: 0 });
    }
    console.log(`VideoFrame on SwiftShader: ${r.map((f) => `${f.from} via ${f.route} ${f.copyMs.toFixed(1)} ms`).join(', ')}`);
  });

  it('the tab hidden pauses the camera video and visible resumes it', async () => {
    // Headless pages are never hidden by the browser (another tab in front, a minimised window:
    // both stay 'visible'), so the page's visibility state is set and the event sent by hand.
    await lab('window.lab.watchVisibility()');
    expect(await lab<boolean>('window.lab.video().paused')).toBe(false);
    await lab('window.lab.setHidden(true)');
    expect(await lab<boolean>('window.lab.video().paused')).toBe(true);
    const t = await lab<number>('window.lab.video().t');
    await new Promise((r) => setTimeout(r, 300));
    expect(await lab<number>('window.lab.video().t')).toBe(t);
    await lab('window.lab.setHidden(false)');
    await expect.poll(() => lab<boolean>('window.lab.video().paused')).toBe(false);
    await expect.poll(() => lab<number>('window.lab.video().t')).toBeGreaterThan(t);
    expect(await lab<string[]>('window.lab.events')).toEqual(expect.arrayContaining(['hidden: video paused', 'visible: video playing']));
    await lab('window.lab.stopCamera()');
  });
});

describe('a recorded video file', () => {
  const photos = async () =>
    Promise.all(SCENES.map(async (f) => (await sharp(f).resize(640, 480, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer()).toString('base64')));
  let rec: { drawn: number; wallMs: number; durationMs: number; frames: number; size: number; type: string; timing: { frameMs: number; declaredMs: number | null; lastMs: number } };

  let images: string[];

  it('MediaRecorder on the canvas stream gives a WebM of the drawn frames with its real duration', async () => {
    images = await photos();
    rec = await app.page.evaluate(([p, s, f]) => (window as unknown as { lab: { record(...a: unknown[]): Promise<typeof rec> } }).lab.record(p, s, f), [images, 2, 15] as const);
    expect(rec.type).toMatch(/^video\/webm/);
    // Under load the encoder may skip a few of the frames it was handed.
    expect(rec.frames).toBeLessThanOrEqual(rec.drawn);
    expect(rec.frames).toBeGreaterThan(0.8 * rec.drawn);
    expect(rec.timing.declaredMs).toBeCloseTo(rec.durationMs, 6);
    // Frames were drawn every ~1/15 s of wall time: the duration matches within two frames.
    expect(Math.abs(rec.durationMs - rec.wallMs)).toBeLessThan(2 * rec.timing.frameMs + 1);
  });

  it('a recording stops by itself at its time or size limit, and what it kept plays', async () => {
    type Limited = { hit: string; limitHit: string; stoppedAfterMs: number; bytesSeen: number; size: number; durationMs: number; frames: number; playerDuration: number };
    const run = (maxBytes: number, maxMs: number) =>
      app.page.evaluate(([p, b, m]) => (window as unknown as { lab: { recordUntilLimit(...a: unknown[]): Promise<Limited> } }).lab.recordUntilLimit(p, 15, b, m), [
        images,
        maxBytes,
        maxMs,
      ] as const);
    const byTime = await run(1e9, 1500);
    expect([byTime.hit, byTime.limitHit]).toEqual(['time', 'time']);
    expect(byTime.stoppedAfterMs).toBeLessThan(2500);
    expect(Math.abs(byTime.durationMs - 1500)).toBeLessThan(200);
    expect(Math.abs(byTime.playerDuration * 1000 - byTime.durationMs)).toBeLessThan(70);
    const bySize = await run(20_000, 60_000);
    expect([bySize.hit, bySize.limitHit]).toEqual(['size', 'size']);
    expect(bySize.bytesSeen).toBeGreaterThanOrEqual(20_000);
    expect(bySize.frames).toBeGreaterThan(0);
    expect(Number.isFinite(bySize.playerDuration)).toBe(true);
  });

  it('plays with a finite duration, pauses, and seeks to the right scene', async () => {
    const r = await lab<{ duration: number; pausedAt: number; stillPausedAt: number; paused: boolean; seeks: Array<{ to: number; at: number; mean: number[] }> }>(
      'window.lab.play([0.5, 3.2, 1.0])',
    );
    expect(Number.isFinite(r.duration)).toBe(true);
    expect(Math.abs(r.duration * 1000 - rec.durationMs)).toBeLessThan(2 * rec.timing.frameMs + 1);
    expect(r.pausedAt).toBeGreaterThan(0.2);
    expect(r.paused).toBe(true);
    expect(r.stillPausedAt).toBe(r.pausedAt);
    for (const s of r.seeks) expect(Math.abs(s.at - s.to)).toBeLessThan(0.01);
    expect(r.seeks.map((s) => sceneOf(s.mean))).toEqual([0, 1, 0]);
  });
});

describe('faults, one line each', () => {
  it('a file that is not a video, a corrupt WebM and a WebM cut short', async () => {
    expect(await lab<string>("window.lab.brokenFile('garbage')")).toBe(
      'on load: garbage.webm: not a video this browser can play (MP4/H.264 or WebM/VP8/VP9 work almost everywhere).',
    );
    expect(await lab<string>("window.lab.brokenFile('corrupt')")).toMatch(/^(on load|while playing): corrupt\.webm: (the video is broken|the file could not be read|not a video this browser can play)/);
    expect(await lab<string>("window.lab.brokenFile('truncated')")).toMatch(/^(on load|while playing): truncated\.webm: /);
  });

  it('a camera stream whose source ends', async () => {
    const r = await lab<string[]>('window.lab.endedTrack()');
    expect(r[0]).toBe('ended');
    expect(r.slice(1)).toHaveLength(1);
    expect(r[1]).toMatch(/^The camera stream ended.*Choose a source to carry on\.$/);
  });

  it('camera permission denied, and no camera at all', async () => {
    // No fake-UI flag: headless Chromium answers the permission prompt with a denial.
    const denied = await openApp(serverUrl(server), { path: LAB, webgpu: false, args: ['--use-fake-device-for-media-stream'] });
    try {
      await denied.page.waitForFunction('window.lab');
      expect(await denied.page.evaluate('window.lab.cameraError()')).toMatch(/^Camera permission denied/);
    } finally {
      await denied.close();
    }
    // Permission granted, but this machine has no camera and no fake one is offered.
    const none = await openApp(serverUrl(server), { path: LAB, webgpu: false, args: ['--use-fake-ui-for-media-stream'] });
    try {
      await none.page.waitForFunction('window.lab');
      expect(await none.page.evaluate('window.lab.cameraError()')).toMatch(/^No camera found/);
    } finally {
      await none.close();
    }
  });
});
