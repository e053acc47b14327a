// The deterministic parts of the real-GPU run (remote-gpu/remote-gpu.sh, remote-gpu/gpu-matrix): the
// byte-plane weights stream and its checks, the per-call size budget, the matrix's command line,
// the fp32 peak table, the adapter filter, the golden judge, and the Markdown report written
// from a synthetic result. The GPU run itself is exercised by running the script (remote-gpu/README.md).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromPlanes, toPlanes } from '../../remote-gpu/bundle/byte-planes';
import { budgetCalls, budgetTable, CALL_LIMIT_BYTES, type BundlePart } from '../../remote-gpu/bundle/budget';
import { packShards, unpackShards } from '../../remote-gpu/bundle/model-pack';
import { DEIT, parseMatrixArgs, VIT } from '../../remote-gpu/gpu-matrix/options';
import { fp32PeakFor } from '../../remote-gpu/gpu-matrix/peaks';
import { judgeCase } from '../../remote-gpu/gpu-matrix/golden';
import { bestConfig, fmtMs, matrixMarkdown, resultBaseName } from '../../remote-gpu/gpu-matrix/report';
import type { MatrixResult, MatrixRow } from '../../remote-gpu/gpu-matrix/result';
import { adapterFilterFromEnv, adapterRefusal } from '../../src/gpu/node-adapter';
import type { ForwardResult } from '../../src/core/backend';

const MiB = 1024 * 1024;

describe('byte planes', () => {
  it('puts byte k of every word in plane k and keeps the tail', () => {
    const data = Uint8Array.from([0, 1, 2, 3, 10, 11, 12, 13, 99]);
    expect(Array.from(toPlanes(data))).toEqual([0, 10, 1, 11, 2, 12, 3, 13, 99]);
  });

  it.each([0, 1, 3, 4, 5, 4096, 4099])('round-trips %i random bytes', (n) => {
    const data = new Uint8Array(randomBytes(n));
    expect(Buffer.from(fromPlanes(toPlanes(data))).equals(Buffer.from(data))).toBe(true);
  });
});

describe('model shards stream', () => {
  const shards = [
    { name: 'group1-shard1of2.bin', data: new Uint8Array(randomBytes(1000)) },
    { name: 'group1-shard2of2.bin', data: new Uint8Array(randomBytes(37)) },
  ];

  it('gives the shards back, checked', () => {
    const { planes, entries } = packShards(shards);
    expect(entries.map((e) => e.bytes)).toEqual([1000, 37]);
    const back = unpackShards(planes, entries);
    expect(back.map((s) => s.name)).toEqual(shards.map((s) => s.name));
    back.forEach((s, i) => expect(Buffer.from(s.data).equals(Buffer.from(shards[i].data))).toBe(true));
  });

  it('names the shard a flipped byte lands in', () => {
    const { planes, entries } = packShards(shards);
    const bad = planes.slice();
    // Plane 0 holds byte 0 of each word: word 255 is byte 1020 of the stream, in shard 2.
    bad[255] ^= 1;
    expect(() => unpackShards(bad, entries)).toThrow(/group1-shard2of2\.bin: sha256/);
  });

  it('refuses a stream of the wrong length', () => {
    const { planes, entries } = packShards(shards);
    expect(() => unpackShards(planes.subarray(1), entries)).toThrow(/1036 bytes, the manifest lists 1037/);
  });
});

describe('device call budget', () => {
  // The sizes pack measured for this repository (remote-gpu/README.md).
  const parts: BundlePart[] = [
    { path: '.remote/runtime', bytes: 25.8 * MiB, what: 'runtime' },
    { path: `.remote/models/${VIT}`, bytes: 19.5 * MiB, what: 'vit' },
    { path: `.remote/models/${DEIT}`, bytes: 19.4 * MiB, what: 'deit' },
  ];
  const checkout = 1.0 * MiB;
  const calls = [
    { name: 'all in one', carry: parts.map((p) => p.path), purpose: '' },
    { name: 'call 1', carry: [parts[0].path, parts[1].path], purpose: '' },
    { name: 'call 2', carry: [parts[0].path, parts[2].path], purpose: '' },
  ];

  it('splits the bundle: both models do not fit one call, one model each does', () => {
    const [all, one, two] = budgetCalls(parts, checkout, calls);
    expect(all.fits).toBe(false);
    expect(all.problem).toMatch(/65\.7 MiB with the checkout/);
    expect(one.fits && two.fits).toBe(true);
    expect(one.bytes).toBeCloseTo(46.3 * MiB, -4);
  });

  it('keeps headroom under the limit, counts the checkout, and refuses unknown parts and too many paths', () => {
    const exact = [{ path: 'a', bytes: CALL_LIMIT_BYTES - MiB, what: '' }];
    expect(budgetCalls(exact, 0, [{ name: 'x', carry: ['a'], purpose: '' }])[0].fits).toBe(false);
    expect(budgetCalls(exact, 0, [{ name: 'x', carry: ['b'], purpose: '' }])[0].problem).toMatch(/carries b, which the bundle does not have/);
    const nine = Array.from({ length: 9 }, (_, i) => ({ path: `p${i}`, bytes: 1, what: '' }));
    expect(budgetCalls(nine, 0, [{ name: 'x', carry: nine.map((p) => p.path), purpose: '' }])[0].problem).toMatch(/9 carry paths, at most 8/);
    expect(budgetCalls([{ path: 'a', bytes: 10 * MiB, what: '' }], 55 * MiB, [{ name: 'x', carry: ['a'], purpose: '' }])[0].fits).toBe(false);
  });

  it('prints a table with every part, its pieces and every call', () => {
    const budgets = budgetCalls(parts, checkout, calls);
    const t = budgetTable(parts, [{ path: '.remote/runtime/node.xz', bytes: 20.1 * MiB, what: 'node' }], checkout, budgets);
    expect(t).toContain('| .remote/runtime | 25.8 | runtime |');
    expect(t).toContain('| &nbsp;&nbsp;.remote/runtime/node.xz | 20.1 | node |');
    expect(t).toContain('| call 1 | .remote/runtime, .remote/models/vit_tiny_patch16_224.augreg_in21k_ft_in1k | 46.3 | yes |');
    expect(t).toMatch(/\| all in one \| .* \| 65\.7 \| NO: /);
  });
});

describe('gpu-matrix options', () => {
  const defaults = { weightsDir: 'W', goldenDir: 'G' };

  it('defaults to the full matrix: 4 configurations, r = 0/8/13/16 + decreasing-16, batch 1/8/64', () => {
    const o = parseMatrixArgs(['--out', 'O'], defaults);
    expect(o.configs).toEqual([
      { precision: 'f32', matmul: 'reg4x4' },
      { precision: 'f32', matmul: 'tiled32' },
      { precision: 'f16', matmul: 'reg4x4' },
      { precision: 'f16', matmul: 'tiled32' },
    ]);
    expect(o.settings.map((s) => `${s.schedule}-${s.r}`)).toEqual(['constant-0', 'constant-8', 'constant-13', 'constant-16', 'decreasing-16']);
    expect(o.batches).toEqual([1, 8, 64]);
    expect([o.warmupRounds, o.timedRounds, o.tomeRounds]).toEqual([3, 20, 20]);
    expect(o.goldenModels).toEqual([VIT, DEIT]);
    expect(o.benchModel).toBe(VIT);
    expect([o.weightsDir, o.goldenDir, o.outDir]).toEqual(['W', 'G', 'O']);
  });

  it('--quick shrinks batches and rounds; explicit flags still win', () => {
    const q = parseMatrixArgs(['--out', 'O', '--quick'], defaults);
    expect([q.batches, q.warmupRounds, q.timedRounds, q.quick]).toEqual([[1, 8], 1, 2, true]);
    expect(parseMatrixArgs(['--out', 'O', '--quick', '--rounds', '7', '--batch', '1,64'], defaults)).toMatchObject({
      timedRounds: 7,
      tomeRounds: 7,
      batches: [1, 64],
    });
  });

  it('a DeiT-only call is a golden check without timings', () => {
    const o = parseMatrixArgs(['--out', 'O', '--models', DEIT], defaults);
    expect(o.benchModel).toBeNull();
    expect(parseMatrixArgs(['--out', 'O', '--bench', 'none'], defaults).benchModel).toBeNull();
  });

  it.each([
    [[], /--out DIR is required/],
    [['--out', 'O', '--precision', 'f8'], /--precision: "f8" is not f32 or f16/],
    [['--out', 'O', '--r', '8,13'], /--r must include 0/],
    [['--out', 'O', '--batch', '0'], /--batch: "0" is not an integer >= 1/],
    [['--out', 'O', '--peak-gflops', 'fast'], /--peak-gflops: "fast"/],
    [['--out', 'O', '--bogus'], /Unknown option '--bogus'/],
  ])('refuses %j', (argv, msg) => {
    expect(() => parseMatrixArgs(argv, defaults)).toThrow(msg);
  });
});

describe('fp32 peak', () => {
  it('knows the H200 from the adapter, takes an explicit figure first, and says nothing for others', () => {
    expect(fp32PeakFor('nvidia hopper nvidia-h200 NVIDIA: 580.159.04')).toMatchObject({ gflops: 67_000, source: expect.stringMatching(/datasheet/) });
    expect(fp32PeakFor('NVIDIA H200', 60_000)).toMatchObject({ gflops: 60_000, source: expect.stringMatching(/--peak-gflops/) });
    expect(fp32PeakFor('mesa software llvmpipe')).toBeNull();
  });
});

describe('adapter filter', () => {
  const lavapipe = { vendor: 'mesa', architecture: 'software', description: 'llvmpipe: Mesa 25.0.7', isFallbackAdapter: true };
  const nvidia = { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' };

  it('reads TOME_ADAPTER_NAME and TOME_ADAPTER_HARDWARE', () => {
    expect(adapterFilterFromEnv({})).toEqual({ name: undefined, hardwareOnly: false });
    expect(adapterFilterFromEnv({ TOME_ADAPTER_NAME: 'NVIDIA', TOME_ADAPTER_HARDWARE: '1' })).toEqual({ name: 'NVIDIA', hardwareOnly: true });
    expect(() => adapterFilterFromEnv({ TOME_ADAPTER_HARDWARE: 'yes' })).toThrow(/not 0 or 1/);
  });

  it('refuses software adapters only when asked to', () => {
    expect(adapterRefusal(lavapipe, { hardwareOnly: true })).toMatch(/only a software adapter \(mesa software llvmpipe/);
    expect(adapterRefusal({ ...lavapipe, isFallbackAdapter: false }, { hardwareOnly: true })).not.toBeNull();
    expect(adapterRefusal(lavapipe, { hardwareOnly: false })).toBeNull();
    expect(adapterRefusal(nvidia, { hardwareOnly: true })).toBeNull();
  });
});

describe('golden judge', () => {
  const want = {
    name: 'r13',
    r: 13,
    schedule: 'constant' as const,
    tokens: [197, 184],
    top5: [
      [285, 0.5],
      [281, 0.2],
      [282, 0.1],
      [1, 0.1],
      [2, 0.05],
    ] as Array<[number, number]>,
    logits: '',
    groups: [0, 0, 2, 3],
  };
  const official = Float32Array.from([1, 2, 3]);
  const result = (over: Partial<ForwardResult> = {}): ForwardResult => ({
    logits: Float32Array.from([1, 2, 3.001]),
    probs: new Float32Array(3),
    top5: [285, 281, 282, 1, 2].map((index) => ({ index, prob: 0 })),
    tokens: [197, 184],
    tokenOfPatch: [],
    groups: Int32Array.from([0, 0, 2, 3]),
    ...over,
  });

  it('passes a matching f32 result and reports what differs', () => {
    expect(judgeCase(result(), want, official, false).failed).toEqual([]);
    const bad = judgeCase(result({ logits: Float32Array.from([1, 2, 3.5]), groups: Int32Array.from([0, 1, 2, 3]), tokens: [197, 183] }), want, official, false);
    expect(bad.failed.join('; ')).toMatch(/tokens 197,183 != 197,184; max \|logit diff\| 5\.00e-1 >= 0\.01; groups equal on 3\/4 patches/);
  });

  it('asks f16 only for the tokens and the r = 0 top-1', () => {
    const drifted = result({
      logits: Float32Array.from([1, 2, 4]),
      groups: Int32Array.from([0, 1, 2, 3]),
      top5: [281, 285, 282, 1, 2].map((index) => ({ index, prob: 0 })),
    });
    expect(judgeCase(drifted, want, official, true).failed).toEqual([]);
    expect(judgeCase(drifted, { ...want, r: 0 }, official, true).failed).toEqual(['top-1 281 != 285']);
  });
});

function row(precision: 'f32' | 'f16', matmul: string, r: number, batch: number, ms: number, gpuMs: number): MatrixRow {
  const flopRatio = r === 0 ? 1 : 1.71;
  const speedup = r === 0 ? 1 : 1.6;
  return {
    precision,
    matmul,
    engine: 'tome-webgpu',
    label: `${precision} ${matmul}`,
    r,
    schedule: 'constant',
    batch,
    msMedian: ms,
    msMin: ms * 0.9,
    msMax: ms * 1.2,
    gpuMsMedian: gpuMs,
    msPerImage: ms / batch,
    gpuMsPerImage: gpuMs / batch,
    imgPerSec: (1000 * batch) / ms,
    speedupVsR0: speedup,
    flopRatio,
    ofFlopRatio: speedup / flopRatio,
    gflops: (2.51e9 * batch) / (gpuMs * 1e6),
    ofPeak: (2.51e9 * batch) / (gpuMs * 1e6) / 67000,
  };
}

function syntheticResult(): MatrixResult {
  return {
    kind: 'tome-gpu-matrix',
    startedAt: '2026-12-02T00:00:00.000Z',
    runtime: { node: 'v20.20.2', webgpu: '0.6.2', platform: 'linux-x64', cpus: 16 },
    adapter: {
      route: 'vulkan',
      vendor: 'nvidia',
      architecture: 'hopper',
      device: 'nvidia-h200',
      description: 'NVIDIA: 580.159.04',
      isFallbackAdapter: false,
      features: ['shader-f16', 'timestamp-query'],
    },
    peak: { gpu: 'NVIDIA H200 (SXM)', gflops: 67000, source: 'datasheet' },
    golden: [
      {
        model: VIT,
        precision: 'f32',
        matmul: 'reg4x4',
        cases: 48,
        passed: 48,
        failures: [],
        maxLogitDiffR0: 7e-6,
        maxLogitDiffMerging: 1.1e-5,
        top1Agree: 48,
        groupsAgree: 1,
      },
      {
        model: VIT,
        precision: 'f16',
        matmul: 'tiled32',
        cases: 48,
        passed: 47,
        failures: [{ image: 'teapot', caseName: 'r0', what: 'top-1 1 != 2' }],
        maxLogitDiffR0: 8e-3,
        maxLogitDiffMerging: 1.7,
        top1Agree: 46,
        groupsAgree: 0.92,
      },
    ],
    skipped: [{ precision: 'f16', matmul: 'tiled32', reason: 'golden check failed' }],
    bench: {
      model: VIT,
      quick: false,
      warmupRounds: 3,
      timedRounds: 20,
      flopsPerImage: { 'constant-0': 2.51e9, 'constant-13': 1.46e9 },
      rows: [
        row('f32', 'reg4x4', 0, 1, 4, 3),
        row('f32', 'reg4x4', 13, 1, 2.5, 1.8),
        row('f32', 'reg4x4', 0, 64, 60, 50),
        row('f32', 'reg4x4', 13, 64, 37, 30),
        row('f32', 'tiled32', 0, 1, 3.5, 2.5),
        row('f32', 'tiled32', 13, 1, 2.2, 1.5),
        row('f32', 'tiled32', 0, 64, 40, 25),
        row('f32', 'tiled32', 13, 64, 25, 16),
      ],
      matmul: [{ precision: 'f32', matmul: 'tiled32', M: 12608, N: 768, K: 192, ms: 0.5, gflops: 7450, ofPeak: 7450 / 67000 }],
      tome: [
        {
          precision: 'f32',
          matmul: 'tiled32',
          r: 0,
          batch: 64,
          forwardMs: 25,
          tomeMs: 0,
          share: 0,
          ablationShare: 0,
          profileShare: 0,
          profileSource: 'gpu-timestamp',
          perFamilyShare: { matmul: 0.7, attention: 0.3 },
        },
        {
          precision: 'f32',
          matmul: 'tiled32',
          r: 13,
          batch: 64,
          forwardMs: 16,
          tomeMs: 0.8,
          share: 0.05,
          ablationShare: 0.04,
          profileShare: 0.06,
          profileSource: 'gpu-timestamp',
          perFamilyShare: { matmul: 0.6, attention: 0.2, tome_match: 0.2 },
        },
      ],
      dispatch: { emptySubmitMs: 0.05, perDispatchMs: 0.004, dispatchesPerSubmission: 200 },
      overhead: [
        { precision: 'f32', matmul: 'tiled32', r: 0, batch: 1, dispatches: 112, wallMs: 3.5, gpuMs: 2.5, hostMs: 1, fixedMs: 0.498, fixedShare: 0.142 },
      ],
    },
    seconds: { golden: 10, timing: 30, total: 60 },
  };
}

describe('gpu-matrix report', () => {
  it('names the files after the adapter, in the characters the device hands back', () => {
    expect(resultBaseName(syntheticResult())).toBe('gpu-vulkan-nvidia-h200');
    expect(resultBaseName({ adapter: { ...syntheticResult().adapter, device: 'llvmpipe-llvm-15-0-6-256-bits-' } })).toBe(
      'gpu-vulkan-llvmpipe-llvm-15-0-6-256-bits',
    );
    expect(resultBaseName({ adapter: { ...syntheticResult().adapter, device: '', description: 'llvmpipe: Mesa 25.0.7-2~bpo12+1' } })).toBe(
      'gpu-vulkan-llvmpipe-mesa-25-0-7-2-bpo12-1',
    );
  });

  it('picks the fastest r = 0 configuration at the largest batch by GPU time', () => {
    expect(bestConfig(syntheticResult().bench!.rows)).toEqual({ precision: 'f32', matmul: 'tiled32' });
  });

  it('writes the headline, comparison, golden, ToMe, overhead and matmul tables from the JSON', () => {
    const md = matrixMarkdown(syntheticResult());
    expect(md).toContain('# ToMe on WebGPU: GPU matrix on nvidia-h200');
    expect(md).toContain('fp32 peak taken as 67000 GFLOP/s');
    expect(md).toContain('### Headline: f32 tiled32 (fastest r=0 at batch 64)');
    // r = 0, batch 64: 40 ms wall for 64 images, 25 ms GPU, 2.51 GFLOP each -> 6426 GFLOP/s, 9.59% of 67 TFLOP/s.
    expect(md).toMatch(/\| r=0 \| 3\.50 \| 1\.00x \| 0\.625 \| 0\.391 \| 1600 \| 1\.00x \| 1\.00x \| 100% \| 6426 \| 9\.59% \|/);
    expect(md).toMatch(/\| r=13 \| 2\.20 \| 1\.60x \| 0\.391 \| 0\.250 \| 2560 \| 1\.60x \| 1\.71x \| 94% \|/);
    expect(md).toContain('| f32 reg4x4 | 4.00 | 0.938 | 3.00 | 0.781 | 3213 | 4.80% |');
    expect(md).toContain('| vit_tiny_patch16_224.augreg_in21k_ft_in1k | f16 tiled32 | 47/48 | 8.0e-3 | 1.7e+0 | 46/48 | 92.0% |');
    expect(md).toContain('- vit_tiny_patch16_224.augreg_in21k_ft_in1k f16 tiled32 teapot r0: top-1 1 != 2');
    expect(md).toContain('- f16 tiled32: golden check failed');
    expect(md).toContain('| f32 tiled32 | 64 | 16.0 | 0.800 | 5.0% | 4.0% | 6.0% (gpu-timestamp) |');
    expect(md).toContain('| f32 tiled32 | 1 | r=0 | 112 | 3.50 | 2.50 | 1.00 | 0.498 | 14.2% |');
    expect(md).toContain('4.00 us');
    expect(md).toContain('| f32 tiled32 | 12608 x 192 x 768 | 0.500 | 7450 | 11.12% |');
    expect(md).toContain('| tome_match | 0.0% | 20.0% |');
    // Every table row has as many cells as its header.
    for (const block of md.split('\n\n').filter((b) => b.startsWith('| '))) {
      const widths = block.split('\n').map((l) => l.split(' | ').length);
      expect(new Set(widths).size, block.split('\n')[0]).toBe(1);
    }
  });

  it('says so when a run has no timings', () => {
    const r = { ...syntheticResult(), bench: null };
    expect(matrixMarkdown(r)).toContain('No timings in this run (golden check only).');
  });

  it('formats milliseconds to three significant digits', () => {
    expect([fmtMs(1234.5), fmtMs(12.345), fmtMs(1.2345), fmtMs(0.01234), fmtMs(null), fmtMs(NaN)]).toEqual(['1235', '12.3', '1.23', '0.012', '—', '—']);
  });
});
