// The Y4M writer the fake-camera tests use: header, frame layout, BT.601 limited-range colours.
import { describe, expect, it } from 'vitest';
import { encodeY4m, rgbToI420, y4mHeader } from '../../bench/y4m';

describe('y4m', () => {
  it('converts RGB to limited-range BT.601 I420', () => {
    const px = (r: number, g: number, b: number) => Array.from(rgbToI420(new Uint8Array([r, g, b, r, g, b, r, g, b, r, g, b]), 2, 2));
    expect(px(255, 255, 255)).toEqual([235, 235, 235, 235, 128, 128]);
    expect(px(0, 0, 0)).toEqual([16, 16, 16, 16, 128, 128]);
    expect(px(255, 0, 0)).toEqual([81, 81, 81, 81, 90, 240]);
  });

  it('averages chroma over 2x2 blocks and rounds odd sizes up', () => {
    // 3x1: chroma planes are 2x1; the second chroma sample covers the last pixel alone.
    const yuv = rgbToI420(new Uint8Array([255, 0, 0, 0, 0, 255, 0, 255, 0]), 3, 1);
    expect(yuv.length).toBe(3 + 2 * 2);
    const blue = rgbToI420(new Uint8Array([0, 0, 255]), 1, 1);
    const green = rgbToI420(new Uint8Array([0, 255, 0]), 1, 1);
    expect(yuv[3 + 1]).toBe(green[1]);
    expect(yuv[5 + 1]).toBe(green[2]);
    expect(blue[1]).toBe(240);
  });

  it('writes the header and FRAME-tagged frames', () => {
    const opts = { width: 2, height: 2, fps: 15 };
    expect(y4mHeader(opts)).toBe('YUV4MPEG2 W2 H2 F15:1 Ip A1:1 C420jpeg\n');
    const f = new Uint8Array(6).fill(7);
    const file = encodeY4m([f, f], opts);
    const text = new TextDecoder('latin1').decode(file);
    expect(text.startsWith(y4mHeader(opts) + 'FRAME\n')).toBe(true);
    expect(file.length).toBe(y4mHeader(opts).length + 2 * (6 + 6));
    expect(() => encodeY4m([new Uint8Array(5)], opts)).toThrow(/5 bytes, expected 6/);
  });
});
