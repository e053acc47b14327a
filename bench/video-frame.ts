// What a video frame costs on a Dawn adapter in Node, at the settings the page offers: a 640x480
// RGBA frame written into the frame texture (writeTexture: Node has no video elements; the page
// uses copyExternalImageToTexture), preprocessed from the texture and run through the forward
// in one submission (runTextures, results read back), against the forward alone on a ready
// tensor (run()), in alternating rounds; plus the upload and the preprocessing timed on their
// own. The overlay is drawn by the page (three.js), so it is in the browser figures
// (video-frame-browser.ts), not these.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { RawImage } from '../src/core/preprocess';
import { median } from '../src/core/stats';
import { goldenDir } from '../src/golden';
import type { ToMeOptions } from '../src/core/tome';
import type { ModelConfig } from '../src/model/config';
import { preprocess } from '../src/reference/preprocess';
import type { WebGpuBackend } from '../src/gpu/engine';
import { createFrameTexture } from '../src/gpu/frame-texture';
import { createPreprocessor } from '../src/gpu/preprocess';

export const VIDEO_SOURCE = { width: 640, height: 480 };

export const VIDEO_SETTINGS: Array<[string, ToMeOptions]> = [
  ['r=0', { r: 0, schedule: 'constant', propAttn: true, mode: 'merge' }],
  ['r=8', { r: 8, schedule: 'constant', propAttn: true, mode: 'merge' }],
  ['r=13', { r: 13, schedule: 'constant', propAttn: true, mode: 'merge' }],
  ['decreasing-16', { r: 16, schedule: 'decreasing', propAttn: true, mode: 'merge' }],
];

export interface VideoFrameRow {
  setting: string;
  /** Median ms per frame (upload + preprocessing + forward + read-back) and the fps it gives. */
  frameMs: number;
  fps: number;
  /** Median ms of the forward alone, in the same rounds. */
  forwardMs: number;
  /** (frame - forward) / frame, of the medians. */
  outsideShare: number;
  frameMinMs: number;
  forwardMinMs: number;
}

export interface VideoFrameBench {
  route: string;
  source: string;
  rounds: number;
  rows: VideoFrameRow[];
  parts: { uploadMs: number; preprocessMs: number; emptySubmissionMs: number };
}

/** 640x480 RGBA frames of the golden photos (scaled to cover, centre-cropped); two flat
 * grey-level frames where ../shared has none (the content does not change the work). */
async function videoFrames(): Promise<RawImage[]> {
  const { width, height } = VIDEO_SOURCE;
  const dir = join(goldenDir(), 'images');
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.(jpe?g|png)$/i.test(f))
        .sort()
        .slice(0, 2)
    : [];
  if (!files.length) return [64, 192].map((v) => ({ data: new Uint8Array(width * height * 4).fill(v), width, height, channels: 4 }));
  return Promise.all(
    files.map(async (f) => {
      const { data } = await sharp(join(dir, f)).resize(width, height, { fit: 'cover' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height, channels: 4 as const };
    }),
  );
}

/** Times `rounds` rounds (after one warm-up round) of every setting, alternating. */
export async function benchVideoFrames(
  engine: WebGpuBackend,
  config: ModelConfig,
  route: string,
  rounds: number,
  log: (s: string) => void = () => undefined,
): Promise<VideoFrameBench> {
  const device = engine.device;
  const frames = await videoFrames();
  const tensors = frames.map((f) => preprocess(f, config).input);
  const texture = createFrameTexture(device);
  const pre = await createPreprocessor(device);
  const out = device.createBuffer({ size: 3 * config.imgSize * config.imgSize * 4, usage: GPUBufferUsage.STORAGE });
  try {
    const samples = new Map(VIDEO_SETTINGS.map(([name]) => [name, { frame: [] as number[], forward: [] as number[] }]));
    let k = 0;
    for (let round = 0; round <= rounds; round++) {
      for (const [name, opts] of VIDEO_SETTINGS) {
        const i = k++ % frames.length;
        let t0 = performance.now();
        await engine.runTextures([texture.fromPixels(frames[i])], opts);
        const frameMs = performance.now() - t0;
        t0 = performance.now();
        await engine.run([tensors[(i + 1) % tensors.length]], opts);
        const forwardMs = performance.now() - t0;
        // Round 0 warms up (pipelines, plans, the texture's preprocessing resources).
        if (round > 0) {
          samples.get(name)!.frame.push(frameMs);
          samples.get(name)!.forward.push(forwardMs);
        }
      }
      log(`video frames: round ${round}/${rounds}`);
    }

    // The parts on their own, each in a submission of its own, many times.
    const upload: number[] = [];
    const prep: number[] = [];
    for (let i = 0; i < 20; i++) {
      let t0 = performance.now();
      const t = texture.fromPixels(frames[i % frames.length]);
      await device.queue.onSubmittedWorkDone();
      upload.push(performance.now() - t0);
      t0 = performance.now();
      const enc = device.createCommandEncoder();
      const done = pre.encodeTexture(enc, t, config, out);
      device.queue.submit([enc.finish()]);
      done.release();
      await device.queue.onSubmittedWorkDone();
      prep.push(performance.now() - t0);
    }
    let empty = Infinity;
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      device.queue.submit([]);
      await device.queue.onSubmittedWorkDone();
      empty = Math.min(empty, performance.now() - t0);
    }

    const rows = VIDEO_SETTINGS.map(([setting]): VideoFrameRow => {
      const s = samples.get(setting)!;
      const frame = median(s.frame);
      const forward = median(s.forward);
      return {
        setting,
        frameMs: +frame.toFixed(1),
        fps: +(1000 / frame).toFixed(2),
        forwardMs: +forward.toFixed(1),
        outsideShare: +((frame - forward) / frame).toFixed(4),
        frameMinMs: +Math.min(...s.frame).toFixed(1),
        forwardMinMs: +Math.min(...s.forward).toFixed(1),
      };
    });
    return {
      route,
      source: `${VIDEO_SOURCE.width}x${VIDEO_SOURCE.height} RGBA, writeTexture`,
      rounds,
      rows,
      parts: { uploadMs: +median(upload).toFixed(2), preprocessMs: +median(prep).toFixed(2), emptySubmissionMs: +empty.toFixed(2) },
    };
  } finally {
    out.destroy();
    pre.dispose();
    texture.dispose();
  }
}

export function videoFrameTable(b: VideoFrameBench): string {
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  return [
    `${b.source} on ${b.route}; medians of ${b.rounds} alternating rounds. Frame = upload + preprocessing + forward + read-back (runTextures); forward = the forward alone on a ready tensor (run()), in the same rounds. Alone: upload ${b.parts.uploadMs} ms, preprocessing ${b.parts.preprocessMs} ms (each including an empty submission's ${b.parts.emptySubmissionMs} ms round trip).`,
    '',
    '| setting | ms per frame | frames/s | forward ms | outside the forward |',
    '|---|---:|---:|---:|---:|',
    ...b.rows.map((r) => `| ${r.setting} | ${r.frameMs} | ${r.fps} | ${r.forwardMs} | ${pct(r.outsideShare)} |`),
  ].join('\n');
}
