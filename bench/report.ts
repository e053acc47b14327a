// Turns the CLI's `bench` and `eval` JSON (ARCHITECTURE.md, "The CLI contract") into the committed results:
// a Markdown table, an SVG plot of speed-up (x) against top-1 (y) with one series per schedule,
// and summary.json, which the web page's chart reads. Pure functions plus one writer; no
// dependencies, so the SVG is plain text built here.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Schedule } from '../src/core/tome';
import type { BenchOutput, EvalOutput, Summary, SummaryPoint } from '../src/core/results';

/** Which bench rows give the speed-up of an accuracy point. */
export interface SpeedupSource {
  engine: string;
  batch: number;
}

/**
 * Default: our WebGPU engine if it was measured (else the CPU one) at the largest batch, the
 * throughput setting the ToMe paper reports speed-ups for.
 */
function defaultSpeedupSource(bench: BenchOutput): SpeedupSource {
  const ours = bench.rows.filter((r) => r.engine === 'tome-webgpu');
  const rows = ours.length ? ours : bench.rows.filter((r) => r.engine === 'tome-cpu');
  if (!rows.length) throw new Error('bench rows contain no tome-webgpu or tome-cpu engine to take speed-ups from');
  return { engine: rows[0].engine, batch: Math.max(...rows.map((r) => r.batch)) };
}

function speedupOf(bench: BenchOutput, src: SpeedupSource, r: number, schedule: Schedule): number | undefined {
  const row = bench.rows.find((b) => b.engine === src.engine && b.batch === src.batch && b.r === r && b.schedule === schedule);
  return row?.speedupVsR0;
}

/**
 * One point per eval result whose (r, schedule) was also benchmarked; an eval setting without a
 * bench row has no measured speed-up and is left out rather than guessed.
 */
export function buildSummary(model: string, bench: BenchOutput, evalOut: EvalOutput, src: SpeedupSource = defaultSpeedupSource(bench)): Summary {
  const points: SummaryPoint[] = [];
  for (const e of evalOut.results) {
    const speedup = speedupOf(bench, src, e.r, e.schedule);
    if (speedup === undefined) continue;
    points.push({ r: e.r, schedule: e.schedule, top1: e.top1, top5: e.top5, msPerImage: e.msPerImage, speedup });
  }
  return { model, adapter: bench.adapter, points };
}

function fixed(v: number, digits: number): string {
  return Number.isFinite(v) ? v.toFixed(digits) : 'n/a';
}

function pct(v: number): string {
  return `${(v * 100).toFixed(1)}%`;
}

function adapterLine(adapter: Record<string, unknown>): string {
  const parts = Object.entries(adapter)
    .filter(([, v]) => v !== undefined && v !== '' && typeof v !== 'object')
    .map(([k, v]) => `${k}: ${String(v)}`);
  return parts.join(', ');
}

/** Speed table: one row per bench row, in the order measured. */
export function benchTable(bench: BenchOutput): string {
  const lines = ['| engine | r | schedule | batch | ms median | ms min | ms max | img/s | speed-up vs r=0 |', '|---|---:|---|---:|---:|---:|---:|---:|---:|'];
  for (const b of bench.rows) {
    lines.push(
      `| ${b.engine} | ${b.r} | ${b.schedule} | ${b.batch} | ${fixed(b.msMedian, 1)} | ${fixed(b.msMin, 1)} | ` +
        `${fixed(b.msMax, 1)} | ${fixed(b.imgPerSec, 2)} | ${fixed(b.speedupVsR0, 2)}x |`,
    );
  }
  return lines.join('\n');
}

/** Accuracy table: one row per eval result, with the bench speed-up where one was measured. */
export function accuracyTable(bench: BenchOutput, evalOut: EvalOutput, src: SpeedupSource = defaultSpeedupSource(bench)): string {
  const lines = [
    `| r | schedule | images | top-1 | top-5 | final tokens | eval ms/img | speed-up (${src.engine}, batch ${src.batch}) |`,
    '|---:|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const e of evalOut.results) {
    const s = speedupOf(bench, src, e.r, e.schedule);
    lines.push(
      `| ${e.r} | ${e.schedule} | ${e.n} | ${pct(e.top1)} | ${pct(e.top5)} | ${fixed(e.meanFinalTokens, 1)} | ` +
        `${fixed(e.msPerImage, 1)} | ${s === undefined ? 'not benchmarked' : fixed(s, 2) + 'x'} |`,
    );
  }
  return lines.join('\n');
}

function markdownReport(model: string, bench: BenchOutput, evalOut: EvalOutput, src = defaultSpeedupSource(bench)): string {
  return [
    `# ToMe speed and accuracy: ${model}`,
    '',
    `Adapter: ${adapterLine(bench.adapter) || 'unknown'}`,
    '',
    '## Speed (ms per forward of the whole batch; median of the timed runs)',
    '',
    benchTable(bench),
    '',
    '## Accuracy against speed-up',
    '',
    accuracyTable(bench, evalOut, src),
    '',
    '![speed-up against top-1](speed-accuracy.svg)',
    '',
  ].join('\n');
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** About `count` round tick values covering [lo, hi] (1, 2 or 5 times a power of ten apart). */
function ticks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

const SERIES_COLOURS: Record<Schedule, string> = { constant: '#1f77b4', decreasing: '#d62728' };

/**
 * Speed-up (x axis) against top-1 in percent (y axis): one polyline per schedule through its
 * points in order of speed-up, one circle per point with a <title> tooltip and an r label.
 */
export function speedAccuracySvg(points: SummaryPoint[], title = 'ToMe: speed-up against top-1'): string {
  const W = 640;
  const H = 400;
  const m = { left: 60, right: 130, top: 40, bottom: 50 };
  const xs = points.map((p) => p.speedup);
  const ys = points.map((p) => p.top1 * 100);
  const xLo = Math.min(1, ...xs) * 0.95;
  const xHi = Math.max(1.05, ...xs) * 1.05;
  const yLo = Math.floor(Math.min(100, ...ys) - 1);
  const yHi = Math.min(100, Math.ceil(Math.max(0, ...ys) + 1));
  const px = (x: number) => m.left + ((x - xLo) / (xHi - xLo)) * (W - m.left - m.right);
  const py = (y: number) => H - m.bottom - ((y - yLo) / Math.max(1e-9, yHi - yLo)) * (H - m.top - m.bottom);
  const f = (v: number) => v.toFixed(1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="0" y="0" width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
  ];
  const axisX = H - m.bottom;
  out.push(`<line x1="${m.left}" y1="${axisX}" x2="${W - m.right}" y2="${axisX}" stroke="black"/>`);
  out.push(`<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${axisX}" stroke="black"/>`);
  for (const t of ticks(xLo, xHi, 6)) {
    out.push(`<line x1="${f(px(t))}" y1="${axisX}" x2="${f(px(t))}" y2="${axisX + 5}" stroke="black"/>`);
    out.push(`<text x="${f(px(t))}" y="${axisX + 18}" text-anchor="middle">${t}x</text>`);
  }
  for (const t of ticks(yLo, yHi, 6)) {
    out.push(`<line x1="${m.left - 5}" y1="${f(py(t))}" x2="${m.left}" y2="${f(py(t))}" stroke="black"/>`);
    out.push(`<text x="${m.left - 8}" y="${f(py(t) + 4)}" text-anchor="end">${t}</text>`);
  }
  out.push(`<text x="${(m.left + W - m.right) / 2}" y="${H - 12}" text-anchor="middle">speed-up vs r=0 (x)</text>`);
  out.push(`<text transform="translate(16 ${(m.top + axisX) / 2}) rotate(-90)" text-anchor="middle">top-1 (%)</text>`);
  const schedules = [...new Set(points.map((p) => p.schedule))];
  schedules.forEach((schedule, i) => {
    const colour = SERIES_COLOURS[schedule];
    const series = points.filter((p) => p.schedule === schedule).sort((a, b) => a.speedup - b.speedup);
    out.push(`<g class="series" data-schedule="${schedule}" fill="${colour}" stroke="${colour}">`);
    if (series.length > 1) {
      const path = series.map((p) => `${f(px(p.speedup))},${f(py(p.top1 * 100))}`).join(' ');
      out.push(`<polyline points="${path}" fill="none" stroke-width="1.5"/>`);
    }
    for (const p of series) {
      const cx = f(px(p.speedup));
      const cy = f(py(p.top1 * 100));
      const tip = `r=${p.r} ${p.schedule}: ${p.speedup.toFixed(2)}x, top-1 ${(p.top1 * 100).toFixed(1)}%`;
      out.push(`<circle cx="${cx}" cy="${cy}" r="4"><title>${escapeXml(tip)}</title></circle>`);
      out.push(`<text x="${cx}" y="${f(py(p.top1 * 100) - 8)}" text-anchor="middle" stroke="none">r${p.r}</text>`);
    }
    out.push('</g>');
    const ly = m.top + 10 + i * 20;
    out.push(`<line x1="${W - m.right + 15}" y1="${ly}" x2="${W - m.right + 35}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`);
    out.push(`<text x="${W - m.right + 40}" y="${ly + 4}">${escapeXml(schedule)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Writes results.md, speed-accuracy.svg and summary.json into `dir`; returns the summary. */
export function writeReport(dir: string, model: string, bench: BenchOutput, evalOut: EvalOutput): Summary {
  const src = defaultSpeedupSource(bench);
  const summary = buildSummary(model, bench, evalOut, src);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.md'), markdownReport(model, bench, evalOut, src));
  writeFileSync(join(dir, 'speed-accuracy.svg'), speedAccuracySvg(summary.points, `ToMe on ${model}: speed-up against top-1`));
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  return summary;
}
