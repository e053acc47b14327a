// "Record": a WebM of the overlay canvas through MediaRecorder, one recorded frame per drawn
// frame (the canvas stream is driven by requestFrame: headless and busy pages otherwise lose
// most frames), stopped at a size or time limit, and given its real duration on the way out
// (MediaRecorder's live WebM has none, so players show no timeline).
import { webmTiming, withWebmDuration } from './webm-duration';

export interface RecordingLimits {
  maxBytes: number;
  maxMs: number;
}

export const DEFAULT_LIMITS: RecordingLimits = { maxBytes: 200 * 2 ** 20, maxMs: 5 * 60_000 };

export interface Recording {
  /** Call after each draw of the canvas: that frame goes into the recording. */
  frame(): void;
  /** Ends the recording (also called at a limit): the WebM with its duration written in. */
  stop(): Promise<RecordedVideo>;
  readonly bytes: number;
  readonly elapsedMs: number;
  /** Why the recording stopped by itself ('size' or 'time'), else null. */
  readonly limitHit: 'size' | 'time' | null;
}

export interface RecordedVideo {
  blob: Blob;
  durationMs: number;
  frames: number;
}

function pickMimeType(): string {
  for (const t of ['video/webm;codecs=vp9', 'video/webm;codecs=vp8', 'video/webm']) if (MediaRecorder.isTypeSupported(t)) return t;
  throw new Error('This browser cannot record WebM video.');
}

/**
 * Starts recording `canvas`. `onLimit` fires once when a limit stops it (the caller then takes
 * the result from stop(), which resolves at once).
 */
export function startRecording(canvas: HTMLCanvasElement, limits: RecordingLimits = DEFAULT_LIMITS, onLimit?: (why: 'size' | 'time') => void): Recording {
  if (typeof MediaRecorder === 'undefined' || !canvas.captureStream) throw new Error('This browser cannot record the canvas (no MediaRecorder).');
  const stream = canvas.captureStream(0);
  const track = stream.getVideoTracks()[0] as CanvasCaptureMediaStreamTrack;
  const mimeType = pickMimeType();
  const recorder = new MediaRecorder(stream, { mimeType });
  const chunks: Blob[] = [];
  let bytes = 0;
  let limitHit: Recording['limitHit'] = null;
  const t0 = performance.now();
  const stopped = new Promise<void>((resolve, reject) => {
    recorder.onstop = () => resolve();
    recorder.onerror = (e) => reject(new Error(`Recording failed: ${e.message ?? 'MediaRecorder error'}`));
  });
  const hit = (why: 'size' | 'time') => {
    if (limitHit || recorder.state === 'inactive') return;
    limitHit = why;
    recorder.stop();
    onLimit?.(why);
  };
  recorder.ondataavailable = (e) => {
    if (!e.data.size) return;
    chunks.push(e.data);
    bytes += e.data.size;
    if (bytes >= limits.maxBytes) hit('size');
  };
  // A chunk a second: the size limit is checked as the file grows, not only at the end.
  recorder.start(1000);
  const timer = setTimeout(() => hit('time'), limits.maxMs);
  let result: Promise<RecordedVideo> | null = null;
  return {
    frame() {
      if (recorder.state === 'recording') track.requestFrame();
    },
    stop() {
      result ??= (async () => {
        clearTimeout(timer);
        if (recorder.state !== 'inactive') recorder.stop();
        await stopped;
        track.stop();
        const raw = new Uint8Array(await new Blob(chunks).arrayBuffer());
        const timing = webmTiming(raw);
        const fixed = timing.declaredMs === null ? withWebmDuration(raw, timing.durationMs) : raw;
        return { blob: new Blob([fixed as Uint8Array<ArrayBuffer>], { type: mimeType }), durationMs: timing.durationMs, frames: timing.frames };
      })();
      return result;
    },
    get bytes() {
      return bytes;
    },
    get elapsedMs() {
      return performance.now() - t0;
    },
    get limitHit() {
      return limitHit;
    },
  };
}
