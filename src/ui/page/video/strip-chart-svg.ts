// The strip chart drawn as plain SVG, like the page's other charts: top-1 probability and share
// of patches whose group changed on a 0-100% axis (left), ms per frame on its own axis
// (right), seconds before the newest frame along x. The layout is a pure list of nodes (tested
// without a DOM); drawStripChart turns it into elements.
import type { StripSample } from './strip-chart';

export interface SvgNode {
  tag: 'line' | 'polyline' | 'text';
  attrs: Record<string, string | number>;
  text?: string;
}

export const STRIP_COLOURS = { top1Prob: '#5aa9ff', changedShare: '#f0954a', ms: '#9be27a' } as const;
const GRID = '#232834';
const W = 400;
const H = 120;
const M = { l: 34, r: 40, t: 8, b: 20 };

/** Round axis maximum for ms: 1, 2, 2.5 or 5 times a power of ten, at least the data's max. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const mag = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= v - 1e-9)!;
}

/**
 * Polyline point lists for one series, split where the value is missing (a gap, never a line
 * drawn across it).
 */
function runs(samples: StripSample[], value: (s: StripSample) => number | null, x: (t: number) => number, y: (v: number) => number): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  for (const s of samples) {
    const v = value(s);
    if (v === null || !Number.isFinite(v)) {
      if (cur.length) out.push(cur.join(' '));
      cur = [];
      continue;
    }
    cur.push(`${x(s.t).toFixed(1)},${y(v).toFixed(1)}`);
  }
  if (cur.length) out.push(cur.join(' '));
  return out;
}

export function stripChartNodes(samples: StripSample[], windowMs: number): SvgNode[] {
  const nodes: SvgNode[] = [];
  if (!samples.length) {
    nodes.push({ tag: 'text', attrs: { x: W / 2, y: H / 2, 'text-anchor': 'middle' }, text: 'no frames yet' });
    return nodes;
  }
  const tEnd = samples[samples.length - 1].t;
  const x = (t: number) => M.l + ((t - (tEnd - windowMs)) / windowMs) * (W - M.l - M.r);
  const yShare = (v: number) => H - M.b - v * (H - M.t - M.b);
  const msMax = niceMax(Math.max(...samples.map((s) => s.ms)));
  const yMs = (v: number) => H - M.b - (v / msMax) * (H - M.t - M.b);

  for (const f of [0, 0.5, 1]) {
    nodes.push({ tag: 'line', attrs: { x1: M.l, x2: W - M.r, y1: yShare(f), y2: yShare(f), stroke: GRID } });
    nodes.push({ tag: 'text', attrs: { x: M.l - 4, y: yShare(f) + 3, 'text-anchor': 'end' }, text: `${f * 100}%` });
    nodes.push({
      tag: 'text',
      attrs: { x: W - M.r + 4, y: yMs(f * msMax) + 3, fill: STRIP_COLOURS.ms, style: `fill:${STRIP_COLOURS.ms}` },
      text: `${+(f * msMax).toPrecision(3)} ms`,
    });
  }
  const seconds = windowMs / 1000;
  const step = seconds > 10 ? 5 : seconds > 4 ? 2 : 1;
  for (let s = 0; s <= seconds + 1e-9; s += step) {
    const xs = x(tEnd - s * 1000);
    nodes.push({ tag: 'line', attrs: { x1: xs, x2: xs, y1: M.t, y2: H - M.b, stroke: GRID } });
    nodes.push({ tag: 'text', attrs: { x: xs, y: H - M.b + 12, 'text-anchor': 'middle' }, text: s === 0 ? 'now' : `-${s} s` });
  }
  // Legend positions from the left edge of the plot, spaced for the labels' lengths.
  const series: Array<[keyof typeof STRIP_COLOURS, (s: StripSample) => number | null, (v: number) => number, string, number]> = [
    ['top1Prob', (s) => s.top1Prob, yShare, 'top-1 probability', 0],
    ['changedShare', (s) => s.changedShare, yShare, 'patches whose group changed', 90],
    ['ms', (s) => s.ms, yMs, 'ms per frame', 235],
  ];
  series.forEach(([key, value, y, label, at]) => {
    for (const points of runs(samples, value, x, y)) {
      nodes.push({
        tag: 'polyline',
        attrs: {
          points,
          fill: 'none',
          stroke: STRIP_COLOURS[key],
          'stroke-width': 1.5,
          'data-series': key,
          ...(key === 'changedShare' ? { 'stroke-dasharray': '3 2' } : {}),
        },
      });
    }
    nodes.push({ tag: 'text', attrs: { x: M.l + 4 + at, y: M.t + 8, fill: STRIP_COLOURS[key], style: `fill:${STRIP_COLOURS[key]}` }, text: label });
  });
  return nodes;
}

export function drawStripChart(svg: SVGSVGElement, samples: StripSample[], windowMs: number): void {
  const NS = 'http://www.w3.org/2000/svg';
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  for (const n of stripChartNodes(samples, windowMs)) {
    const e = document.createElementNS(NS, n.tag);
    for (const [k, v] of Object.entries(n.attrs)) e.setAttribute(k, String(v));
    if (n.text !== undefined) e.textContent = n.text;
    svg.append(e);
  }
}
