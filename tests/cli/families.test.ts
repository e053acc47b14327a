// The families of issue 19 through the CLI: `--model` with the local folder of each golden-archs
// model (DeiT III, CLIP with GELU and QuickGELU, registers without a class token, DINOv2 with
// registers and no head at 518 px, a headless ViT-S) on the WebGPU engine, from the given inputs:
// tokens and top-1 or features as the golden files; `classify` on a model without a head prints
// `features` (norm, cosine to r = 0, with --logits the vector) instead of `top5`; `eval` on one
// says in one line that it has no top-1 and reports the features' cosine to r = 0; the ONNX
// Runtime path (--backend cpu) runs every one of them, as the golden files. Through the mock
// hub: a register model and a headless one as hf:<repo>, equal to their local folder.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockHub, type MockHub } from '../support/mock-hub';
import { ARCHS_WEIGHTS, GOLDEN_ARCHS, archEntries, archModels, readArchF32 } from '../support/golden-archs';
import { maxAbsDiff } from '../gpu/gpu-harness';

const ROOT = join(__dirname, '..', '..');
const DINOV2 = 'vit_small_patch14_reg4_dinov2.rand';
const NOHEAD = 'vit_small_patch16_224.rand_nohead';
const BETWIXT = 'vit_betwixt_patch16_reg4_gap_256.rand';

let hub: MockHub;
let tmp: string;

interface Run {
  code: number | null;
  json: Array<Record<string, unknown>>;
  stderr: string;
}

function tome(...args: string[]): Promise<Run> {
  // Async: the mock hub answers from this process while the CLI runs.
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args],
      { cwd: ROOT, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20, env: { ...process.env, HF_ENDPOINT: hub.url, TOME_HUB_CACHE: join(tmp, 'cache') } },
      (err, stdout, stderr) => {
        resolve({
          code: err ? ((err as { code?: number }).code ?? 1) : 0,
          json: stdout
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Record<string, unknown>),
          stderr,
        });
      },
    );
  });
}

const entriesOf = (model: string) => archEntries().filter((e) => e.model === model);
const inputsOf = (model: string) => entriesOf(model).map((e) => join(GOLDEN_ARCHS, e.input));
const features = (j: Record<string, unknown>) => j.features as { dim: number; norm: number; cosineToR0?: number; values?: number[] };

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'tome-cli-families-'));
  hub = await startMockHub();
  hub.add(`test/${BETWIXT}`, { dir: join(ARCHS_WEIGHTS, BETWIXT) });
  hub.add(`test/${DINOV2}`, { dir: join(ARCHS_WEIGHTS, DINOV2) });
});
afterAll(async () => {
  await hub.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Tokens and top-1 or features of the model's last (r > 0) case on `backend`, as its golden files. */
async function expectsGoldenCase(model: string, backend: string): Promise<void> {
  const entries = entriesOf(model);
  const gc = entries[0].cases[entries[0].cases.length - 1];
  const schedule = gc.schedule === 'decreasing' ? ['--schedule', 'decreasing'] : [];
  // The golden files use proportional attention everywhere (our default turns it off for average-pooled models).
  const r = await tome(
    'classify',
    '--model',
    join(ARCHS_WEIGHTS, model),
    '--backend',
    backend,
    '--prop-attn',
    '--r',
    String(gc.r),
    ...schedule,
    '--logits',
    ...inputsOf(model),
  );
  expect(r.code, r.stderr).toBe(0);
  expect(r.json).toHaveLength(entries.length);
  entries.forEach((e, i) => {
    const line = r.json[i];
    const want = e.cases.find((c) => c.name === gc.name)!;
    expect(line.backend).toBe(backend);
    expect(line.tokens).toEqual(want.tokens);
    if (want.features) {
      expect(line.top5).toBeUndefined();
      expect(maxAbsDiff(features(line).values!, readArchF32(want.features))).toBeLessThan(1e-2);
    } else {
      expect((line.top5 as Array<{ index: number }>)[0].index).toBe(want.top5![0][0]);
      expect(maxAbsDiff(line.logits as number[], readArchF32(want.logits!))).toBeLessThan(1e-2);
    }
  });
}

describe('--model <golden-archs folder> on the WebGPU engine', () => {
  it.each(Object.keys(archModels()))('%s: tokens and top-1 or features of its r > 0 case', (model) => expectsGoldenCase(model, 'webgpu'));
});

describe('a model without a head', () => {
  it('classify prints features (norm, cosine to r = 0) instead of top5, and the vector with --logits', async () => {
    const dir = join(ARCHS_WEIGHTS, NOHEAD);
    const [plain, merged, vector] = await Promise.all([
      tome('classify', '--model', dir, '--backend', 'webgpu', ...inputsOf(NOHEAD)),
      tome('classify', '--model', dir, '--backend', 'webgpu', '--r', '48', ...inputsOf(NOHEAD)),
      tome('classify', '--model', dir, '--backend', 'webgpu', '--logits', ...inputsOf(NOHEAD)),
    ]);
    for (const r of [plain, merged, vector]) expect(r.code, r.stderr).toBe(0);
    for (const line of plain.json) {
      expect(line.top5).toBeUndefined();
      expect(line.logits).toBeUndefined();
      expect(Object.keys(features(line)).sort()).toEqual(['dim', 'norm']); // no cosine at r = 0
      expect(features(line).dim).toBe(384);
    }
    entriesOf(NOHEAD).forEach((e, i) => {
      const golden = (name: string) => readArchF32(e.cases.find((c) => c.name === name)!.features!);
      const norm = (v: Float32Array) => Math.hypot(...v);
      expect(features(plain.json[i]).norm).toBeCloseTo(norm(golden('r0')), 2);
      expect(features(merged.json[i]).norm).toBeCloseTo(norm(golden('r48')), 2);
      // The cosine of the golden r48 features to the golden r0 ones, within float32 rounding.
      const [a, b] = [golden('r48'), golden('r0')];
      const cos = a.reduce((s, v, k) => s + v * b[k], 0) / (norm(a) * norm(b));
      expect(features(merged.json[i]).cosineToR0).toBeCloseTo(cos, 4);
      expect(features(merged.json[i]).cosineToR0).toBeLessThan(1);
      expect(maxAbsDiff(features(vector.json[i]).values!, golden('r0'))).toBeLessThan(1e-3);
    });
  });

  it('eval says in one line that it has no top-1, and reports the cosine to r = 0 with tokens and time', async () => {
    const folder = join(tmp, 'photos');
    mkdirSync(folder, { recursive: true });
    const files = entriesOf(NOHEAD).map((e) => e.image_file.split('/').pop()!);
    entriesOf(NOHEAD).forEach((e, i) => copyFileSync(join(GOLDEN_ARCHS, e.image_file), join(folder, files[i])));
    writeFileSync(join(folder, 'labels.tsv'), files.map((f, i) => `${f}\t${i}`).join('\n') + '\n');
    const r = await tome('eval', folder, '--model', join(ARCHS_WEIGHTS, NOHEAD), '--backend', 'webgpu', '--r', '0,48');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^tome: eval: vit_small_patch16_224\.rand_nohead has no classifier head \(num_classes 0\): no top-1\/top-5; [^\n]*cosine[^\n]*$/m);
    const rows = (r.json[0] as { results: Array<Record<string, number>> }).results;
    expect(rows.map((x) => [x.r, x.n, x.meanFinalTokens])).toEqual([
      [0, 2, 197],
      [48, 2, 53],
    ]);
    expect(rows[0].meanCosineToR0).toBeCloseTo(1, 5);
    expect(rows[1].meanCosineToR0).toBeLessThan(1);
    expect(rows[1].meanCosineToR0).toBeGreaterThan(0);
    for (const row of rows) for (const absent of ['top1', 'top5', 'agreement', 'meanTv']) expect(row).not.toHaveProperty(absent);
  });
});

// The ONNX Runtime path refuses only a model over the 2 GiB one ONNX graph holds (by its config,
// before any tensor: tests/unit/backend-choice.test.ts), too large to make here.
describe('the ONNX Runtime path (--backend cpu)', () => {
  it.each(Object.keys(archModels()))('%s: tokens and top-1 or features of its r > 0 case', (model) => expectsGoldenCase(model, 'cpu'));
});

describe('the reference (--backend reference)', () => {
  it('vit_base_patch32_clip_quickgelu_224.rand: tokens and top-1 of its r > 0 case', () =>
    expectsGoldenCase('vit_base_patch32_clip_quickgelu_224.rand', 'reference'));
});

describe('through the mock hub', () => {
  it.each([BETWIXT, DINOV2])('hf:test/%s equals its local folder', async (model) => {
    const input = inputsOf(model)[0];
    // The CPU path: the same answer as WebGPU's (tests/gpu/golden-archs.test.ts), in a fraction of
    // llvmpipe's time for DINOv2's 1,300 tokens.
    const args = ['classify', '--backend', 'cpu', '--r', '50', '--logits', input];
    const [viaHub, folder] = [await tome(...args, '--model', `hf:test/${model}`), await tome(...args, '--model', join(ARCHS_WEIGHTS, model))];
    for (const r of [viaHub, folder]) expect(r.code, r.stderr).toBe(0);
    const pick = (j: Record<string, unknown>) => ({ tokens: j.tokens, top5: j.top5, features: j.features, groups: j.groups, logits: j.logits });
    expect(pick(viaHub.json[0])).toEqual(pick(folder.json[0]));
    expect(viaHub.json[0].model).toBe(`test--${model}`);
    expect(hub.weightRequests(`test/${model}`).length).toBeGreaterThan(0);
  });
});
