// "r = 0 on alternate frames": every other frame runs unmerged, so a playing video gives a live
// speed-up (the r = 0 frames' forward time over the merged frames') and an agreement figure
// (how often a merged frame's top-1 equals that of the r = 0 frame just before it). Neighbouring
// frames, not the same frame twice: on a moving scene the two can differ for reasons of their
// own, which the page says in its label.

export interface AltSample {
  /** When the frame's answer arrived, ms. */
  t: number;
  /** Ran at r = 0 as the alternate baseline. */
  baseline: boolean;
  ms: number;
  top1: number;
}

export interface AltSummary {
  /** Median r = 0 forward time over median merged forward time; null until both ran. */
  speedup: number | null;
  /** Merged frames with an r = 0 frame before them in the window, and how many agreed. */
  compared: number;
  agreed: number;
  baselineFrames: number;
  mergedFrames: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export class AlternateBaseline {
  private samples: AltSample[] = [];
  private lastWasBaseline = false;

  constructor(readonly windowMs: number) {}

  /** Whether the next frame sent should be the r = 0 one: every other frame while `enabled`
   * and r > 0 (at r = 0 every frame already is). */
  nextIsBaseline(enabled: boolean, r: number): boolean {
    const baseline = enabled && r > 0 && !this.lastWasBaseline;
    this.lastWasBaseline = baseline;
    return baseline;
  }

  push(s: AltSample): void {
    this.samples.push(s);
    this.samples = this.samples.filter((x) => x.t >= s.t - this.windowMs);
  }

  clear(): void {
    this.samples = [];
    this.lastWasBaseline = false;
  }

  summary(): AltSummary {
    const base = this.samples.filter((s) => s.baseline);
    const merged = this.samples.filter((s) => !s.baseline);
    let compared = 0;
    let agreed = 0;
    let before: AltSample | null = null;
    for (const s of this.samples) {
      if (s.baseline) before = s;
      else if (before) {
        compared++;
        if (before.top1 === s.top1) agreed++;
      }
    }
    const speedup = base.length && merged.length ? median(base.map((s) => s.ms)) / median(merged.map((s) => s.ms)) : null;
    return { speedup, compared, agreed, baselineFrames: base.length, mergedFrames: merged.length };
  }
}
