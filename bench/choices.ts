// `npm run bench:choices [-- MODEL]`: what each of ToMe's design choices costs on the WebGPU
// engine (issue 22). Rows at r = 13 for each choice the engine runs (src/gpu/choices.ts), beside
// r = 0 and the official algorithm, batch 1 and 8, round-robin timed as `tome bench`; and each
// choice's ToMe kernels (matching, merge) from the engine's profile at batch 1. The engine runs
// every choice, so every value has its row (the random split with the default seed 0); greedy and
// k-means matching are their own kernels (tome_group.wgsl) but of the matching family, so their
// cost is in `matchMs`.
// Written to .cache/bench/choices.json (and stdout).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { batchOf, benchRows, RoundRobin, timeRoundRobin, type BenchSetting } from '../src/core/timing';
import { CHOICE_VALUES, OFFICIAL_CHOICES, type DesignChoices, type ToMeOptions } from '../src/core/tome';
import { ENGINE_CHOICES } from '../src/gpu/choices';
import { createWebGpuBackend } from '../src/gpu/engine';
import { requestNodeAdapter } from '../src/gpu/node-adapter';
import { loadModelNode } from '../src/model/load-node';
import { choicesName } from '../src/eval/settings';
import { DEFAULT_OUT_DIR } from './results-dirs';

const log = (line: string) => process.stderr.write(`bench:choices: ${line}\n`);

/** The official algorithm, then each value the engine runs other than the official one, alone. */
function engineVariants(): Array<Partial<DesignChoices>> {
  const out: Array<Partial<DesignChoices>> = [{}];
  for (const key of Object.keys(CHOICE_VALUES) as Array<keyof typeof CHOICE_VALUES>) {
    for (const value of ENGINE_CHOICES[key]) if (value !== OFFICIAL_CHOICES[key]) out.push({ [key]: value });
  }
  return out;
}

async function main(): Promise<void> {
  const model = process.argv[2] ?? 'vit_tiny_patch16_224.augreg_in21k_ft_in1k';
  const weights = await loadModelNode(model);
  const S = weights.config.imgSize;
  // A few fixed pseudo-random images: the matching's work does not depend on the pixels.
  const inputs = [1, 2, 3].map((seed) => Float32Array.from({ length: 3 * S * S }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) % 1));
  const batches = [1, 8];
  const { adapter } = await requestNodeAdapter('auto');
  const engine = await createWebGpuBackend(weights, { adapter, maxBatch: Math.max(...batches) });
  log(`${model} on ${engine.description}`);
  const variants = engineVariants();
  const base = { schedule: 'constant' as const, propAttn: true, mode: 'merge' as const };
  const settings: Array<BenchSetting & { opts: ToMeOptions; choices: string }> = batches.flatMap((batch) => [
    { engine: 'tome-webgpu', r: 0, schedule: 'constant' as const, batch, opts: { ...base, r: 0 }, choices: '' },
    ...variants.map((v) => ({
      engine: 'tome-webgpu',
      r: 13,
      schedule: 'constant' as const,
      batch,
      opts: { ...base, r: 13, ...v },
      choices: choicesName(v) || 'official',
    })),
  ]);
  const repeat = 3;
  const rr = new RoundRobin(settings, 1, repeat);
  await timeRoundRobin(
    rr,
    (s) => engine.run(batchOf(inputs, s.batch), s.opts),
    async (round) => log(`round ${round + 1}/${repeat}`),
  );
  const rows = benchRows(settings, rr.samples).map((row, i) => ({ ...row, choices: settings[i].choices }));
  const kernels = [];
  for (const v of variants) {
    const p = await engine.profile([inputs[0]], { ...base, r: 13, ...v });
    kernels.push({
      choices: choicesName(v) || 'official',
      source: p.source,
      totalMs: p.totalMs,
      tomeMs: p.tomeMs,
      matchMs: p.perFamily.tome_match,
      mergeMs: p.perFamily.tome_merge,
    });
  }
  engine.dispose();
  const result = { model, adapter: engine.description, rows, kernels };
  mkdirSync(DEFAULT_OUT_DIR, { recursive: true });
  writeFileSync(join(DEFAULT_OUT_DIR, 'choices.json'), JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(0));
}

void main();
