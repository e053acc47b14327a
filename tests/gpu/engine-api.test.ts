// The engine's API beyond run(): the profile, device loss and recreation, option checks.
import { afterAll, expect, it } from 'vitest';
import { createWebGpuBackend, type WebGpuBackend } from '../../src/gpu/engine';
import { requestNodeAdapter } from '../../src/gpu/node-adapter';
import { goldenEntries, loadModel, readF32 } from '../support/golden';

const MODEL = 'deit_tiny_patch16_224.lnq';
const weights = loadModel(MODEL);
const input = readF32(goldenEntries().find((e) => e.model === MODEL)!.input);
const engines: WebGpuBackend[] = [];
afterAll(() => engines.forEach((e) => e.dispose()));

async function engine(): Promise<WebGpuBackend> {
  const e = await createWebGpuBackend(weights, { adapter: (await requestNodeAdapter('auto')).adapter, maxBatch: 1, matmul: 'reg4x4' });
  engines.push(e);
  return e;
}

it('profile: per kernel, per block and per family times, ToMe overhead only when merging', async () => {
  const e = await engine();
  expect(e.adapterInfo).toHaveProperty('description');
  const p0 = await e.profile([input], { r: 0, schedule: 'constant', propAttn: true, mode: 'merge' });
  expect(p0.perBlock).toHaveLength(weights.config.depth);
  expect(p0.tomeMs).toBe(0);
  expect(p0.tomeCost).toBeNull();
  const before = await e.run([input], { r: 13, schedule: 'constant', propAttn: true, mode: 'merge' });
  const p = await e.profile([input], { r: 13, schedule: 'constant', propAttn: true, mode: 'merge' });
  expect(p.source).toBe(e.features.includes('timestamp-query') ? 'gpu-timestamp' : 'wall');
  expect(before.timing.source).toBe(p.source);
  expect(p.tomeMs).toBeGreaterThan(0);
  expect(Object.keys(p.perFamily)).toEqual(expect.arrayContaining(['matmul', 'attention', 'layernorm', 'tome_match', 'tome_merge']));
  const sumBlocks = p.perBlock.reduce((a, b) => a + b, 0) + p.embedMs + p.headMs;
  expect(sumBlocks).toBeCloseTo(p.totalMs, 6);
  expect(p.perBlock.every((t) => t > 0)).toBe(true);
  // Profiling (on the wall path: replays after the read-back) leaves later results untouched.
  const after = await e.run([input], { r: 13, schedule: 'constant', propAttn: true, mode: 'merge' });
  expect(Array.from(after.results[0].logits)).toEqual(Array.from(before.results[0].logits));
  // Pixels are profiled as run() runs them (preprocessed on the GPU; a batch may mix them with
  // tensors: tests/gpu/run-images.test.ts).
  const pixels = { data: new Uint8Array(300 * 200 * 3).fill(90), width: 300, height: 200, channels: 3 as const };
  expect((await e.profile([pixels], { r: 8, schedule: 'constant', propAttn: true, mode: 'merge' })).perBlock).toHaveLength(weights.config.depth);
});

it("ToMe's own cost: its dispatches alone against the forward, none without merges, and the ablation", async () => {
  const e = await engine();
  const opts = { r: 13, schedule: 'constant', propAttn: true, mode: 'merge' } as const;
  const m = (await e.profile([input], opts, { tomeRounds: 2 })).tomeCost!;
  // Four ToMe dispatches (metric, similarity, order, merge) in each of the 12 merging blocks.
  expect(m).toMatchObject({ batch: 1, dispatches: { tome: 4 * weights.config.depth } });
  expect(m.tomeMs).toBeGreaterThan(0);
  expect(m.tomeMs).toBeLessThan(m.forwardMs);
  expect(m.share).toBeCloseTo(m.tomeMs / m.forwardMs, 12);
  expect(m.withoutMs).toBeGreaterThan(0);
  const none = (await e.profile([input], { ...opts, r: 0 }, { tomeRounds: 1 })).tomeCost;
  expect(none).toMatchObject({ tomeMs: 0, share: 0, dispatches: { tome: 0 } });
  await expect(e.profile([input, input], opts, { tomeRounds: 1 })).rejects.toThrow(/batch 2 outside 1\.\.1/);
  // The forward still matches a fresh run afterwards.
  const after = await e.run([input], opts);
  const fresh = await (await engine()).run([input], opts);
  expect(Array.from(after.results[0].logits)).toEqual(Array.from(fresh.results[0].logits));
});

it('device loss is reported and a new engine works', async () => {
  const e = await engine();
  const first = await e.run([input], { r: 8, schedule: 'constant', propAttn: true, mode: 'merge' });
  expect(first.timing.ms).toBeGreaterThan(0);
  e.dispose(); // destroys the device it created
  await expect(e.lost).resolves.toMatch(/destroyed/);
  await expect(e.run([input], { r: 8, schedule: 'constant', propAttn: true, mode: 'merge' })).rejects.toThrow(/lost/);
  const again = await engine();
  const second = await again.run([input], { r: 8, schedule: 'constant', propAttn: true, mode: 'merge' });
  expect(Array.from(second.results[0].logits)).toEqual(Array.from(first.results[0].logits));
});

it('rejects a bad input size and an unknown matmul variant', async () => {
  const e = await engine();
  await expect(e.run([new Float32Array(10)], { r: 0, schedule: 'constant', propAttn: true, mode: 'merge' })).rejects.toThrow(/expected 3x224x224/);
  await expect(createWebGpuBackend(weights, { adapter: (await requestNodeAdapter('auto')).adapter, matmul: 'nope' })).rejects.toThrow(/unknown matmul variant/);
});
