// `tome eval DIR`: speed against accuracy on a folder of images, every setting on the same images
// in one run. The labels come from a labels file, the class folders (ImageFolder) or nowhere
// (src/eval/folder-plan.ts); images stream through one batch at a time (decode, run every
// setting, drop), so memory stays flat however large the folder; an unreadable image is one
// stderr line and left out.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../core/backend';
import type { ToMeOptions } from '../core/tome';
import { isHeadless } from '../model/config';
import { classResolver } from '../eval/class-keys';
import { FolderRun } from '../eval/folder-run';
import { planFolder, type LabelsChoice } from '../eval/folder-plan';
import { isLabelsFileName } from '../eval/labels-text';
import { reportChart } from '../eval/measured-series';
import { settingName } from '../eval/settings';
import { measureReport, toCsv, toJson, type MeasureReport } from '../eval/table';
import { svgDocument, tradeoffNodes } from '../eval/tradeoff-chart';
import { loadInput } from './input';
import { readLabelsFile } from './labels';
import { listFiles } from './list-files';
import { Progress } from './progress';

export interface EvalOptions {
  dir: string;
  /** A labels file, 'none', or undefined (DIR/labels.tsv or .csv, else the class folders). */
  labels?: string;
  settings: ToMeOptions[];
  limit?: number;
  batch: number;
}

const say = (line: string) => process.stderr.write(`tome: ${line}\n`);

/** `--labels none`, `--labels FILE`, else a labels.tsv or labels.csv in the folder, else `auto`. */
function labelsChoice(dir: string, files: string[], labels: string | undefined): LabelsChoice {
  if (labels === 'none') return { kind: 'none' };
  // labels.tsv first, as before labels.csv was read at all.
  const inFolder = files.filter(isLabelsFileName).sort((a, b) => b.localeCompare(a))[0];
  const file = labels ?? (inFolder && join(dir, inFolder));
  return file ? { kind: 'file', name: file, rows: readLabelsFile(file) } : { kind: 'auto' };
}

/** Measures the folder; the report's `skipped` counts the images left out as unreadable. */
export async function evaluate(backend: Backend, o: EvalOptions): Promise<MeasureReport> {
  const { config } = backend;
  const files = listFiles(o.dir);
  // A model without a head has no classes for labels to name: its features are compared.
  const headless = isHeadless(config);
  if (headless)
    say(
      `eval: ${config.id} has no classifier head (num_classes 0): no top-1/top-5; each setting's features are compared with r = 0's (mean cosine similarity)`,
    );
  const plan = planFolder(files, headless ? { kind: 'none' } : labelsChoice(o.dir, files, o.labels), classResolver(config));
  for (const note of plan.notes) say(`eval: ${note}`);
  const images = plan.images.slice(0, o.limit);
  if (!images.length) throw new Error(`${o.dir}: no image to measure (JPEG, PNG or WebP)`);
  const run = new FolderRun(
    images,
    o.settings,
    o.batch,
    { load: (img) => loadInput(join(o.dir, img.path), config) },
    (path, reason) => say(reason.includes(path) ? reason : `${join(o.dir, path)}: ${reason}`),
    plan.labels !== 'none',
    headless,
  );
  const progress = new Progress('eval', images.length);
  while (await run.step(backend)) {
    const p = run.progress;
    if (p.settingsDone === 0) progress.update(p.imagesDone, p.skipped ? `(${p.skipped} unreadable)` : '');
  }
  const { skipped } = run.progress;
  if (skipped) say(`${skipped} image(s) could not be read and were skipped`);
  return measureReport(run, { model: config.id, folder: o.dir, backend: `${backend.name} (${backend.description})`, labels: plan.labels });
}

/** `--out DIR`: the table as results.csv and results.json, the chart as chart.svg. */
export function writeReport(dir: string, report: MeasureReport): void {
  mkdirSync(dir, { recursive: true });
  const chart = reportChart(report.results, report.model, report.folder);
  writeFileSync(join(dir, 'results.csv'), toCsv(report.results));
  writeFileSync(join(dir, 'results.json'), toJson(report));
  writeFileSync(join(dir, 'chart.svg'), svgDocument(tradeoffNodes(chart), chart.width, chart.height));
  say(`eval: wrote results.csv, results.json and chart.svg (${report.results.map(settingName).join(', ')}) to ${dir}`);
}
