// The README's speed-against-accuracy chart of `tome eval` folder measurements, several models on
// one chart beside the official ToMe figures on the same photos:
//   npx tsx bench/folder-chart.ts OUT_DIR RESULTS.json...
// where each RESULTS.json is what `tome eval DIR --out` wrote (results.json). Writes chart.svg
// and results.md (ours against the official top-1/top-5 at every setting both have) to OUT_DIR.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MeasuredRow } from '../src/eval/measure';
import { measuredSeries, SERIES_COLOURS } from '../src/eval/measured-series';
import { settingName } from '../src/eval/settings';
import type { MeasureReport } from '../src/eval/table';
import { svgDocument, tradeoffNodes, type ChartSeries } from '../src/eval/tradeoff-chart';
import { OFFICIAL } from './official-eval';

const short = (model: string) => model.replace(/_patch\d+_\d+/, '').replace(/\..*$/, '');
const official = (model: string, r: MeasuredRow) => OFFICIAL[model]?.[`${r.r} ${r.r === 0 ? 'constant' : r.schedule}`];

function officialSeries(report: MeasureReport, colour: string): ChartSeries {
  // The official figures are accuracy only: each is drawn at the throughput we measured for the
  // same setting, hollow, so a gap between the two markers is an accuracy difference.
  const rows = report.results.filter((r) => r.mode === 'merge' && official(report.model, r));
  return {
    name: `${short(report.model)}, official top-1`,
    colour,
    hollow: true,
    points: rows.map((r) => ({
      x: r.imgPerSec,
      y: official(report.model, r)[0],
      label: '',
      title: `${settingName(r)}: official top-1 ${official(report.model, r)[0].toFixed(1)}%`,
      line: `official ${r.schedule}`,
    })),
  };
}

function table(reports: MeasureReport[]): string {
  const lines = [
    '| model | setting | top-1 | top-5 | official top-1 / top-5 | agreement with r = 0 | mean TV | final tokens | img/s | speed-up |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const rep of reports) {
    for (const r of rep.results) {
      const o = official(rep.model, r);
      lines.push(
        `| ${short(rep.model)} | ${settingName(r)} | ${((r.top1 ?? NaN) * 100).toFixed(1)}% | ${((r.top5 ?? NaN) * 100).toFixed(1)}% | ` +
          `${o ? `${o[0].toFixed(1)} / ${o[1].toFixed(1)}` : '—'} | ${((r.agreement ?? NaN) * 100).toFixed(1)}% | ${(r.meanTv ?? NaN).toFixed(3)} | ` +
          `${r.meanFinalTokens.toFixed(0)} | ${r.imgPerSec.toFixed(2)} | ${r.speedup.toFixed(2)}x |`,
      );
    }
  }
  return lines.join('\n');
}

function main([out, ...files]: string[]): void {
  if (!out || !files.length) throw new Error('usage: folder-chart OUT_DIR RESULTS.json...');
  const reports = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as MeasureReport);
  const series = reports.flatMap((rep, i) => [
    measuredSeries(rep.results, `${short(rep.model)} (${rep.backend.split(' (')[0]}, batch ${rep.batch})`, SERIES_COLOURS[i], 'imgPerSec'),
    officialSeries(rep, SERIES_COLOURS[i]),
  ]);
  const chart = {
    series,
    xLabel: 'images per second (this machine, measured in the eval run)',
    yLabel: 'top-1 (%)',
    xFormat: String,
    yFormat: (v: number) => v.toFixed(0),
    width: 480,
    height: 300,
    title: `tome eval on ${reports[0].folder.split('/').pop()} (${reports[0].images} photos): solid constant r, dotted decreasing`,
  };
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'chart.svg'), svgDocument(tradeoffNodes(chart), chart.width, chart.height));
  writeFileSync(join(out, 'results.md'), `${table(reports)}\n`);
  process.stderr.write(`folder-chart: chart.svg and results.md written to ${out}\n`);
}

try {
  main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`folder-chart: ${(e as Error).message}\n`);
  process.exit(1);
}
