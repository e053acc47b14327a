// A video file as a source: loaded into a <video> until its first frame can be shown, or
// refused with one line (the MediaError, or no frame at all in time: a file cut short can
// leave the element waiting for data forever without an error).
import { mediaErrorMessage } from './faults';

export interface LoadedVideo {
  /** Seconds (Infinity for a live WebM without a duration). */
  duration: number;
  width: number;
  height: number;
}

export function openVideoFile(video: HTMLVideoElement, file: Blob, name: string, timeoutMs = 10_000): Promise<LoadedVideo> {
  const url = URL.createObjectURL(file);
  return new Promise<LoadedVideo>((resolve, reject) => {
    let timer = 0;
    const done = (fn: () => void) => {
      clearTimeout(timer);
      video.removeEventListener('loadeddata', onLoaded);
      video.removeEventListener('error', onError);
      fn();
    };
    const onLoaded = () => done(() => resolve({ duration: video.duration, width: video.videoWidth, height: video.videoHeight }));
    const onError = () => done(() => {
      URL.revokeObjectURL(url);
      reject(new Error(mediaErrorMessage(video.error, name)));
    });
    timer = setTimeout(() => done(() => {
      video.removeAttribute('src');
      video.load();
      URL.revokeObjectURL(url);
      reject(new Error(`${name}: no video frame in it could be shown (cut short or not a video?).`));
    }), timeoutMs) as unknown as number;
    video.addEventListener('loadeddata', onLoaded);
    video.addEventListener('error', onError);
    video.srcObject = null;
    video.src = url;
    video.load();
  });
}
