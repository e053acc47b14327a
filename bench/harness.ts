// Engine-agnostic timing of one forward configuration: warm-up runs (pipeline compilation, buffer
// allocation, JIT) are excluded, then `repeat` timed runs give median/min/max. The median is the
// reported figure because software adapters on shared cores have heavy one-sided outliers.

export interface TimingOptions {
  /** Untimed runs first (default 2: the first run compiles, the second settles caches). */
  warmup?: number;
  /** Timed runs (default 5). */
  repeat?: number;
  /** Images per forward, for images/second. */
  batch: number;
  /** Called after every run, warm-up included, e.g. to draw progress on stderr. */
  onProgress?: (p: { phase: 'warmup' | 'timed'; done: number; total: number; ms: number }) => void;
}

export interface TimingStats {
  /** Per forward of the whole batch, in ms. */
  msMedian: number;
  msMin: number;
  msMax: number;
  imgPerSec: number;
  /** Every timed run in ms, in run order. */
  samples: number[];
}

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Summary statistics of timed runs of a batch of `batch` images. */
export function summarize(samples: number[], batch: number): TimingStats {
  const msMedian = median(samples);
  return {
    msMedian,
    msMin: Math.min(...samples),
    msMax: Math.max(...samples),
    imgPerSec: (batch * 1000) / msMedian,
    samples: [...samples],
  };
}

/**
 * Times `forward`, which must resolve only once its result is on the host (a read-back), so
 * queued GPU work is inside the measurement. Wall-clock time from performance.now().
 */
export async function timeForward(forward: () => Promise<unknown>, opts: TimingOptions): Promise<TimingStats> {
  const warmup = opts.warmup ?? 2;
  const repeat = opts.repeat ?? 5;
  if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`warmup must be a non-negative integer, got ${warmup}`);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`repeat must be a positive integer, got ${repeat}`);
  if (!Number.isInteger(opts.batch) || opts.batch < 1) throw new Error(`batch must be a positive integer, got ${opts.batch}`);
  for (let i = 0; i < warmup; i++) {
    const t0 = performance.now();
    await forward();
    opts.onProgress?.({ phase: 'warmup', done: i + 1, total: warmup, ms: performance.now() - t0 });
  }
  const samples: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    await forward();
    samples.push(performance.now() - t0);
    opts.onProgress?.({ phase: 'timed', done: i + 1, total: repeat, ms: samples[i] });
  }
  return summarize(samples, opts.batch);
}
