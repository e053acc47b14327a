// The page's "Measure speed here", run in the worker one forward at a time (so slider requests
// are answered between runs) with the same round-robin schedule and statistics as `tome bench`
// (src/core/timing.ts): `repeat` rounds alternating the settings. No warm-up round: by the time
// the user can press the button the engine has run forwards with these same pipelines (the page
// classifies first), a new setting only adds its plan's bind groups on the host, and the times
// recorded are the forwards' own (GPU timestamps where the adapter has them).
import type { Timing } from '../../core/backend';
import type { BenchRow } from '../../core/results';
import type { ToMeOptions } from '../../core/tome';
import { benchRows, RoundRobin, type BenchSetting } from '../../core/timing';
import type { BenchPoint, FromWorker } from '../protocol';

export class SpeedBench {
  private readonly settings: BenchSetting[];
  private readonly rr: RoundRobin<BenchSetting>;
  private source: Timing['source'] = 'wall';
  private cancelled = false;

  constructor(
    readonly benchId: number,
    points: BenchPoint[],
    repeat: number,
    engine: string,
  ) {
    this.settings = points.map((p) => ({ engine, r: p.r, schedule: p.schedule, batch: 1 }));
    this.rr = new RoundRobin(this.settings, 0, repeat);
  }

  cancel(): void {
    this.cancelled = true;
  }

  get finished(): boolean {
    return this.cancelled || this.rr.next() === null;
  }

  /**
   * Runs the next forward with `forward` (times are the forward's own: GPU timestamps where the
   * adapter has them) and returns the messages for the page: progress, and once the schedule is
   * done or cancelled, the rows measured so far. A failing forward cancels the measurement.
   */
  async step(forward: (opts: ToMeOptions) => Promise<Timing>): Promise<FromWorker[]> {
    const out: FromWorker[] = [];
    const run = this.cancelled ? null : this.rr.next();
    if (run) {
      try {
        const timing = await forward({ r: run.item.r, schedule: run.item.schedule, propAttn: true, mode: 'merge' });
        this.source = timing.source;
        this.rr.record(timing.ms);
      } catch (e) {
        this.cancelled = true;
        out.push({ type: 'analyze-error', requestId: -1, slot: 'main', message: `benchmark: ${(e as Error).message}` });
      }
      out.push({ type: 'bench-progress', benchId: this.benchId, done: this.rr.done, total: this.rr.total });
    }
    if (this.finished) out.push({ type: 'bench-done', benchId: this.benchId, rows: this.rows(), cancelled: this.cancelled, timingSource: this.source });
    return out;
  }

  private rows(): BenchRow[] {
    return benchRows(this.settings, this.rr.samples);
  }
}
