// "Record": the overlay with its caption, frame after frame, into a WebM (recorder.ts) that is
// saved when it stops (by the button, at its size or time limit, or when the source goes away).
// Each processed frame is painted, as it is drawn, onto a picture that is copied onto the
// recorded canvas at a steady rate (Chromium's canvas stream sends a frame only when the canvas
// was drawn on since the last one), so the file plays in real time (a frame holds until the next
// one is processed) whatever the adapter's speed. The button shows a recording indicator with the
// time, the size and the limits.
import type { Caption } from '../screenshot';
import { downloadBlob, drawCaption, CAPTION_HEIGHT, EXPORT_SIDE } from '../screenshot';
import { DEFAULT_LIMITS, startRecording, type Recording, type RecordingLimits } from './recorder';
import { videoUi } from './video-elements';

/** The recording's picture: the overlay at 640 x 640 and the caption strip scaled to it. */
const SIDE = 640;
const CAPTION = 2 * Math.round((CAPTION_HEIGHT * SIDE) / EXPORT_SIDE / 2);
/** How long a stopped recording waits for its encoder before it ends. */
const DRAIN_MS = 1000;
/** Frames per second written into the file. */
const RECORD_FPS = 15;

export interface SavedRecording {
  blob: Blob;
  durationMs: number;
  frames: number;
  /** Frames handed to the encoder (one per tick once a frame was painted). */
  handed: number;
  /** From the first frame written to the stop, ms (what the duration should be, within a frame). */
  wallMs: number;
  limitHit: 'size' | 'time' | null;
}

export interface RecordingHost {
  /** The file name for a recording that starts now. */
  fileName(): string;
  /** Redraws the current frame's overlay and calls draw() with it (for the recording's first frame). */
  paint(): void;
  /** One line about the recording (saved, stopped at a limit, failed). */
  say(line: string): void;
}

const mmss = (ms: number) => `${Math.floor(ms / 60_000)}:${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}`;
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

export class LiveRecording {
  limits: RecordingLimits = DEFAULT_LIMITS;
  last: SavedRecording | null = null;
  private rec: Recording | null = null;
  private readonly canvas = document.createElement('canvas');
  private readonly ctx: CanvasRenderingContext2D;
  /** The newest frame with its caption, copied onto `canvas` at every tick. */
  private readonly picture = document.createElement('canvas');
  private readonly pictureCtx: CanvasRenderingContext2D;
  private ticker = 0;
  private firstFrameAt = 0;
  private handed = 0;
  private painted = false;
  /** start() is painting the first picture (before the recorder exists). */
  private painting = false;
  private name = '';

  constructor(private readonly host: RecordingHost) {
    this.canvas.width = this.picture.width = SIDE;
    this.canvas.height = this.picture.height = SIDE + CAPTION;
    this.ctx = this.canvas.getContext('2d')!;
    this.pictureCtx = this.picture.getContext('2d')!;
    videoUi.record.addEventListener('click', () => (this.rec ? void this.stop() : this.start()));
  }

  get active(): boolean {
    return this.rec !== null;
  }

  /** Whether there is something to record (a live source): the button is enabled. */
  setAvailable(available: boolean): void {
    videoUi.record.disabled = !available && !this.rec;
  }

  start(): void {
    if (this.rec) return;
    this.ctx.fillStyle = '#0a0c10';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    // The current frame is painted before the recorder (and its time limit) starts, so the
    // first tick writes it at once however long the overlay takes to draw.
    this.painted = false;
    this.handed = 0;
    this.painting = true;
    this.host.paint();
    this.painting = false;
    try {
      this.rec = startRecording(this.canvas, this.limits, (why) => {
        const limit = why === 'time' ? `its ${mmss(this.limits.maxMs)} time limit` : `its ${mb(this.limits.maxBytes)} size limit`;
        void this.stop(`Recording stopped at ${limit} and was saved`);
      });
    } catch (e) {
      this.host.say((e as Error).message);
      return;
    }
    this.name = this.host.fileName();
    this.ticker = window.setInterval(() => this.tick(), 1000 / RECORD_FPS);
    videoUi.record.textContent = 'Stop recording';
    videoUi.record.setAttribute('aria-pressed', 'true');
    videoUi.recIndicator.hidden = false;
    this.tick();
  }

  /** Paints a drawn frame (call right after the overlay rendered, in the same task: the WebGL
   * canvas keeps its picture only until the browser composites it). */
  draw(overlay: HTMLCanvasElement, caption: Caption): void {
    if (!this.rec && !this.painting) return;
    this.pictureCtx.drawImage(overlay, 0, 0, SIDE, SIDE);
    drawCaption(this.pictureCtx, caption, SIDE, SIDE);
    this.painted = true;
  }

  /** Ends the recording and saves it; `why` replaces the default line. */
  async stop(why?: string): Promise<void> {
    const rec = this.rec;
    if (!rec) return;
    this.rec = null;
    clearInterval(this.ticker);
    const wallMs = this.firstFrameAt ? performance.now() - this.firstFrameAt : 0;
    this.firstFrameAt = 0;
    videoUi.record.textContent = 'Record';
    videoUi.record.setAttribute('aria-pressed', 'false');
    videoUi.recIndicator.hidden = true;
    try {
      // The encoder can lag the frames it was handed on a loaded machine, and stopping drops
      // what it has not encoded yet: give it a moment first.
      if (!rec.limitHit) await new Promise((r) => setTimeout(r, DRAIN_MS));
      const out = await rec.stop();
      this.last = { ...out, handed: this.handed, wallMs, limitHit: rec.limitHit };
      downloadBlob(out.blob, this.name);
      this.host.say(`${why ?? 'Recording saved'}: ${this.name}, ${(out.durationMs / 1000).toFixed(1)} s, ${mb(out.blob.size)}.`);
    } catch (e) {
      this.host.say(`The recording could not be saved: ${(e as Error).message}`);
    }
  }

  private tick(): void {
    const rec = this.rec;
    if (!rec) return;
    if (this.painted) {
      if (!this.firstFrameAt) this.firstFrameAt = performance.now();
      this.ctx.drawImage(this.picture, 0, 0);
      rec.frame();
      this.handed++;
    }
    const elapsed = this.firstFrameAt ? performance.now() - this.firstFrameAt : 0;
    videoUi.recIndicator.textContent = `● REC ${mmss(elapsed)} · ${mb(rec.bytes)} (stops at ${mmss(this.limits.maxMs)} or ${mb(this.limits.maxBytes)})`;
  }
}
