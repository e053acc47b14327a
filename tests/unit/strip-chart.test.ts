// The strip chart: a ring buffer of the last N seconds and its SVG layout.
import { describe, expect, it } from 'vitest';
import { StripChartData, type StripSample } from '../../src/ui/page/video/strip-chart';
import { niceMax, stripChartNodes } from '../../src/ui/page/video/strip-chart-svg';

const sample = (t: number, over: Partial<StripSample> = {}): StripSample => ({ t, top1Prob: 0.5, ms: 100, changedShare: 0.1, ...over });

describe('strip chart data', () => {
  it('keeps only the last windowMs of samples, oldest first', () => {
    const d = new StripChartData(1000, 64);
    for (let t = 0; t <= 3000; t += 100) d.push(sample(t));
    expect(d.samples().map((s) => s.t)).toEqual([2000, 2100, 2200, 2300, 2400, 2500, 2600, 2700, 2800, 2900, 3000]);
    expect(d.newest()?.t).toBe(3000);
  });

  it('overwrites the oldest sample when full, however long it runs', () => {
    const d = new StripChartData(1e9, 5);
    for (let t = 0; t < 1000; t++) d.push(sample(t));
    expect(d.size).toBe(5);
    expect(d.samples().map((s) => s.t)).toEqual([995, 996, 997, 998, 999]);
    d.clear();
    expect(d.samples()).toEqual([]);
    expect(d.newest()).toBeNull();
  });

  it('refuses samples out of time order and a bad window', () => {
    const d = new StripChartData(1000);
    d.push(sample(10));
    expect(() => d.push(sample(5))).toThrow(/at 5 ms after one at 10 ms/);
    expect(() => new StripChartData(0)).toThrow(/window 0 ms/);
  });
});

describe('strip chart SVG', () => {
  const points = (nodes: ReturnType<typeof stripChartNodes>, series: string) =>
    nodes.filter((n) => n.tag === 'polyline' && n.attrs['data-series'] === series).map((n) => String(n.attrs.points));

  it('draws one line per series, scaled to its axis, newest frame at the right edge', () => {
    const nodes = stripChartNodes([sample(0, { top1Prob: 0, ms: 50 }), sample(5000, { top1Prob: 1, ms: 200, changedShare: 0.5 })], 5000);
    const [top1] = points(nodes, 'top1Prob');
    const pts = top1.split(' ').map((p) => p.split(',').map(Number));
    // x from the left margin to the right one; y: 0% at the bottom, 100% at the top.
    expect(pts[0][0]).toBeCloseTo(34, 1);
    expect(pts[1][0]).toBeCloseTo(360, 1);
    expect(pts[0][1]).toBeCloseTo(100, 1);
    expect(pts[1][1]).toBeCloseTo(8, 1);
    // ms: axis max 200 (nice), so 200 ms is at the top.
    const [ms] = points(nodes, 'ms');
    expect(Number(ms.split(' ')[1].split(',')[1])).toBeCloseTo(8, 1);
    expect(nodes.some((n) => n.tag === 'text' && n.text === '200 ms')).toBe(true);
  });

  it('leaves a gap where the group change is unknown instead of bridging it', () => {
    const s = [sample(0), sample(100), sample(200, { changedShare: null }), sample(300), sample(400)];
    expect(points(stripChartNodes(s, 1000), 'changedShare')).toHaveLength(2);
    expect(points(stripChartNodes(s, 1000), 'top1Prob')).toHaveLength(1);
  });

  it('says so when there is nothing to draw', () => {
    expect(stripChartNodes([], 1000)).toEqual([expect.objectContaining({ tag: 'text', text: 'no frames yet' })]);
  });

  it('rounds the ms axis up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect([0, 0.7, 1, 3, 180, 201, 2600, 7000].map(niceMax)).toEqual([1, 1, 1, 5, 200, 250, 5000, 10000]);
  });
});
