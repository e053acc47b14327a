// The page's pure helpers: drift metrics, group geometry for the overlay, and the model view.
import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../src/model/config';
import { preprocessGeometry } from '../../src/core/preprocess';
import { canonicalGroups } from '../../src/core/tome';
import { drift } from '../../src/eval/drift';
import { boundaryEdges, groupsAfterLayer, layoutGroups } from '../../src/ui/page/groups';
import { cropInSource } from '../../src/core/preprocess';
import { inputToRgba } from '../../src/ui/worker/model-view';
import { ramp, sizeToUnit } from '../../src/ui/page/colormap';

const config = {
  id: 't',
  imgSize: 4,
  patchSize: 2,
  cropPct: 0.9,
  mean: [0.5, 0.5, 0.5],
  std: [0.5, 0.25, 0.5],
  interpolation: 'bicubic',
} as unknown as ModelConfig;

describe('drift', () => {
  it('is zero for identical distributions', () => {
    const p = [0.7, 0.2, 0.1];
    expect(drift(p, p)).toEqual({ top1Agrees: true, kl: 0, tv: 0, top1ProbShift: 0 });
  });
  it('matches hand-computed KL, total variation and shift', () => {
    const d = drift([0.5, 0.3, 0.2], [0.2, 0.6, 0.2]);
    expect(d.top1Agrees).toBe(false);
    expect(d.kl).toBeCloseTo(0.5 * Math.log(0.5 / 0.2) + 0.3 * Math.log(0.3 / 0.6), 12);
    expect(d.tv).toBeCloseTo(0.3, 12);
    expect(d.top1ProbShift).toBeCloseTo(-0.3, 12);
  });
  it('stays finite when the merged model gives a class zero probability', () => {
    expect(Number.isFinite(drift([0.5, 0.5], [1, 0]).kl)).toBe(true);
  });
  it('refuses distributions of different sizes', () => {
    expect(() => drift([1], [0.5, 0.5])).toThrow(/1 vs 2/);
  });
});

const segs = (e: Float32Array) => {
  const out: string[] = [];
  for (let i = 0; i < e.length; i += 4) out.push(Array.from(e.subarray(i, i + 4)).join(','));
  return out.sort();
};

describe('group geometry', () => {
  it('outlines every patch when nothing merged, each edge once', () => {
    const e = segs(boundaryEdges(Int32Array.from([0, 1, 2, 3]), 2));
    expect(e).toHaveLength(12); // 8 frame + 4 interior unit edges
    expect(new Set(e).size).toBe(12);
  });
  it('draws only the frame for one group covering the grid', () => {
    expect(segs(boundaryEdges(Int32Array.from([0, 0, 0, 0]), 2))).toHaveLength(8);
  });
  it('outlines one chosen group on all sides', () => {
    expect(segs(boundaryEdges(Int32Array.from([0, 0, 2, 3]), 2, 0))).toEqual(['0,0,0,1', '0,0,1,0', '0,1,1,1', '1,0,2,0', '1,1,2,1', '2,0,2,1'].sort());
  });
  it('gives each patch its group size and the group mean colour', () => {
    // 4x4 image, 2x2 patches; patches 0 and 3 (diagonal) form one group.
    const rgba = new Uint8ClampedArray(4 * 4 * 4);
    const fill = (p: number, v: number) => {
      for (let y = 0; y < 2; y++) for (let x = 0; x < 2; x++) rgba.set([v, v / 2, 0, 255], (((p >> 1) * 2 + y) * 4 + (p & 1) * 2 + x) * 4);
    };
    [100, 10, 20, 200].forEach((v, p) => fill(p, v));
    const l = layoutGroups(Int32Array.from([0, 1, 2, 0]), 2, rgba, 4);
    expect(Array.from(l.sizeOfPatch)).toEqual([2, 1, 1, 2]);
    expect(l.count).toBe(3);
    expect(l.largest).toBe(2);
    expect(Array.from(l.meanColour.subarray(0, 3))).toEqual([150, 75, 0]);
    expect(Array.from(l.meanColour.subarray(9, 12))).toEqual([150, 75, 0]);
    expect(Array.from(l.meanColour.subarray(3, 6))).toEqual([10, 5, 0]);
  });
  it('reads groups after a block from the engine maps', () => {
    const maps = [Int32Array.from([3, 1, 3, 2]), Int32Array.from([1, 1, 1, 0])];
    expect(groupsAfterLayer(maps, 0)).toEqual(canonicalGroups(maps[0]));
    expect(Array.from(groupsAfterLayer(maps, 1))).toEqual([0, 0, 0, 3]);
    expect(() => groupsAfterLayer(maps, 2)).toThrow(/block 2/);
  });
});

describe('model view', () => {
  it('locates the eval crop in the source image (golden chelsea geometry)', () => {
    const vit = { ...config, imgSize: 224, cropPct: 0.9 };
    const g = preprocessGeometry(451, 300, vit);
    expect(g.resized).toEqual([372, 248]);
    expect(g.cropLeftTop).toEqual([74, 12]);
    const c = cropInSource(g, 224);
    expect(c.x).toBeCloseTo((74 * 451) / 372, 9);
    expect(c.y).toBeCloseTo((12 * 300) / 248, 9);
    expect(c.w).toBeCloseTo((224 * 451) / 372, 9);
    expect(c.h).toBeCloseTo((224 * 300) / 248, 9);
  });
  it('undoes the normalisation back to bytes', () => {
    const n = 16;
    const input = new Float32Array(3 * n);
    input[0] = (200 / 255 - 0.5) / 0.5; // R of pixel 0
    input[n] = (10 / 255 - 0.5) / 0.25; // G of pixel 0
    input[2 * n] = -1; // B of pixel 0 = 0
    const rgba = inputToRgba(input, config);
    expect(Array.from(rgba.subarray(0, 4))).toEqual([200, 10, 0, 255]);
    expect(Array.from(rgba.subarray(4, 8))).toEqual([128, 128, 128, 255]);
    expect(() => inputToRgba(new Float32Array(5), config)).toThrow(/5 values/);
  });
});

describe('heat map colours', () => {
  it('maps sizes on a log scale onto an ordered ramp', () => {
    expect(sizeToUnit(1, 16)).toBe(0);
    expect(sizeToUnit(4, 16)).toBeCloseTo(0.5, 12);
    expect(sizeToUnit(16, 16)).toBe(1);
    expect(sizeToUnit(1, 1)).toBe(0);
    expect(ramp(0)).toEqual([68, 1, 84]);
    expect(ramp(1)).toEqual([253, 231, 37]);
    expect(ramp(2)).toEqual(ramp(1));
  });
});
