// The JSON the CLI prints for `eval` and `bench` (ARCHITECTURE.md, "The CLI contract") and the summary the
// page's chart reads (bench/results/summary.json): one definition for the CLI, bench/ and the UI.
import type { Schedule } from './tome';

export interface EvalRow {
  r: number;
  schedule: Schedule;
  n: number;
  /** Fractions in [0, 1]. */
  top1: number;
  top5: number;
  meanFinalTokens: number;
  msPerImage: number;
}

export interface EvalOutput {
  results: EvalRow[];
}

export interface BenchRow {
  engine: string;
  r: number;
  schedule: Schedule;
  batch: number;
  /** Per forward of the whole batch, in ms. */
  msMedian: number;
  msMin: number;
  msMax: number;
  imgPerSec: number;
  speedupVsR0: number;
}

export interface BenchOutput {
  adapter: Record<string, unknown>;
  rows: BenchRow[];
}

export interface SummaryPoint {
  r: number;
  schedule: Schedule;
  /** Fractions in [0, 1] on the eval set. */
  top1: number;
  top5: number;
  msPerImage: number;
  speedup: number;
}

export interface Summary {
  model: string;
  adapter: Record<string, unknown>;
  points: SummaryPoint[];
}
