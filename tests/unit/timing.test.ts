// The timing every measurement shares (src/core/timing.ts, src/core/stats.ts): the round-robin
// schedule, its statistics, and the bench rows built from them. No real time is measured.
import { describe, expect, it } from 'vitest';
import { median } from '../../src/core/stats';
import { batchOf, benchRows, RoundRobin, summarize, timeRoundRobin, sideBySide, sideBySideRounds } from '../../src/core/timing';

describe('timing', () => {
  it('summarises timed runs: median, min, max, images per second', () => {
    const s = summarize([30, 10, 20, 40], 8);
    expect([s.msMedian, s.msMin, s.msMax]).toEqual([25, 10, 40]);
    expect(s.imgPerSec).toBeCloseTo(320);
    expect(median([3, 1, 2])).toBe(2);
    expect(() => median([])).toThrow(/no values/);
  });

  it('runs settings round-robin, excludes warm-up rounds and calls back after each timed round', async () => {
    const order: string[] = [];
    const rounds: number[] = [];
    const rr = new RoundRobin(['a', 'b'], 2, 3);
    expect(rr.total).toBe(10);
    await timeRoundRobin(
      rr,
      async (x) => void order.push(x),
      (round) => void rounds.push(round),
    );
    expect(order).toEqual(['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']);
    expect(rounds).toEqual([0, 1, 2]);
    expect(rr.samples.map((s) => s.length)).toEqual([3, 3]);
    expect(rr.next()).toBeNull();
    expect(() => rr.record(1)).toThrow(/after the last run/);
    expect(() => new RoundRobin(['a'], 1, 0)).toThrow(/timed rounds/);
  });

  it('can be driven one run at a time, and pairs speed-ups with r = 0 of the same engine and batch', () => {
    const settings = [
      { engine: 'x', r: 0, schedule: 'constant' as const, batch: 1 },
      { engine: 'x', r: 13, schedule: 'constant' as const, batch: 1 },
      { engine: 'y', r: 13, schedule: 'constant' as const, batch: 1 },
    ];
    const rr = new RoundRobin(settings, 1, 2);
    const ms = [99, 99, 99, 100, 50, 70, 120, 50, 70];
    for (let i = 0; rr.next(); i++) rr.record(ms[i]);
    const rows = benchRows(settings, rr.samples);
    expect(rows.map((r) => r.msMedian)).toEqual([110, 50, 70]);
    expect(rows[1].speedupVsR0).toBeCloseTo(2.2);
    expect(rows[2].speedupVsR0).toBeNaN();
    // A setting with no samples (a cancelled run) is left out.
    expect(benchRows(settings, [[10], [], [5]]).map((r) => r.engine + r.r)).toEqual(['x0', 'y13']);
  });

  it('side by side, runs each pair in reverse every other round, samples kept per item', async () => {
    const s = (engine: string, r: number, batch: number) => ({ engine, r, schedule: 'constant' as const, batch });
    const rr = sideBySideRounds([s('ours', 0, 1), s('ours', 13, 1), s('lone', 4, 1), s('peer', 0, 1), s('peer', 13, 1)], 1, 2);
    const items = rr.items;
    const order: string[] = [];
    const rounds: number[] = [];
    await timeRoundRobin(
      rr,
      async (it) => void order.push(`${it.engine} ${it.r}`),
      (round) => void rounds.push(round),
    );
    const even = ['ours 0', 'peer 0', 'ours 13', 'peer 13', 'lone 4'];
    const odd = ['peer 0', 'ours 0', 'peer 13', 'ours 13', 'lone 4'];
    expect(order).toEqual([...even, ...odd, ...even]);
    expect(rounds).toEqual([0, 1]);
    // Each item's samples are its own runs' times, whatever its place in the round.
    const times = sideBySideRounds(items, 0, 2);
    for (let next = times.next(); next; next = times.next()) times.record(next.round * 100 + next.index);
    expect(times.samples).toEqual(items.map((_, i) => [i, 100 + i]));
  });

  it('makes a batch of any size by cycling through the inputs', () => {
    expect(batchOf(['a', 'b', 'c'], 5)).toEqual(['a', 'b', 'c', 'a', 'b']);
    expect(batchOf(['a', 'b'], 1)).toEqual(['a']);
  });
});

describe('sideBySide', () => {
  it('orders a comparison batch by batch and setting by setting, the engines of each side by side', () => {
    const s = (engine: string, r: number, batch: number, schedule: 'constant' | 'decreasing' = 'constant') => ({ engine, r, schedule, batch });
    const items = [
      s('ours', 0, 1),
      s('ours', 13, 1),
      s('ours', 16, 1, 'decreasing'),
      s('ours', 0, 8),
      s('ours', 13, 8),
      s('peer', 0, 1),
      s('peer', 0, 8),
      s('peer', 16, 1, 'decreasing'),
      s('peer', 13, 1),
    ];
    expect(sideBySide(items).map((i) => `${i.engine} ${i.r}${i.schedule[0]} b${i.batch}`)).toEqual([
      'ours 0c b1',
      'peer 0c b1',
      'ours 13c b1',
      'peer 13c b1',
      'ours 16d b1',
      'peer 16d b1',
      'ours 0c b8',
      'peer 0c b8',
      'ours 13c b8',
    ]);
  });
});
