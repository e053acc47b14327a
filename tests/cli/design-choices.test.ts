// ToMe's design choices on the command line (issue 22): parsing and one-line refusals of bad
// values and meaningless combinations, a backend asked for by name that does not run a choice
// refuses it in one line, `auto` says why it picks another backend, and eval measures every
// combination of the lists on the same images.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../src/cli/args';
import { goldenDir } from '../../src/golden';

const ROOT = join(__dirname, '..', '..');
const GOLDFINCH = join(goldenDir(), 'images', 'n01531178_goldfinch.JPEG');

function tome(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  return {
    code: r.status,
    json: r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l)),
    stderr: r.stderr,
  };
}

describe('parsing the design choices', () => {
  it('defaults to the official algorithm', () => {
    expect(parseArgs(['classify', 'a.jpg']).choices).toEqual({
      metric: ['k'],
      distance: ['cosine'],
      split: ['alternate'],
      matching: ['bipartite'],
      weighting: ['size'],
      seed: 0,
    });
  });
  it('reads every flag, lists for eval', () => {
    const o = parseArgs(['classify', '--metric', 'v', '--distance', 'euclidean', '--split', 'random', '--seed', '7', '--weighting', 'keep', 'a.jpg']);
    expect(o.choices).toMatchObject({ metric: ['v'], distance: ['euclidean'], split: ['random'], seed: 7, weighting: ['keep'] });
    expect(parseArgs(['eval', 'dir', '--matching', 'bipartite,greedy,kmeans']).choices.matching).toEqual(['bipartite', 'greedy', 'kmeans']);
  });
  it.each([
    [['classify', '--metric', 'z', 'a'], /^--metric: "z" is not one of k, x, q, v$/],
    [['classify', '--distance', 'l1', 'a'], /^--distance: "l1" is not one of cosine, dot, euclidean$/],
    [['classify', '--seed', '-1', 'a'], /^--seed: -1 must be >= 0$/],
    [['classify', '--weighting', 'size,max', 'a'], /^classify takes a single --weighting$/],
    [['bench', '--metric', 'x'], /^bench measures the official design choices/],
  ])('refuses %j in one line', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
  it('refuses a meaningless combination in one line', () => {
    expect(() => parseArgs(['classify', '--split', 'sequential', '--matching', 'greedy', 'a'])).toThrow(
      /^--split sequential applies to bipartite matching only/,
    );
    expect(() => parseArgs(['eval', 'd', '--weighting', 'mean', '--mode', 'merge,prune'])).toThrow(/^--weighting mean needs --mode merge/);
  });
});

describe('the choices reach the backend', () => {
  it('auto runs a choice the CPU path lacks on the WebGPU engine (which runs them all), else on the reference, saying why in one line', () => {
    const r = tome('classify', '--r', '13', '--metric', 'x', '--weighting', 'max', GOLDFINCH);
    expect(r.code).toBe(0);
    expect(r.json[0]).toMatchObject({
      choices: 'metric x, weighting max',
      tokens: [197, 184, 171, 158, 145, 132, 119, 106, 93, 80, 67, 54, 41],
    });
    if (r.json[0].backend === 'webgpu') {
      expect(r.stderr).not.toMatch(/does not run/);
    } else {
      // No adapter here: the CPU path runs metric x but not the max weighting; the reference runs both.
      expect(r.json[0].backend).toBe('reference');
      expect(r.stderr.split('\n').filter((l) => /does not run/.test(l))).toHaveLength(1);
      expect(r.stderr).toMatch(/does not run --weighting max yet.*using the CPU reference/);
    }
  });
  it('a backend asked for by name refuses a choice it does not run, in one line', () => {
    const r = tome('classify', '--r', '13', '--matching', 'greedy', '--backend', 'cpu', GOLDFINCH);
    expect(r.code).toBe(101);
    expect(r.json).toHaveLength(0);
    expect(r.stderr.trim()).toBe(
      'tome: --backend cpu: the CPU path (ONNX Runtime) does not run --matching greedy yet (only bipartite); --backend reference runs it',
    );
  });
  it('the CPU path runs the metric, distance and the sum-based weightings: the same answer as the reference', () => {
    const args = ['classify', '--r', '13', '--metric', 'x', '--distance', 'euclidean', '--weighting', 'mean', GOLDFINCH];
    const cpu = tome(...args, '--backend', 'cpu');
    const ref = tome(...args, '--backend', 'reference');
    expect(cpu.code).toBe(0);
    expect(cpu.json[0]).toMatchObject({ backend: 'cpu', choices: 'metric x, distance euclidean, weighting mean', tokens: ref.json[0].tokens });
    expect(cpu.json[0].top5.map((t: { index: number }) => t.index)).toEqual(ref.json[0].top5.map((t: { index: number }) => t.index));
  });
  it('eval measures r = 0 once and each combination at every r', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tome-choices-'));
    copyFileSync(GOLDFINCH, join(dir, 'goldfinch.jpg'));
    writeFileSync(join(dir, 'labels.tsv'), 'file\tclass_index\ngoldfinch.jpg\t11\n');
    const r = tome('eval', dir, '--r', '13', '--backend', 'reference', '--metric', 'k,q', '--split', 'alternate,random', '--seed', '3');
    expect(r.code).toBe(0);
    const names = r.json[0].results.map((x: { r: number; metric?: string; split?: string; seed?: number }) => [x.r, x.metric, x.split, x.seed]);
    expect(names).toEqual([
      [0, undefined, undefined, undefined],
      [13, undefined, undefined, undefined],
      [13, undefined, 'random', 3],
      [13, 'q', undefined, undefined],
      [13, 'q', 'random', 3],
    ]);
    for (const row of r.json[0].results) expect(row.n).toBe(1);
  });
});
