// The camera as a source: the cameras there are, and a stream from one of them, failing with
// one clear line (see faults.ts).
import { cameraErrorMessage } from './faults';

export interface CameraInfo {
  deviceId: string;
  /** Empty until the page has had camera permission once (browsers hide labels before). */
  label: string;
}

export async function listCameras(): Promise<CameraInfo[]> {
  if (!navigator.mediaDevices?.enumerateDevices) return [];
  const all = await navigator.mediaDevices.enumerateDevices();
  return all.filter((d) => d.kind === 'videoinput').map((d) => ({ deviceId: d.deviceId, label: d.label }));
}

/** A video-only stream from the chosen camera (or the default one), about 640x480: the model
 * sees a 224x224 crop, so a bigger frame only costs upload and preprocessing time. */
export async function openCamera(deviceId?: string): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new Error('This browser offers no camera access here (it needs a secure page: https or localhost).');
  }
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { ...(deviceId ? { deviceId: { exact: deviceId } } : {}), width: { ideal: 640 }, height: { ideal: 480 } },
    });
  } catch (e) {
    throw new Error(cameraErrorMessage(e));
  }
}
