// The README's ablation table of ToMe's design choices from `tome eval --each-choice` runs:
//   npm run --silent report:choices -- RESULTS.json...
// where each RESULTS.json is what `tome eval DIR --out` wrote (results.json), for one model, on
// one backend or several (e.g. the CPU path on every photo for the choices it runs, the WebGPU
// engine on fewer for the rest). Prints one Markdown table per model: each run's r = 0 once and
// every setting at r > 0, with the photos it saw, top-1/top-5, agreement with that run's r = 0,
// mean TV and img/s (comparable within one run only: one backend, one machine state).
import { readFileSync } from 'node:fs';
import type { MeasuredRow } from '../src/eval/measure';
import { settingName } from '../src/eval/settings';
import type { MeasureReport } from '../src/eval/table';

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const backendName = (b: string) => b.split(' ')[0];

function rows(report: MeasureReport, seen: Set<string>): string[] {
  const backend = backendName(report.backend);
  return report.results.flatMap((r: MeasuredRow) => {
    const setting = settingName(r);
    const name = r.r === 0 ? 'r = 0' : setting === `r = ${r.r}` ? `${setting}, official` : setting;
    // The same setting in two runs of one backend (each run's official row): listed once.
    const key = `${backend} ${r.n} ${name}`;
    if (seen.has(key)) return [];
    seen.add(key);
    const top = r.top1 === undefined ? '—' : `${pct(r.top1)} / ${pct(r.top5!)}`;
    return [`| ${name} | ${backend} | ${r.n} | ${top} | ${pct(r.agreement ?? 1)} | ${(r.meanTv ?? 0).toFixed(3)} | ${r.imgPerSec.toFixed(1)} |`];
  });
}

const reports = process.argv.slice(2).map((f) => JSON.parse(readFileSync(f, 'utf8')) as MeasureReport);
for (const model of [...new Set(reports.map((r) => r.model))]) {
  const seen = new Set<string>();
  console.log(`**${model}**\n`);
  console.log('| setting (r = 13 unless r = 0) | backend | photos | top-1 / top-5 | agreement with r = 0 | mean TV to r = 0 | img/s |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const report of reports.filter((r) => r.model === model)) for (const line of rows(report, seen)) console.log(line);
  console.log();
}
