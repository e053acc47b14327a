// The CLI as reviewers call it: JSON on stdout, one-line errors on stderr, a bad input never
// takes the others down. Runs the real entry point in a child process on the CPU backend.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { goldenDir } from '../../src/golden';

const ROOT = join(__dirname, '..', '..');
const GOLDEN = goldenDir();
const VIT = 'vit_tiny_patch16_224.augreg_in21k_ft_in1k';
const tmp = mkdtempSync(join(tmpdir(), 'tome-cli-'));

function tome(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
  });
  const lines = r.stdout.split('\n').filter(Boolean);
  return { code: r.status, json: lines.map((l) => JSON.parse(l)), stdoutLines: lines, stderr: r.stderr };
}

/** stderr lines that are errors (the backend announcement is informational). */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l && !l.startsWith('tome: backend') && !/using the CPU path/.test(l));
}

const goodF32 = join(GOLDEN, VIT, 'chelsea.input.f32');
let paths: Record<string, string>;

beforeAll(async () => {
  const jpeg = readFileSync(join(GOLDEN, 'images', 'n01531178_goldfinch.JPEG'));
  paths = {
    missing: join(tmp, 'missing.jpg'),
    text: join(tmp, 'notes.jpg'),
    truncated: join(tmp, 'truncated.jpg'),
    empty: join(tmp, 'empty.png'),
    shortF32: join(tmp, 'short.f32'),
    tiny: join(tmp, 'tiny.png'),
    jpeg: join(tmp, 'goldfinch.jpg'),
  };
  writeFileSync(paths.text, 'this is not an image\n');
  writeFileSync(paths.truncated, jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  writeFileSync(paths.empty, '');
  writeFileSync(paths.shortF32, new Uint8Array(1000));
  copyFileSync(join(GOLDEN, 'images', 'n01531178_goldfinch.JPEG'), paths.jpeg);
  await sharp({ create: { width: 1, height: 1, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .png()
    .toFile(paths.tiny);
});

describe('tome classify', () => {
  it('prints one JSON object per input with the contract fields', () => {
    const r = tome('classify', '--backend', 'cpu', '--r', '8', goodF32, paths.jpeg);
    expect(r.code).toBe(0);
    expect(r.json).toHaveLength(2);
    const [a] = r.json;
    expect(Object.keys(a).sort()).toEqual(['backend', 'groups', 'input', 'model', 'ms', 'r', 'schedule', 'tokens', 'top5'].sort());
    expect(a).toMatchObject({ input: goodF32, model: VIT, r: 8, schedule: 'constant', backend: 'cpu' });
    expect(a.tokens).toEqual([197, 189, 181, 173, 165, 157, 149, 141, 133, 125, 117, 109, 101]);
    expect(a.top5).toHaveLength(5);
    expect(a.top5[0]).toMatchObject({ index: 285, label: 'Egyptian cat' });
    expect(a.groups).toHaveLength(196);
    expect(r.json[1].top5[0].index).toBe(11); // goldfinch
  });

  it('runs cpu on ONNX Runtime and reference on the TypeScript oracle, with the same answer', () => {
    const cpu = tome('classify', '--backend', 'cpu', '--r', '13', '--logits', goodF32);
    const ref = tome('classify', '--backend', 'reference', '--r', '13', '--logits', goodF32);
    expect(cpu.stderr).toMatch(/tome: backend cpu \(ONNX Runtime [\d.]+ CPU, \d+ threads?/);
    expect(ref.stderr).toMatch(/tome: backend reference \(CPU reference/);
    expect(ref.json[0].backend).toBe('reference');
    expect(cpu.json[0].groups).toEqual(ref.json[0].groups);
    expect(cpu.json[0].tokens).toEqual(ref.json[0].tokens);
    const diff = Math.max(...cpu.json[0].logits.map((v: number, i: number) => Math.abs(v - ref.json[0].logits[i])));
    expect(diff).toBeLessThan(1e-4);
  });

  it('adds logits only when asked', () => {
    const r = tome('classify', '--backend', 'cpu', '--logits', goodF32);
    expect(r.json[0].logits).toHaveLength(1000);
  });

  it('reports each bad input on one stderr line and still classifies the good ones', () => {
    const bad = [paths.missing, paths.text, paths.truncated, paths.empty, paths.shortF32];
    const r = tome('classify', '--backend', 'cpu', bad[0], goodF32, ...bad.slice(1), paths.tiny);
    expect(r.code).not.toBe(0);
    expect(r.json.map((j) => j.input)).toEqual([goodF32, paths.tiny]);
    const errors = errorLines(r.stderr);
    expect(errors).toHaveLength(bad.length);
    bad.forEach((p, i) => expect(errors[i]).toContain(p));
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it.each([
    [['--model', 'no_such_model'], /no_such_model/],
    [['--r', '-1'], /--r/],
    [['--schedule', 'sideways'], /--schedule/],
  ])('refuses %j with one line and a non-zero exit', (flags, pattern) => {
    const r = tome('classify', '--backend', 'cpu', ...flags, goodF32);
    expect(r.code).not.toBe(0);
    expect(r.stdoutLines).toHaveLength(0);
    expect(errorLines(r.stderr)[0]).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('tome eval', () => {
  it('scores a labelled folder and prints one results object', () => {
    const labels = join(tmp, 'labels.tsv');
    writeFileSync(labels, 'file\tclass_index\ngoldfinch.jpg\t11\ntiny.png\t3\n');
    const r = tome('eval', tmp, '--backend', 'cpu', '--labels', labels, '--r', '0,13');
    expect(r.code).toBe(0);
    expect(r.json).toHaveLength(1);
    const rows = r.json[0].results;
    expect(rows.map((x: { r: number }) => x.r)).toEqual([0, 13]);
    for (const row of rows) {
      expect(row).toMatchObject({ schedule: 'constant', n: 2 });
      expect(row.top1).toBeGreaterThanOrEqual(0.5); // the goldfinch is right
      expect(row.top5).toBeGreaterThanOrEqual(row.top1);
      expect(row.msPerImage).toBeGreaterThan(0);
    }
    expect(rows[1].meanFinalTokens).toBe(41);
    expect(r.stderr).toMatch(/eval 2\/2/); // progress on stderr
  });
});
