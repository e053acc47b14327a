// What a video frame costs on a Dawn adapter in Node, at the settings the page offers: a 640x480
// RGBA frame written into the frame texture (writeTexture: Node has no video elements; the page
// uses copyExternalImageToTexture), preprocessed from the texture and run through the forward
// in one submission (runTextures), against the forward alone on a ready tensor (run()), in
// alternating rounds; plus the upload and the preprocessing timed on their own. The overlay
// (three.js, page side) is not in these figures.
//   npx tsx bench/video-frame.ts [rounds]      (TOME_ADAPTER=vulkan|opengles picks the route)
import { join } from 'node:path';
import sharp from 'sharp';
import type { RawImage } from '../src/core/preprocess';
import { createWebGpuBackend } from '../src/gpu/engine';
import { createFrameTexture } from '../src/gpu/frame-texture';
import { requestNodeAdapter } from '../src/gpu/node-adapter';
import { createPreprocessor } from '../src/gpu/preprocess';
import { loadModelNode } from '../src/model/load-node';
import { preprocess } from '../src/cpu/preprocess';
import type { ToMeOptions } from '../src/core/tome';
import { median } from '../src/core/stats';

const MODEL = 'vit_tiny_patch16_224.augreg_in21k_ft_in1k';
const PHOTOS = ['chelsea.png', 'n02391049_zebra.JPEG'].map((f) => join(import.meta.dirname, '../../shared/golden/images', f));
const SETTINGS: Array<[string, ToMeOptions]> = [
  ['r=0', { r: 0, schedule: 'constant', propAttn: true, mode: 'merge' }],
  ['r=8', { r: 8, schedule: 'constant', propAttn: true, mode: 'merge' }],
  ['r=13', { r: 13, schedule: 'constant', propAttn: true, mode: 'merge' }],
  ['decreasing-16', { r: 16, schedule: 'decreasing', propAttn: true, mode: 'merge' }],
];

async function frameOf(file: string): Promise<RawImage> {
  const { data } = await sharp(file).resize(640, 480, { fit: 'cover' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: 640, height: 480, channels: 4 };
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 8);
  const { adapter, route } = await requestNodeAdapter('auto');
  const weights = await loadModelNode(MODEL);
  const engine = await createWebGpuBackend(weights, { adapter, maxBatch: 1 });
  const device = engine.device;
  const frames = await Promise.all(PHOTOS.map(frameOf));
  const tensors = frames.map((f) => preprocess(f, weights.config).input);
  const texture = createFrameTexture(device);
  const pre = await createPreprocessor(device);
  const out = device.createBuffer({ size: 3 * 224 * 224 * 4, usage: GPUBufferUsage.STORAGE });

  const samples = new Map(SETTINGS.map(([name]) => [name, { frame: [] as number[], forward: [] as number[] }]));
  let k = 0;
  for (let round = 0; round <= rounds; round++) {
    for (const [name, opts] of SETTINGS) {
      const img = frames[k++ % 2];
      let t0 = performance.now();
      await engine.runTextures([texture.fromPixels(img)], opts);
      const frameMs = performance.now() - t0;
      t0 = performance.now();
      await engine.run([tensors[k % 2]], opts);
      const forwardMs = performance.now() - t0;
      // Round 0 warms up (pipelines, plans, the texture's preprocessing resources).
      if (round > 0) {
        samples.get(name)!.frame.push(frameMs);
        samples.get(name)!.forward.push(forwardMs);
      }
      process.stderr.write(`round ${round} ${name}: frame ${frameMs.toFixed(1)} ms, forward ${forwardMs.toFixed(1)} ms\n`);
    }
  }

  // The parts on their own, each in a submission of its own, many times.
  const upload: number[] = [];
  const prep: number[] = [];
  for (let i = 0; i < 30; i++) {
    let t0 = performance.now();
    const t = texture.fromPixels(frames[i % 2]);
    await device.queue.onSubmittedWorkDone();
    upload.push(performance.now() - t0);
    t0 = performance.now();
    const enc = device.createCommandEncoder();
    const done = pre.encodeTexture(enc, t, weights.config, out);
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

  const rows = SETTINGS.map(([name]) => {
    const s = samples.get(name)!;
    const frame = median(s.frame);
    const forward = median(s.forward);
    return {
      setting: name,
      frameMs: +frame.toFixed(1),
      fps: +(1000 / frame).toFixed(2),
      forwardMs: +forward.toFixed(1),
      outsideShare: +((frame - forward) / frame).toFixed(4),
      frameMinMs: +Math.min(...s.frame).toFixed(1),
      forwardMinMs: +Math.min(...s.forward).toFixed(1),
    };
  });
  const uploadMs = median(upload);
  const preprocessMs = median(prep);
  const r13 = rows.find((r) => r.setting === 'r=13')!;
  console.log(
    JSON.stringify({
      adapter: `${route}: ${[adapter.info.vendor, adapter.info.architecture, adapter.info.description].filter(Boolean).join(' ')}`,
      source: '640x480 RGBA',
      rounds,
      rows,
      parts: {
        uploadMs: +uploadMs.toFixed(2),
        preprocessMs: +preprocessMs.toFixed(2),
        emptySubmissionMs: +empty.toFixed(2),
        // Upload + preprocessing on their own, less the round trip each timed submission adds, against the r=13 frame.
        partsShareAtR13: +((uploadMs + preprocessMs - 2 * empty) / r13.frameMs).toFixed(4),
      },
    }),
  );
  out.destroy();
  pre.dispose();
  texture.dispose();
  engine.dispose();
  process.exit(0);
}

main().catch((e) => {
  console.error(`video-frame: ${(e as Error).message}`);
  process.exit(1);
});
