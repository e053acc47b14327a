// Newest frame wins: never more than one frame running and one waiting, replaced frames are
// discarded and counted, fps come from the offer and completion times.
import { describe, expect, it } from 'vitest';
import { createFrameScheduler } from '../../src/ui/page/video/frame-scheduler';

/** A process() whose calls finish only when the test says so. */
function controlled() {
  const started: number[] = [];
  const finishers: Array<(fail?: boolean) => void> = [];
  const process = (frame: number) =>
    new Promise<void>((resolve, reject) => {
      started.push(frame);
      finishers.push((fail) => (fail ? reject(new Error(`frame ${frame} failed`)) : resolve()));
    });
  const finish = async (fail = false) => {
    finishers.shift()!(fail);
    await new Promise((r) => setTimeout(r, 0));
  };
  return { started, process, finish };
}

describe('frame scheduler', () => {
  it('runs the first frame at once and keeps only the newest while busy', async () => {
    const c = controlled();
    const discarded: number[] = [];
    const s = createFrameScheduler<number>({ process: c.process, discard: (f) => discarded.push(f) });
    for (let f = 1; f <= 5; f++) s.offer(f);
    expect(c.started).toEqual([1]);
    expect(discarded).toEqual([2, 3, 4]);
    await c.finish();
    expect(c.started).toEqual([1, 5]);
    s.offer(6);
    s.offer(7);
    await c.finish();
    await c.finish();
    expect(c.started).toEqual([1, 5, 7]);
    expect(discarded).toEqual([2, 3, 4, 6]);
    await s.idle();
    const st = s.stats();
    expect(st).toMatchObject({ offered: 7, processed: 3, dropped: 4, failed: 0, busy: false });
    expect(st.offered).toBe(st.processed + st.dropped);
  });

  it('clear() discards the waiting frame but lets the running one finish', async () => {
    const c = controlled();
    const discarded: number[] = [];
    const s = createFrameScheduler<number>({ process: c.process, discard: (f) => discarded.push(f) });
    s.offer(1);
    s.offer(2);
    s.clear();
    expect(discarded).toEqual([2]);
    await c.finish();
    await s.idle();
    expect(c.started).toEqual([1]);
    expect(s.stats()).toMatchObject({ offered: 2, processed: 1, dropped: 1 });
  });

  it('a failing frame is reported and the next one still runs', async () => {
    const c = controlled();
    const errors: string[] = [];
    const s = createFrameScheduler<number>({ process: c.process, onError: (e, f) => errors.push(`${f}: ${(e as Error).message}`) });
    s.offer(1);
    s.offer(2);
    await c.finish(true);
    await c.finish();
    await s.idle();
    expect(errors).toEqual(['1: frame 1 failed']);
    expect(c.started).toEqual([1, 2]);
    expect(s.stats()).toMatchObject({ processed: 2, failed: 1, dropped: 0 });
  });

  it('gives the source fps and the processed fps over its window', async () => {
    let t = 0;
    const c = controlled();
    const s = createFrameScheduler<number>({ process: c.process, now: () => t, windowMs: 2000 });
    // 30 fps offered for 3 s; each frame takes 100 ms to process, so 10 fps get through.
    let nextFinish = 100;
    for (let f = 0; f < 90; f++) {
      t = (f * 1000) / 30;
      while (t >= nextFinish && c.started.length > 0) {
        const now = t;
        t = nextFinish;
        await c.finish();
        t = now;
        nextFinish += 100;
      }
      s.offer(f);
    }
    const st = s.stats();
    expect(st.offeredFps).toBeCloseTo(30, 5);
    expect(st.processedFps).toBeGreaterThan(9);
    expect(st.processedFps).toBeLessThan(11);
    expect(st.dropped).toBeGreaterThan(50);
    expect(st.offered).toBe(90);
  });

  it('idle() waits for the running and the waiting frame', async () => {
    const c = controlled();
    const s = createFrameScheduler<number>({ process: c.process });
    let idle = false;
    s.offer(1);
    s.offer(2);
    void s.idle().then(() => (idle = true));
    await c.finish();
    expect(idle).toBe(false);
    await c.finish();
    expect(idle).toBe(true);
  });
});
