// A video file as a source: loaded into a <video> until its first frame can be taken, or
// refused with one line (the MediaError, or no frame at all: a file cut short can leave the
// element waiting for data forever without an error, or report a first frame it cannot show).
import { mediaErrorMessage } from './faults';

export interface LoadedVideo {
  /** Seconds (Infinity for a live WebM without a duration). */
  duration: number;
  width: number;
  height: number;
}

/** How long after 'loadeddata' the first frame may take to become grabbable. */
const FIRST_FRAME_MS = 2000;

export function openVideoFile(video: HTMLVideoElement, file: Blob, name: string, timeoutMs = 10_000): Promise<LoadedVideo> {
  const url = URL.createObjectURL(file);
  return new Promise<LoadedVideo>((resolve, reject) => {
    let timer = 0;
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      video.removeEventListener('loadeddata', onLoaded);
      video.removeEventListener('error', onError);
      fn();
    };
    const noFrame = () =>
      finish(() => {
        video.removeAttribute('src');
        video.load();
        URL.revokeObjectURL(url);
        reject(new Error(`${name}: no video frame in it could be shown (cut short or not a video?).`));
      });
    // 'loadeddata' can come from the header alone (a file cut short reports its first frame
    // loaded with none to show): taking a frame, as every processed frame will be taken, tells;
    // retried for a while, as a good file's first frame can take a moment more.
    const takeFirstFrame = async () => {
      const deadline = performance.now() + FIRST_FRAME_MS;
      while (!settled) {
        try {
          (await createImageBitmap(video)).close();
          finish(() => resolve({ duration: video.duration, width: video.videoWidth, height: video.videoHeight }));
          return;
        } catch {
          if (performance.now() > deadline) return noFrame();
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    const onLoaded = () => void takeFirstFrame();
    const onError = () =>
      finish(() => {
        URL.revokeObjectURL(url);
        reject(new Error(mediaErrorMessage(video.error, name)));
      });
    timer = window.setTimeout(noFrame, timeoutMs);
    video.addEventListener('loadeddata', onLoaded);
    video.addEventListener('error', onError);
    video.srcObject = null;
    video.src = url;
    video.load();
    // A paused <video> outside the document decodes no frame until someone waits for one
    // (Chromium): asking for the next frame is what makes the first one grabbable.
    (video as HTMLVideoElement & { requestVideoFrameCallback?(cb: () => void): number }).requestVideoFrameCallback?.(() => undefined);
  });
}

/** Whether a dropped, pasted or picked file is a video rather than an image (by its type, else
 * its name: some systems give video files no type). */
export function isVideoFile(blob: Blob, name: string): boolean {
  return blob.type.startsWith('video/') || (!blob.type.startsWith('image/') && /\.(mp4|m4v|webm|mkv|mov|ogv)$/i.test(name));
}
