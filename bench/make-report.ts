// Command-line entry for report.ts:
//   npx tsx bench/make-report.ts BENCH.json EVAL.json [--model ID] [--out DIR]
// where BENCH.json / EVAL.json are saved stdout of `tome bench` / `tome eval`. Writes
// results.md, speed-accuracy.svg and summary.json (default DIR: bench/results, the committed
// report: this command is how it is regenerated on purpose).
import { readFileSync } from 'node:fs';
import { writeReport } from './report';
import { COMMITTED_RESULTS_DIR } from './results-dirs';
import type { BenchOutput, EvalOutput } from '../src/core/results';

const DEFAULT_MODEL = 'vit_tiny_patch16_224.augreg_in21k_ft_in1k';

function readJson<T>(path: string, what: string, key: string): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: cannot read ${what} JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as Record<string, unknown>)[key])) {
    throw new Error(`${path}: not ${what} output (no "${key}" array)`);
  }
  return parsed as T;
}

function main(argv: string[]): void {
  const files: string[] = [];
  let model = DEFAULT_MODEL;
  let out = COMMITTED_RESULTS_DIR;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--model') model = argv[++i];
    else if (argv[i] === '--out') out = argv[++i];
    else files.push(argv[i]);
  }
  if (files.length !== 2 || !model || !out) throw new Error('usage: make-report BENCH.json EVAL.json [--model ID] [--out DIR]');
  const bench = readJson<BenchOutput>(files[0], 'bench', 'rows');
  const evalOut = readJson<EvalOutput>(files[1], 'eval', 'results');
  const summary = writeReport(out, model, bench, evalOut);
  process.stderr.write(`make-report: ${summary.points.length} points written to ${out}\n`);
}

try {
  main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`make-report: ${(e as Error).message}\n`);
  process.exit(1);
}
