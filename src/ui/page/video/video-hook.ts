// The video mode's part of the test and debugging hook (window.__tome.video): what the source
// is doing, the frames' counts and costs, the newest frame's result, the recording, and the
// frame and recording bytes the end-to-end tests check.
import type { AppState } from '../app-state';
import type { VideoMode } from './video-mode';
import type { RecordingLimits } from './recorder';

async function base64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function videoHook(state: AppState, video: VideoMode) {
  return {
    get status() {
      const s = video.source;
      const f = state.live;
      const last = video.recording.last;
      return {
        source: state.source,
        name: s.name,
        paused: s.paused,
        hidden: s.hidden,
        currentTime: s.currentTime,
        duration: Number.isFinite(s.duration) ? s.duration : null,
        cameras: s.cameras.length,
        stats: video.stats(),
        samples: video.strip.samples(),
        frame: f && {
          frameId: f.frameId,
          opts: f.opts,
          top5: f.result.top5,
          tokens: f.result.tokens,
          groups: Array.from(f.result.groups),
          ms: f.timing.ms,
          timingSource: f.timing.source,
          route: f.route,
          mediaTime: f.mediaTime,
          cost: f.cost,
        },
        recording: video.recording.active,
        lastRecording: last && {
          durationMs: last.durationMs,
          frames: last.frames,
          handed: last.handed,
          wallMs: last.wallMs,
          size: last.blob.size,
          type: last.blob.type,
          limitHit: last.limitHit,
        },
      };
    },
    /** Per-frame costs of the frames shown (oldest first), for the browser benchmark. */
    costs: () => video.costs.slice(),
    clearCosts: () => void video.costs.splice(0),
    /** The newest processed frame exactly as the worker got it, as a PNG (base64). */
    framePng: async () => {
      const f = state.live;
      if (!f) throw new Error('no frame yet');
      const c = document.createElement('canvas');
      c.width = f.view.bitmap.width;
      c.height = f.view.bitmap.height;
      c.getContext('2d')!.drawImage(f.view.bitmap, 0, 0);
      return base64(await new Promise<Blob>((res, rej) => c.toBlob((b) => (b ? res(b) : rej(new Error('PNG encoding failed'))), 'image/png')));
    },
    /** The last saved recording (base64 WebM). */
    recordingBase64: async () => {
      const last = video.recording.last;
      if (!last) throw new Error('nothing recorded yet');
      return base64(last.blob);
    },
    setRecordingLimits: (l: RecordingLimits) => void (video.recording.limits = l),
  };
}
