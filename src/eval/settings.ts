// The ToMe settings one folder measurement compares: every (r, schedule, mode) asked for, with
// r = 0 once and first. r = 0 is always measured: it is the baseline of the agreement, the
// total-variation shift and the speed-up, and it is the same forward whatever the schedule, the
// mode or proportional attention (no merge, every size 1).
// Each r > 0 is measured under every combination of the design choices asked for.
import {
  choicesConflict,
  choicesOf,
  OFFICIAL_CHOICES,
  unofficialChoices,
  type DesignChoices,
  type MergeMode,
  type Schedule,
  type ToMeOptions,
} from '../core/tome';

/** The design choices asked for, a list of values each (the seed is one). */
export type ChoiceLists = { [K in Exclude<keyof DesignChoices, 'seed'>]: DesignChoices[K][] } & { seed: number };

/**
 * Every combination of the lists (or, with `each`, the official algorithm and each unofficial value
 * alone), each holding only its unofficial choices ({} is the official algorithm); a combination
 * that means nothing under one of the modes is refused in one line.
 */
export function choiceVariants(lists: ChoiceLists, modes: MergeMode[], each = false): Array<Partial<DesignChoices>> {
  let out: Array<Partial<DesignChoices>> = [{}];
  for (const key of ['metric', 'distance', 'split', 'matching', 'weighting'] as const) {
    const values = (lists[key] as string[]).filter((value) => value !== OFFICIAL_CHOICES[key]);
    // each: one choice at a time beside the official algorithm (the paper's ablations), not every combination.
    if (each) out.push(...values.map((value) => ({ [key]: value })));
    else out = out.flatMap((v) => [...(values.length < lists[key].length ? [v] : []), ...values.map((value) => ({ ...v, [key]: value }))]);
  }
  out = out.map((v) => (v.split === 'random' ? { ...v, seed: lists.seed } : v));
  for (const v of out) {
    for (const mode of modes) {
      const conflict = choicesConflict({ ...v, mode });
      if (conflict) throw new Error(conflict);
    }
  }
  return out;
}

export function measureSettings(
  rs: number[],
  schedules: Schedule[],
  modes: MergeMode[],
  propAttn: boolean,
  variants: Array<Partial<DesignChoices>> = [{}],
): ToMeOptions[] {
  return settingsOf(
    schedules.flatMap((schedule) => rs.map((r) => ({ r, schedule }))),
    modes,
    propAttn,
    variants,
  );
}

/** The same from a list of (r, schedule) points (the page's constant and decreasing lists). */
export function settingsOf(
  points: Array<{ r: number; schedule: Schedule }>,
  modes: MergeMode[],
  propAttn: boolean,
  variants: Array<Partial<DesignChoices>> = [{}],
): ToMeOptions[] {
  const out: ToMeOptions[] = [{ r: 0, schedule: 'constant', mode: modes[0] ?? 'merge', propAttn }];
  for (const variant of variants) {
    for (const mode of modes) {
      for (const { r, schedule } of points) {
        const setting = { r, schedule, mode, propAttn, ...variant };
        if (r > 0 && !out.some((s) => settingName(s) === settingName(setting))) out.push(setting);
      }
    }
  }
  return out;
}

/** "metric x, split random (seed 3)": the unofficial design choices of a setting, or ''. */
export function choicesName(s: Partial<DesignChoices>): string {
  const c = choicesOf(s);
  return unofficialChoices(s)
    .filter((flag) => !flag.startsWith('--seed'))
    .map((flag) => flag.slice(2) + (flag === '--split random' ? ` (seed ${c.seed})` : ''))
    .join(', ');
}

/** "r = 16 decreasing, prune", as tables, tooltips and messages name a setting. */
export function settingName(s: Pick<ToMeOptions, 'r' | 'schedule' | 'mode'> & Partial<DesignChoices>): string {
  if (s.r === 0) return 'r = 0';
  const choices = choicesName(s);
  return `r = ${s.r}${s.schedule === 'decreasing' ? ' decreasing' : ''}${s.mode === 'prune' ? ', prune' : ''}${choices ? `, ${choices}` : ''}`;
}

/** A stable key of a list of settings (the page keeps its measurements per settings). */
export function settingsKey(settings: ToMeOptions[]): string {
  return settings.map((s) => `${s.r}${s.schedule[0]}${s.mode[0]}${s.propAttn ? 'p' : ''}${choicesName(s).replace(/[^a-z0-9]/g, '')}`).join(',');
}
