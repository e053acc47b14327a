// The Markdown report of a GPU-matrix run, written from its JSON alone (so it can be rewritten
// from a committed result), and the file name both go under. Pure: no I/O.
import type { EngineConfig, MatrixResult, MatrixRow } from './result';

const label = (c: EngineConfig) => `${c.precision} ${c.matmul}`;
const settingName = (r: { r: number; schedule: string }) => (r.schedule === 'decreasing' ? `decreasing-${r.r}` : `r=${r.r}`);

/** Three significant digits, no exponent for the sizes seen here. */
export function fmtMs(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

const pct = (v: number | null | undefined, digits = 1) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(100 * v).toFixed(digits)}%`);
const times = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}x` : '—');
/** A rate (GFLOP/s, img/s) to three significant digits, whole numbers from 100 up. */
export function fmtRate(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v >= 100 ? v.toFixed(0) : v.toPrecision(3);
}

function table(head: string[], rows: string[][], align?: string[]): string {
  const sep = head.map((_, i) => align?.[i] ?? (i === 0 ? '---' : '---:'));
  return [head, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** A file name for this adapter: `gpu-<route>-<device>` (Dawn's device is the GPU's name, e.g.
 * `nvidia-h200`; the description is the driver's), lower case, [a-z0-9-] only. */
export function resultBaseName(r: Pick<MatrixResult, 'adapter'>): string {
  const slug = `${r.adapter.route} ${r.adapter.device || r.adapter.description || r.adapter.vendor}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60)
    .replace(/-$/, '');
  return `gpu-${slug || 'adapter'}`;
}

/** The configuration with the fastest r = 0 forward at the largest batch (GPU time where known). */
export function bestConfig(rows: MatrixRow[]): EngineConfig | null {
  const maxBatch = Math.max(...rows.map((r) => r.batch));
  const r0 = rows.filter((r) => r.r === 0 && r.schedule === 'constant' && r.batch === maxBatch);
  if (!r0.length) return null;
  const cost = (r: MatrixRow) => r.gpuMsMedian ?? r.msMedian;
  const best = r0.reduce((a, b) => (cost(b) < cost(a) ? b : a));
  return { precision: best.precision, matmul: best.matmul };
}

export function matrixMarkdown(r: MatrixResult): string {
  const out: string[] = [];
  const a = r.adapter;
  out.push(`# ToMe on WebGPU: GPU matrix on ${a.device || a.description || a.vendor}`);
  out.push('');
  out.push(
    `Adapter: Dawn ${a.route}, ${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ')}${a.isFallbackAdapter ? ' (software adapter)' : ''}. ` +
      `Runtime: Node ${r.runtime.node}, webgpu ${r.runtime.webgpu}, ${r.runtime.platform}, ${r.runtime.cpus} CPUs. Started ${r.startedAt}.`,
  );
  out.push('');
  out.push(
    r.peak ? `fp32 peak taken as ${r.peak.gflops} GFLOP/s (${r.peak.gpu}; ${r.peak.source}).` : 'fp32 peak: unknown for this adapter, so no "of peak" figures.',
  );
  out.push('');

  out.push('## Golden check (official ToMe outputs)');
  out.push('');
  out.push(
    table(
      ['model', 'configuration', 'cases passed', 'max abs logit diff r=0', 'max abs logit diff r>0', 'top-1 equal', 'groups equal'],
      r.golden.map((g) => [
        g.model,
        label(g),
        `${g.passed}/${g.cases}`,
        g.maxLogitDiffR0.toExponential(1),
        g.maxLogitDiffMerging.toExponential(1),
        `${g.top1Agree}/${g.cases}`,
        pct(g.groupsAgree),
      ]),
      ['---', '---'],
    ),
  );
  out.push('');
  out.push(
    'f32 must match every case (tokens, top-1, top-5 set, logits within 1e-3 at r=0 and 1e-2 above, >= 98% of groups); f16 must keep the tokens and the r=0 top-1, the rest is reported.',
  );
  const failures = r.golden.flatMap((g) => g.failures.map((f) => `- ${g.model} ${label(g)} ${f.image} ${f.caseName}: ${f.what}`));
  if (failures.length)
    out.push('', 'Failures:', '', ...failures.slice(0, 40), ...(failures.length > 40 ? [`- ... ${failures.length - 40} more in the JSON`] : []));
  if (r.skipped.length) out.push('', 'Not timed:', '', ...r.skipped.map((s) => `- ${label(s)}: ${s.reason}`));
  out.push('');

  const b = r.bench;
  if (!b) {
    out.push('No timings in this run (golden check only).');
    return out.join('\n') + '\n';
  }
  const batches = [...new Set(b.rows.map((x) => x.batch))].sort((x, y) => x - y);
  const minB = batches[0];
  const maxB = batches[batches.length - 1];
  const best = bestConfig(b.rows);
  const of = (cfg: EngineConfig | null) => (x: EngineConfig) => cfg !== null && x.precision === cfg.precision && x.matmul === cfg.matmul;
  const configs = [...new Map(b.rows.map((x) => [label(x), { precision: x.precision, matmul: x.matmul }])).values()];

  out.push(`## Timings (${b.model}${b.quick ? ', quick matrix' : ''})`);
  out.push('');
  out.push(
    `Median of ${b.timedRounds} round-robin rounds after ${b.warmupRounds} warm-up rounds, every configuration, batch and setting interleaved. ` +
      "Wall = per forward of the whole batch on the host clock (upload, submission, read-back); GPU = the forward's compute pass by timestamp queries. " +
      'Speed-up is against r=0 of the same configuration and batch (wall); FLOP ratio = FLOPs at r=0 / FLOPs at the setting; GFLOP/s = forward FLOPs / GPU time (wall without timestamps).',
  );
  out.push('');
  if (best) {
    out.push(`### Headline: ${label(best)} (fastest r=0 at batch ${maxB})`);
    out.push('');
    const rowsOf = (batch: number) => b.rows.filter(of(best)).filter((x) => x.batch === batch);
    const settings = rowsOf(maxB);
    out.push(
      table(
        [
          'setting',
          `ms/img b=${minB}`,
          `speed-up b=${minB}`,
          `ms/img b=${maxB}`,
          `GPU ms/img b=${maxB}`,
          `img/s b=${maxB}`,
          `speed-up b=${maxB}`,
          'FLOP ratio',
          `of FLOP ratio b=${maxB}`,
          `GFLOP/s b=${maxB}`,
          'of fp32 peak',
        ],
        settings.map((x) => {
          const small = rowsOf(minB).find((y) => y.r === x.r && y.schedule === x.schedule);
          return [
            settingName(x),
            fmtMs(small?.msPerImage),
            small ? times(small.speedupVsR0) : '—',
            fmtMs(x.msPerImage),
            fmtMs(x.gpuMsPerImage),
            fmtRate(x.imgPerSec),
            times(x.speedupVsR0),
            times(x.flopRatio),
            pct(x.ofFlopRatio, 0),
            fmtRate(x.gflops),
            pct(x.ofPeak, 2),
          ];
        }),
      ),
    );
    out.push('');
  }

  out.push('### Configurations compared (r=0)');
  out.push('');
  out.push(
    table(
      ['configuration', ...batches.map((x) => `ms/img b=${x}`), ...batches.map((x) => `GPU ms/img b=${x}`), `GFLOP/s b=${maxB}`, 'of fp32 peak'],
      configs.map((cfg) => {
        const r0 = b.rows.filter(of(cfg)).filter((x) => x.r === 0 && x.schedule === 'constant');
        const at = (batch: number) => r0.find((x) => x.batch === batch);
        return [
          label(cfg),
          ...batches.map((x) => fmtMs(at(x)?.msPerImage)),
          ...batches.map((x) => fmtMs(at(x)?.gpuMsPerImage)),
          fmtRate(at(maxB)?.gflops ?? NaN),
          pct(at(maxB)?.ofPeak, 2),
        ];
      }),
      ['---'],
    ),
  );
  out.push('');

  out.push('### Every row');
  out.push('');
  out.push(
    table(
      ['configuration', 'setting', 'batch', 'wall ms', 'min–max', 'GPU ms', 'ms/img', 'img/s', 'speed-up', 'FLOP ratio', 'of FLOP ratio', 'GFLOP/s', 'of peak'],
      b.rows.map((x) => [
        x.label,
        settingName(x),
        String(x.batch),
        fmtMs(x.msMedian),
        `${fmtMs(x.msMin)}–${fmtMs(x.msMax)}`,
        fmtMs(x.gpuMsMedian),
        fmtMs(x.msPerImage),
        fmtRate(x.imgPerSec),
        times(x.speedupVsR0),
        times(x.flopRatio),
        pct(x.ofFlopRatio, 0),
        fmtRate(x.gflops),
        pct(x.ofPeak, 2),
      ]),
      ['---', '---'],
    ),
  );
  out.push('');

  out.push("## ToMe's own cost (r=13)");
  out.push('');
  out.push(
    'Its dispatches (metric, matching, merge) timed alone, replayed within one submission, against the whole forward in alternating rounds; the ablation (the forward without them) and the per-dispatch profile as cross-checks.',
  );
  out.push('');
  out.push(
    table(
      ['configuration', 'batch', 'forward ms', 'ToMe ms', 'ToMe share', 'ablation', 'profile share (source)'],
      b.tome
        .filter((t) => t.r > 0)
        .map((t) => [
          label(t),
          String(t.batch),
          fmtMs(t.forwardMs),
          fmtMs(t.tomeMs),
          pct(t.share),
          pct(t.ablationShare),
          `${pct(t.profileShare)} (${t.profileSource})`,
        ]),
      ['---'],
    ),
  );
  out.push('');

  out.push('## Fixed costs: submission and dispatch overhead');
  out.push('');
  out.push(
    `An empty submission's round trip (submit, then wait for it on the host): ${fmtMs(b.dispatch.emptySubmitMs)} ms. One more dependent dispatch inside a submission ` +
      `(a one-invocation kernel, ${b.dispatch.dispatchesPerSubmission} per submission): ${(1000 * b.dispatch.perDispatchMs).toFixed(2)} us. ` +
      'Fixed = round trip + dispatches x per-dispatch cost: the part of a forward that does not shrink with the work; host = wall - GPU time (upload, encoding, submission, read-back).',
  );
  out.push('');
  out.push(
    table(
      ['configuration', 'batch', 'setting', 'dispatches', 'wall ms', 'GPU ms', 'host ms', 'fixed ms', 'fixed share of wall'],
      b.overhead.map((x) => [
        label(x),
        String(x.batch),
        settingName({ r: x.r, schedule: 'constant' }),
        String(x.dispatches),
        fmtMs(x.wallMs),
        fmtMs(x.gpuMs),
        fmtMs(x.hostMs),
        fmtMs(x.fixedMs),
        pct(x.fixedShare),
      ]),
      ['---'],
    ),
  );
  out.push('');

  out.push('## Matmul kernel alone (fc1 + GELU, the largest product)');
  out.push('');
  out.push(
    table(
      ['configuration', 'M x K x N', 'ms', 'GFLOP/s', 'of fp32 peak'],
      b.matmul.map((m) => [label(m), `${m.M} x ${m.K} x ${m.N}`, fmtMs(m.ms), fmtRate(m.gflops), pct(m.ofPeak, 2)]),
      ['---', '---'],
    ),
  );
  out.push('');

  if (best) {
    const prof = b.tome.filter(of(best));
    const families = [...new Set(prof.flatMap((t) => Object.keys(t.perFamilyShare)))].sort();
    const cols = prof.map((t) => `${settingName({ r: t.r, schedule: 'constant' })} b=${t.batch}`);
    out.push(`## Profile of ${label(best)} (share of GPU time per kernel family, ${prof[0]?.profileSource ?? '—'})`);
    out.push('');
    out.push(
      table(
        ['family', ...cols],
        families.map((f) => [f, ...prof.map((t) => pct(t.perFamilyShare[f] ?? 0))]),
      ),
    );
    out.push('');
  }

  out.push(
    `Seconds per phase: ${Object.entries(r.seconds)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
  );
  return out.join('\n') + '\n';
}
