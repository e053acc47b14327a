// The benchmark peer must compute the same model as ours, or its timings compare different
// work: the tfjs ViT on the wasm backend (no GPU needed) against the official r=0 logits.
// Plus bench/report.ts on small synthetic bench/eval outputs.
import { describe, expect, it, beforeAll } from 'vitest';
import { readTimmDir } from '../../src/model/timm-dir';
import { TfjsViT } from '../../bench/peers/tfjs-vit';
import { usePeerBackend } from '../../bench/peers/tfjs-backends';
import { accuracyTable, benchTable, buildSummary, speedAccuracySvg } from '../../bench/report';
import type { BenchOutput, EvalOutput } from '../../src/core/results';
import { logitsEntries, readGoldenF32, sharedPath } from '../../src/golden';

const entries = logitsEntries();
const models = [...new Set(entries.map((e) => e.model))];

describe('tfjs peer ViT (wasm backend) vs official r=0 logits', () => {
  beforeAll(async () => {
    const info = await usePeerBackend('wasm');
    expect(info.engine).toBe('tfjs-wasm');
  });

  it.each(models)('%s: all golden inputs in one batch', async (model) => {
    const peer = new TfjsViT(readTimmDir(sharedPath('weights', model)));
    try {
      const mine = entries.filter((e) => e.model === model);
      expect(mine.length).toBeGreaterThan(0);
      const logits = await peer.run(mine.map((e) => readGoldenF32(e.input)));
      mine.forEach((e, i) => {
        const r0 = e.cases.find((c) => c.name === 'r0')!;
        const ref = readGoldenF32(r0.logits);
        let maxDiff = 0;
        let argmax = 0;
        for (let j = 0; j < ref.length; j++) {
          maxDiff = Math.max(maxDiff, Math.abs(logits[i][j] - ref[j]));
          if (logits[i][j] > logits[i][argmax]) argmax = j;
        }
        expect(maxDiff, `${e.input}: max |logit - golden|`).toBeLessThan(1e-3);
        expect(argmax, `${e.input}: top-1`).toBe(r0.top5[0][0]);
      });
    } finally {
      peer.dispose();
    }
  });
});

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
