// Newest frame wins: at most one frame is processed at a time and at most one waits; a frame
// offered while another waits replaces it (the older one is discarded and counted as dropped).
// So a slow adapter never builds a backlog, the answer shown is always about a recent frame,
// and the counts give processed fps against the source's fps.

export interface SchedulerStats {
  /** Frames offered by the source. */
  offered: number;
  /** Frames whose processing finished (successfully or not). */
  processed: number;
  /** Frames replaced while waiting, or cleared, without being processed. */
  dropped: number;
  /** Processed frames whose processing threw. */
  failed: number;
  /** A frame is being processed now. */
  busy: boolean;
  /** Offer and completion rates over the last `windowMs` (0 until two events are seen). */
  offeredFps: number;
  processedFps: number;
}

export interface FrameScheduler<T> {
  /** Hands a new frame over; the scheduler owns it from now on (processes or discards it). */
  offer(frame: T): void;
  /** Discards the waiting frame, if any (pause, seek, source change); the running one finishes. */
  clear(): void;
  stats(): SchedulerStats;
  /** Resolves once nothing runs and nothing waits. */
  idle(): Promise<void>;
}

export interface SchedulerOptions<T> {
  process(frame: T): Promise<void>;
  /** Frees a frame that will not be processed (e.g. VideoFrame.close). */
  discard?(frame: T): void;
  onError?(error: unknown, frame: T): void;
  /** Clock in ms (performance.now by default; tests pass their own). */
  now?: () => number;
  /** Span of the fps estimates. Default 2000 ms. */
  windowMs?: number;
}

/** Events per second from timestamps inside the window: (n - 1) intervals over their span. */
class RateWindow {
  private times: number[] = [];
  constructor(private windowMs: number) {}
  add(t: number): void {
    this.times.push(t);
  }
  rate(now: number): number {
    while (this.times.length && this.times[0] < now - this.windowMs) this.times.shift();
    const n = this.times.length;
    if (n < 2) return 0;
    const span = this.times[n - 1] - this.times[0];
    return span > 0 ? ((n - 1) * 1000) / span : 0;
  }
}

export function createFrameScheduler<T>(opts: SchedulerOptions<T>): FrameScheduler<T> {
  const now = opts.now ?? (() => performance.now());
  const windowMs = opts.windowMs ?? 2000;
  const offeredRate = new RateWindow(windowMs);
  const processedRate = new RateWindow(windowMs);
  let waiting: { frame: T } | null = null;
  let busy = false;
  let offered = 0;
  let processed = 0;
  let dropped = 0;
  let failed = 0;
  let idleWaiters: Array<() => void> = [];

  const drop = (frame: T) => {
    dropped++;
    opts.discard?.(frame);
  };

  async function pump(): Promise<void> {
    while (waiting) {
      const { frame } = waiting;
      waiting = null;
      busy = true;
      try {
        await opts.process(frame);
      } catch (e) {
        failed++;
        opts.onError?.(e, frame);
      }
      processed++;
      processedRate.add(now());
      busy = false;
    }
    const waiters = idleWaiters;
    idleWaiters = [];
    waiters.forEach((w) => w());
  }

  return {
    offer(frame) {
      offered++;
      offeredRate.add(now());
      if (waiting) drop(waiting.frame);
      waiting = { frame };
      if (!busy) void pump();
    },
    clear() {
      if (waiting) drop(waiting.frame);
      waiting = null;
    },
    stats() {
      const t = now();
      return { offered, processed, dropped, failed, busy, offeredFps: offeredRate.rate(t), processedFps: processedRate.rate(t) };
    },
    idle() {
      if (!busy && !waiting) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
  };
}
