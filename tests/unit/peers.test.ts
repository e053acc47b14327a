// The peers' correctness gate and the ONNX Runtime targets: a peer is timed only when it matches
// the golden outputs (top-1 everywhere, logits within 1e-3); a wrong one (here, a graph with a
// corrupted weight) is reported with its max difference and gets no timed item.
import { afterAll, describe, expect, it } from 'vitest';
import { checkPeer, describeCheck, goldenRefs, type GoldenRef } from '../../bench/peers/golden-check';
import { openOrtNodePeer, type OrtNodePeer } from '../../bench/peers/ort-node';
import { peerItems } from '../../bench/peers/ort-rows';
import { parsePeers } from '../../src/cli/args';
import { ortTargets } from '../../bench/targets';
import type { BenchRow } from '../../src/core/results';
import type { ViTWeights } from '../../src/model/weights';
import { ViTGraphBuilder } from '../../src/ort/vit-graph';
import { goldenDir } from '../../src/golden';
import { loadModel } from '../support/golden-weights';

const VIT = 'vit_tiny_patch16_224.augreg_in21k_ft_in1k';
const golden: GoldenRef[] = goldenRefs(goldenDir(), VIT, 'r0');
const opened: OrtNodePeer[] = [];
afterAll(() => Promise.all(opened.map((p) => p.dispose())));

/** The whole plain ViT as one ONNX graph built from `weights` (our r = 0 graph). */
function wholeGraph(weights: ViTWeights): Uint8Array {
  return new ViTGraphBuilder(weights).build(false);
}

describe('checkPeer', () => {
  const logits = golden.map((g) => g.logits.slice());
  it('passes the golden logits themselves', () => {
    const c = checkPeer('p', 0, logits, golden);
    expect(c).toMatchObject({ ok: true, maxDiff: 0, top1Wrong: 0, n: golden.length });
  });
  it('fails logits off by more than 1e-3 even when top-1 holds', () => {
    const off = logits.map((l) => l.map((v, i) => (i === 0 ? v + 2e-3 : v)));
    const c = checkPeer('p', 0, off, golden);
    expect(c.ok).toBe(false);
    expect(c.top1Wrong).toBe(0);
    expect(c.maxDiff).toBeCloseTo(2e-3, 5);
    expect(describeCheck(c)).toMatch(/^WRONG: max abs logit diff 2\.0e-3, top-1 wrong on 0\/8; not timed$/);
  });
  it('counts wrong top-1s and treats NaN or a short output as wrong', () => {
    const swapped = logits.map((l, i) => (i < 3 ? l.map((v, k) => (k === 0 ? 1e3 : v)) : l));
    expect(checkPeer('p', 0, swapped, golden).top1Wrong).toBe(3);
    const nan = logits.map((l, i) => (i === 5 ? l.map(() => NaN) : l));
    expect(checkPeer('p', 0, nan, golden)).toMatchObject({ ok: false, maxDiff: Infinity });
    const short = logits.map((l) => l.subarray(0, 999));
    expect(checkPeer('p', 0, short, golden).ok).toBe(false);
  });
});

describe('ort-cpu peer on a graph', () => {
  it('is correct and timed on the true model, wrong and untimed on a corrupted one', async () => {
    const w = loadModel(VIT);
    const good = await openOrtNodePeer('ort-cpu', { r: 0, schedule: 'constant' }, wholeGraph(w), golden, 1);
    opened.push(good);
    expect(good.check.ok).toBe(true);
    expect(good.check.maxDiff).toBeLessThan(1e-4);
    expect(good.provider).toMatch(/CPU execution provider, 1 intra-op threads/);

    // One class's head bias moved by 0.5: top-1 may survive, the logits do not.
    const tensors = new Map(w.tensors);
    const bias = w.tensors.get('head.bias')!;
    const moved = bias.data.slice();
    moved[golden[0].top1 === 0 ? 1 : 0] += 0.5;
    tensors.set('head.bias', { ...bias, data: moved });
    const bad = await openOrtNodePeer('ort-cpu', { r: 0, schedule: 'constant' }, wholeGraph({ config: w.config, tensors }), golden, 1);
    opened.push(bad);
    expect(bad.check.ok).toBe(false);
    expect(bad.check.maxDiff).toBeCloseTo(0.5, 3);
    expect(bad.run).toBeUndefined();

    const items = peerItems(
      [
        { ...good, engine: 'good' },
        { ...bad, engine: 'bad' },
      ],
      golden.map((g) => g.input),
      [1, 8],
    );
    expect(items.map((i) => `${i.engine}/${i.batch}`)).toEqual(['good/1', 'good/8']);
    await items[0].run(); // the timed item really runs the peer
  });

  it('reports a peer that cannot load its graph as failed, with the reason', async () => {
    const p = await openOrtNodePeer('ort-cpu', { r: 0, schedule: 'constant' }, new Uint8Array([1, 2, 3, 4]), golden, 1);
    expect(p.check).toMatchObject({ ok: false });
    expect(p.check.error).toBeTruthy();
    expect(describeCheck(p.check)).toMatch(/^failed to run: /);
    expect(p.run).toBeUndefined();
  });
});

describe('peer selection', () => {
  it('parses --peer lists, defaulting to every peer', () => {
    expect(parsePeers(undefined)).toEqual({ tfjs: true, ortNode: true, ortWeb: true });
    expect(parsePeers('tfjs')).toEqual({ tfjs: true, ortNode: false, ortWeb: false });
    expect(parsePeers('ort')).toEqual({ tfjs: false, ortNode: true, ortWeb: true });
    expect(parsePeers('tfjs,ort-web')).toEqual({ tfjs: true, ortNode: false, ortWeb: true });
    expect(parsePeers('none')).toEqual({ tfjs: false, ortNode: false, ortWeb: false });
    expect(() => parsePeers('onnx')).toThrow(/--peer: "onnx" is not one of/);
  });
});

describe('ONNX Runtime targets', () => {
  const row = (engine: string, r: number, batch: number, ms: number, schedule: 'constant' | 'decreasing' = 'constant'): BenchRow => ({
    engine,
    r,
    schedule,
    batch,
    msMedian: ms,
    msMin: ms,
    msMax: ms,
    imgPerSec: (1000 * batch) / ms,
    speedupVsR0: 1,
  });
  it('judges each comparison from the rows of one run, and skips a peer without rows', () => {
    const rows = [
      row('tome-cpu', 0, 1, 105),
      row('tome-cpu', 13, 1, 65),
      row('tome-cpu', 16, 1, 45, 'decreasing'),
      row('ort-cpu', 0, 1, 100),
      row('ort-cpu', 13, 1, 62.5),
      row('ort-cpu', 16, 1, 40, 'decreasing'),
      row('tome-cpu', 0, 8, 700),
      row('tome-cpu', 13, 8, 500),
      row('tome-cpu', 16, 8, 300, 'decreasing'),
      row('ort-cpu', 0, 8, 500),
      row('ort-cpu', 13, 8, 312.5),
      row('ort-cpu', 16, 8, 250, 'decreasing'),
      row('tome-webgpu-vulkan', 0, 1, 500),
      row('tome-webgpu-vulkan', 13, 1, 300),
      row('ort-webgpu', 0, 1, 2000),
    ];
    const t = ortTargets(rows);
    const met = (s: string) => t.find((c) => c.target === s)?.met;
    expect(met('tome-cpu r=0 within 1.1x of ort-cpu r=0 (batch 1)')).toBe(true); // 1.05x
    expect(met('tome-cpu r=0 within 1.1x of ort-cpu r=0 (batch 8)')).toBe(false); // 1.4x
    expect(met("tome-cpu r=13 speed-up over its r=0 >= ort-cpu's r=13 graph's over its r=0 (batch 1)")).toBe(true); // 1.62x vs 1.6x
    expect(met("tome-cpu r=13 speed-up over its r=0 >= ort-cpu's r=13 graph's over its r=0 (batch 8)")).toBe(false); // 1.4x vs 1.6x
    expect(met("tome-cpu decreasing-16 speed-up over its r=0 >= ort-cpu's decreasing-16 graph's over its r=0 (batch 1)")).toBe(false); // 2.33x vs 2.5x
    expect(met("tome-cpu decreasing-16 speed-up over its r=0 >= ort-cpu's decreasing-16 graph's over its r=0 (batch 8)")).toBe(true); // 2.33x vs 2x
    expect(met('tome-webgpu-vulkan r=0 at least 3x faster than ort-webgpu r=0 (batch 1)')).toBe(true); // 4x
    // ort-webgpu has no r=13 row (a wrong peer is not timed): no r=13 comparison is made.
    expect(t.some((c) => c.target.includes('ort-webgpu r=13'))).toBe(false);
    expect(t.some((c) => c.target.includes('ort-web-wasm'))).toBe(false);
  });

  it("makes a speed-up comparison only where the peer has that setting's row", () => {
    const rows = [row('tome-cpu', 0, 1, 100), row('tome-cpu', 13, 1, 60), row('tome-cpu', 16, 1, 30, 'decreasing'), row('ort-cpu', 0, 1, 100)];
    expect(ortTargets(rows).map((c) => c.target)).toEqual(['tome-cpu r=0 within 1.1x of ort-cpu r=0 (batch 1)']);
    const withDecreasing = ortTargets([...rows, row('ort-cpu', 16, 1, 40, 'decreasing')]);
    expect(withDecreasing.map((c) => c.target)).toEqual([
      'tome-cpu r=0 within 1.1x of ort-cpu r=0 (batch 1)',
      "tome-cpu decreasing-16 speed-up over its r=0 >= ort-cpu's decreasing-16 graph's over its r=0 (batch 1)",
    ]);
    expect(withDecreasing[1].met).toBe(true); // 3.33x vs 2.5x
  });
});
