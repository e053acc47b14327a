// `tome bench` end to end on a tiny plan (one timed round, no peer): the JSON contract of
// ARCHITECTURE.md, the results files, and the targets table. Timings themselves are not asserted.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMITTED_RESULTS_DIR, DEFAULT_OUT_DIR } from '../../bench/results-dirs';
import { checkTargets } from '../../bench/targets';

const ROOT = join(__dirname, '..', '..');

describe('tome bench', () => {
  it('prints the contract JSON and writes the results files', () => {
    const out = mkdtempSync(join(tmpdir(), 'tome-bench-'));
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'bench', '--r', '0,13', '--batch', '1', '--repeat', '1', '--peer', 'none', '--out', out],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 300_000,
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.adapter.route).toMatch(/opengles|vulkan|swiftshader/);
    const keys = (row: object) => Object.keys(row).sort();
    expect(keys(res.rows[0])).toEqual(['batch', 'engine', 'imgPerSec', 'msMax', 'msMedian', 'msMin', 'r', 'schedule', 'speedupVsR0']);
    const settings = res.rows.map((x: { engine: string; r: number; schedule: string }) => `${x.engine}/${x.r}/${x.schedule}`);
    expect(settings).toEqual([
      'tome-webgpu/0/constant',
      'tome-webgpu/13/constant',
      'tome-webgpu/13/decreasing',
      'tome-reference/0/constant',
      'tome-reference/13/constant',
      'tome-cpu/0/constant',
      'tome-cpu/13/constant',
      'tome-cpu/16/decreasing',
    ]);
    expect(res.peers).toEqual([]); // --peer none: our CPU fallback is timed, no peer
    for (const row of res.rows) expect(row.msMedian).toBeGreaterThan(0);
    expect(res.rows[0].speedupVsR0).toBe(1);
    expect(res.profile[0].r).toBe(0);
    // ToMe's own cost at r=13: its dispatches timed alone and the forward, per batch.
    expect(res.tomeOverhead).toHaveLength(1);
    expect(res.tomeOverhead[0]).toMatchObject({ batch: 1, dispatches: { tome: 48 } });
    expect(res.tomeOverhead[0].tomeMs).toBeGreaterThan(0);
    expect(res.tomeOverhead[0].tomeMs).toBeLessThan(res.tomeOverhead[0].forwardMs);
    // A 640x480 video frame at each of the page's settings, and the share outside the forward.
    expect(res.video.rows.map((x: { setting: string }) => x.setting)).toEqual(['r=0', 'r=8', 'r=13', 'decreasing-16']);
    for (const v of res.video.rows) {
      expect(v.frameMs).toBeGreaterThan(0);
      expect(v.forwardMs).toBeGreaterThan(0);
      expect(v.fps).toBeCloseTo(1000 / v.frameMs, 1);
    }
    expect(res.targets.map((t: { target: string }) => t.target)).toContain(
      `video frame (640x480) at r=13: <= 10% of its time outside the forward (${res.adapter.route})`,
    );
    expect(res.targets.length).toBeGreaterThan(3);
    const files = readdirSync(out);
    expect(files.some((f) => f.endsWith('.json'))).toBe(true);
    const md = readFileSync(
      join(
        out,
        files.find((f) => f.endsWith('.md'))!,
      ),
      'utf8',
    );
    expect(md).toMatch(/## Targets/);
    expect(md).toMatch(/## ToMe's own cost at r=13/);
    expect(md).toMatch(/tome-webgpu \| 13 \| constant/);
    expect(md).toMatch(/tome-cpu \| 13 \| constant/);
    expect(md).toMatch(/## Video frames\n\n640x480 RGBA/);
  }, 300_000);
});

describe('where bench results go', () => {
  // git check-ignore exits 0 for an ignored path, 1 for one git would track.
  const ignored = (path: string) => spawnSync('git', ['check-ignore', '-q', join(path, 'x.json')], { cwd: ROOT }).status;

  it('an everyday run writes into a gitignored folder; the committed results are tracked', () => {
    expect(ignored(DEFAULT_OUT_DIR)).toBe(0);
    expect(ignored(COMMITTED_RESULTS_DIR)).toBe(1);
    expect(readdirSync(COMMITTED_RESULTS_DIR)).toContain('summary.json');
  });
});

describe('bench targets', () => {
  const row = (engine: string, r: number, schedule: 'constant' | 'decreasing', ms: number, batch = 1) => ({
    engine,
    r,
    schedule,
    batch,
    msMedian: ms,
    msMin: ms,
    msMax: ms,
    imgPerSec: 1000 / ms,
    speedupVsR0: 0,
  });
  it('judges each target from the ratios of one run', () => {
    const rows = [
      row('tome-webgpu', 0, 'constant', 600),
      row('tome-webgpu', 13, 'constant', 400),
      row('tome-webgpu', 16, 'decreasing', 250),
      row('tfjs-webgpu', 0, 'constant', 1500),
      row('tome-reference', 0, 'constant', 3000),
    ];
    for (const x of rows) x.speedupVsR0 = x.engine === 'tome-webgpu' ? 600 / x.msMedian : 1;
    const checks = checkTargets({
      rows,
      flopsPerImage: { 'constant-0': 2.5e9, 'constant-13': 1.46e9 },
      bestMatmulGflops: 6,
      tomeShareR13: [
        { batch: 1, share: 0.08 },
        { batch: 8, share: 0.03 },
      ],
    });
    expect(checks.find((c) => c.target.startsWith('r=13 speed-up >= 90%'))!.met).toBe(false); // 1.5 < 0.9 * 1.71
    expect(checks.find((c) => c.target.startsWith('r=13 speed-up >= 1.5x'))!.met).toBe(true);
    expect(checks.find((c) => c.target.startsWith('decreasing-16'))!.met).toBe(true); // 2.4x
    expect(checks.find((c) => c.target.startsWith('forward GFLOP/s'))!.met).toBe(false); // 4.17 < 4.2
    expect(checks.find((c) => c.target.includes('tfjs-webgpu'))!.met).toBe(true); // 2.5x
    expect(checks.find((c) => c.target.startsWith('WebGPU engine faster'))!.met).toBe(true);
    expect(checks.find((c) => c.target.startsWith('ToMe overhead') && c.target.endsWith('(batch 1)'))!.met).toBe(false);
    expect(checks.find((c) => c.target.startsWith('ToMe overhead') && c.target.endsWith('(batch 8)'))!.met).toBe(true);
    expect(checks.find((c) => c.target.startsWith('video frame'))).toBeUndefined();
    const video = (share: number) =>
      checkTargets({
        rows,
        flopsPerImage: { 'constant-0': 2.5e9, 'constant-13': 1.46e9 },
        bestMatmulGflops: 6,
        videoOutsideShareR13: { route: 'opengles', share },
      }).find((c) => c.target.startsWith('video frame'))!;
    expect(video(0.1)).toMatchObject({
      met: true,
      measured: '10.0%',
      target: 'video frame (640x480) at r=13: <= 10% of its time outside the forward (opengles)',
    });
    expect(video(0.12).met).toBe(false);
  });
});
