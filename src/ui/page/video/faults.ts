// One clear line for each way a live source can fail, and the watchers that notice the
// failures that arrive as events (a track that ends, a video element's error, the tab hidden).

/** getUserMedia's rejections as the page says them. */
export function cameraErrorMessage(e: unknown): string {
  const name = (e as { name?: string })?.name ?? '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Camera permission denied: allow the camera for this page in the browser, then try again.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera found: connect one, or open a video file instead.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The camera could not be started: another application may be using it.';
    default:
      return `The camera could not be opened: ${(e as Error)?.message || String(e)}`;
  }
}

/** A video element's MediaError as the page says it, naming the file. */
export function mediaErrorMessage(error: Pick<MediaError, 'code' | 'message'> | null, name: string): string {
  switch (error?.code) {
    case 1: // MEDIA_ERR_ABORTED
      return `${name}: loading was aborted.`;
    case 2: // MEDIA_ERR_NETWORK
      return `${name}: the file could not be read (damaged or cut short?).`;
    case 3: // MEDIA_ERR_DECODE
      return `${name}: the video is broken (decoding failed${error.message ? `: ${error.message}` : ''}).`;
    case 4: // MEDIA_ERR_SRC_NOT_SUPPORTED
      return `${name}: not a video this browser can play (MP4/H.264 or WebM/VP8/VP9 work almost everywhere).`;
    default:
      return `${name}: the video failed to load.`;
  }
}

/** Calls `onEnded` once when any video track of `stream` ends from its side (camera unplugged,
 * permission revoked, the source stopped); our own track.stop() does not fire it. */
export function watchTrackEnded(stream: MediaStream, onEnded: (message: string) => void): () => void {
  const tracks = stream.getVideoTracks();
  let fired = false;
  const handler = (ev: Event) => {
    if (fired) return;
    fired = true;
    const label = (ev.target as MediaStreamTrack).label;
    onEnded(`The camera stream ended${label ? ` (${label})` : ''}: it was unplugged or stopped. Choose a source to carry on.`);
  };
  tracks.forEach((t) => t.addEventListener('ended', handler));
  return () => tracks.forEach((t) => t.removeEventListener('ended', handler));
}

export interface Pausable {
  /** Whether the source is running now (paused sources stay paused on return). */
  running(): boolean;
  pause(): void;
  resume(): void;
}

/** Pauses the source while the tab is hidden and resumes it when visible again, but only if it
 * was running when hidden. Returns the unsubscribe function. */
export function pauseWhileHidden(doc: Document, source: Pausable, onChange?: (hidden: boolean) => void): () => void {
  let pausedByUs = false;
  const handler = () => {
    if (doc.visibilityState === 'hidden') {
      if (source.running()) {
        source.pause();
        pausedByUs = true;
      }
      onChange?.(true);
    } else {
      if (pausedByUs) source.resume();
      pausedByUs = false;
      onChange?.(false);
    }
  };
  doc.addEventListener('visibilitychange', handler);
  return () => doc.removeEventListener('visibilitychange', handler);
}

/** Calls `onError` with the page's line when the video fails after it loaded (a frame further
 * in that cannot be decoded). Returns the unsubscribe function. */
export function watchMediaErrors(video: HTMLVideoElement, name: string, onError: (message: string) => void): () => void {
  const handler = () => onError(mediaErrorMessage(video.error, name));
  video.addEventListener('error', handler);
  return () => video.removeEventListener('error', handler);
}
