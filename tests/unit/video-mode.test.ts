// The video mode's pure parts: r = 0 on alternate frames (which frames, the speed-up and the
// agreement), telling a video file from an image, and a frame's caption.
import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../src/model/config';
import { AlternateBaseline } from '../../src/ui/page/video/alternate-baseline';
import { frameCaption } from '../../src/ui/page/video/frame-caption';
import type { LiveFrame } from '../../src/ui/page/video/live-frame';
import { isVideoFile } from '../../src/ui/page/video/video-file';

describe('r = 0 on alternate frames', () => {
  it('makes every other frame the r = 0 one, only while on and r > 0', () => {
    const a = new AlternateBaseline(10_000);
    expect([1, 2, 3, 4, 5].map(() => a.nextIsBaseline(true, 8))).toEqual([true, false, true, false, true]);
    expect([1, 2, 3].map(() => a.nextIsBaseline(false, 8))).toEqual([false, false, false]);
    expect([1, 2].map(() => a.nextIsBaseline(true, 0))).toEqual([false, false]);
  });

  it('speed-up of medians and agreement with the r = 0 frame before, within the window', () => {
    const a = new AlternateBaseline(1000);
    expect(a.summary()).toEqual({ speedup: null, compared: 0, agreed: 0, baselineFrames: 0, mergedFrames: 0 });
    a.push({ t: 0, baseline: false, ms: 50, top1: 1 }); // no r = 0 frame before it: not compared
    a.push({ t: 100, baseline: true, ms: 300, top1: 7 });
    a.push({ t: 200, baseline: false, ms: 100, top1: 7 });
    a.push({ t: 300, baseline: true, ms: 200, top1: 7 });
    a.push({ t: 400, baseline: false, ms: 150, top1: 9 });
    // medians: r = 0 (300, 200) -> 250; merged (50, 100, 150) -> 100
    expect(a.summary()).toEqual({ speedup: 2.5, compared: 2, agreed: 1, baselineFrames: 2, mergedFrames: 3 });
    a.push({ t: 1250, baseline: false, ms: 100, top1: 9 }); // the first three fall out of the window
    expect(a.summary()).toMatchObject({ baselineFrames: 1, mergedFrames: 2, compared: 2, agreed: 0, speedup: 200 / 125 });
    a.clear();
    expect(a.summary().mergedFrames).toBe(0);
  });
});

describe('video files', () => {
  it('are told from images by type, else by name', () => {
    expect(isVideoFile(new Blob([], { type: 'video/webm' }), 'x')).toBe(true);
    expect(isVideoFile(new Blob([], { type: 'video/mp4' }), 'clip.bin')).toBe(true);
    expect(isVideoFile(new Blob([]), 'clip.MP4')).toBe(true);
    expect(isVideoFile(new Blob([]), 'clip.webm')).toBe(true);
    expect(isVideoFile(new Blob([], { type: 'image/png' }), 'x.webm')).toBe(false);
    expect(isVideoFile(new Blob([]), 'photo.jpg')).toBe(false);
  });
});

describe('frame caption', () => {
  const config = { id: 'vit', depth: 2, labels: ['cat', 'dog'] } as unknown as ModelConfig;
  const frame = (mediaTime: number | null) =>
    ({
      opts: { r: 8, schedule: 'constant', propAttn: true, mode: 'merge' },
      result: { top5: [{ index: 1, prob: 0.875 }], tokens: [197, 189, 181] },
      timing: { ms: 12.34, source: 'gpu-timestamp' },
      sourceName: 'clip.webm',
      mediaTime,
    }) as unknown as LiveFrame;
  it('says what, from where and when, at which settings, how fast', () => {
    const c = frameCaption(frame(65.5), config, { name: 'webgpu', description: 'WebGPU gpu x' }, 5, 2.04);
    expect(c.title).toBe('dog (87.5%) · clip.webm at 1:05.50');
    expect(c.lines).toEqual([
      'vit · r = 8, constant schedule, merge, proportional attention · groups after block 2',
      'tokens 197 → 181 · 12.3 ms per forward (GPU timestamps, WebGPU gpu x) · 2.0 frames/s',
    ]);
    expect(frameCaption(frame(null), config, null, 1, 0).title).toBe('dog (87.5%) · clip.webm live');
  });
});
