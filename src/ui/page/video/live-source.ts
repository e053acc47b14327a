// The live source: a camera stream or a video file playing in a <video> (shown small in the
// Live card), with play/pause, seek and loop, and the faults that arrive as events (the camera
// stream ending, the file failing further in) and the tab hidden. A new source is opened in a
// fresh <video> and takes over only once it shows a frame, so a refused camera or file leaves
// whatever was running as it was.
import { listCameras, openCamera, type CameraInfo } from './camera';
import { pauseWhileHidden, watchMediaErrors, watchTrackEnded } from './faults';
import { watchVideoFrames, type PresentedFrame } from './frame-watch';
import { openVideoFile } from './video-file';

export type LiveKind = 'camera' | 'file';

export interface LiveSourceEvents {
  /** A new frame is on screen. */
  frame(f: PresentedFrame): void;
  /** The running source failed or ended by itself (one line); it is closed already. */
  fault(message: string): void;
  /** Playing, paused, position or duration changed. */
  changed(): void;
  /** The position jumped (a seek, a loop back to the start). */
  jumped(): void;
  /** The tab was hidden (the source paused) or shown again (resumed if it was running). */
  hidden(hidden: boolean): void;
}

interface Open {
  kind: LiveKind;
  name: string;
  video: HTMLVideoElement;
  stream: MediaStream | null;
  url: string | null;
  deviceId: string | null;
  stop: Array<() => void>;
}

function newVideo(): HTMLVideoElement {
  const v = document.createElement('video');
  v.muted = true;
  v.playsInline = true;
  v.disablePictureInPicture = true;
  return v;
}

export class LiveSource {
  private cur: Open | null = null;
  private hiddenNow = false;
  cameras: CameraInfo[] = [];

  constructor(
    private readonly host: HTMLElement,
    private readonly events: LiveSourceEvents,
  ) {
    pauseWhileHidden(
      document,
      {
        running: () => !!this.cur && !this.cur.video.paused,
        pause: () => this.cur?.video.pause(),
        resume: () => void this.cur?.video.play().catch(() => undefined),
      },
      (hidden) => {
        this.hiddenNow = hidden;
        events.hidden(hidden);
      },
    );
  }

  get kind(): LiveKind | null {
    return this.cur?.kind ?? null;
  }
  get name(): string {
    return this.cur?.name ?? '';
  }
  get video(): HTMLVideoElement | null {
    return this.cur?.video ?? null;
  }
  get deviceId(): string | null {
    return this.cur?.deviceId ?? null;
  }
  get paused(): boolean {
    return !this.cur || this.cur.video.paused;
  }
  get hidden(): boolean {
    return this.hiddenNow;
  }
  get currentTime(): number {
    return this.cur?.video.currentTime ?? 0;
  }
  /** Seconds; Infinity for a camera or a file that declares no duration. */
  get duration(): number {
    const d = this.cur?.video.duration ?? NaN;
    return this.cur?.kind === 'file' && Number.isFinite(d) ? d : Infinity;
  }

  /** Opens a camera (the default one, or `deviceId`); rejects with one line, keeping the
   * previous source. Lists the cameras afterwards (their names show only once allowed). */
  async openCamera(deviceId?: string): Promise<void> {
    const stream = await openCamera(deviceId);
    const video = newVideo();
    video.srcObject = stream;
    try {
      await video.play();
    } catch (e) {
      stream.getTracks().forEach((t) => t.stop());
      throw new Error(`The camera opened but shows no picture: ${(e as Error).message}`);
    }
    const track = stream.getVideoTracks()[0];
    const name = track?.label || 'camera';
    this.take({ kind: 'camera', name, video, stream, url: null, deviceId: track?.getSettings().deviceId ?? deviceId ?? null, stop: [] });
    this.cur!.stop.push(watchTrackEnded(stream, (m) => this.fail(m)));
    this.cameras = await listCameras().catch(() => []);
  }

  /** Opens a video file (MP4/WebM...) and starts it playing; rejects with one line, keeping
   * the previous source. */
  async openFile(blob: Blob, name: string, loop: boolean): Promise<void> {
    const video = newVideo();
    video.loop = loop;
    await openVideoFile(video, blob, name);
    const url = video.src;
    this.take({ kind: 'file', name, video, stream: null, url, deviceId: null, stop: [] });
    const stops = this.cur!.stop;
    stops.push(watchMediaErrors(video, name, (m) => this.fail(m)));
    // A loop restarts at 0 without a 'seeked' the page can rely on: a backwards jump is a jump.
    let last = 0;
    const onTime = () => {
      if (video.currentTime + 0.25 < last) this.events.jumped();
      last = video.currentTime;
      this.events.changed();
    };
    for (const [ev, fn] of [
      ['timeupdate', onTime],
      ['seeked', () => ((last = video.currentTime), this.events.jumped(), this.events.changed())],
      ['play', () => this.events.changed()],
      ['pause', () => this.events.changed()],
      ['ended', () => this.events.changed()],
      ['durationchange', () => this.events.changed()],
    ] as const) {
      video.addEventListener(ev, fn);
      stops.push(() => video.removeEventListener(ev, fn));
    }
    if (!this.hiddenNow) await video.play().catch(() => undefined);
    this.events.changed();
  }

  play(): void {
    const v = this.cur?.video;
    if (!v) return;
    if (v.ended) v.currentTime = 0;
    void v.play().catch(() => undefined);
    this.events.changed();
  }

  pause(): void {
    this.cur?.video.pause();
    this.events.changed();
  }

  seek(seconds: number): void {
    const v = this.cur?.video;
    if (v && this.cur?.kind === 'file') v.currentTime = Math.max(0, Math.min(seconds, this.duration));
  }

  setLoop(loop: boolean): void {
    if (this.cur) this.cur.video.loop = loop;
  }

  /** Stops the source (the camera light goes off) and removes its video. */
  close(): void {
    const c = this.cur;
    if (!c) return;
    this.cur = null;
    c.stop.forEach((s) => s());
    c.stream?.getTracks().forEach((t) => t.stop());
    c.video.pause();
    c.video.srcObject = null;
    c.video.removeAttribute('src');
    c.video.load();
    if (c.url) URL.revokeObjectURL(c.url);
    c.video.remove();
  }

  private take(next: Open): void {
    this.close();
    this.cur = next;
    this.host.replaceChildren(next.video);
    next.stop.push(watchVideoFrames(next.video, (f) => this.events.frame(f)));
    // While the tab is hidden a new source waits paused, like the one it replaces would.
    if (this.hiddenNow) next.video.pause();
  }

  private fail(message: string): void {
    this.close();
    this.events.fault(message);
  }
}
