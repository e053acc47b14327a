// The design study of the fast CPU fallback, on onnxruntime-node in one process, settings
// alternated round-robin (`npx tsx bench/fallback-design.ts [rounds]`): our whole-forward graphs
// (src/ort: the plain ViT for r = 0; for every other setting one ToMe graph, ToMe inside it, r
// per block an input) at r = 0, 13 and decreasing-16, against ONNX Runtime on the exported
// whole graphs of ../shared/onnx (plain, and the official ToMe at a fixed r = 13); the ToMe
// graph run at r = 0 (every block matches, none merges: what one graph for every setting would
// cost there); and what creating our two sessions and ONNX Runtime's r = 13 session costs (ours
// are created once per model: a slider move creates none). Every session has one intra-op
// thread per core that spins only while a run lasts, as the bench's peers do. Prints the load
// average beside the figures.
import { loadavg, availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { median } from '../src/core/stats';
import type { ToMeOptions } from '../src/core/tome';
import { goldenDir, sharedPath } from '../src/golden';
import { goldenRefs } from './peers/golden-check';
import { onnxGraphPath } from './peers/ort-node';
import { readTimmDir } from '../src/model/timm-dir';
import { ForwardSessions, ortForward } from '../src/ort/forward';
import { ortNodeOptions } from '../src/ort/node';
import { IO } from '../src/ort/vit-graph';

const MODEL = 'vit_tiny_patch16_224.augreg_in21k_ft_in1k';
const rounds = Number(process.argv[2] ?? 10);
const weights = readTimmDir(sharedPath('weights', MODEL), { classesTsv: sharedPath('imagenet', 'classes.tsv') });
const c = weights.config;
const inputs = goldenRefs(goldenDir(), MODEL, 'r0').map((g) => g.input);
const threads = availableParallelism();
const o = await ortNodeOptions(threads);
const batchOf = (n: number) => Array.from({ length: n }, (_, i) => inputs[i % inputs.length]);
const tome = (r: number, schedule: ToMeOptions['schedule'] = 'constant'): ToMeOptions => ({ r, schedule, propAttn: true, mode: 'merge' });
const load = () =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');

const ours = new ForwardSessions(weights, o.ort, o.session);
let t = performance.now();
await ours.get(false);
const createPlain = performance.now() - t;
t = performance.now();
await ours.get(true);
const createTome = performance.now() - t;
const peerOpts = { executionProviders: ['cpu'], intraOpNumThreads: threads, graphOptimizationLevel: 'all' as const, extra: o.session.extra };
t = performance.now();
const whole13 = await ort.InferenceSession.create(onnxGraphPath(sharedPath('onnx'), MODEL, 13), peerOpts);
const createWhole13 = performance.now() - t;
const whole0 = await ort.InferenceSession.create(onnxGraphPath(sharedPath('onnx'), MODEL, 0), peerOpts);

/** The ToMe graph with r = 0 in every block (our forward runs the plain graph at r = 0). */
async function tomeGraphAtR0(batch: Float32Array[]): Promise<void> {
  const session = await ours.get(true);
  const pixels = new Float32Array(batch.length * batch[0].length);
  batch.forEach((x, i) => pixels.set(x, i * x.length));
  await session.run({
    [IO.pixels]: new ort.Tensor('float32', pixels, [batch.length, 3, c.imgSize, c.imgSize]),
    [IO.r]: new ort.Tensor('int64', new BigInt64Array(c.depth), [c.depth]),
    [IO.keep]: new ort.Tensor('float32', Float32Array.of(1), [1]),
    [IO.propAttn]: new ort.Tensor('float32', Float32Array.of(1), [1]),
  });
}

async function wholeGraph(whole: ort.InferenceSession, batch: Float32Array[]): Promise<void> {
  const n = batch[0].length;
  const pixels = new Float32Array(batch.length * n);
  batch.forEach((x, i) => pixels.set(x, i * n));
  await whole.run({ [whole.inputNames[0]]: new ort.Tensor('float32', pixels, [batch.length, 3, c.imgSize, c.imgSize]) });
}

console.log(`load average before: ${load()}`);
for (const b of [1, 8]) {
  const batch = batchOf(b);
  const items: Array<[string, () => Promise<unknown>]> = [
    ['ours r=0', () => ortForward(weights, ours, o.ort, batch, tome(0))],
    ['ours r=13', () => ortForward(weights, ours, o.ort, batch, tome(13))],
    ['ours decreasing-16', () => ortForward(weights, ours, o.ort, batch, tome(16, 'decreasing'))],
    ['ours, the ToMe graph at r=0 (every block matches, none merges)', () => tomeGraphAtR0(batch)],
    ['ONNX Runtime, exported graph r=0', () => wholeGraph(whole0, batch)],
    ['ONNX Runtime, exported graph r=13 (official ToMe as ONNX ops)', () => wholeGraph(whole13, batch)],
  ];
  const samples = items.map(() => [] as number[]);
  for (const [, f] of items) await f();
  for (let k = 0; k < rounds; k++) {
    for (const [i, [, f]] of items.entries()) {
      const t0 = performance.now();
      await f();
      samples[i].push(performance.now() - t0);
    }
  }
  const med = samples.map(median);
  console.log(`batch ${b}, ${threads} threads, median (min) ms of ${rounds} rounds, speed-up over the same engine's r=0; load average after: ${load()}`);
  items.forEach(([name], i) => {
    const base = i < 4 ? med[0] : med[4];
    console.log(`  ${name}: ${med[i].toFixed(1)} (${Math.min(...samples[i]).toFixed(1)}) ${(base / med[i]).toFixed(2)}x`);
  });
}
console.log(
  `session creation: our plain graph (r = 0) ${createPlain.toFixed(0)} ms, our ToMe graph (every other setting) ${createTome.toFixed(0)} ms; ONNX Runtime's r=13 graph ${createWhole13.toFixed(0)} ms; load average ${load()}`,
);
await Promise.all([ours.dispose(), whole0.release(), whole13.release()]);
process.exit(0);
