// Every kernel family's micro-benchmark, in data-path order, and a runner for a selection.
import type { ModelConfig } from '../../src/model/config';
import type { Family } from '../../src/gpu/kernels';
import { attentionBench } from './attention';
import type { BenchContext, FamilyBench, KernelTiming } from './harness';
import { headBench } from './head';
import { layerNormBench } from './layernorm';
import { matmulBench } from './matmul';
import { patchEmbedBench } from './patch-embed';
import { poolBench } from './pool';
import { preprocessBench } from './preprocess';
import { tomeMatchBench } from './tome-match';
import { tomeMergeBench } from './tome-merge';

export const KERNEL_BENCHES: readonly FamilyBench[] = [
  preprocessBench,
  patchEmbedBench,
  layerNormBench,
  matmulBench,
  attentionBench,
  tomeMatchBench,
  tomeMergeBench,
  poolBench,
  headBench,
];

export interface ModelTimings {
  model: string;
  batch: number;
  timings: KernelTiming[];
}

/** Runs the benchmarks of `families` (all when empty) on each model, one family at a time. */
export async function runKernelBenches(
  ctx: BenchContext,
  families: Family[],
  models: ModelConfig[],
  batch: number,
  progress: (line: string) => void = () => undefined,
): Promise<ModelTimings[]> {
  const unknown = families.filter((f) => !KERNEL_BENCHES.some((b) => b.family === f));
  if (unknown.length) throw new Error(`unknown kernel family ${unknown.join(', ')} (have ${KERNEL_BENCHES.map((b) => b.family).join(', ')})`);
  const benches = families.length ? KERNEL_BENCHES.filter((b) => families.includes(b.family)) : KERNEL_BENCHES;
  const out: ModelTimings[] = [];
  for (const c of models) {
    const timings: KernelTiming[] = [];
    for (const bench of benches) {
      progress(`${c.id}: ${bench.family}`);
      timings.push(...(await bench.run(ctx, c, batch)));
    }
    out.push({ model: c.id, batch, timings });
  }
  return out;
}

/** The figures as a Markdown table. */
export function timingsTable(results: ModelTimings[]): string {
  const fmt = (v: number | undefined, digits: number) => (v === undefined ? '—' : v.toFixed(digits));
  const rows = results.flatMap(({ model, batch, timings }) =>
    timings.map(
      (t) =>
        `| ${model} | ${batch} | ${t.family} | ${t.kernel} | ${t.what} | ${fmt(t.ms, 3)} | ${fmt(t.msMin, 3)} | ${t.reps} | ${fmt(t.gflops, 2)} | ${fmt(t.gbs, 2)} |`,
    ),
  );
  return [
    '| model | batch | family | kernel | what | ms (median) | ms (min) | reps | GFLOP/s | GB/s |',
    '|---|---:|---|---|---|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}
