// The GPU matrix: our engine in every configuration (precision x matmul variant) on one Dawn
// adapter, golden-checked first, then timed at every ToMe setting and batch in one round-robin
// schedule (all configurations interleaved, so drift and clock changes hit them alike), then
// what each costs beyond its arithmetic: ToMe's own kernels, the submission and per-dispatch
// fixed costs, and the matmul kernel alone against the GPU's fp32 peak.
import { forwardMacs } from '../../src/core/flops';
import { median } from '../../src/core/stats';
import { batchOf, benchRows, RoundRobin, timeRoundRobin, type BenchSetting } from '../../src/core/timing';
import { rPerLayer, tokenCounts, type Schedule, type ToMeOptions } from '../../src/core/tome';
import { numPatches, tokenLayout } from '../../src/model/config';
import type { ViTWeights } from '../../src/model/weights';
import { createWebGpuBackend, type WebGpuBackend } from '../../src/gpu/engine';
import { requestNodeAdapter } from '../../src/gpu/node-adapter';
import { loadShaderSources } from '../../src/gpu/shader-source';
import { measureDispatchCost } from './dispatch-cost';
import { checkGolden, loadGoldenSet, type GoldenSet } from './golden';
import { matmulRate } from './matmul-rate';
import type { MatrixOptions } from './options';
import { fp32PeakFor } from './peaks';
import { fmtRate } from './report';
import type { DispatchOverhead, EngineConfig, GoldenReport, MatmulRate, MatrixResult, MatrixRow, TomeShare } from './result';

export class GoldenCheckFailed extends Error {
  constructor(
    message: string,
    readonly partial: MatrixResult,
  ) {
    super(message);
  }
}

export interface MatrixEnv {
  loadWeights(model: string): Promise<ViTWeights>;
  log(line: string): void;
  runtime: MatrixResult['runtime'];
}

type Setting = { r: number; schedule: Schedule };
const tome = (s: Setting): ToMeOptions => ({ r: s.r, schedule: s.schedule, propAttn: true, mode: 'merge' });
const settingKey = (s: Setting): string => `${s.schedule}-${s.r}`;
const configLabel = (c: EngineConfig): string => `${c.precision} ${c.matmul}`;

/** FLOPs of one image's forward at each setting (the engine's cost model, src/core/flops.ts). */
function flopsPerImage(w: ViTWeights, settings: Setting[]): Record<string, number> {
  const c = w.config;
  return Object.fromEntries(
    settings.map((s) => [settingKey(s), 2 * forwardMacs(c, tokenCounts(numPatches(c), rPerLayer(c.depth, s.r, s.schedule), tokenLayout(c)))]),
  );
}

async function engineFor(w: ViTWeights, cfg: EngineConfig, maxBatch: number): Promise<WebGpuBackend> {
  // An adapter gives one device: a fresh adapter per engine.
  const { adapter } = await requestNodeAdapter('auto');
  return createWebGpuBackend(w, { adapter, precision: cfg.precision, matmul: cfg.matmul, maxBatch });
}

function goldenLine(g: GoldenReport): string {
  const head = `golden ${g.model} ${configLabel(g)}: ${g.passed}/${g.cases} cases pass`;
  const stats = `max |logit diff| r=0 ${g.maxLogitDiffR0.toExponential(1)}, r>0 ${g.maxLogitDiffMerging.toExponential(1)}; top-1 ${g.top1Agree}/${g.cases}; groups ${(100 * g.groupsAgree).toFixed(1)}%`;
  const first = g.failures[0];
  return `${head} (${stats})${first ? `; first failure: ${first.image} ${first.caseName}: ${first.what}` : ''}`;
}

export async function runMatrix(o: MatrixOptions, env: MatrixEnv): Promise<MatrixResult> {
  const t0 = performance.now();
  const seconds: Record<string, number> = {};
  let phaseStart = t0;
  const phase = (name: string) => {
    const now = performance.now();
    seconds[name] = Math.round((now - phaseStart) / 100) / 10;
    phaseStart = now;
  };
  const log = (s: string) => env.log(`[${((performance.now() - t0) / 1000).toFixed(0)}s] ${s}`);

  const { adapter: first, route } = await requestNodeAdapter('auto');
  const info = first.info;
  const adapterText = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  const hasF16 = first.features.has('shader-f16');
  const result: MatrixResult = {
    kind: 'tome-gpu-matrix',
    startedAt: new Date().toISOString(),
    runtime: env.runtime,
    adapter: {
      route,
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      isFallbackAdapter: (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true,
      features: [...first.features].map(String).sort(),
    },
    peak: fp32PeakFor(adapterText, o.peakGflops),
    golden: [],
    skipped: [],
    bench: null,
    seconds,
  };
  log(`adapter ${route}: ${adapterText}${result.adapter.isFallbackAdapter ? ' (software)' : ''}`);
  log(result.peak ? `fp32 peak ${result.peak.gflops} GFLOP/s (${result.peak.source})` : 'fp32 peak unknown for this adapter (--peak-gflops X to give one)');

  const configs = o.configs.filter((cfg) => {
    if (cfg.precision === 'f16' && !hasF16) {
      result.skipped.push({ ...cfg, reason: 'the adapter has no shader-f16' });
      log(`${configLabel(cfg)}: skipped, the adapter has no shader-f16`);
      return false;
    }
    return true;
  });

  // Golden check of every model on every configuration, before anything is timed.
  const weights = new Map<string, ViTWeights>();
  const goldenSets = new Map<string, GoldenSet>();
  const models = [...new Set([...o.goldenModels, ...(o.benchModel ? [o.benchModel] : [])])];
  for (const model of models) {
    weights.set(model, await env.loadWeights(model));
    goldenSets.set(model, loadGoldenSet(o.goldenDir, model));
  }
  const benchBatch = Math.max(...o.batches);
  const engines = new Map<string, WebGpuBackend>();
  const failed = new Set<string>();
  for (const model of o.goldenModels) {
    const set = goldenSets.get(model)!;
    for (const cfg of configs) {
      const keep = model === o.benchModel;
      const engine = await engineFor(weights.get(model)!, cfg, Math.max(set.inputs.length, keep ? benchBatch : 1));
      const g = await checkGolden(engine, set);
      result.golden.push(g);
      log(goldenLine(g));
      if (g.failures.length) failed.add(configLabel(cfg));
      if (keep && !g.failures.length) engines.set(configLabel(cfg), engine);
      else engine.dispose();
    }
  }
  phase('golden');
  const f32Failed = configs.filter((c) => c.precision === 'f32' && failed.has(configLabel(c)));
  if (f32Failed.length && !o.keepGoing) {
    for (const e of engines.values()) e.dispose();
    throw new GoldenCheckFailed(
      `golden check FAILED for ${f32Failed.map(configLabel).join(', ')}: nothing timed (see the golden lines above; --keep-going times the configurations that passed)`,
      result,
    );
  }
  for (const cfg of configs.filter((c) => failed.has(configLabel(c)))) {
    result.skipped.push({ ...cfg, reason: 'golden check failed' });
    log(`${configLabel(cfg)}: not timed, its golden check failed`);
  }
  if (!o.benchModel) return result;

  const w = weights.get(o.benchModel)!;
  const c = w.config;
  const set = goldenSets.get(o.benchModel)!;
  if (!o.goldenModels.includes(o.benchModel)) {
    log(`${o.benchModel} is timed without a golden check (not in --models)`);
    for (const cfg of configs) engines.set(configLabel(cfg), await engineFor(w, cfg, benchBatch));
  }
  const timed = configs.filter((cfg) => engines.has(configLabel(cfg)));
  if (!timed.length) throw new GoldenCheckFailed('no configuration passed its golden check: nothing to time', result);
  const inputs = set.inputs;
  const flops = flopsPerImage(w, o.settings);
  const peak = result.peak?.gflops ?? null;

  // Every configuration x batch x setting in one round-robin schedule.
  const items: Array<BenchSetting & { cfg: EngineConfig }> = timed.flatMap((cfg) =>
    o.batches.flatMap((batch) => o.settings.map((s) => ({ engine: `tome-webgpu ${configLabel(cfg)}`, ...s, batch, cfg }))),
  );
  const gpuSamples = items.map(() => [] as number[]);
  const calls = items.map(() => 0);
  const rr = new RoundRobin(items, o.warmupRounds, o.timedRounds);
  log(
    `timing ${items.length} items (${timed.length} configurations x ${o.batches.length} batches x ${o.settings.length} settings), ${o.warmupRounds} warm-up + ${o.timedRounds} timed rounds`,
  );
  await timeRoundRobin(
    rr,
    async (item) => {
      const i = items.indexOf(item);
      const { timing } = await engines.get(configLabel(item.cfg))!.run(batchOf(inputs, item.batch), tome(item));
      if (calls[i]++ >= o.warmupRounds && timing.source === 'gpu-timestamp') gpuSamples[i].push(timing.ms);
    },
    (round) => {
      if (round === 0 || (round + 1) % 5 === 0 || round + 1 === o.timedRounds) log(`round ${round + 1}/${o.timedRounds}`);
    },
  );
  const base = benchRows(items, rr.samples);
  const rows: MatrixRow[] = base.map((row) => {
    const i = items.findIndex((it) => it.engine === row.engine && it.batch === row.batch && it.r === row.r && it.schedule === row.schedule);
    const cfg = items[i].cfg;
    const gpuMsMedian = gpuSamples[i].length ? median(gpuSamples[i]) : null;
    const key = settingKey(row);
    const flopRatio = flops['constant-0'] / flops[key];
    const gflops = (flops[key] * row.batch) / ((gpuMsMedian ?? row.msMedian) * 1e6);
    return {
      ...cfg,
      engine: 'tome-webgpu',
      label: configLabel(cfg),
      r: row.r,
      schedule: row.schedule,
      batch: row.batch,
      msMedian: row.msMedian,
      msMin: row.msMin,
      msMax: row.msMax,
      gpuMsMedian,
      msPerImage: row.msMedian / row.batch,
      gpuMsPerImage: gpuMsMedian === null ? null : gpuMsMedian / row.batch,
      imgPerSec: row.imgPerSec,
      speedupVsR0: row.speedupVsR0,
      flopRatio,
      ofFlopRatio: row.speedupVsR0 / flopRatio,
      gflops,
      ofPeak: peak ? gflops / peak : null,
    };
  });
  phase('timing');

  // ToMe's own cost and the per-kernel profile at the smallest and largest batch, r = 13 (the
  // headline setting) and r = 0 (for the dispatch count and the family shares).
  const profileBatches = [...new Set([Math.min(...o.batches), benchBatch])];
  const tomeShares: TomeShare[] = [];
  const dispatchCounts = new Map<string, number>();
  for (const cfg of timed) {
    const engine = engines.get(configLabel(cfg))!;
    for (const batch of profileBatches) {
      for (const r of [0, 13]) {
        const p = await engine.profile(batchOf(inputs, batch), tome({ r, schedule: 'constant' }), { tomeRounds: r > 0 ? o.tomeRounds : 0 });
        dispatchCounts.set(`${configLabel(cfg)}|${batch}|${r}`, p.kernels.length);
        const perFamilyShare = Object.fromEntries(Object.entries(p.perFamily).map(([k, v]) => [k, v / p.totalMs]));
        if (p.tomeCost) {
          tomeShares.push({
            ...cfg,
            r,
            batch,
            forwardMs: p.tomeCost.forwardMs,
            tomeMs: p.tomeCost.tomeMs,
            share: p.tomeCost.share,
            ablationShare: p.tomeCost.ablationShare,
            profileShare: p.tomeMs / p.totalMs,
            profileSource: p.source,
            perFamilyShare,
          });
        } else {
          tomeShares.push({
            ...cfg,
            r,
            batch,
            forwardMs: p.totalMs,
            tomeMs: 0,
            share: 0,
            ablationShare: 0,
            profileShare: 0,
            profileSource: p.source,
            perFamilyShare,
          });
        }
      }
    }
    log(`profiled ${configLabel(cfg)}`);
  }
  phase('profile');

  const firstEngine = engines.get(configLabel(timed[0]))!;
  const dispatch = await measureDispatchCost(firstEngine.device, o.tomeRounds);
  log(`empty submission ${dispatch.emptySubmitMs.toFixed(3)} ms, one more dispatch ${(1000 * dispatch.perDispatchMs).toFixed(1)} us`);
  const overhead: DispatchOverhead[] = [];
  for (const cfg of timed) {
    for (const batch of profileBatches) {
      for (const r of [0, 13]) {
        const row = rows.find((x) => x.precision === cfg.precision && x.matmul === cfg.matmul && x.batch === batch && x.r === r && x.schedule === 'constant');
        const dispatches = dispatchCounts.get(`${configLabel(cfg)}|${batch}|${r}`);
        if (!row || dispatches === undefined) continue;
        const fixedMs = dispatch.emptySubmitMs + dispatches * dispatch.perDispatchMs;
        overhead.push({
          ...cfg,
          r,
          batch,
          dispatches,
          wallMs: row.msMedian,
          gpuMs: row.gpuMsMedian,
          hostMs: row.gpuMsMedian === null ? null : row.msMedian - row.gpuMsMedian,
          fixedMs,
          fixedShare: fixedMs / row.msMedian,
        });
      }
    }
  }

  const src = await loadShaderSources();
  const matmul: MatmulRate[] = [];
  for (const cfg of timed) {
    for (const batch of profileBatches)
      matmul.push(await matmulRate(engines.get(configLabel(cfg))!.device, src, cfg, c, batch, Math.max(3, Math.min(o.tomeRounds, 10)), peak));
  }
  log(`matmul alone: ${matmul.map((m) => `${configLabel(m)} M=${m.M} ${fmtRate(m.gflops)} GFLOP/s`).join('; ')}`);
  phase('overhead');

  for (const e of engines.values()) e.dispose();

  result.bench = {
    model: c.id,
    quick: o.quick,
    warmupRounds: o.warmupRounds,
    timedRounds: o.timedRounds,
    flopsPerImage: flops,
    rows,
    matmul,
    tome: tomeShares,
    dispatch,
    overhead,
  };
  seconds.total = Math.round((performance.now() - t0) / 100) / 10;
  return result;
}
