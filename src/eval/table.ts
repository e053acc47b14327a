// A folder measurement as files: the table as CSV (one row per setting, fractions as numbers)
// and as JSON (the rows with what was measured, on what and how), the same from the CLI's --out
// and the page's export buttons.
import type { FolderRun } from './folder-run';
import type { MeasuredRow } from './measure';
import { choicesName } from './settings';

/** What a measurement was of: the model, the folder, the backend, the labels, how it was timed. */
export interface MeasureInfo {
  model: string;
  /** The folder's name (the page) or path (the CLI). */
  folder: string;
  backend: string;
  labels: 'file' | 'folders' | 'none';
  /** Images measured, and the unreadable ones left out. */
  images: number;
  skipped: number;
  batch: number;
  timing: 'gpu-timestamp' | 'wall';
  /** ISO time the measurement finished. */
  date: string;
}

export interface MeasureReport extends MeasureInfo {
  results: MeasuredRow[];
}

/** The report of a finished run: its rows, with the counts and timing source the run knows. */
export function measureReport(run: FolderRun, info: Omit<MeasureInfo, 'images' | 'skipped' | 'timing' | 'date' | 'batch'>): MeasureReport {
  const { imagesTotal, skipped } = run.progress;
  return {
    ...info,
    images: imagesTotal - skipped,
    skipped,
    batch: run.batchSize,
    timing: run.measure.source,
    date: new Date().toISOString(),
    results: run.measure.rows(),
  };
}

const COLUMNS: Array<[string, (r: MeasuredRow) => string | number | boolean | undefined]> = [
  ['r', (r) => r.r],
  ['schedule', (r) => r.schedule],
  ['mode', (r) => r.mode],
  ['prop_attn', (r) => r.propAttn],
  // The unofficial design choices ("metric x; split random (seed 3)"); no column when all are official.
  ['choices', (r) => choicesName(r).replace(/, /g, '; ') || undefined],
  ['images', (r) => r.n],
  ['top1', (r) => r.top1],
  ['top5', (r) => r.top5],
  ['agreement', (r) => r.agreement],
  ['mean_tv', (r) => r.meanTv],
  ['mean_cosine_to_r0', (r) => r.meanCosineToR0],
  ['mean_final_tokens', (r) => r.meanFinalTokens],
  ['ms_per_image', (r) => r.msPerImage],
  ['img_per_sec', (r) => r.imgPerSec],
  ['speedup', (r) => r.speedup],
];

function cell(v: string | number | boolean | undefined): string {
  if (v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '';
  if (typeof v === 'number') return String(Number(v.toPrecision(6)));
  return String(v);
}

/** The table as CSV; columns without a value in any row (top-1 without labels) are left out. */
export function toCsv(rows: MeasuredRow[]): string {
  const cols = COLUMNS.filter(([, get]) => rows.some((r) => get(r) !== undefined));
  const lines = [cols.map(([name]) => name).join(','), ...rows.map((r) => cols.map(([, get]) => cell(get(r))).join(','))];
  return lines.join('\n') + '\n';
}

export function toJson(report: MeasureReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}
