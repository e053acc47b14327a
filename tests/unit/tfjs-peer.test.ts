// The converted model.json is a genuine TF.js graph model, and the benchmark peer is that graph
// model run by tfjs-converter: it must compute the same model as ours, or its timings compare
// different work. On the wasm backend (no GPU needed): the shipped model.json against the official
// r=0 logits, the in-memory graph `tome bench` loads equal to it, distilled and average-pooled
// graphs against the reference, and the models the graph refuses. Plus bench/report.ts on small
// synthetic bench/eval outputs.
import { join } from 'node:path';
import { describe, expect, it, beforeAll } from 'vitest';
import { readTimmDir } from '../../src/model/timm-dir';
import { DEFAULT_WEIGHTS_ROOT, nodeFileHandler } from '../../src/model/load-node';
import { buildManifest, graphModelArtifacts, weightsFromArtifacts, type WeightsModelJson } from '../../src/model/manifest';
import { vitGraph } from '../../src/model/tfjs-graph';
import { forward as referenceForward } from '../../src/reference/vit';
import { TfjsGraphPeer } from '../../bench/peers/tfjs-graph-model';
import { usePeerBackend } from '../../bench/peers/tfjs-backends';
import { accuracyTable, benchTable, buildSummary, speedAccuracySvg } from '../../bench/report';
import type { io } from '@tensorflow/tfjs-core';
import type { BenchOutput, EvalOutput } from '../../src/core/results';
import { logitsEntries, readGoldenF32, sharedPath } from '../../src/golden';
import { randomArray, randomViT } from '../support/random';
import { maxAbsDiff } from '../support/max-abs-diff';

const entries = logitsEntries();
const models = [...new Set(entries.map((e) => e.model))];

describe('the converted model.json as a TF.js graph model (tfjs-converter, wasm backend)', () => {
  beforeAll(async () => {
    const info = await usePeerBackend('wasm');
    expect(info.engine).toBe('tfjs-wasm');
  });

  it.each(models)('%s: loadGraphModel runs public/weights/<id>/model.json to the official r=0 logits', async (model) => {
    const peer = await TfjsGraphPeer.load(nodeFileHandler(join(DEFAULT_WEIGHTS_ROOT, model)));
    try {
      const mine = entries.filter((e) => e.model === model);
      expect(mine.length).toBeGreaterThan(0);
      const logits = await peer.run(mine.map((e) => readGoldenF32(e.input)));
      mine.forEach((e, i) => {
        const r0 = e.cases.find((c) => c.name === 'r0')!;
        const ref = readGoldenF32(r0.logits);
        let argmax = 0;
        for (let j = 0; j < ref.length; j++) if (logits[i][j] > logits[i][argmax]) argmax = j;
        expect(maxAbsDiff(logits[i], ref), `${e.input}: max |logit - golden|`).toBeLessThan(1e-3);
        expect(argmax, `${e.input}: top-1`).toBe(r0.top5[0][0]);
      });
    } finally {
      peer.dispose();
    }
  });

  it('the graph tome bench builds in memory from the timm weights is the shipped model.json, byte for byte', async () => {
    const model = models[0];
    const onDisk = await nodeFileHandler(join(DEFAULT_WEIGHTS_ROOT, model)).load!();
    const inMemory = graphModelArtifacts(readTimmDir(sharedPath('weights', model)));
    expect(inMemory.format).toBe('graph-model');
    expect(inMemory.modelTopology).toEqual(onDisk.modelTopology);
    expect(inMemory.signature).toEqual(onDisk.signature);
    expect(inMemory.weightSpecs).toEqual(onDisk.weightSpecs);
    const bytes = (d: io.WeightData) => Buffer.concat((Array.isArray(d) ? d : [d]).map((b) => new Uint8Array(b)));
    expect(bytes(inMemory.weightData!).equals(bytes(onDisk.weightData!))).toBe(true);
  });

  const kinds = [
    { name: 'class token', over: {} },
    { name: 'distilled (two heads)', over: { distilled: true } },
    { name: 'average-pooled (fc_norm)', over: { globalPool: 'avg' as const, propAttnDefault: false } },
  ];
  it.each(kinds)('a random $name ViT: the graph equals the reference forward at r=0', async ({ over }) => {
    const w = randomViT(over, 7);
    const S = w.config.imgSize;
    const images = [randomArray(3 * S * S, 1, 2), randomArray(3 * S * S, 2, 2)];
    const peer = await TfjsGraphPeer.load(w);
    try {
      const got = await peer.run(images);
      images.forEach((x, i) => {
        const want = referenceForward(w, x, { r: 0, schedule: 'constant', propAttn: true, mode: 'merge' });
        expect(maxAbsDiff(got[i], want.logits)).toBeLessThan(1e-4);
      });
    } finally {
      peer.dispose();
    }
  });
});

describe('models the TF.js graph does not express', () => {
  it('refuses a config field it does not know, a family beyond it, and a weight it would leave unused', () => {
    const w = randomViT({}, 1);
    const withRope = { ...w.config, rope: true } as typeof w.config;
    expect(() => vitGraph(withRope, w.tensors.keys())).toThrow(/random has config fields the graph does not express \(rope\)/);
    expect(() => vitGraph({ ...w.config, act: 'quickgelu' }, w.tensors.keys())).toThrow(/random: the graph does not express QuickGELU/);
    expect(() => vitGraph({ ...w.config, registers: 4 }, w.tensors.keys())).toThrow(/does not express models with register tokens/);
    expect(() => vitGraph(w.config, [...w.tensors.keys(), 'blocks.0.ls1.gamma'])).toThrow(/weights the graph does not use \(blocks\.0\.ls1\.gamma\)/);
    expect(() =>
      vitGraph(
        w.config,
        [...w.tensors.keys()].filter((n) => n !== 'pos_embed'),
      ),
    ).toThrow(/the weights have no pos_embed/);
  });

  it('such a model is converted to its weights alone, which the loaders still read', async () => {
    const w = randomViT({}, 2);
    const config = { ...w.config, rope: true } as typeof w.config;
    const { modelJson, shards } = await buildManifest({ config, tensors: w.tensors }, { safetensorsSha256: 'x', configSha256: 'y' }, 'test');
    expect(modelJson.format).toBe('tome-vit-weights');
    expect(modelJson.modelTopology).toBeNull();
    expect(modelJson.weightsManifest).toHaveLength(1);
    expect(modelJson.userDefinedMetadata.graphRefusal).toMatch(/config fields the graph does not express \(rope\)/);
    const loaded = await weightsFromArtifacts(artifactsOf(modelJson, shards));
    expect(loaded.tensors.get('head.weight')!.data).toEqual(w.tensors.get('head.weight')!.data);
  });

  it('a model it expresses carries its constants as a second weight group, which the loaders skip', async () => {
    const w = randomViT({}, 3);
    const { modelJson, shards } = await buildManifest(w, { safetensorsSha256: 'x', configSha256: 'y' }, 'test');
    expect(modelJson.format).toBe('graph-model');
    expect(modelJson.weightsManifest.map((g) => g.paths)).toEqual([['group1-shard1of1.bin'], ['group2-shard1of1.bin']]);
    expect(modelJson.weightsManifest[1].weights.every((s) => s.name.startsWith('graph/'))).toBe(true);
    const loaded = await weightsFromArtifacts(artifactsOf(modelJson, shards));
    expect(new Set(loaded.tensors.keys())).toEqual(new Set(w.tensors.keys()));
    for (const [name, t] of w.tensors) expect(loaded.tensors.get(name)!.data, name).toEqual(t.data);
  });
});

/** What an io handler makes of model.json and its shards. */
function artifactsOf(json: WeightsModelJson, shards: Uint8Array[]): io.ModelArtifacts {
  return {
    format: json.format,
    modelTopology: json.modelTopology ?? undefined,
    userDefinedMetadata: json.userDefinedMetadata as unknown as io.ModelArtifacts['userDefinedMetadata'],
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: shards.map((s) => s.slice().buffer),
  };
}

const bench: BenchOutput = {
  adapter: { vendor: 'mesa', description: 'llvmpipe <test>' },
  rows: [
    { engine: 'tome-webgpu', r: 0, schedule: 'constant', batch: 8, msMedian: 800, msMin: 790, msMax: 900, imgPerSec: 10, speedupVsR0: 1 },
    { engine: 'tome-webgpu', r: 8, schedule: 'constant', batch: 8, msMedian: 500, msMin: 490, msMax: 520, imgPerSec: 16, speedupVsR0: 1.6 },
    { engine: 'tome-webgpu', r: 16, schedule: 'constant', batch: 8, msMedian: 400, msMin: 390, msMax: 410, imgPerSec: 20, speedupVsR0: 2 },
    { engine: 'tome-webgpu', r: 16, schedule: 'decreasing', batch: 8, msMedian: 350, msMin: 340, msMax: 360, imgPerSec: 22.9, speedupVsR0: 2.29 },
    { engine: 'tome-webgpu', r: 8, schedule: 'constant', batch: 1, msMedian: 90, msMin: 88, msMax: 95, imgPerSec: 11.1, speedupVsR0: 1.3 },
    { engine: 'tfjs-wasm', r: 0, schedule: 'constant', batch: 8, msMedian: 2000, msMin: 1900, msMax: 2100, imgPerSec: 4, speedupVsR0: 1 },
  ],
};
const evalOut: EvalOutput = {
  results: [
    { r: 0, schedule: 'constant', n: 1000, top1: 0.828, top5: 0.964, meanFinalTokens: 197, msPerImage: 100 },
    { r: 8, schedule: 'constant', n: 1000, top1: 0.822, top5: 0.958, meanFinalTokens: 101, msPerImage: 62 },
    { r: 16, schedule: 'constant', n: 1000, top1: 0.79, top5: 0.937, meanFinalTokens: 11, msPerImage: 50 },
    { r: 16, schedule: 'decreasing', n: 1000, top1: 0.574, top5: 0.797, meanFinalTokens: 10, msPerImage: 44 },
    { r: 4, schedule: 'constant', n: 1000, top1: 0.826, top5: 0.962, meanFinalTokens: 149, msPerImage: 80 },
  ],
};

/** Minimal XML well-formedness check: balanced tags, quoted attributes, one root, no stray '<'. */
function checkWellFormed(xml: string): void {
  const stack: string[] = [];
  let roots = 0;
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<!--[\s\S]*?-->/g;
  let last = 0;
  for (const m of xml.matchAll(tag)) {
    const between = xml.slice(last, m.index);
    expect(between, `stray markup before ${m[0]}`).not.toMatch(/[<>]/);
    expect(between.replace(/&(amp|lt|gt|quot|apos|#\d+);/g, ''), 'unescaped &').not.toMatch(/&/);
    last = m.index + m[0].length;
    if (!m[2]) continue;
    if (m[1]) expect(stack.pop(), `closing </${m[2]}>`).toBe(m[2]);
    else if (!m[4]) {
      if (stack.length === 0) roots++;
      stack.push(m[2]);
    } else if (stack.length === 0) roots++;
  }
  expect(xml.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
}

describe('report', () => {
  it('bench table has one row per bench row, in order', () => {
    const lines = benchTable(bench).split('\n');
    expect(lines).toHaveLength(2 + bench.rows.length);
    expect(lines[3]).toBe('| tome-webgpu | 8 | constant | 8 | 500.0 | 490.0 | 520.0 | 16.00 | 1.60x |');
    expect(lines[7]).toMatch(/^\| tfjs-wasm \| 0 \| constant \| 8 \| 2000\.0 /);
  });

  it('summary takes speed-ups from our engine at the largest batch and skips unbenchmarked settings', () => {
    const s = buildSummary('m', bench, evalOut);
    expect(s.model).toBe('m');
    expect(s.adapter).toEqual(bench.adapter);
    expect(s.points.map((p) => [p.r, p.schedule, p.speedup])).toEqual([
      [0, 'constant', 1],
      [8, 'constant', 1.6],
      [16, 'constant', 2],
      [16, 'decreasing', 2.29],
    ]);
    expect(s.points[1]).toEqual({ r: 8, schedule: 'constant', top1: 0.822, top5: 0.958, msPerImage: 62, speedup: 1.6 });
    const table = accuracyTable(bench, evalOut).split('\n');
    expect(table).toHaveLength(2 + evalOut.results.length);
    expect(table[5]).toBe('| 16 | decreasing | 1000 | 57.4% | 79.7% | 10.0 | 44.0 | 2.29x |');
    expect(table[6]).toMatch(/\| 4 \| constant .*not benchmarked \|$/);
  });

  it('SVG is well-formed with one circle per point and one series per schedule', () => {
    const points = buildSummary('m', bench, evalOut).points;
    const svg = speedAccuracySvg(points, 'a <b> & c');
    checkWellFormed(svg);
    expect(svg.match(/<circle /g)).toHaveLength(points.length);
    expect(svg.match(/<g class="series"/g)).toHaveLength(2);
    expect(svg).toContain('a &lt;b&gt; &amp; c');
    // Higher top-1 is drawn higher (smaller y): r=0 above r=16 decreasing.
    const cy = (r: number, sched: string) => Number(new RegExp(`cy="([\\d.]+)"[^>]*><title>r=${r} ${sched}:`).exec(svg)![1]);
    expect(cy(0, 'constant')).toBeLessThan(cy(16, 'decreasing'));
    checkWellFormed(speedAccuracySvg([]));
  });
});
