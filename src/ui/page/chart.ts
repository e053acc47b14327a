// Small SVG charts: the speed/accuracy trade-off (laid out without a DOM by
// src/eval/tradeoff-chart.ts, drawn here) and the tokens-per-block profile. Plain SVG: crisp at
// any DPI and cheap to redraw on every slider move.
import type { SvgNode } from '../../eval/tradeoff-chart';

const NS = 'http://www.w3.org/2000/svg';

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function element(n: SvgNode): SVGElement {
  const e = el(n.tag, n.attrs, n.text);
  for (const c of n.children ?? []) e.append(element(c));
  return e;
}

/** Replaces the chart's content with `nodes`. */
export function drawSvgNodes(svg: SVGSVGElement, nodes: SvgNode[]): void {
  svg.replaceChildren(...nodes.map(element));
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
