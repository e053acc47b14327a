// Command line of the GPU matrix (remote-gpu/gpu-matrix/main.ts). Pure: no I/O.
import { parseArgs } from 'node:util';
import type { Schedule } from '../../src/core/tome';
import type { EngineConfig } from './result';

export const VIT = 'vit_tiny_patch16_224.augreg_in21k_ft_in1k';
export const DEIT = 'deit_tiny_patch16_224.lnq';

export interface MatrixOptions {
  /** Converted weights (public/weights layout). */
  weightsDir: string;
  goldenDir: string;
  outDir: string;
  /** Models whose golden cases are checked, on every configuration. */
  goldenModels: string[];
  /** The model timed, or null for a golden check alone. */
  benchModel: string | null;
  configs: EngineConfig[];
  settings: Array<{ r: number; schedule: Schedule }>;
  batches: number[];
  warmupRounds: number;
  timedRounds: number;
  /** Rounds of ToMe's own-cost and dispatch-cost measurements. */
  tomeRounds: number;
  peakGflops?: number;
  quick: boolean;
  /** Time the configurations that passed even when another f32 one failed its golden check. */
  keepGoing: boolean;
}

const MATRIX_USAGE = `usage: gpu-matrix --out DIR [--weights DIR] [--golden DIR] [--models ID,...] [--bench ID|none]
    [--precision f32,f16] [--matmul reg4x4,tiled32] [--r 0,8,13,16] [--decreasing 16] [--batch 1,8,64]
    [--warmup N] [--rounds N] [--tome-rounds N] [--peak-gflops X] [--quick] [--keep-going]`;

function ints(flag: string, v: string, min: number): number[] {
  return v.split(',').map((p) => {
    const s = p.trim();
    if (!/^\d+$/.test(s) || Number(s) < min) throw new Error(`--${flag}: "${s}" is not an integer >= ${min}`);
    return Number(s);
  });
}

function oneInt(flag: string, v: string | undefined, min: number, fallback: number): number {
  if (v === undefined) return fallback;
  const [n, ...rest] = ints(flag, v, min);
  if (rest.length) throw new Error(`--${flag} takes one number`);
  return n;
}

export function parseMatrixArgs(argv: string[], defaults: { weightsDir: string; goldenDir: string }): MatrixOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        out: { type: 'string' },
        weights: { type: 'string' },
        golden: { type: 'string' },
        models: { type: 'string' },
        bench: { type: 'string' },
        precision: { type: 'string' },
        matmul: { type: 'string' },
        r: { type: 'string' },
        decreasing: { type: 'string' },
        batch: { type: 'string' },
        warmup: { type: 'string' },
        rounds: { type: 'string' },
        'tome-rounds': { type: 'string' },
        'peak-gflops': { type: 'string' },
        quick: { type: 'boolean', default: false },
        'keep-going': { type: 'boolean', default: false },
      },
    }));
  } catch (e) {
    throw new Error(`${(e as Error).message.split('\n')[0]}\n${MATRIX_USAGE}`);
  }
  if (!values.out) throw new Error(`--out DIR is required\n${MATRIX_USAGE}`);
  const quick = values.quick === true;
  const precisions = (values.precision ?? 'f32,f16').split(',').map((p) => {
    if (p !== 'f32' && p !== 'f16') throw new Error(`--precision: "${p}" is not f32 or f16`);
    return p;
  });
  const variants = (values.matmul ?? 'reg4x4,tiled32').split(',').filter(Boolean);
  if (!variants.length) throw new Error('--matmul: no variant given');
  const goldenModels = (values.models ?? `${VIT},${DEIT}`).split(',').filter(Boolean);
  const benchModel = values.bench === 'none' ? null : (values.bench ?? (goldenModels.includes(VIT) ? VIT : null));
  const rs = ints('r', values.r ?? '0,8,13,16', 0);
  if (!rs.includes(0)) throw new Error('--r must include 0 (every speed-up is against r = 0)');
  const decreasing = values.decreasing === '' || values.decreasing === 'none' ? [] : ints('decreasing', values.decreasing ?? '16', 1);
  const timedRounds = oneInt('rounds', values.rounds, 1, quick ? 2 : 20);
  const peak = values['peak-gflops'];
  if (peak !== undefined && !(Number(peak) > 0)) throw new Error(`--peak-gflops: "${peak}" is not a positive number`);
  return {
    weightsDir: values.weights ?? defaults.weightsDir,
    goldenDir: values.golden ?? defaults.goldenDir,
    outDir: values.out,
    goldenModels,
    benchModel,
    // f32 first: the golden check of the reference precision comes before f16's.
    configs: precisions.flatMap((precision) => variants.map((matmul) => ({ precision, matmul }))),
    settings: [...rs.map((r) => ({ r, schedule: 'constant' as const })), ...decreasing.map((r) => ({ r, schedule: 'decreasing' as const }))],
    batches: ints('batch', values.batch ?? (quick ? '1,8' : '1,8,64'), 1),
    warmupRounds: oneInt('warmup', values.warmup, 0, quick ? 1 : 3),
    timedRounds,
    tomeRounds: oneInt('tome-rounds', values['tome-rounds'], 1, timedRounds),
    peakGflops: peak === undefined ? undefined : Number(peak),
    quick,
    keepGoing: values['keep-going'] === true,
  };
}
