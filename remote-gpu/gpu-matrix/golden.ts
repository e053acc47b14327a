// The golden check before any timing: every official case of a model (../shared/golden, or the
// copy a bundle carries) run on one engine configuration, all images of a setting in one batch.
// A configuration that computes something else than the official ToMe is not worth timing.
import type { ForwardResult } from '../../src/core/backend';
import type { WebGpuBackend } from '../../src/gpu/engine';
import { logitsEntries, readGoldenF32, type GoldenEntry, type LogitsCase } from '../../src/golden';
import type { GoldenFailure, GoldenReport } from './result';

export interface GoldenSet {
  model: string;
  entries: Array<GoldenEntry<LogitsCase>>;
  inputs: Float32Array[];
  /** Case names, in the order of the first entry. */
  caseNames: string[];
  dir: string;
}

/** The golden entries and inputs of `model` under `dir` (cases.json and its files). */
export function loadGoldenSet(dir: string, model: string): GoldenSet {
  const entries = logitsEntries({ dir, model });
  if (!entries.length) throw new Error(`no golden cases for ${model} in ${dir}`);
  return { model, entries, inputs: entries.map((e) => readGoldenF32(e.input, dir)), caseNames: entries[0].cases.map((c) => c.name), dir };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return a.length === b.length ? m : Infinity;
}

const sameArray = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((v, i) => v === b[i]);

/** The checks of one image's result against its official case; returns what failed (f16 keeps
 * only the tokens and the r = 0 top-1 as requirements). */
export function judgeCase(
  got: ForwardResult,
  want: Pick<LogitsCase, 'r' | 'tokens' | 'top5' | 'groups'>,
  officialLogits: Float32Array,
  f16: boolean,
): { failed: string[]; logitDiff: number; top1: boolean; groupsSame: number } {
  const failed: string[] = [];
  const logitDiff = maxAbsDiff(got.logits, officialLogits);
  const top1 = got.top5[0]?.index === want.top5[0][0];
  const groupsSame = want.groups.filter((g, p) => got.groups[p] === g).length;
  if (!sameArray(got.tokens, want.tokens)) failed.push(`tokens ${got.tokens.join(',')} != ${want.tokens.join(',')}`);
  if (!f16 || want.r === 0) {
    if (!top1) failed.push(`top-1 ${got.top5[0]?.index} != ${want.top5[0][0]}`);
  }
  if (!f16) {
    const gotSet = new Set(got.top5.map((t) => t.index));
    if (want.top5.some(([i]) => !gotSet.has(i)) || gotSet.size !== want.top5.length) failed.push('top-5 set differs');
    const tol = want.r === 0 ? 1e-3 : 1e-2;
    if (!(logitDiff < tol)) failed.push(`max |logit diff| ${logitDiff.toExponential(2)} >= ${tol}`);
    if (groupsSame / want.groups.length < 0.98) failed.push(`groups equal on ${groupsSame}/${want.groups.length} patches`);
  }
  return { failed, logitDiff, top1, groupsSame };
}

/** Every case of `set` on `engine` (maxBatch >= the set's images). */
export async function checkGolden(engine: WebGpuBackend, set: GoldenSet): Promise<GoldenReport> {
  const f16 = engine.precision === 'f16';
  const failures: GoldenFailure[] = [];
  let cases = 0;
  let passed = 0;
  let maxLogitDiffR0 = 0;
  let maxLogitDiffMerging = 0;
  let top1Agree = 0;
  let groupsSame = 0;
  let groupsAll = 0;
  for (const name of set.caseNames) {
    const c0 = set.entries[0].cases.find((c) => c.name === name)!;
    const { results } = await engine.run(set.inputs, { r: c0.r, schedule: c0.schedule, propAttn: true, mode: 'merge' });
    set.entries.forEach((e, i) => {
      const want = e.cases.find((c) => c.name === name);
      cases++;
      if (!want) {
        failures.push({ image: e.image, caseName: name, what: 'case missing in cases.json' });
        return;
      }
      const j = judgeCase(results[i], want, readGoldenF32(want.logits, set.dir), f16);
      if (want.r === 0) maxLogitDiffR0 = Math.max(maxLogitDiffR0, j.logitDiff);
      else maxLogitDiffMerging = Math.max(maxLogitDiffMerging, j.logitDiff);
      if (j.top1) top1Agree++;
      groupsSame += j.groupsSame;
      groupsAll += want.groups.length;
      if (j.failed.length) failures.push({ image: e.image, caseName: name, what: j.failed.join('; ') });
      else passed++;
    });
  }
  return {
    model: set.model,
    precision: engine.precision,
    matmul: engine.matmulVariant,
    cases,
    passed,
    failures,
    maxLogitDiffR0,
    maxLogitDiffMerging,
    top1Agree,
    groupsAgree: groupsAll ? groupsSame / groupsAll : 0,
  };
}
