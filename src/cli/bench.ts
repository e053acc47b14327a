// `tome bench`: the command over bench/run.ts (every figure of one call measured in one process
// on one adapter; see bench/ for how). It picks the inputs: the model's golden inputs when
// ../shared/golden has them, else sample photos preprocessed for it. Results go to --out, else a
// gitignored folder (bench/results-dirs.ts).
import type { ViTWeights } from '../model/weights';
import { runBench } from '../../bench/run';
import type { BenchResult } from '../../bench/bench-result';
import { parsePeers, type CliOptions } from './args';
import { benchInputs } from './bench-inputs';

export async function bench(weights: ViTWeights, o: CliOptions): Promise<BenchResult> {
  return runBench(weights, {
    rs: o.rs,
    schedules: o.schedules,
    explicitSchedule: o.scheduleGiven,
    batches: o.batches,
    peers: parsePeers(o.peer),
    repeat: o.repeat,
    inputs: await benchInputs(weights.config),
    outDir: o.out,
  });
}
