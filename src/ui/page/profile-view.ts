// The profile card: where one forward's time goes, per kernel family and per block, and what
// ToMe's own work (metric, matching, merge) costs, from the engine's profile (src/gpu/profile.ts).
import type { ToMeOptions } from '../../core/tome';
import { ms, pct } from './format';
import type { ProfileReport } from '../protocol';

const FAMILY_LABELS: Record<string, { label: string; title: string }> = {
  matmul: { label: 'matmul', title: 'qkv, proj, fc1+GELU, fc2+residual' },
  attention: { label: 'attention', title: 'scores + log-size bias, softmax, AV' },
  layernorm: { label: 'layernorm', title: 'LayerNorm before attention and MLP' },
  patch_embed: { label: 'patch embed', title: 'patch embedding, cls token, position embedding' },
  tome_match: { label: 'ToMe match', title: 'ToMe: metric, similarity + argmax, ranking and order' },
  tome_merge: { label: 'ToMe merge', title: 'ToMe: size-weighted merge, sizes, patch->token map' },
  head: { label: 'head', title: 'final norm, classifier, softmax, top-5' },
};

const SOURCE_LABEL: Record<ProfileReport['source'], string> = {
  'gpu-timestamp': 'GPU timestamps',
  wall: 'wall clock, each dispatch replayed alone',
};

const SVG = 'http://www.w3.org/2000/svg';

function svgEl<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function settingLabel(o: ToMeOptions): string {
  return `r = ${o.r}${o.r > 0 ? `, ${o.schedule}, ${o.mode}` : ''}`;
}

/** The line on ToMe's own cost. */
function tomeLine(report: ProfileReport, opts: ToMeOptions): string {
  if (opts.r === 0) return 'r = 0: no ToMe work';
  const inProfile = `in this profile ${ms(report.tomeMs)} = ${pct(report.tomeMs / report.totalMs)} of the total`;
  const c = report.tomeCost;
  if (!c) return `ToMe (metric, matching, merge): ${inProfile}.`;
  return `ToMe (metric, matching, merge): ${ms(c.tomeMs)} of ${ms(c.forwardMs)} = ${pct(c.share)} (its dispatches timed alone); ${inProfile}.`;
}

/** Fills `out` with the source, the family table, the per-block chart and the ToMe line. */
export function renderProfile(out: HTMLElement, report: ProfileReport, opts: ToMeOptions, imageName: string): void {
  const caption = document.createElement('div');
  caption.className = 'muted small profile-caption';
  caption.id = 'profile-source';
  caption.dataset.source = report.source;
  caption.textContent = `${settingLabel(opts)} · ${imageName} · ${SOURCE_LABEL[report.source]}`;
  caption.title = caption.textContent;

  const table = document.createElement('table');
  table.id = 'profile-table';
  const head = table.createTHead().insertRow();
  for (const t of ['kernel family', 'ms', 'share']) {
    const th = document.createElement('th');
    th.textContent = t;
    head.append(th);
  }
  const body = table.createTBody();
  const families = Object.entries(report.perFamily).sort((a, b) => b[1] - a[1]);
  for (const [family, t] of families) {
    const tr = body.insertRow();
    tr.dataset.family = family;
    const info = FAMILY_LABELS[family] ?? { label: family, title: family };
    tr.title = info.title;
    tr.insertCell().textContent = info.label;
    tr.insertCell().textContent = ms(t);
    const share = tr.insertCell();
    share.textContent = pct(t / report.totalMs);
    share.style.setProperty('--share', String(t / report.totalMs));
    share.className = 'share';
  }
  const total = body.insertRow();
  total.className = 'total';
  total.insertCell().textContent = 'total';
  total.insertCell().textContent = ms(report.totalMs);
  total.insertCell().textContent = '100%';

  const blocks = document.createElement('div');
  blocks.className = 'profile-blocks';
  const cap = document.createElement('div');
  cap.className = 'caption';
  const capNote = document.createElement('span');
  capNote.className = 'muted';
  capNote.textContent = `(ms; before the blocks ${ms(report.embedMs)}, after them ${ms(report.headMs)})`;
  cap.append('Per block ', capNote);
  blocks.append(cap, blockChart(report.perBlock));

  const tome = document.createElement('div');
  tome.id = 'profile-tome';
  tome.className = 'small';
  tome.textContent = tomeLine(report, opts);

  out.replaceChildren(caption, table, blocks, tome);
}

/** One column per block, its ms on top: where merging makes the later blocks cheaper. */
function blockChart(perBlock: number[]): SVGSVGElement {
  const W = 400;
  const H = 56;
  const n = perBlock.length;
  const svg = svgEl('svg', { id: 'profile-blocks', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'Milliseconds per block' });
  const max = Math.max(...perBlock, 1e-9);
  const slot = W / n;
  const top = 12;
  const bottom = H - 11;
  perBlock.forEach((t, i) => {
    const h = Math.max(1, ((bottom - top) * t) / max);
    const x = i * slot + slot * 0.15;
    const g = svgEl('g', { 'data-block': i + 1 });
    const title = svgEl('title', {});
    title.textContent = `block ${i + 1}: ${ms(t)}`;
    g.append(
      title,
      svgEl('rect', { x: x.toFixed(1), y: (bottom - h).toFixed(1), width: (slot * 0.7).toFixed(1), height: h.toFixed(1), rx: 1.5, class: 'bar' }),
    );
    const v = svgEl('text', { x: (x + slot * 0.35).toFixed(1), y: (bottom - h - 2).toFixed(1), 'text-anchor': 'middle' });
    v.textContent = t >= 10 ? t.toFixed(0) : t.toFixed(1);
    const b = svgEl('text', { x: (x + slot * 0.35).toFixed(1), y: H - 1, 'text-anchor': 'middle', class: 'axis' });
    b.textContent = String(i + 1);
    g.append(v, b);
    svg.append(g);
  });
  return svg;
}
