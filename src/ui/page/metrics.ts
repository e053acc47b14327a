// The results panel: r = 0 beside the current setting on the same image. A classifier shows its
// top-1, how far the probabilities moved and both top-5s; a model without a head, how far its
// feature vector moved (cosine similarity to r = 0) and its norm. Timing, FLOPs and tokens for both.
import type { ModelConfig } from '../../model/config';
import type { BackendName, Timing } from '../../core/backend';
import { cosineSimilarity, l2Norm } from '../../core/features';
import { forwardMacs } from '../../core/flops';
import { drift } from '../../eval/drift';
import { gflops, ms, pct, perSecond, signedPct } from './format';
import type { Analysis } from '../protocol';

function timingLabel(t: Timing, backend: BackendName): string {
  if (t.source === 'gpu-timestamp') return 'GPU time (timestamps)';
  return backend === 'webgpu' ? 'Time (wall clock)' : 'CPU time (wall clock)';
}

function row(tbody: HTMLTableSectionElement, key: string, label: string, base: string, cur: string, cls = ''): void {
  const tr = document.createElement('tr');
  tr.dataset.metric = key;
  const cells = [label, base, cur].map((t) => {
    const td = document.createElement('td');
    td.textContent = t;
    td.title = t;
    return td;
  });
  if (cls) cells[2].className = cls;
  tr.append(...cells);
  tbody.append(tr);
}

export function renderMetrics(table: HTMLTableElement, top5Box: HTMLElement, a: Analysis, config: ModelConfig, backend: BackendName): void {
  const tbody = table.tBodies[0];
  tbody.replaceChildren();
  if (a.current.features && a.baseline.features) featureRows(tbody, top5Box, a.baseline.features, a.current.features);
  else classRows(tbody, top5Box, a, config);
  // A setting a design choice sent to another backend: its time is that backend's, and a speed-up
  // against r = 0 on the page's backend would compare two machines.
  const label = a.route ? `Time (r = 0 on ${backend}, current on ${a.route.backend})` : timingLabel(a.currentTiming, backend);
  row(tbody, 'ms', label, ms(a.baselineTiming.ms), ms(a.currentTiming.ms));
  row(tbody, 'throughput', 'Throughput', perSecond(a.baselineTiming.ms), perSecond(a.currentTiming.ms));
  row(tbody, 'speedup', 'Speed-up (single runs)', '1.00×', a.route ? '— (other backend)' : `${(a.baselineTiming.ms / a.currentTiming.ms).toFixed(2)}×`);
  const macs0 = forwardMacs(config, a.baseline.tokens);
  const macs = forwardMacs(config, a.current.tokens);
  row(tbody, 'flops', 'GFLOPs per image', gflops(macs0), `${(macs0 / macs).toFixed(2)}× less  ${gflops(macs)}`);
  const last = (t: number[]) => t[t.length - 1];
  row(tbody, 'tokens', 'Tokens after last block', `${last(a.baseline.tokens)}`, `${last(a.current.tokens)}`);
}

function classRows(tbody: HTMLTableSectionElement, top5Box: HTMLElement, a: Analysis, config: ModelConfig): void {
  const label = (i: number) => config.labels[i] ?? `class ${i}`;
  const d = drift(a.baseline.probs, a.current.probs);
  const b1 = a.baseline.top5[0];
  const c1 = a.current.top5[0];
  row(tbody, 'top1', 'Top-1', `${label(b1.index)}`, `${label(c1.index)}`);
  row(tbody, 'agree', 'Agrees with r = 0', '—', d.top1Agrees ? '✓ yes' : '✗ no', d.top1Agrees ? 'agree' : 'disagree');
  row(tbody, 'shift', `p(${label(b1.index)})`, pct(b1.prob), `${signedPct(d.top1ProbShift)}  ${pct(a.current.probs[b1.index])}`);
  row(tbody, 'kl', 'KL(r=0 ‖ current)', '0', `${d.kl.toFixed(4)} nats`);
  row(tbody, 'tv', 'Probability moved (TV)', '0', pct(d.tv, 2));
  top5Box.replaceChildren(column('r = 0', a.baseline.top5, b1.index, label), column('current', a.current.top5, b1.index, label));
}

/** A model without a head: how far the pooled feature vector moved from r = 0, in place of top-5. */
function featureRows(tbody: HTMLTableSectionElement, box: HTMLElement, base: Float32Array, cur: Float32Array): void {
  const cos = cosineSimilarity(cur, base);
  row(tbody, 'output', 'Output', `features (${base.length})`, 'features (no head)');
  row(tbody, 'cosine', 'Cosine to r = 0', '1', cos.toFixed(4));
  row(tbody, 'norm', 'Feature norm', l2Norm(base).toFixed(2), l2Norm(cur).toFixed(2));
  const panel = document.createElement('div');
  panel.className = 'features';
  panel.dataset.cosine = String(cos);
  const h = document.createElement('h3');
  h.textContent = 'Features moved from r = 0';
  const item = document.createElement('div');
  item.className = 'item';
  const bar = document.createElement('div');
  bar.className = 'bar';
  bar.style.width = `${Math.max(0.5, Math.max(0, cos) * 100)}%`;
  const text = document.createElement('span');
  text.className = 'label';
  text.textContent = `cosine similarity ${cos.toFixed(4)} (1 = unchanged)`;
  item.append(bar, text);
  const note = document.createElement('p');
  note.className = 'muted small';
  note.textContent = `No classifier head: the output is the pooled feature vector (${base.length} values). The overlay's "Feature colours" paint each patch with its token's features on their first three principal components at r = 0.`;
  panel.append(h, item, note);
  box.replaceChildren(panel);
}

function column(title: string, top: Analysis['current']['top5'], baseTop1: number, label: (i: number) => string): HTMLElement {
  const col = document.createElement('div');
  col.className = 'col';
  const h = document.createElement('h3');
  h.textContent = `Top-5, ${title}`;
  col.append(h);
  for (const t of top) {
    const item = document.createElement('div');
    item.className = 'item' + (t.index === baseTop1 ? ' same-top1' : '');
    item.dataset.index = String(t.index);
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.style.width = `${Math.max(0.5, t.prob * 100)}%`;
    const name = document.createElement('span');
    name.className = 'label';
    name.textContent = label(t.index);
    name.title = `${label(t.index)} (class ${t.index})`;
    const p = document.createElement('span');
    p.className = 'p';
    p.textContent = pct(t.prob);
    item.append(bar, name, p);
    col.append(item);
  }
  return col;
}
