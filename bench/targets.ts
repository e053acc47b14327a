// The speed and accuracy targets, checked on the rows of one bench run (ratios measured in
// the same run on the same adapter). Pure: the CLI adds the result to its JSON and Markdown.
import type { BenchRow, EvalOutput } from '../src/core/results';

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
}

export interface TargetInputs {
  rows: BenchRow[];
  /** FLOPs per image keyed `${schedule}-${r}`. */
  flopsPerImage: Record<string, number>;
  /** The engine's matmul alone, median over the same rounds as the forwards. */
  bestMatmulGflops: number;
  /** ToMe's share of forward time at r = 13 per batch (its dispatches' time over the forward's). */
  tomeShareR13?: Array<{ batch: number; share: number }>;
  evalOut?: EvalOutput;
  /** A 640x480 video frame at r = 13: the share of its time outside the forward, and the route. */
  videoOutsideShareR13?: { route: string; share: number };
}

function row(rows: BenchRow[], engine: string, r: number, schedule: string, batch: number): BenchRow | undefined {
  return rows.find((x) => x.engine === engine && x.r === r && x.schedule === schedule && x.batch === batch);
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

export function checkTargets(t: TargetInputs): TargetCheck[] {
  const out: TargetCheck[] = [];
  const batches = [...new Set(t.rows.filter((x) => x.engine === 'tome-webgpu').map((x) => x.batch))];
  const flopRatio = t.flopsPerImage['constant-0'] / t.flopsPerImage['constant-13'];
  for (const b of batches) {
    const r0 = row(t.rows, 'tome-webgpu', 0, 'constant', b);
    const r13 = row(t.rows, 'tome-webgpu', 13, 'constant', b);
    const dec = row(t.rows, 'tome-webgpu', 16, 'decreasing', b);
    if (r0 && r13) {
      out.push({
        target: `r=13 speed-up >= 90% of the FLOP ratio ${flopRatio.toFixed(2)} (batch ${b})`,
        measured: `${r13.speedupVsR0.toFixed(2)}x = ${pct(r13.speedupVsR0 / flopRatio)} of it`,
        met: r13.speedupVsR0 >= 0.9 * flopRatio,
      });
      out.push({ target: `r=13 speed-up >= 1.5x (batch ${b})`, measured: `${r13.speedupVsR0.toFixed(2)}x`, met: r13.speedupVsR0 >= 1.5 });
    }
    if (dec) out.push({ target: `decreasing-16 speed-up >= 2x (batch ${b})`, measured: `${dec.speedupVsR0.toFixed(2)}x`, met: dec.speedupVsR0 >= 2 });
    if (r0) {
      const gflops = (t.flopsPerImage['constant-0'] * b) / (r0.msMedian * 1e6);
      out.push({
        target: `forward GFLOP/s at r=0 >= 70% of the matmul's ${t.bestMatmulGflops.toFixed(2)} in the same rounds (batch ${b})`,
        measured: `${gflops.toFixed(2)} GFLOP/s = ${pct(gflops / t.bestMatmulGflops)}`,
        met: gflops >= 0.7 * t.bestMatmulGflops,
      });
      const peer = row(t.rows, 'tfjs-webgpu', 0, 'constant', b);
      if (peer)
        out.push({
          target: `r=0 at least 2x faster than tfjs-webgpu (batch ${b})`,
          measured: `${(peer.msMedian / r0.msMedian).toFixed(2)}x`,
          met: peer.msMedian >= 2 * r0.msMedian,
        });
    }
  }
  const g = row(t.rows, 'tome-webgpu', 0, 'constant', 1);
  const c = row(t.rows, 'tome-reference', 0, 'constant', 1);
  if (g && c)
    out.push({
      target: 'WebGPU engine faster than the CPU reference (r=0, batch 1)',
      measured: `${(c.msMedian / g.msMedian).toFixed(2)}x`,
      met: g.msMedian < c.msMedian,
    });
  for (const { batch, share } of t.tomeShareR13 ?? []) {
    out.push({ target: `ToMe overhead (matching + merge) <= 5% of forward time at r=13 (batch ${batch})`, measured: pct(share), met: share <= 0.05 });
  }
  out.push(...ortTargets(t.rows));
  if (t.videoOutsideShareR13) out.push(videoTarget(t.videoOutsideShareR13.route, t.videoOutsideShareR13.share));
  const ev = t.evalOut?.results;
  const e0 = ev?.find((x) => x.r === 0 && x.schedule === 'constant');
  const e13 = ev?.find((x) => x.r === 13 && x.schedule === 'constant');
  if (e0 && e13) {
    const drop = (e0.top1 - e13.top1) * 100;
    out.push({
      target: 'r=13 top-1 drop on the eval set <= 2.5 points',
      measured: `${drop.toFixed(1)} points (${pct(e0.top1)} -> ${pct(e13.top1)})`,
      met: drop <= 2.5,
    });
  }
  return out;
}

/** The video target: a frame's upload, preprocessing and read-back (and, in the page, grab and
 * overlay) take at most 10% of its time at r = 13; it is set for the GL route. */
export function videoTarget(route: string, share: number): TargetCheck {
  return { target: `video frame (640x480) at r=13: <= 10% of its time outside the forward (${route})`, measured: pct(share), met: share <= 0.1 };
}

export function targetsTable(checks: TargetCheck[]): string {
  return ['| target | measured | met |', '|---|---|---|', ...checks.map((c) => `| ${c.target} | ${c.measured} | ${c.met ? 'yes' : '**no**'} |`)].join('\n');
}

/**
 * The ONNX Runtime targets, each judged where its rows were measured (a peer that failed its
 * golden check has no rows, so a comparison with it is not made):
 * - the fast fallback against ONNX Runtime on the official graphs, in the same rounds: `tome-cpu`
 *   vs `ort-cpu` (Node), `tome-cpu-page` vs `ort-web-wasm` (the page): its r=0 within 1.1x of the
 *   peer's r=0; at each ToMe setting both timed (r=13: the exported graph; decreasing-16: that
 *   graph rewritten, bench/peers/onnx-schedule.ts) its speed-up over its own r=0 at least the
 *   peer's over the peer's r=0;
 * - our WebGPU engine >= 3x faster than ONNX Runtime's WebGPU provider on the same adapter:
 *   `tome-webgpu-vulkan` vs `ort-webgpu` (Dawn's Vulkan route), `tome-webgpu-page` vs
 *   `ort-web-webgpu` (the page), at r=0 and at r=13 against the peer's r=13.
 */
export function ortTargets(rows: BenchRow[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  const batches = [...new Set(rows.map((x) => x.batch))].sort((a, b) => a - b);
  const x = (v: number) => `${v.toFixed(2)}x`;
  for (const [ours, peer] of [
    ['tome-cpu', 'ort-cpu'],
    ['tome-cpu-page', 'ort-web-wasm'],
  ] as const) {
    for (const b of batches) {
      const o0 = row(rows, ours, 0, 'constant', b);
      const p0 = row(rows, peer, 0, 'constant', b);
      if (!o0 || !p0) continue;
      out.push({
        target: `${ours} r=0 within 1.1x of ${peer} r=0 (batch ${b})`,
        measured: `${x(o0.msMedian / p0.msMedian)} its time (${o0.msMedian.toFixed(1)} vs ${p0.msMedian.toFixed(1)} ms)`,
        met: o0.msMedian <= 1.1 * p0.msMedian,
      });
      for (const [r, schedule, name] of [
        [13, 'constant', 'r=13'],
        [16, 'decreasing', 'decreasing-16'],
      ] as const) {
        const o = row(rows, ours, r, schedule, b);
        const p = row(rows, peer, r, schedule, b);
        if (!o || !p) continue;
        const peerSpeedup = p0.msMedian / p.msMedian;
        out.push({
          target: `${ours} ${name} speed-up over its r=0 >= ${peer}'s ${name} graph's over its r=0 (batch ${b})`,
          measured: `${x(o0.msMedian / o.msMedian)} vs ${x(peerSpeedup)}`,
          met: o0.msMedian / o.msMedian >= peerSpeedup,
        });
      }
    }
  }
  for (const [ours, peer] of [
    ['tome-webgpu-vulkan', 'ort-webgpu'],
    ['tome-webgpu-page', 'ort-web-webgpu'],
  ] as const) {
    for (const b of batches) {
      for (const r of [0, 13]) {
        const o = row(rows, ours, r, 'constant', b);
        const p = row(rows, peer, r, 'constant', b);
        if (o && p)
          out.push({
            target: `${ours} r=${r} at least 3x faster than ${peer} r=${r} (batch ${b})`,
            measured: `${x(p.msMedian / o.msMedian)} (${o.msMedian.toFixed(0)} vs ${p.msMedian.toFixed(0)} ms)`,
            met: p.msMedian >= 3 * o.msMedian,
          });
      }
    }
  }
  return out;
}
