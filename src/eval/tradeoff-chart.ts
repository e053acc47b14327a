// The speed-against-accuracy chart as a pure list of SVG nodes: series of points (one per ToMe
// setting), joined per line (a schedule and mode), the r beside each point, a tooltip (<title>)
// naming the setting and its figures, the current setting ringed, a legend of the series. The
// page turns the nodes into elements; svgDocument makes the file `tome eval --out` writes and
// the page exports. No DOM, no Node.

export interface SvgNode {
  tag: 'line' | 'polyline' | 'circle' | 'text' | 'title' | 'g' | 'rect';
  attrs: Record<string, string | number>;
  text?: string;
  children?: SvgNode[];
}

export interface ChartPoint {
  x: number;
  y: number;
  /** Written beside the point (the r). */
  label: string;
  /** The tooltip: the setting and its figures. */
  title: string;
  /** Points of a series with the same line are joined, in the order given. */
  line: string;
  /** The line's stroke-dasharray, when it is not solid (another schedule or mode). */
  dash?: string;
  /** Set on the point the page's controls are at (ringed, with data-current). */
  current?: string;
}

export interface ChartSeries {
  name: string;
  colour: string;
  points: ChartPoint[];
  /** Hollow markers, drawn larger (a ring around a measured point they match): figures taken
   * from elsewhere (the official ones) rather than measured. */
  hollow?: boolean;
}

export interface TradeoffChart {
  series: ChartSeries[];
  xLabel: string;
  yLabel: string;
  xFormat: (v: number) => string;
  yFormat: (v: number) => string;
  width: number;
  height: number;
  title?: string;
}

const GRID = '#232834';
const INK = '#8b93a5';

export function niceTicks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo || 1;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

function padded(values: number[]): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const d = (hi - lo || Math.abs(hi) || 1) * 0.08;
  return [lo - d, hi + d];
}

export function tradeoffNodes(chart: TradeoffChart, emptyText = 'not measured yet'): SvgNode[] {
  const { width: W, height: H } = chart;
  const top = chart.title ? 24 : 10;
  const m = { l: 40, r: 10, t: top, b: 30 };
  const all = chart.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const nodes: SvgNode[] = [];
  if (chart.title) nodes.push({ tag: 'text', attrs: { x: W / 2, y: 14, 'text-anchor': 'middle', fill: '#e6e8ee' }, text: chart.title });
  if (!all.length) {
    nodes.push({ tag: 'text', attrs: { x: W / 2, y: H / 2, 'text-anchor': 'middle', fill: INK }, text: emptyText });
    return nodes;
  }
  const [x0, x1] = padded(all.map((p) => p.x));
  const [y0, y1] = padded(all.map((p) => p.y));
  const sx = (v: number) => Number((m.l + ((v - x0) / (x1 - x0)) * (W - m.l - m.r)).toFixed(1));
  const sy = (v: number) => Number((H - m.b - ((v - y0) / (y1 - y0)) * (H - m.t - m.b)).toFixed(1));

  for (const t of niceTicks(x0, x1, 5)) {
    nodes.push({ tag: 'line', attrs: { x1: sx(t), x2: sx(t), y1: m.t, y2: H - m.b, stroke: GRID } });
    nodes.push({ tag: 'text', attrs: { x: sx(t), y: H - m.b + 11, 'text-anchor': 'middle', fill: INK }, text: chart.xFormat(t) });
  }
  for (const t of niceTicks(y0, y1, 4)) {
    nodes.push({ tag: 'line', attrs: { x1: m.l, x2: W - m.r, y1: sy(t), y2: sy(t), stroke: GRID } });
    nodes.push({ tag: 'text', attrs: { x: m.l - 4, y: sy(t) + 3, 'text-anchor': 'end', fill: INK }, text: chart.yFormat(t) });
  }
  const midY = (m.t + H - m.b) / 2;
  nodes.push({ tag: 'text', attrs: { x: (m.l + W - m.r) / 2, y: H - 4, 'text-anchor': 'middle', fill: INK }, text: chart.xLabel });
  nodes.push({ tag: 'text', attrs: { x: 10, y: midY, 'text-anchor': 'middle', fill: INK, transform: `rotate(-90 10 ${midY})` }, text: chart.yLabel });

  chart.series.forEach((s, si) => {
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    const group: SvgNode = { tag: 'g', attrs: { 'data-series': s.name }, children: [] };
    // Hollow markers stand beside a measured curve: no line of their own.
    for (const line of s.hollow ? [] : [...new Set(pts.map((p) => p.line))]) {
      const on = pts.filter((p) => p.line === line);
      group.children!.push({
        tag: 'polyline',
        attrs: {
          points: on.map((p) => `${sx(p.x)},${sy(p.y)}`).join(' '),
          fill: 'none',
          stroke: s.colour,
          'stroke-width': 1.5,
          'stroke-opacity': 0.6,
          ...(on[0].dash ? { 'stroke-dasharray': on[0].dash } : {}),
        },
      });
    }
    const drawn = new Set<string>();
    for (const p of pts) {
      // A point on several lines (r = 0 starts every curve) is marked once.
      if (drawn.has(p.title)) continue;
      drawn.add(p.title);
      const marker: SvgNode = {
        tag: 'circle',
        attrs: { cx: sx(p.x), cy: sy(p.y), r: s.hollow ? 5 : 3, fill: s.hollow ? 'none' : s.colour, stroke: s.colour },
        children: [{ tag: 'title', attrs: {}, text: p.title }],
      };
      group.children!.push(marker);
      // A style, not a fill attribute: the page's stylesheet colours chart text, and this wins.
      if (p.label) group.children!.push({ tag: 'text', attrs: { x: sx(p.x) + 4, y: sy(p.y) - 4, style: `fill:${s.colour}` }, text: p.label });
      if (p.current) {
        group.children!.push({
          tag: 'circle',
          attrs: { cx: sx(p.x), cy: sy(p.y), r: 7, fill: 'none', stroke: '#ffd166', 'stroke-width': 2, 'data-current': p.current },
        });
      }
    }
    nodes.push(group);
    // Legend, bottom left: slow and inaccurate, the one corner a trade-off curve never visits.
    const ly = H - m.b - 8 - (chart.series.length - 1 - si) * 12;
    nodes.push({ tag: 'circle', attrs: { cx: m.l + 10, cy: ly - 3, r: 3, fill: s.hollow ? 'none' : s.colour, stroke: s.colour } });
    nodes.push({ tag: 'text', attrs: { x: m.l + 17, y: ly, fill: INK }, text: s.name });
  });
  return nodes;
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function nodeText(n: SvgNode): string {
  const attrs = Object.entries(n.attrs)
    .map(([k, v]) => ` ${k}="${escape(String(v))}"`)
    .join('');
  const inner = (n.text !== undefined ? escape(n.text) : '') + (n.children ?? []).map(nodeText).join('');
  return inner ? `<${n.tag}${attrs}>${inner}</${n.tag}>` : `<${n.tag}${attrs}/>`;
}

/** A standalone SVG file of the nodes, on the page's dark background. */
export function svgDocument(nodes: SvgNode[], width: number, height: number): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width * 2}" height="${height * 2}" ` +
    `font-family="system-ui, sans-serif" font-size="9">` +
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#0f1115"/>${nodes.map(nodeText).join('')}</svg>\n`
  );
}
