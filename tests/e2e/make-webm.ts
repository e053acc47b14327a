// A video file made by the test itself: the given photos, each shown for a few seconds, drawn
// onto a canvas in the page and recorded there with MediaRecorder (VP9 WebM: Chromium's VP8
// encoder lost most frames headless), then given its real duration (MediaRecorder writes none)
// so it seeks.
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { webmTiming, withWebmDuration } from '../../src/ui/page/video/webm-duration';

export interface MadeWebm {
  bytes: Buffer;
  durationMs: number;
  frameMs: number;
}

/** `photos` are scaled to cover 640x480; each lasts `secondsEach` at `fps`. */
export async function makeWebm(page: Page, photos: string[], secondsEach: number, fps: number): Promise<MadeWebm> {
  const jpegs = await Promise.all(
    photos.map(async (f) => (await sharp(f).resize(640, 480, { fit: 'cover' }).jpeg({ quality: 92 }).toBuffer()).toString('base64')),
  );
  const b64 = await page.evaluate(
    async ([images, seconds, rate]) => {
      const canvas = document.createElement('canvas');
      canvas.width = 640;
      canvas.height = 480;
      const g = canvas.getContext('2d')!;
      const bitmaps = await Promise.all(images.map((b) => createImageBitmap(new Blob([Uint8Array.from(atob(b), (c) => c.charCodeAt(0))]))));
      g.drawImage(bitmaps[0], 0, 0);
      const stream = canvas.captureStream(0);
      const track = stream.getVideoTracks()[0] as CanvasCaptureMediaStreamTrack;
      const rec = new MediaRecorder(stream, { mimeType: 'video/webm;codecs=vp9' });
      const chunks: Blob[] = [];
      rec.ondataavailable = (e) => chunks.push(e.data);
      const stopped = new Promise((r) => (rec.onstop = r));
      // With a timeslice Chromium writes a live WebM (no cues, no duration), which
      // withWebmDuration can complete.
      rec.start(1000);
      for (const b of bitmaps) {
        const end = performance.now() + seconds * 1000;
        while (performance.now() < end) {
          g.drawImage(b, 0, 0);
          track.requestFrame();
          await new Promise((r) => setTimeout(r, 1000 / rate));
        }
      }
      // A loaded machine's encoder lags the frames it is handed, and stopping drops what it
      // has not encoded yet: let it catch up first.
      await new Promise((r) => setTimeout(r, 1500));
      rec.stop();
      await stopped;
      const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(s);
    },
    [jpegs, secondsEach, fps] as const,
  );
  const raw = new Uint8Array(Buffer.from(b64, 'base64'));
  const timing = webmTiming(raw);
  const bytes = timing.declaredMs === null ? withWebmDuration(raw, timing.durationMs) : raw;
  return { bytes: Buffer.from(bytes), durationMs: timing.durationMs, frameMs: timing.frameMs };
}
