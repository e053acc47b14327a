// Notices each new frame a <video> presents (camera or file), so the scheduler can be offered
// it: requestVideoFrameCallback where the browser has it, else a requestAnimationFrame loop
// that reports a frame whenever the playback position moved.

export interface PresentedFrame {
  /** The frame's position in the media, seconds. */
  mediaTime: number;
  /** Frames presented so far, when the browser counts them (requestVideoFrameCallback). */
  presentedFrames: number | null;
  width: number;
  height: number;
}

type FrameCallbackVideo = HTMLVideoElement & {
  requestVideoFrameCallback?(cb: (now: number, meta: { mediaTime: number; presentedFrames: number; width: number; height: number }) => void): number;
  cancelVideoFrameCallback?(handle: number): void;
};

/** Calls onFrame for every presented frame until the returned function is called. */
export function watchVideoFrames(video: HTMLVideoElement, onFrame: (f: PresentedFrame) => void): () => void {
  const v = video as FrameCallbackVideo;
  let stopped = false;
  if (v.requestVideoFrameCallback && v.cancelVideoFrameCallback) {
    let handle = 0;
    const next = () => {
      handle = v.requestVideoFrameCallback((_, meta) => {
        if (stopped) return;
        onFrame({ mediaTime: meta.mediaTime, presentedFrames: meta.presentedFrames, width: meta.width, height: meta.height });
        next();
      });
    };
    next();
    return () => {
      stopped = true;
      v.cancelVideoFrameCallback(handle);
    };
  }
  let last = -1;
  let raf = 0;
  const tick = () => {
    if (stopped) return;
    if (video.readyState >= 2 && video.currentTime !== last) {
      last = video.currentTime;
      onFrame({ mediaTime: last, presentedFrames: null, width: video.videoWidth, height: video.videoHeight });
    }
    raf = requestAnimationFrame(tick);
  };
  raf = requestAnimationFrame(tick);
  return () => {
    stopped = true;
    cancelAnimationFrame(raf);
  };
}
