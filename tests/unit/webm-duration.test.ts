// WebM timing from frame timestamps, and the Duration written into a live (MediaRecorder-style)
// WebM: clusters and segment of unknown size, no Duration, video and audio blocks mixed.
import { describe, expect, it } from 'vitest';
import { webmTiming, withWebmDuration } from '../../src/ui/page/video/webm-duration';

/** EBML element: ID bytes, size (8-byte field, or unknown), payload. */
function el(id: number[], payload: Uint8Array | number[], unknownSize = false): Uint8Array {
  const data = payload instanceof Uint8Array ? payload : new Uint8Array(payload);
  const size = new Uint8Array(8);
  if (unknownSize) size.set([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  else {
    size[0] = 0x01;
    let v = data.length;
    for (let i = 7; i >= 1; i--) {
      size[i] = v & 0xff;
      v = Math.floor(v / 256);
    }
  }
  return cat(new Uint8Array(id), size, data);
}
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
const uint = (v: number, n = 4) => Array.from({ length: n }, (_, i) => (v / 256 ** (n - 1 - i)) & 0xff);
/** SimpleBlock: track number 0x8N, int16 relative time, flags, a byte of "frame data". */
const block = (track: number, rel: number) => el([0xa3], [0x80 | track, (rel >> 8) & 0xff, rel & 0xff, 0x80, 0x42]);

function liveWebm(opts: { scaleNs?: number; knownSegment?: boolean; cues?: boolean; blockGroupLast?: number } = {}): Uint8Array {
  const scale = opts.scaleNs ?? 1_000_000;
  const header = el([0x1a, 0x45, 0xdf, 0xa3], el([0x42, 0x82], [0x77, 0x65, 0x62, 0x6d]));
  const info = el([0x15, 0x49, 0xa9, 0x66], cat(el([0x2a, 0xd7, 0xb1], uint(scale)), el([0x4d, 0x80], [0x41])));
  const track = (num: number, type: number) => el([0xae], cat(el([0xd7], [num]), el([0x83], [type])));
  const tracks = el([0x16, 0x54, 0xae, 0x6b], cat(track(1, 1), track(2, 2)));
  const unit = 1_000_000 / scale; // timestamp units per ms
  // 30 fps video (33 ms apart, in two clusters), audio blocks in between and after the last frame.
  const c1 = el(
    [0x1f, 0x43, 0xb6, 0x75],
    cat(el([0xe7], uint(0, 1)), ...[0, 33, 67, 100].flatMap((t) => [block(1, t * unit), block(2, (t + 10) * unit)])),
    true,
  );
  const lastVideo =
    opts.blockGroupLast === undefined
      ? block(1, 33 * unit)
      : el([0xa0], cat(el([0xa1], [0x81, ((33 * unit) >> 8) & 0xff, (33 * unit) & 0xff, 0x80, 0x42]), el([0x9b], uint(opts.blockGroupLast * unit, 2))));
  const c2 = el([0x1f, 0x43, 0xb6, 0x75], cat(el([0xe7], uint(100 * unit, 2)), block(1, 0), lastVideo, block(2, 90 * unit)), true);
  const cues = opts.cues ? el([0x1c, 0x53, 0xbb, 0x6b], [0xbb, 0x80]) : new Uint8Array(0);
  const body = cat(info, tracks, c1, c2, cues);
  return cat(header, el([0x18, 0x53, 0x80, 0x67], body, !opts.knownSegment));
}

describe('webmTiming', () => {
  it('reads the video frames of a live WebM: count, first, last, frame interval, duration', () => {
    // Video at 0, 33, 67, 100 (cluster 1) and 100, 133 (cluster 2); audio ignored.
    expect(webmTiming(liveWebm())).toEqual({ frames: 6, firstMs: 0, lastMs: 133, frameMs: 33, durationMs: 166, declaredMs: null });
  });

  it("honours the timestamp scale and a block group's own duration", () => {
    const t = webmTiming(liveWebm({ scaleNs: 100_000, blockGroupLast: 50 }));
    expect(t.lastMs).toBeCloseTo(133, 9);
    expect(t.durationMs).toBeCloseTo(133 + 50, 9);
  });

  it('refuses what is not a WebM, or a truncated one, with one line', () => {
    expect(() => webmTiming(new TextEncoder().encode('not a video at all'))).toThrow(/^WebM: /);
    const full = liveWebm({ knownSegment: true });
    expect(() => webmTiming(full.subarray(0, 60))).toThrow(/^WebM: /);
  });
});

describe('withWebmDuration', () => {
  it('writes the duration into the segment info and keeps every frame', () => {
    const live = liveWebm();
    const fixed = withWebmDuration(live, 166);
    expect(fixed.length).toBe(live.length + 11);
    expect(webmTiming(fixed)).toEqual({ ...webmTiming(live), declaredMs: 166 });
    // Writing it again replaces it instead of adding a second one.
    const again = withWebmDuration(fixed, 200);
    expect(again.length).toBe(fixed.length);
    expect(webmTiming(again).declaredMs).toBe(200);
  });

  it('updates a segment of known size and in other timestamp units', () => {
    const fixed = withWebmDuration(liveWebm({ knownSegment: true, scaleNs: 100_000 }), 166);
    expect(webmTiming(fixed).declaredMs).toBeCloseTo(166, 9);
    expect(webmTiming(fixed).frames).toBe(6);
  });

  it('leaves files with cues alone (their offsets would break)', () => {
    expect(() => withWebmDuration(liveWebm({ knownSegment: true, cues: true }), 166)).toThrow(/cues/);
    expect(() => withWebmDuration(liveWebm(), Infinity)).toThrow(/duration Infinity/);
  });
});
