// The files of one bench run: bench/results/<route>-<adapter>.json (everything measured) and
// .md (targets, timings, ToMe's own cost, the per-family profile), plus, when an eval of the same
// model was saved beside them, the accuracy report of report.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EvalOutput } from '../src/core/results';
import type { TomeOverhead } from '../src/core/profile';
import { HOST_REPLAYS } from '../src/gpu/profile';
import { benchTable, writeReport } from './report';
import type { BenchResult, ProfileSummary } from './bench-result';
import { peersTable } from './peers/golden-check';
import { targetsTable } from './targets';
import { videoFrameTable } from './video-frame';

const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
}

function profileTable(profiles: ProfileSummary[]): string {
  if (!profiles.length) return 'not profiled';
  const families = [...new Set(profiles.flatMap((p) => Object.keys(p.perFamilyMs)))];
  const head = `| kernel family | ${profiles.map((p) => `r=${p.r} ms | r=${p.r} share`).join(' | ')} |`;
  const sep = `|---|${profiles.map(() => '---:|---:').join('|')}|`;
  const body = families.map(
    (f) =>
      `| ${f} | ${profiles.map((p) => `${(p.perFamilyMs[f] ?? 0).toFixed(1)} | ${((100 * (p.perFamilyMs[f] ?? 0)) / p.totalMs).toFixed(1)}%`).join(' | ')} |`,
  );
  const total = `| total (${profiles[0].source}) | ${profiles.map((p) => `${p.totalMs.toFixed(1)} | 100%`).join(' | ')} |`;
  const how =
    profiles[0].source === 'wall'
      ? `No timestamp-query on this adapter: each dispatch is replayed ${HOST_REPLAYS} times in a submission of its own after the forward, timed on the host, less an empty submission's round trip, per replay.`
      : 'Timestamp queries around each dispatch (each in its own compute pass).';
  return [how, '', head, sep, ...body, total].join('\n');
}

function tomeCostTable(rows: TomeOverhead[]): string {
  const f = (v: number) => v.toFixed(1);
  const p = (v: number) => `${(v * 100).toFixed(1)}%`;
  return [
    `ToMe's dispatches (${rows[0]?.dispatches.tome ?? 0} per forward: metric, similarity, order, merge per block) timed alone, ${HOST_REPLAYS} replays per submission, against the whole forward; medians of alternating rounds. The ablation (the forward without them) is a cross-check whose noise here is about the size of the effect.`,
    '',
    '| batch | forward ms | ToMe ms | ToMe share | forward without ToMe ms | ablation share |',
    '|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.batch} | ${f(r.forwardMs)} | ${f(r.tomeMs)} | ${p(r.share)} | ${f(r.withoutMs)} | ${p(r.ablationShare)} |`),
  ].join('\n');
}

function runMarkdown(out: BenchResult): string {
  const a = out.adapter;
  return [
    `# Bench of ${out.model} on ${a.route}: ${a.description}`,
    '',
    `Features: ${a.features.join(', ') || 'none'}; matmul variant ${a.matmul}; precision ${a.precision}.`,
    '',
    '## Targets',
    '',
    targetsTable(out.targets),
    '',
    '## ONNX Runtime peers: where they ran, and their check against the golden outputs',
    '',
    out.peers.length ? peersTable(out.peers) : 'none run',
    '',
    '## Timings (ms per forward of the whole batch)',
    '',
    benchTable(out),
    '',
    "## ToMe's own cost at r=13",
    '',
    tomeCostTable(out.tomeOverhead),
    '',
    '## Profile: share of GPU time per kernel family',
    '',
    profileTable(out.profile),
    '',
    '## Video frames',
    '',
    videoFrameTable(out.video),
    '',
  ].join('\n');
}

/** Writes the run's JSON and Markdown into `dir`, and the accuracy report when `evalOut` exists. */
export function writeRunResults(out: BenchResult, dir: string, evalOut: EvalOutput | undefined): void {
  mkdirSync(dir, { recursive: true });
  const a = out.adapter;
  const name = slug(`${a.route}-${a.description || a.device || a.vendor}`);
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(out, null, 2) + '\n');
  writeFileSync(join(dir, `${name}.md`), runMarkdown(out));
  if (evalOut) {
    writeReport(dir, out.model, out, evalOut);
    log(`wrote ${name}.json/.md, results.md, speed-accuracy.svg, summary.json in ${dir}`);
  } else log(`wrote ${name}.json/.md in ${dir}; no eval-${out.model}.json there, so no accuracy plot (save tome eval output under that name)`);
}
