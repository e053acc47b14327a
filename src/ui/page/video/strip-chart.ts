// The strip chart's data: the last few seconds of per-frame figures in a ring buffer (fixed
// capacity, oldest overwritten, samples older than the window dropped), so a long video costs
// the same memory and redraw time as a short one.

export interface StripSample {
  /** When the frame's result arrived, ms (any monotonic clock). */
  t: number;
  /** Probability of the top-1 class, 0..1. */
  top1Prob: number;
  /** Time of the frame's forward (or frame upload + forward), ms. */
  ms: number;
  /** Share of patches whose group changed since the previous frame, 0..1; null for the first
   * frame after a start, seek or settings change (nothing comparable before it). */
  changedShare: number | null;
}

export class StripChartData {
  private ring: StripSample[];
  private start = 0;
  private count = 0;

  /**
   * @param windowMs how far back the chart reaches
   * @param capacity most samples kept (enough for the window at the fastest frame rate expected)
   */
  constructor(
    readonly windowMs: number,
    readonly capacity = 1024,
  ) {
    if (!(windowMs > 0) || !(capacity >= 1)) throw new Error(`strip chart: window ${windowMs} ms, capacity ${capacity}`);
    this.ring = new Array<StripSample>(capacity);
  }

  push(s: StripSample): void {
    if (this.count && s.t < this.newest()!.t) throw new Error(`strip chart: sample at ${s.t} ms after one at ${this.newest()!.t} ms`);
    if (this.count === this.capacity) {
      this.start = (this.start + 1) % this.capacity;
      this.count--;
    }
    this.ring[(this.start + this.count) % this.capacity] = s;
    this.count++;
    while (this.count && this.ring[this.start].t < s.t - this.windowMs) {
      this.start = (this.start + 1) % this.capacity;
      this.count--;
    }
  }

  /** Oldest first. */
  samples(): StripSample[] {
    const out: StripSample[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.ring[(this.start + i) % this.capacity]);
    return out;
  }

  newest(): StripSample | null {
    return this.count ? this.ring[(this.start + this.count - 1) % this.capacity] : null;
  }

  get size(): number {
    return this.count;
  }

  clear(): void {
    this.start = 0;
    this.count = 0;
  }
}
