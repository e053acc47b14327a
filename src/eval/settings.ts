// The ToMe settings one folder measurement compares: every (r, schedule, mode) asked for, with
// r = 0 once and first. r = 0 is always measured: it is the baseline of the agreement, the
// total-variation shift and the speed-up, and it is the same forward whatever the schedule, the
// mode or proportional attention (no merge, every size 1).
import type { MergeMode, Schedule, ToMeOptions } from '../core/tome';

export function measureSettings(rs: number[], schedules: Schedule[], modes: MergeMode[], propAttn: boolean): ToMeOptions[] {
  return settingsOf(
    schedules.flatMap((schedule) => rs.map((r) => ({ r, schedule }))),
    modes,
    propAttn,
  );
}

/** The same from a list of (r, schedule) points (the page's constant and decreasing lists). */
export function settingsOf(points: Array<{ r: number; schedule: Schedule }>, modes: MergeMode[], propAttn: boolean): ToMeOptions[] {
  const out: ToMeOptions[] = [{ r: 0, schedule: 'constant', mode: modes[0] ?? 'merge', propAttn }];
  for (const mode of modes) {
    for (const { r, schedule } of points) {
      if (r > 0 && !out.some((s) => s.r === r && s.schedule === schedule && s.mode === mode)) out.push({ r, schedule, mode, propAttn });
    }
  }
  return out;
}

/** "r = 16 decreasing, prune", as tables, tooltips and messages name a setting. */
export function settingName(s: Pick<ToMeOptions, 'r' | 'schedule' | 'mode'>): string {
  if (s.r === 0) return 'r = 0';
  return `r = ${s.r}${s.schedule === 'decreasing' ? ' decreasing' : ''}${s.mode === 'prune' ? ', prune' : ''}`;
}

/** A stable key of a list of settings (the page keeps its measurements per settings). */
export function settingsKey(settings: ToMeOptions[]): string {
  return settings.map((s) => `${s.r}${s.schedule[0]}${s.mode[0]}${s.propAttn ? 'p' : ''}`).join(',');
}
