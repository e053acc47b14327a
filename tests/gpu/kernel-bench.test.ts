// Every family's micro-benchmark (bench/kernels) run once on a tiny model with one repetition,
// so none can rot: each kernel there is gets timed, and every figure is a positive finite
// number (speeds belong to the benchmark, not to tests).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KERNEL_BENCHES, runKernelBenches, timingsTable, type ModelTimings } from '../../bench/kernels';
import { TINY_DISTILLED, TINY_MODEL, TINY_REGISTERS } from '../../bench/kernels/shapes';
import { ALL_KERNELS, type Family } from '../../src/gpu/kernels';
import { loadShaderSources, type ShaderSources } from '../../src/gpu/shader-source';
import { testDevice } from './gpu-harness';

let device: GPUDevice;
let src: ShaderSources;
beforeAll(async () => {
  ({ device } = await testDevice());
  src = await loadShaderSources();
});
afterAll(() => device?.destroy());

describe('kernel micro-benchmarks', () => {
  let results: ModelTimings[];
  it('run every family on a tiny model (batch 2, 1 repetition), with positive finite figures', async () => {
    results = await runKernelBenches({ device, src, reps: 1, rounds: 1 }, [], [TINY_MODEL], 2);
    const { timings } = results[0];
    expect(new Set(timings.map((t) => t.family))).toEqual(new Set(ALL_KERNELS.map((d) => d.family)));
    expect(ALL_KERNELS.map((d) => d.name).filter((name) => !timings.some((t) => t.kernel === name))).toEqual([]);
    for (const t of timings) {
      for (const v of [t.ms, t.msMin, t.gflops ?? 1, t.gbs ?? 1]) {
        expect(Number.isFinite(v) && v > 0, `${t.kernel} (${t.what}): ${v}`).toBe(true);
      }
      expect(t.reps).toBe(1);
      expect(t.gflops !== undefined || t.gbs !== undefined || t.kernel === 'tome_match.order').toBe(true);
    }
    expect(timingsTable(results).split('\n')).toHaveLength(2 + timings.length);
  });

  it('run every family on a tiny distilled model too (two prefix tokens: patch embedding, final norm, head, ToMe)', async () => {
    const [{ timings }] = await runKernelBenches({ device, src, reps: 1, rounds: 1 }, [], [TINY_DISTILLED], 1);
    expect(new Set(timings.map((t) => t.family))).toEqual(new Set(ALL_KERNELS.map((d) => d.family)));
    for (const t of timings) expect(Number.isFinite(t.ms) && t.ms > 0, `${t.kernel} (${t.what})`).toBe(true);
    const what = (kernel: string) => timings.filter((t) => t.kernel === kernel).map((t) => t.what);
    expect(what('patch_embed')).toEqual(['1 x 25 patches of 4x4x3 -> 24, 2 prefix tokens']);
    expect(what('layernorm')).toContain('final norm: 2 cls + dist rows x 24');
    expect(what('matmul_reg4x4')).toContain('head (bias): 1x48 * 48x12');
    expect(what('tome_match.similarity')).toEqual(['cosine + argmax: 14 x 13 x 12, batch 1']);
  });

  it('run every family on a tiny model without a class token, with 4 registers and avg pooling', async () => {
    const [{ timings }] = await runKernelBenches({ device, src, reps: 1, rounds: 1 }, [], [TINY_REGISTERS], 1);
    expect(new Set(timings.map((t) => t.family))).toEqual(new Set(ALL_KERNELS.map((d) => d.family)));
    for (const t of timings) expect(Number.isFinite(t.ms) && t.ms > 0, `${t.kernel} (${t.what})`).toBe(true);
    const what = (kernel: string) => timings.filter((t) => t.kernel === kernel).map((t) => t.what);
    expect(what('patch_embed')).toEqual(['1 x 25 patches of 4x4x3 -> 24, 4 prefix tokens']);
    expect(what('layernorm')).toContain('fc_norm: 1 pooled rows x 24');
    // 25 patch tokens take part (the registers do not): 13 A x 12 B.
    expect(what('tome_match.similarity')).toEqual(['cosine + argmax: 13 x 12 x 12, batch 1']);
  });

  it('run only the families asked for, and name the known ones for an unknown one', async () => {
    const only = await runKernelBenches({ device, src, reps: 1, rounds: 1 }, ['head', 'layernorm'], [TINY_MODEL], 1);
    expect(new Set(only[0].timings.map((t) => t.family))).toEqual(new Set(['head', 'layernorm']));
    await expect(runKernelBenches({ device, src, reps: 1, rounds: 1 }, ['softmax' as Family], [TINY_MODEL], 1)).rejects.toThrow(
      `unknown kernel family softmax (have ${KERNEL_BENCHES.map((b) => b.family).join(', ')})`,
    );
  });
});
