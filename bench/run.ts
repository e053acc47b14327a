// One benchmark run (`tome bench`, `npm run bench`): every figure measured in one process on one
// adapter. Ours at each setting and batch (round-robin, the matmul re-timed alone each round),
// then its profile and ToMe's own cost, a 640x480 video frame at the page's settings, the CPU
// reference, and the peers; targets checked on the rows of this run (accuracy from the committed
// eval); results written to --out or .cache/bench (results-dirs.ts).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../src/core/backend';
import { forwardMacs } from '../src/core/flops';
import type { BenchRow, EvalOutput } from '../src/core/results';
import { median } from '../src/core/stats';
import { batchOf, benchRows, RoundRobin, timeRoundRobin, type BenchSetting } from '../src/core/timing';
import { rPerLayer, tokenCounts, type Schedule, type ToMeOptions } from '../src/core/tome';
import { numPatches, tokenLayout } from '../src/model/config';
import type { ViTWeights } from '../src/model/weights';
import { createReferenceBackend } from '../src/reference/backend';
import { createWebGpuBackend, type WebGpuBackend } from '../src/gpu/engine';
import { requestNodeAdapter } from '../src/gpu/node-adapter';
import type { TomeOverhead } from '../src/core/profile';
import type { BenchInputs } from './inputs';
import { matmulProbe } from './matmul-probe';
import { CPU_SETTINGS } from './peers/peer-settings';
import { ortRows } from './peers/ort-rows';
import { tfjsPeerRows } from './peers/tfjs';
import { COMMITTED_RESULTS_DIR, DEFAULT_OUT_DIR } from './results-dirs';
import { writeRunResults } from './run-report';
import type { BenchResult, ProfileSummary } from './bench-result';
import { checkTargets } from './targets';
import { benchVideoFrames } from './video-frame';

export type { BenchInputs } from './inputs';

export interface BenchOptions {
  rs: number[];
  schedules: Schedule[];
  /** Measure exactly these schedules at every r; otherwise constant at every r plus decreasing
   * at the largest r (the paper's setting) when decreasing is among `schedules`. */
  explicitSchedule: boolean;
  batches: number[];
  /** Which peers run beside ours (the CPU fallback's rows are always timed). */
  peers: { tfjs: boolean; ortNode: boolean; ortWeb: boolean };
  repeat: number;
  /** What to time (and, for golden inputs, their official top-1 to vet the peers). */
  inputs: BenchInputs;
  /** Where the results go; default DEFAULT_OUT_DIR (gitignored). */
  outDir?: string;
}

const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

type Setting = { r: number; schedule: Schedule };

function settingsOf(o: BenchOptions): Setting[] {
  if (o.explicitSchedule) return o.schedules.flatMap((schedule) => o.rs.map((r) => ({ r, schedule })));
  const out: Setting[] = o.rs.map((r) => ({ r, schedule: 'constant' }));
  if (o.schedules.includes('decreasing')) out.push({ r: Math.max(...o.rs), schedule: 'decreasing' });
  return out;
}

const tomeOpts = (s: Setting): ToMeOptions => ({ r: s.r, schedule: s.schedule, propAttn: true, mode: 'merge' });

async function profileSummary(engine: WebGpuBackend, input: Float32Array, r: number): Promise<ProfileSummary> {
  const p = await engine.profile([input], tomeOpts({ r, schedule: 'constant' }));
  const share = Object.fromEntries(Object.entries(p.perFamily).map(([k, v]) => [k, Math.round((1000 * v) / p.totalMs) / 1000]));
  return {
    r,
    source: p.source,
    totalMs: p.totalMs,
    tomeMs: p.tomeMs,
    tomeShare: p.tomeMs / p.totalMs,
    perFamilyMs: p.perFamily,
    perFamilyShare: share,
    perBlockMs: p.perBlock,
  };
}

export async function runBench(weights: ViTWeights, o: BenchOptions): Promise<BenchResult> {
  const c = weights.config;
  const settings = settingsOf(o);
  log(`inputs: ${o.inputs.source}`);
  const { inputs } = o.inputs;
  const { adapter, route } = await requestNodeAdapter('auto');
  const engine = await createWebGpuBackend(weights, { adapter, maxBatch: Math.max(...o.batches) });
  log(`adapter ${route}: ${engine.description}; features ${engine.features.join(', ') || 'none'}`);

  const ours: BenchSetting[] = o.batches.flatMap((batch) => settings.map((s) => ({ engine: 'tome-webgpu', ...s, batch })));
  const probe = await matmulProbe(engine.matmulVariant, route, c);
  const rr = new RoundRobin(ours, 2, o.repeat);
  await timeRoundRobin(
    rr,
    (s) => engine.run(batchOf(inputs, s.batch), tomeOpts(s)),
    async (round) => {
      await probe.time(round);
      log(`tome-webgpu: round ${round + 1}/${o.repeat}`);
    },
  );
  probe.dispose();
  const rows: BenchRow[] = benchRows(ours, rr.samples);
  // Our engine's profile and ToMe's own cost right after its timings, before other engines load
  // the machine (the peers' devices and wasm threads linger for the rest of the process).
  const profile = [await profileSummary(engine, inputs[0], 0), await profileSummary(engine, inputs[0], 13)];
  const tomeOverhead: TomeOverhead[] = [];
  for (const b of o.batches) {
    const p = await engine.profile(batchOf(inputs, b), tomeOpts({ r: 13, schedule: 'constant' }), { tomeRounds: 2 * o.repeat });
    tomeOverhead.push(p.tomeCost!);
  }
  // A video frame on the same engine: upload into the frame texture + preprocessing + forward.
  const video = await benchVideoFrames(engine, c, route, o.repeat, log);

  // What the result records about our engine, then its device goes: the CPU groups below are
  // timed in a process without a live GPU device, as the CLI's `--backend cpu` runs (a live Dawn
  // device slowed a forward that awaits ONNX Runtime 14 times by 10-30% at r = 13, batch 1;
  // measured, the cause not traced).
  const adapterInfo = { route, ...engine.adapterInfo, features: engine.features, precision: engine.precision, matmul: engine.matmulVariant };
  const matmulTimings = engine.matmulTimings;
  engine.dispose();

  const cpu: Backend = createReferenceBackend(weights);
  const cpuSettings: BenchSetting[] = [0, 13].map((r) => ({ engine: 'tome-reference', r, schedule: 'constant', batch: 1 }));
  const cpuRr = new RoundRobin(cpuSettings, 1, Math.min(3, o.repeat));
  await timeRoundRobin(
    cpuRr,
    (s) => cpu.run([inputs[0]], tomeOpts(s)),
    (round) => log(`tome-reference: round ${round + 1}/${cpuRr.timedRounds}`),
  );
  rows.push(...benchRows(cpuSettings, cpuRr.samples));

  // ONNX Runtime before tfjs: tfjs-webgpu's device outlives its rows.
  const ort = await ortRows({ weights, inputs, batches: o.batches, repeat: o.repeat, ortNode: o.peers.ortNode, ortWeb: o.peers.ortWeb, log });
  rows.push(...ort.rows);
  if (o.peers.tfjs) rows.push(...(await tfjsPeerRows(weights, o.inputs, o.batches, o.repeat, route)));

  // Also the CPU fallback's settings, so the results give the FLOPs of every setting timed (its
  // targets compare speed-ups with ONNX Runtime's at the same settings, not with FLOP ratios).
  const flops = Object.fromEntries(
    [...settings, ...CPU_SETTINGS].map((s) => [
      `${s.schedule}-${s.r}`,
      2 * forwardMacs(c, tokenCounts(numPatches(c), rPerLayer(c.depth, s.r, s.schedule), tokenLayout(c))),
    ]),
  );
  const evalPath = join(COMMITTED_RESULTS_DIR, `eval-${c.id}.json`);
  const evalOut = existsSync(evalPath) ? (JSON.parse(readFileSync(evalPath, 'utf8')) as EvalOutput) : undefined;
  const targets = checkTargets({
    rows,
    flopsPerImage: flops,
    bestMatmulGflops: median(probe.gflops),
    tomeShareR13: tomeOverhead.map(({ batch, share }) => ({ batch, share })),
    evalOut,
    videoOutsideShareR13: { route, share: video.rows.find((r) => r.setting === 'r=13')!.outsideShare },
  });
  const out: BenchResult = {
    adapter: adapterInfo,
    model: c.id,
    rows,
    matmulTimings,
    matmulGflopsPerRound: probe.gflops,
    tomeOverhead,
    flopsPerImage: flops,
    profile,
    peers: ort.peers,
    video,
    targets,
  };
  writeRunResults(out, o.outDir ?? DEFAULT_OUT_DIR, evalOut);
  return out;
}
