// Measures the two designs the fast CPU fallback could take, on onnxruntime-node in one process,
// settings alternated round-robin (`npx tsx bench/fallback-design.ts [rounds]`):
// - per-merge segment graphs with our ToMe between them (what src/ort does), against
// - one whole graph per fixed setting, ToMe inside the graph (../shared/onnx r0 / r13: the
//   official ToMe exported as ONNX ops);
// plus what cutting the model costs by itself (r = 0 forced through the 13 per-block segments,
// no merge), our r = 0 graph against the exported one (same model), and what creating the
// sessions costs (paid once per new cut of the blocks). Every session has one intra-op thread per
// core that spins only while a run lasts, as the bench's peers do.
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { median } from '../src/core/stats';
import { goldenDir, sharedPath } from '../src/golden';
import { goldenRefs } from './peers/golden-check';
import { onnxGraphPath } from './peers/ort-node';
import { readTimmDir } from '../src/model/timm-dir';
import { ortForward, SegmentSessions } from '../src/ort/forward';
import { ortNodeOptions } from '../src/ort/node';
import { IO, takesLogSize } from '../src/ort/vit-segments';

const MODEL = 'vit_tiny_patch16_224.augreg_in21k_ft_in1k';
const rounds = Number(process.argv[2] ?? 10);
const weights = readTimmDir(sharedPath('weights', MODEL), { classesTsv: sharedPath('imagenet', 'classes.tsv') });
const c = weights.config;
const inputs = goldenRefs(goldenDir(), MODEL, 'r0').map((g) => g.input);
const threads = availableParallelism();
const o = await ortNodeOptions(threads);
const batchOf = (n: number) => Array.from({ length: n }, (_, i) => inputs[i % inputs.length]);
const tome = (r: number) => ({ r, schedule: 'constant' as const, propAttn: true, mode: 'merge' as const });

let t = performance.now();
const sessions = new SegmentSessions(weights, o.ort, o.session);
await ortForward(weights, sessions, o.ort, [inputs[0]], tome(0));
const createWhole = performance.now() - t;
t = performance.now();
await ortForward(weights, sessions, o.ort, [inputs[0]], tome(13));
const createUnits = performance.now() - t;
const peerOpts = { executionProviders: ['cpu'], intraOpNumThreads: threads, graphOptimizationLevel: 'all' as const, extra: o.session.extra };
t = performance.now();
const whole13 = await ort.InferenceSession.create(onnxGraphPath(sharedPath('onnx'), MODEL, 13), peerOpts);
const createWhole13 = performance.now() - t;
const whole0 = await ort.InferenceSession.create(onnxGraphPath(sharedPath('onnx'), MODEL, 0), peerOpts);

/** r = 0 through the 13 per-block segments (made for r > 0), passing x on with no merge. */
async function cutR0(batch: Float32Array[]): Promise<void> {
  const S = c.imgSize;
  const T = c.imgSize ** 2 / c.patchSize ** 2 + 1;
  const pixels = new Float32Array(batch.length * 3 * S * S);
  batch.forEach((x, i) => pixels.set(x, i * 3 * S * S));
  let feeds: Record<string, ort.Tensor> = { [IO.pixels]: new ort.Tensor('float32', pixels, [batch.length, 3, S, S]) };
  for (let b = -1; b < c.depth; b++) {
    const spec = { from: b, to: b + 1 };
    const out = await (await sessions.get(spec)).run(feeds);
    if (spec.to === c.depth) return;
    feeds = { [IO.x]: out[IO.xOut] };
    if (takesLogSize({ from: spec.to, to: spec.to + 1 }, c.depth))
      feeds[IO.logSize] = new ort.Tensor('float32', new Float32Array(batch.length * T), [batch.length, T]);
  }
}

async function wholeGraph(whole: ort.InferenceSession, batch: Float32Array[]): Promise<void> {
  const n = batch[0].length;
  const pixels = new Float32Array(batch.length * n);
  batch.forEach((x, i) => pixels.set(x, i * n));
  await whole.run({ [whole.inputNames[0]]: new ort.Tensor('float32', pixels, [batch.length, 3, c.imgSize, c.imgSize]) });
}

for (const b of [1, 8]) {
  const batch = batchOf(b);
  const items: Array<[string, () => Promise<unknown>]> = [
    ['segments r=0 (one graph)', () => ortForward(weights, sessions, o.ort, batch, tome(0))],
    ['whole graph r=0 (the exported ONNX file)', () => wholeGraph(whole0, batch)],
    ['segments r=0 forced through 13 cuts', () => cutR0(batch)],
    ['segments r=13 (13 cuts + our ToMe)', () => ortForward(weights, sessions, o.ort, batch, tome(13))],
    ['whole fixed graph r=13 (ToMe as ONNX ops)', () => wholeGraph(whole13, batch)],
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
  console.log(`batch ${b}, ${threads} threads, median (min) ms of ${rounds} rounds:`);
  items.forEach(([name], i) => console.log(`  ${name}: ${median(samples[i]).toFixed(1)} (${Math.min(...samples[i]).toFixed(1)})`));
}
console.log(
  `session creation: whole r=0 graph ${createWhole.toFixed(0)} ms (incl. first forward); the 13 per-block segments ${createUnits.toFixed(0)} ms (incl. first forward); the whole r=13 ONNX graph ${createWhole13.toFixed(0)} ms`,
);
process.exit(0);
