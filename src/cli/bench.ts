// `tome bench`: every figure of one call measured in one process on one adapter (DESIGN.md).
// Settings are timed round-robin (one run of each per round) so slow drift of a shared,
// software-rendered machine hits every setting alike and the ratios stay fair.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median, summarize } from '../../bench/harness';
import { writeReport, benchTable } from '../../bench/report';
import type { BenchOutput, BenchRow, EvalOutput } from '../model/results';
import { checkTargets, targetsTable, type TargetCheck } from '../../bench/targets';
import type { Backend } from '../model/backend';
import { numPatches, type ModelConfig } from '../model/config';
import { forwardMacs, rPerLayer, tokenCounts, topK, type Schedule, type ToMeOptions } from '../model/tome';
import type { ViTWeights } from '../model/weights';
import { createCpuBackend } from '../cpu/backend';
import { requestNodeAdapter, type NodeRoute } from '../gpu/node-adapter';
import { measureMatmuls } from '../gpu/matmul-choice';
import { loadShaderSources } from '../gpu/shader-source';
import { createWebGpuBackend, HOST_REPLAYS, type TomeOverhead, type WebGpuBackend } from '../gpu/engine';
import type { CliOptions } from './args';
import { PROJECT_ROOT } from './paths';
import { parsePeers } from '../../bench/peers/selection';
import { ortRows, peersTable, type PeerInfo } from '../../bench/peers/ort-rows';

interface Setting {
  r: number;
  schedule: Schedule;
}

interface Timed {
  engine: BenchRow['engine'];
  setting: Setting;
  batch: number;
  run: () => Promise<unknown>;
  samples: number[];
}

const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

/** Constant schedule at every r, and decreasing at the largest r (the paper's setting) unless
 * a schedule was asked for explicitly. */
function settingsOf(o: CliOptions, explicitSchedule: boolean): Setting[] {
  if (explicitSchedule) return o.schedules.flatMap((schedule) => o.rs.map((r) => ({ r, schedule })));
  const out: Setting[] = o.rs.map((r) => ({ r, schedule: 'constant' as Schedule }));
  if (o.schedules.includes('decreasing')) out.push({ r: Math.max(...o.rs), schedule: 'decreasing' });
  return out;
}

/** The golden inputs (real photos, preprocessed by the reference) are the timing inputs; their
 * content does not change the work, but it lets the peer be checked before it is timed. */
function goldenInputs(model: string): { inputs: Float32Array[]; r0Top1: number[] } {
  const dir = join(PROJECT_ROOT, '..', 'shared', 'golden');
  const cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as {
    entries: { model: string; input: string; cases: { name: string; top5: [number, number][] }[] }[];
  };
  const entries = cases.entries.filter((e) => e.model === model);
  if (!entries.length) throw new Error(`no golden inputs for ${model} in ${dir}`);
  return {
    inputs: entries.map((e) => {
      const b = readFileSync(join(dir, e.input));
      return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    }),
    r0Top1: entries.map((e) => e.cases.find((c) => c.name === 'r0')!.top5[0][0]),
  };
}

function batchOf(inputs: Float32Array[], n: number): Float32Array[] {
  return Array.from({ length: n }, (_, i) => inputs[i % inputs.length]);
}

async function timeRoundRobin(items: Timed[], warmup: number, repeat: number, label: string, afterRound?: (round: number) => Promise<void>): Promise<void> {
  for (let w = 0; w < warmup; w++) for (const it of items) await it.run();
  for (let round = 0; round < repeat; round++) {
    for (const it of items) {
      const t0 = performance.now();
      await it.run();
      it.samples.push(performance.now() - t0);
    }
    await afterRound?.(round);
    log(`${label}: round ${round + 1}/${repeat}`);
  }
}

/**
 * The engine's matmul variant re-timed alone once per round, on its own device of the same
 * route (an adapter gives one device), so "forward GFLOP/s vs best matmul" compares figures
 * taken under the same machine load rather than against the engine's start-up measurement.
 */
async function matmulProbe(engine: WebGpuBackend, route: NodeRoute, c: ModelConfig) {
  const device = await (await requestNodeAdapter(route)).adapter.requestDevice();
  const src = await loadShaderSources();
  const gflops: number[] = [];
  return {
    gflops,
    time: async (round: number) => {
      // A fresh cache key makes measureMatmuls time again instead of returning cached figures.
      const t = await measureMatmuls(device, src, `bench round ${round}`, false, numPatches(c) + 1, c.mlpHidden, c.embedDim);
      gflops.push(t.find((m) => m.variant === engine.matmulVariant)!.gflops);
    },
    dispose: () => device.destroy(),
  };
}

function rowsOf(items: Timed[]): BenchRow[] {
  const rows = items.map((it) => {
    const s = summarize(it.samples, it.batch);
    return { engine: it.engine, r: it.setting.r, schedule: it.setting.schedule, batch: it.batch, msMedian: s.msMedian, msMin: s.msMin, msMax: s.msMax, imgPerSec: s.imgPerSec, speedupVsR0: 1 };
  });
  // Pair by pair: each row against r = 0 of the same engine and batch, measured in the same rounds.
  for (const row of rows) {
    const base = rows.find((b) => b.engine === row.engine && b.batch === row.batch && b.r === 0);
    row.speedupVsR0 = base ? base.msMedian / row.msMedian : NaN;
  }
  return rows;
}

function tomeOpts(s: Setting): ToMeOptions {
  return { r: s.r, schedule: s.schedule, propAttn: true, mode: 'merge' };
}

type Profile = NonNullable<Awaited<ReturnType<typeof profileOf>>>;

function profileTable(profiles: (Profile | null)[]): string {
  const ps = profiles.filter((p): p is Profile => p !== null);
  if (!ps.length) return 'not profiled';
  const families = [...new Set(ps.flatMap((p) => Object.keys(p.perFamilyMs)))];
  const head = `| kernel family | ${ps.map((p) => `r=${p.r} ms | r=${p.r} share`).join(' | ')} |`;
  const sep = `|---|${ps.map(() => '---:|---:').join('|')}|`;
  const body = families.map((f) => `| ${f} | ${ps.map((p) => `${(p.perFamilyMs[f] ?? 0).toFixed(1)} | ${((100 * (p.perFamilyMs[f] ?? 0)) / p.totalMs).toFixed(1)}%`).join(' | ')} |`);
  const total = `| total (${ps[0].source}) | ${ps.map((p) => `${p.totalMs.toFixed(1)} | 100%`).join(' | ')} |`;
  const how =
    ps[0].source === 'wall'
      ? `No timestamp-query on this adapter: each dispatch is replayed ${HOST_REPLAYS} times in a submission of its own after the forward, timed on the host, less an empty submission's round trip, per replay.`
      : 'Timestamp queries around each dispatch (each in its own compute pass).';
  return [how, '', head, sep, ...body, total].join('\n');
}

async function profileOf(engine: WebGpuBackend, input: Float32Array, r: number) {
  engine.profile = true;
  await engine.run([input], tomeOpts({ r, schedule: 'constant' }));
  await engine.run([input], tomeOpts({ r, schedule: 'constant' }));
  const p = engine.lastProfile;
  engine.profile = false;
  if (!p) return null;
  const share = Object.fromEntries(Object.entries(p.perFamily).map(([k, v]) => [k, Math.round((1000 * v) / p.totalMs) / 1000]));
  return { r, source: p.source, totalMs: p.totalMs, tomeMs: p.tomeMs, tomeShare: p.tomeMs / p.totalMs, perFamilyMs: p.perFamily, perFamilyShare: share, perBlockMs: p.perBlock };
}

async function peerRows(weights: ViTWeights, inputs: Float32Array[], r0Top1: number[], batches: number[], repeat: number, route: string): Promise<BenchRow[]> {
  const { usePeerBackend } = await import('../../bench/tfjs-backends');
  const { TfjsViT } = await import('../../bench/tfjs-vit');
  const rows: BenchRow[] = [];
  for (const name of ['webgpu', 'wasm', 'cpu'] as const) {
    try {
      await usePeerBackend(name, { adapterRoute: route as 'auto' });
    } catch (e) {
      log(`tfjs-${name} unavailable: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    const model = new TfjsViT(weights);
    // Same top-1 as the official r = 0 forward on every golden input before anything is timed.
    const logits = await model.run(inputs);
    const wrong = logits.filter((l, i) => topK(l, 1)[0].index !== r0Top1[i]).length;
    if (wrong) throw new Error(`tfjs-${name} peer disagrees with the golden top-1 on ${wrong} of ${inputs.length} inputs`);
    // tfjs-cpu takes seconds per image here: batch 1 and few rounds keep the bench bounded.
    const peerBatches = name === 'cpu' ? [1] : batches;
    const items: Timed[] = peerBatches.map((b) => ({
      engine: `tfjs-${name}`,
      setting: { r: 0, schedule: 'constant' },
      batch: b,
      run: () => model.run(batchOf(inputs, b)),
      samples: [],
    }));
    await timeRoundRobin(items, 1, name === 'cpu' ? Math.min(3, repeat) : repeat, `tfjs-${name}`);
    rows.push(...rowsOf(items));
    model.dispose();
  }
  return rows;
}

export async function bench(weights: ViTWeights, o: CliOptions, explicitSchedule: boolean): Promise<unknown> {
  const c = weights.config;
  const settings = settingsOf(o, explicitSchedule);
  const { inputs, r0Top1 } = goldenInputs(c.id);
  const { adapter, route } = await requestNodeAdapter('auto');
  const engine = await createWebGpuBackend(weights, { adapter, maxBatch: Math.max(...o.batches) });
  log(`adapter ${route}: ${engine.description}; features ${engine.features.join(', ') || 'none'}`);

  const ours: Timed[] = o.batches.flatMap((b) =>
    settings.map((s) => ({ engine: 'tome-webgpu', setting: s, batch: b, run: () => engine.run(batchOf(inputs, b), tomeOpts(s)), samples: [] as number[] })),
  );
  const probe = await matmulProbe(engine, route, c);
  await timeRoundRobin(ours, 2, o.repeat, 'tome-webgpu', probe.time);
  probe.dispose();
  const rows = rowsOf(ours);
  // Our engine's profile and ToMe ablation right after its timings, before other engines load
  // the machine (the peers' devices and wasm threads linger for the rest of the process).
  const profile = [await profileOf(engine, inputs[0], 0), await profileOf(engine, inputs[0], 13)];
  // ToMe's own cost at every batch timed: its dispatches alone against the whole forward.
  const tomeOverhead: TomeOverhead[] = [];
  for (const b of o.batches) {
    await engine.run(batchOf(inputs, b), tomeOpts({ r: 13, schedule: 'constant' }));
    tomeOverhead.push(await engine.measureTomeOverhead(tomeOpts({ r: 13, schedule: 'constant' }), 2 * o.repeat, b));
  }

  const cpu: Backend = createCpuBackend(weights);
  const cpuItems: Timed[] = [0, 13].map((r) => ({ engine: 'tome-reference', setting: { r, schedule: 'constant' }, batch: 1, run: () => cpu.run([inputs[0]], tomeOpts({ r, schedule: 'constant' })), samples: [] as number[] }));
  await timeRoundRobin(cpuItems, 1, Math.min(3, o.repeat), 'tome-reference');
  rows.push(...rowsOf(cpuItems));

  const peers = parsePeers(o.peer);
  if (peers.tfjs) rows.push(...(await peerRows(weights, inputs, r0Top1, o.batches, o.repeat, route)));
  const ort = await ortRows({ weights, batches: o.batches, repeat: o.repeat, ...peers, timeRoundRobin, rowsOf, log });
  rows.push(...ort.rows);

  const flops = Object.fromEntries(
    settings.map((s) => [`${s.schedule}-${s.r}`, 2 * forwardMacs(c, tokenCounts(numPatches(c), rPerLayer(c.depth, s.r, s.schedule)))]),
  );
  const dir = o.out ?? join(PROJECT_ROOT, 'bench', 'results');
  const evalPath = join(dir, `eval-${c.id}.json`);
  const evalOut = existsSync(evalPath) ? (JSON.parse(readFileSync(evalPath, 'utf8')) as EvalOutput) : undefined;
  const targets = checkTargets({
    rows,
    flopsPerImage: flops,
    bestMatmulGflops: median(probe.gflops),
    tomeShareR13: tomeOverhead.map(({ batch, share }) => ({ batch, share })),
    evalOut,
  });
  const out = {
    adapter: { route, ...engine.adapterInfo, features: engine.features, precision: engine.precision, matmul: engine.matmulVariant },
    model: c.id,
    rows,
    matmulTimings: engine.matmulTimings,
    matmulGflopsPerRound: probe.gflops,
    tomeOverhead,
    flopsPerImage: flops,
    profile,
    peers: ort.peers,
    targets,
  };
  engine.dispose();
  writeResults(out, dir, evalOut);
  return out;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
}

/** bench/results/<adapter>.json and .md, plus the accuracy report (table, SVG, summary.json for
 * the page) when an eval of the same model was saved as bench/results/eval-<model>.json. */
function tomeCostTable(rows: TomeOverhead[]): string {
  const f = (v: number) => v.toFixed(1);
  const p = (v: number) => `${(v * 100).toFixed(1)}%`;
  return [
    `ToMe's dispatches (${rows[0]?.dispatches.tome ?? 0} per forward: metric, similarity, order, merge per block) timed alone, ${HOST_REPLAYS} replays per submission, against the whole forward; medians of alternating rounds. The ablation (the forward without them) is a cross-check whose noise here is about the size of the effect.`,
    '',
    '| batch | forward ms | ToMe ms | ToMe share | forward without ToMe ms | ablation share |',
    '|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.batch} | ${f(r.forwardMs)} | ${f(r.tomeMs)} | ${p(r.share)} | ${f(r.withoutMs)} | ${p(r.ablationShare)} |`),
  ].join('\n');
}

function writeResults(
  out: BenchOutput & { model: string; targets: TargetCheck[]; profile: (Profile | null)[]; tomeOverhead: TomeOverhead[]; peers: PeerInfo[] },
  dir: string,
  evalOut: EvalOutput | undefined,
): void {
  mkdirSync(dir, { recursive: true });
  const a = out.adapter as Record<string, string>;
  const name = slug(`${a.route}-${a.description || a.device || a.vendor}`);
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(out, null, 2) + '\n');
  const md = [
    `# Bench of ${out.model} on ${a.route}: ${a.description}`,
    '',
    `Features: ${(out.adapter.features as string[]).join(', ') || 'none'}; matmul variant ${a.matmul}; precision ${a.precision}.`,
    '',
    '## Targets',
    '',
    targetsTable(out.targets),
    '',
    '## ONNX Runtime peers: where they ran, and their check against the golden outputs',
    '',
    peersTable(out.peers),
    '',
    '## Timings (ms per forward of the whole batch)',
    '',
    benchTable(out),
    '',
    "## ToMe's own cost at r=13",
    '',
    tomeCostTable(out.tomeOverhead),
    '',
    '## Profile: share of GPU time per kernel family',
    '',
    profileTable(out.profile),
    '',
  ].join('\n');
  writeFileSync(join(dir, `${name}.md`), md);
  if (evalOut) {
    writeReport(dir, out.model, out, evalOut);
    log(`wrote ${name}.json/.md, results.md, speed-accuracy.svg, summary.json in ${dir}`);
  } else log(`wrote ${name}.json/.md in ${dir}; no eval-${out.model}.json there, so no accuracy plot (save tome eval output under that name)`);
}
