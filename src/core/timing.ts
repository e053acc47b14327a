// Timing of forward configurations, shared by `tome bench`, the GPU matrix (remote-gpu/) and the
// page's in-page measurement. Settings run round-robin (one run of each per round, after untimed
// warm-up rounds), so slow drift of a shared, software-rendered machine hits every setting alike
// and ratios stay fair.
// Medians are the reported figure: software adapters on shared cores have heavy one-sided
// outliers. No Node or DOM APIs: the page's worker imports this too.
import type { BenchRow } from './results';
import { median } from './stats';
import type { Schedule } from './tome';

export interface TimingStats {
  /** Per forward of the whole batch, in ms. */
  msMedian: number;
  msMin: number;
  msMax: number;
  imgPerSec: number;
}

/** Summary statistics of timed runs of a batch of `batch` images. */
export function summarize(samples: number[], batch: number): TimingStats {
  const msMedian = median(samples);
  return { msMedian, msMin: Math.min(...samples), msMax: Math.max(...samples), imgPerSec: (batch * 1000) / msMedian };
}

/** One timed configuration: which engine, which ToMe setting, how many images per forward. */
export interface BenchSetting {
  engine: string;
  r: number;
  schedule: Schedule;
  batch: number;
}

/**
 * The items of a comparison in round-robin order: batch by batch, setting by setting (in order of
 * first appearance), the engines of one batch and setting side by side. Each engine's run then
 * follows the same kind of run as its rival's: a run's time depends on what ran just before it
 * (after a batch-8 run a batch-1 one times differently), so an order that gave one engine's
 * ToMe runs other predecessors than its r = 0 run would bias its speed-up.
 */
export function sideBySide<T extends BenchSetting>(items: T[]): T[] {
  const settings: string[] = [];
  for (const it of items) if (!settings.includes(settingKey(it))) settings.push(settingKey(it));
  return [...items].sort((a, b) => a.batch - b.batch || settings.indexOf(settingKey(a)) - settings.indexOf(settingKey(b)));
}

/** An item's ToMe setting, whatever its engine and batch. */
function settingKey(it: BenchSetting): string {
  return `${it.r} ${it.schedule}`;
}

/**
 * A round-robin schedule driven one run at a time, so a caller can interleave other work
 * between runs (the page answers the slider between them): `next()` names the run to do,
 * `record(ms)` reports its time. Warm-up rounds come first and are not kept.
 * With `pairKey` (sideBySideRounds), every other round runs each group of
 * consecutive items with the same key in reverse: no engine always runs first in its pair, so
 * no engine always follows the previous setting while its rival follows the same setting.
 */
export class RoundRobin<T> {
  /** Timed samples per item, in ms. */
  readonly samples: number[][];
  private step = 0;
  /** Item indices in run order, for even and odd rounds. */
  private readonly orders: [number[], number[]];

  constructor(
    readonly items: T[],
    readonly warmupRounds: number,
    readonly timedRounds: number,
    pairKey?: (item: T) => string,
  ) {
    if (!Number.isInteger(warmupRounds) || warmupRounds < 0) throw new Error(`warm-up rounds must be a non-negative integer, got ${warmupRounds}`);
    if (!Number.isInteger(timedRounds) || timedRounds < 1) throw new Error(`timed rounds must be a positive integer, got ${timedRounds}`);
    this.samples = items.map(() => []);
    const forward = items.map((_, i) => i);
    this.orders = [forward, pairKey ? mirroredGroups(items.map(pairKey)) : forward];
  }

  get total(): number {
    return (this.warmupRounds + this.timedRounds) * this.items.length;
  }

  get done(): number {
    return this.step;
  }

  /** The next run (`index`: the item's; `lastOfRound`: the round's last run), or null when
   * every round is done. */
  next(): { item: T; index: number; round: number; timed: boolean; lastOfRound: boolean } | null {
    if (this.step >= this.total || !this.items.length) return null;
    const position = this.step % this.items.length;
    const round = Math.floor(this.step / this.items.length);
    const index = this.orders[round % 2][position];
    return { item: this.items[index], index, round, timed: round >= this.warmupRounds, lastOfRound: position === this.items.length - 1 };
  }

  /** Records the time of the run next() named and moves on. */
  record(ms: number): void {
    const run = this.next();
    if (!run) throw new Error('record() after the last run');
    if (run.timed) this.samples[run.index].push(ms);
    this.step++;
  }
}

/** A comparison's round-robin: sideBySide's order, each pair (same batch and setting) in reverse
 * every other round. */
export function sideBySideRounds<T extends BenchSetting>(items: T[], warmupRounds: number, timedRounds: number): RoundRobin<T> {
  return new RoundRobin(sideBySide(items), warmupRounds, timedRounds, (it) => `${it.batch} ${settingKey(it)}`);
}

/** 0..n-1 with each run of equal consecutive keys reversed (keys a a b c c -> 1 0 2 4 3). */
function mirroredGroups(keys: string[]): number[] {
  const order: number[] = [];
  for (let start = 0; start < keys.length;) {
    let end = start + 1;
    while (end < keys.length && keys[end] === keys[start]) end++;
    for (let i = end - 1; i >= start; i--) order.push(i);
    start = end;
  }
  return order;
}

/**
 * Runs the whole schedule, timing each `run(item)` on the wall clock. `run` must resolve only
 * once its result is on the host (a read-back), so queued GPU work is inside the measurement.
 * `afterRound(round)` runs after each timed round (outside the timings).
 */
export async function timeRoundRobin<T>(rr: RoundRobin<T>, run: (item: T) => Promise<unknown>, afterRound?: (timedRound: number) => unknown): Promise<void> {
  for (let next = rr.next(); next; next = rr.next()) {
    const t0 = performance.now();
    await run(next.item);
    rr.record(performance.now() - t0);
    if (next.timed && next.lastOfRound) await afterRound?.(next.round - rr.warmupRounds);
  }
}

/**
 * Bench rows of settings timed in one schedule; each row's speed-up is against r = 0 of the same
 * engine and batch, measured in the same rounds (NaN where that was not timed). Settings without
 * samples (a cancelled run) are left out.
 */
export function benchRows(settings: BenchSetting[], samples: number[][]): BenchRow[] {
  const rows = settings.flatMap(({ engine, r, schedule, batch }, i) =>
    samples[i].length ? [{ engine, r, schedule, batch, ...summarize(samples[i], batch), speedupVsR0: NaN }] : [],
  );
  for (const row of rows) {
    const base = rows.find((b) => b.engine === row.engine && b.batch === row.batch && b.r === 0);
    if (base) row.speedupVsR0 = base.msMedian / row.msMedian;
  }
  return rows;
}

/** `n` inputs cycling through `inputs`: a timed batch of any size from a few distinct images. */
export function batchOf<T>(inputs: T[], n: number): T[] {
  return Array.from({ length: n }, (_, i) => inputs[i % inputs.length]);
}
