// `tome eval`: top-1/top-5 over a labelled image folder for each (r, schedule). Every image is
// decoded once and then run under every setting (preprocessed in TypeScript once for the CPU
// backend; on the GPU, in each forward's own submission).
import { join } from 'node:path';
import type { Backend } from '../core/backend';
import type { EvalRow } from '../core/results';
import type { Schedule, ToMeOptions } from '../core/tome';
import type { ModelInput } from '../core/backend';
import { loadInput } from './input';
import { readLabels } from './labels';
import { Progress } from './progress';
import { oneLine } from './classify';

interface Tally {
  n: number;
  top1: number;
  top5: number;
  finalTokens: number;
  ms: number;
}

export async function evaluate(
  backend: Backend,
  dir: string,
  labelsPath: string | undefined,
  settings: Omit<ToMeOptions, 'r' | 'schedule'>,
  rs: number[],
  schedules: Schedule[],
  limit: number | undefined,
  batch: number,
): Promise<EvalRow[]> {
  const rows = readLabels(labelsPath ?? join(dir, 'labels.tsv')).slice(0, limit);
  const combos = schedules.flatMap((schedule) => rs.map((r) => ({ ...settings, r, schedule })));
  const tallies: Tally[] = combos.map(() => ({ n: 0, top1: 0, top5: 0, finalTokens: 0, ms: 0 }));
  const progress = new Progress('eval', rows.length);
  let skipped = 0;
  for (let start = 0; start < rows.length; start += batch) {
    const chunk = rows.slice(start, start + batch);
    const inputs: ModelInput[] = [];
    const labels: number[] = [];
    for (const row of chunk) {
      try {
        inputs.push(await loadInput(join(dir, row.file), backend.config));
        labels.push(row.label);
      } catch (e) {
        skipped++;
        process.stderr.write(`tome: ${oneLine(e)}\n`);
      }
    }
    if (inputs.length) {
      for (let c = 0; c < combos.length; c++) {
        const { results, timing } = await backend.run(inputs, combos[c]);
        const t = tallies[c];
        t.ms += timing.ms;
        results.forEach((res, i) => {
          t.n++;
          if (res.top5[0].index === labels[i]) t.top1++;
          if (res.top5.some((x) => x.index === labels[i])) t.top5++;
          t.finalTokens += res.tokens[res.tokens.length - 1];
        });
      }
    }
    const first = tallies[0];
    progress.update(Math.min(start + batch, rows.length), first.n ? `top1@${combos[0].r}=${((100 * first.top1) / first.n).toFixed(1)}%` : '');
  }
  if (skipped) process.stderr.write(`tome: ${skipped} image(s) could not be read and were skipped\n`);
  return combos.map((c, i) => {
    const t = tallies[i];
    const n = Math.max(t.n, 1);
    return {
      r: c.r,
      schedule: c.schedule,
      n: t.n,
      top1: t.top1 / n,
      top5: t.top5 / n,
      meanFinalTokens: t.finalTokens / n,
      msPerImage: Math.round((t.ms / n) * 100) / 100,
    };
  });
}
