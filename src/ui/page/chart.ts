// Small SVG charts: the speed/accuracy trade-off (one line per schedule, a point per r, the
// current setting ringed) and the tokens-per-block profile. Plain SVG: crisp at any DPI and
// cheap to redraw on every slider move.
import type { Schedule } from '../../core/tome';

export interface TradeoffPoint {
  r: number;
  schedule: Schedule;
  x: number;
  y: number;
}

export interface TradeoffChart {
  points: TradeoffPoint[];
  current: { r: number; schedule: Schedule };
  xLabel: string;
  yLabel: string;
  /** Formats a y value for the axis ticks. */
  yFormat: (v: number) => string;
}

const NS = 'http://www.w3.org/2000/svg';
const COLOURS: Record<Schedule, string> = { constant: '#5aa9ff', decreasing: '#f0954a' };

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function niceTicks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo || 1;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

export function drawTradeoff(svg: SVGSVGElement, chart: TradeoffChart | null, emptyText: string): void {
  svg.replaceChildren();
  const W = 320;
  const H = 170;
  const m = { l: 40, r: 10, t: 10, b: 30 };
  if (!chart || chart.points.length === 0) {
    svg.append(el('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle' }, emptyText));
    return;
  }
  const xs = chart.points.map((p) => p.x);
  const ys = chart.points.map((p) => p.y);
  const pad = (lo: number, hi: number) => {
    const d = (hi - lo || Math.abs(hi) || 1) * 0.08;
    return [lo - d, hi + d];
  };
  const [x0, x1] = pad(Math.min(...xs), Math.max(...xs));
  const [y0, y1] = pad(Math.min(...ys), Math.max(...ys));
  const sx = (v: number) => m.l + ((v - x0) / (x1 - x0)) * (W - m.l - m.r);
  const sy = (v: number) => H - m.b - ((v - y0) / (y1 - y0)) * (H - m.t - m.b);

  for (const t of niceTicks(x0, x1, 5)) {
    svg.append(el('line', { x1: sx(t), x2: sx(t), y1: m.t, y2: H - m.b, stroke: '#232834' }));
    svg.append(el('text', { x: sx(t), y: H - m.b + 11, 'text-anchor': 'middle' }, `${t}`));
  }
  for (const t of niceTicks(y0, y1, 4)) {
    svg.append(el('line', { x1: m.l, x2: W - m.r, y1: sy(t), y2: sy(t), stroke: '#232834' }));
    svg.append(el('text', { x: m.l - 4, y: sy(t) + 3, 'text-anchor': 'end' }, chart.yFormat(t)));
  }
  svg.append(el('text', { x: (m.l + W - m.r) / 2, y: H - 4, 'text-anchor': 'middle' }, chart.xLabel));
  svg.append(el('text', { x: 10, y: (m.t + H - m.b) / 2, 'text-anchor': 'middle', transform: `rotate(-90 10 ${(m.t + H - m.b) / 2})` }, chart.yLabel));

  for (const schedule of ['constant', 'decreasing'] as Schedule[]) {
    const pts = chart.points.filter((p) => p.schedule === schedule).sort((a, b) => a.r - b.r);
    if (!pts.length) continue;
    const colour = COLOURS[schedule];
    svg.append(
      el('polyline', { points: pts.map((p) => `${sx(p.x)},${sy(p.y)}`).join(' '), fill: 'none', stroke: colour, 'stroke-width': 1.5, 'stroke-opacity': 0.6 }),
    );
    for (const p of pts) {
      const c = el('circle', { cx: sx(p.x), cy: sy(p.y), r: 3, fill: colour });
      c.append(el('title', {}, `r = ${p.r} (${schedule}): ${chart.xLabel} ${p.x.toFixed(2)}, ${chart.yLabel} ${chart.yFormat(p.y)}`));
      svg.append(c);
      svg.append(el('text', { x: sx(p.x) + 4, y: sy(p.y) - 4, fill: colour, style: `fill:${colour}` }, `${p.r}`));
    }
  }
  const cur = chart.points.find((p) => p.r === chart.current.r && p.schedule === chart.current.schedule);
  if (cur) {
    svg.append(
      el('circle', { cx: sx(cur.x), cy: sy(cur.y), r: 7, fill: 'none', stroke: '#ffd166', 'stroke-width': 2, 'data-current': `${cur.r}-${cur.schedule}` }),
    );
  }
  // Bottom left: slow and inaccurate, the one corner a trade-off curve never visits.
  const legend = el('g', { transform: `translate(${m.l + 6}, ${H - m.b - 28})` });
  (['constant', 'decreasing'] as Schedule[]).forEach((s, i) => {
    legend.append(el('circle', { cx: 4, cy: i * 12 + 4, r: 3, fill: COLOURS[s] }));
    legend.append(el('text', { x: 11, y: i * 12 + 7 }, s));
  });
  svg.append(legend);
}

/** Tokens per block: grey bars for r = 0, coloured bars for the current setting. */
export function drawTokens(svg: SVGSVGElement, baseline: number[], current: number[], highlightLayer: number): void {
  svg.replaceChildren();
  const W = 400;
  const H = 64;
  const n = current.length;
  const max = Math.max(...baseline, ...current);
  const bw = W / n;
  for (let i = 0; i < n; i++) {
    const hb = (baseline[i] / max) * (H - 12);
    const hc = (current[i] / max) * (H - 12);
    svg.append(el('rect', { x: i * bw + 1, y: H - hb, width: bw - 2, height: hb, fill: '#2a2f3a' }));
    const bar = el('rect', { x: i * bw + 3, y: H - hc, width: bw - 6, height: hc, fill: i === highlightLayer ? '#ffd166' : '#5aa9ff' });
    bar.append(el('title', {}, i === 0 ? `${current[i]} tokens entering block 1` : `${current[i]} tokens after block ${i}`));
    svg.append(bar);
    svg.append(el('text', { x: i * bw + bw / 2, y: H - hc - 2, 'text-anchor': 'middle', style: 'font-size:7px;fill:#8b93a5' }, `${current[i]}`));
  }
}
