// The CPU fallback's rows of `npm run bench` alone, in one run (`npx tsx bench/fallback-bench.ts
// [OUT_DIR] [repeat]`): our fallback (`tome-cpu`: onnxruntime-node; `tome-cpu-page`:
// onnxruntime-web's WASM in headless Chromium) at r = 0, 13 and decreasing-16, batch 1 and 8,
// round-robin with ONNX Runtime on the official whole graphs at the same settings (`ort-cpu`,
// `ort-web-wasm`: plain, the exported ToMe r = 13, and that graph rewritten to decreasing-16), the same groups, rounds and golden checks as the full bench
// (bench/peers/ort-rows.ts) without its GPU groups, and the fallback's targets (targets.ts,
// ortTargets). Prints the load average beside the figures; writes fallback-bench.json/.md into
// OUT_DIR (default .cache/bench).
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { forwardMacs } from '../src/core/flops';
import { rPerLayer, tokenCounts } from '../src/core/tome';
import { sharedPath } from '../src/golden';
import { numPatches, tokenLayout } from '../src/model/config';
import { readTimmDir } from '../src/model/timm-dir';
import { CPU_ROUNDS_FACTOR } from './peers/ort-node';
import { CPU_SETTINGS } from './peers/peer-settings';
import { ortRows } from './peers/ort-rows';
import { benchTable } from './report';
import { DEFAULT_OUT_DIR } from './results-dirs';
import { ortTargets, targetsTable } from './targets';

const MODEL = 'vit_tiny_patch16_224.augreg_in21k_ft_in1k';
const outDir = process.argv[2] ?? DEFAULT_OUT_DIR;
const repeat = Number(process.argv[3] ?? 10);
const log = (s: string) => process.stderr.write(`fallback-bench: ${s}\n`);
const load = () =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');

const weights = readTimmDir(sharedPath('weights', MODEL), { classesTsv: sharedPath('imagenet', 'classes.tsv') });
const c = weights.config;
const start = new Date().toISOString();
const loadBefore = load();
log(`load average before: ${loadBefore}`);
const { rows, peers } = await ortRows({ weights, inputs: [], batches: [1, 8], repeat, ortNode: true, ortWeb: true, gpu: false, log });
const loadAfter = load();
log(`load average after: ${loadAfter}`);
const flopsPerImage = Object.fromEntries(
  CPU_SETTINGS.map((s) => [`${s.schedule}-${s.r}`, 2 * forwardMacs(c, tokenCounts(numPatches(c), rPerLayer(c.depth, s.r, s.schedule), tokenLayout(c)))]),
);
const targets = ortTargets(rows);
const out = {
  model: MODEL,
  start,
  end: new Date().toISOString(),
  loadAverage: { before: loadBefore, after: loadAfter },
  repeat,
  rows,
  peers,
  flopsPerImage,
  targets,
};
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'fallback-bench.json'), JSON.stringify(out, null, 2) + '\n');
const md = [
  `# The CPU fallback against ONNX Runtime (bench/fallback-bench.ts), ${MODEL}`,
  '',
  `${start} to ${out.end}; load average (1, 5, 15 min) before ${loadBefore}, after ${loadAfter}. ms per forward of the whole batch, median (min, max) of ${CPU_ROUNDS_FACTOR * repeat} round-robin rounds per group; speed-up over the same engine's r = 0 in the same rounds.`,
  '',
  benchTable({ adapter: {}, rows }),
  '',
  targetsTable(targets),
  '',
].join('\n');
writeFileSync(join(outDir, 'fallback-bench.md'), md);
process.stdout.write(md);
process.exit(0);
