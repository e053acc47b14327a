// The page's video mode: a camera or a video file instead of the still image, every frame
// through the model at the current settings. Frames are offered as the <video> presents them
// and the newest wins (frame-scheduler.ts): when it is a frame's turn it is grabbed as an
// ImageBitmap, handed to the worker (which copies it into a GPU texture and runs the forward
// from there) and comes back with its result, to be drawn with its groups. The model stays
// loaded across every switch between the still image, the camera and a file.
import type { ToMeOptions } from '../../../core/tome';
import type { AppState } from '../app-state';
import { ui } from '../elements';
import { showImageError, type ImageStage } from '../image-stage';
import type { FromWorker, ToWorker } from '../../protocol';
import { readOptions } from '../tome-controls';
import { AlternateBaseline } from './alternate-baseline';
import { frameCaption } from './frame-caption';
import { createFrameScheduler, type FrameScheduler } from './frame-scheduler';
import type { PresentedFrame } from './frame-watch';
import { changedShare } from './group-change';
import { frameView, type FrameCost, type LiveFrame } from './live-frame';
import { clearLive, drawLiveChart, showAlternate, showLiveFrame, showLiveRates, showLiveState } from './live-panel';
import { LiveRecording } from './live-recording';
import { LiveSource, type LiveKind } from './live-source';
import { StripChartData } from './strip-chart';
import { videoUi } from './video-elements';

type FrameReply = Extract<FromWorker, { type: 'frame-done' | 'frame-error' }>;

/** The strip chart and the alternate-frame figures reach this far back. */
const WINDOW_MS = 20_000;
/** Per-frame costs kept for the test hook and the browser benchmark. */
const COSTS_KEPT = 256;

export interface VideoHost {
  state: AppState;
  stage: ImageStage;
  send(m: ToWorker, transfer?: Transferable[]): void;
  /** The still image is shown again (redraw it; re-run it if the settings moved meanwhile). */
  backToImage(): void;
}

const optsKey = (o: ToMeOptions) => `${o.r}|${o.schedule}|${o.propAttn}|${o.mode}`;

export class VideoMode {
  readonly source: LiveSource;
  readonly recording: LiveRecording;
  readonly strip = new StripChartData(WINDOW_MS);
  private readonly alt = new AlternateBaseline(WINDOW_MS);
  private readonly scheduler: FrameScheduler<PresentedFrame>;
  private readonly waiting = new Map<number, (r: FrameReply) => void>();
  readonly costs: Array<FrameCost & { opts: ToMeOptions; timingSource: string }> = [];
  private frameId = 0;
  /** Bumped on every source change: a frame answered for an older source is not shown. */
  private generation = 0;
  /** The last shown frame's groups and settings, for the temporal view. */
  private prev: { key: string; groups: Int32Array } | null = null;
  private rates = 0;

  constructor(private readonly host: VideoHost) {
    const { state } = host;
    this.scheduler = createFrameScheduler<PresentedFrame>({
      process: (f) => this.process(f),
      onError: (e) => showImageError(`A frame failed: ${(e as Error).message}`),
      // Long enough that an adapter taking seconds per frame still shows a rate.
      windowMs: 10_000,
    });
    this.source = new LiveSource(videoUi.preview, {
      frame: (f) => {
        if (state.config) this.scheduler.offer(f);
      },
      fault: (message) => {
        this.leave();
        showImageError(message);
      },
      changed: () => this.showTransport(),
      jumped: () => this.restartComparisons(),
      hidden: (hidden) => {
        if (hidden) this.scheduler.clear();
        this.showTransport();
      },
    });
    this.recording = new LiveRecording({
      fileName: () => `tome-${state.modelId}-r${readOptions().r}-${this.source.kind ?? 'video'}.webm`,
      paint: () => {
        const f = state.live;
        if (!f) return;
        this.host.stage.showGroups();
        this.recording.draw(ui.canvas, this.caption(f));
      },
      say: (line) => showLiveState(line),
    });
    this.bindControls();
  }

  get live(): boolean {
    return this.host.state.source !== 'image';
  }

  /** Opens `blob` as the video source (from the picker, a drop or a paste). */
  async openFile(blob: Blob, name: string): Promise<void> {
    try {
      await this.source.openFile(blob, name, videoUi.loop.checked);
    } catch (e) {
      showImageError(`${(e as Error).message} ${this.live ? 'The current source keeps playing.' : 'The image is kept.'}`);
      return;
    }
    this.enter('file');
  }

  async openCamera(deviceId?: string): Promise<void> {
    videoUi.useCamera.disabled = true;
    try {
      await this.source.openCamera(deviceId);
    } catch (e) {
      showImageError(`${(e as Error).message} ${this.live ? 'The current source keeps playing.' : 'The image is kept.'}`);
      return;
    } finally {
      videoUi.useCamera.disabled = false;
    }
    this.enter('camera');
  }

  /** Back to the still image: the source stops (a recording is saved first). */
  leave(): void {
    if (!this.live) return;
    void this.recording.stop();
    this.source.close();
    this.generation++;
    this.scheduler.clear();
    const { state } = this.host;
    state.source = 'image';
    state.live?.view.bitmap.close();
    state.live = null;
    clearInterval(this.rates);
    this.showMode();
    this.host.backToImage();
  }

  /** The ToMe settings moved: the next frame runs with them; a paused source re-runs its frame. */
  settingsChanged(): void {
    if (this.live && this.source.paused) this.offerCurrent();
  }

  /** The model changed or is loading: its frames are of no further use. */
  modelChanged(): void {
    this.generation++;
    this.scheduler.clear();
    this.restartComparisons();
    if (this.host.state.live) {
      this.host.state.live.view.bitmap.close();
      this.host.state.live = null;
    }
  }

  /** The worker's answer to a frame. */
  answer(m: FrameReply): void {
    const resolve = this.waiting.get(m.frameId);
    this.waiting.delete(m.frameId);
    if (resolve) resolve(m);
    else m.bitmap.close();
  }

  stats() {
    return this.scheduler.stats();
  }

  private enter(kind: LiveKind): void {
    const { state } = this.host;
    this.generation++;
    this.scheduler.clear();
    this.strip.clear();
    this.restartComparisons();
    state.source = kind;
    ui.imageError.hidden = true;
    ui.busy.hidden = true;
    clearLive();
    this.showMode();
    drawLiveChart(this.strip);
    clearInterval(this.rates);
    this.rates = window.setInterval(() => showLiveRates(this.scheduler.stats()), 500);
  }

  private restartComparisons(): void {
    this.prev = null;
    this.alt.clear();
    this.scheduler.clear();
    if (this.live && this.source.paused) this.offerCurrent();
  }

  private offerCurrent(): void {
    const v = this.source.video;
    if (v && this.host.state.config && v.readyState >= 2) {
      this.scheduler.offer({ mediaTime: v.currentTime, presentedFrames: null, width: v.videoWidth, height: v.videoHeight });
    }
  }

  private ask(frameId: number, bitmap: ImageBitmap, opts: ToMeOptions): Promise<FrameReply> {
    return new Promise((resolve) => {
      this.waiting.set(frameId, resolve);
      this.host.send({ type: 'frame', frameId, bitmap, opts }, [bitmap]);
    });
  }

  /** One frame: grab, forward in the worker, draw. Runs one at a time (the scheduler's). */
  private async process(f: PresentedFrame): Promise<void> {
    const { state } = this.host;
    const video = this.source.video;
    const config = state.config;
    if (!video || !config) return;
    const gen = this.generation;
    const t0 = performance.now();
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(video);
    } catch (e) {
      throw new Error(`the frame could not be taken from the video (${(e as Error).message})`);
    }
    const grabMs = performance.now() - t0;
    const chosen = readOptions();
    const baseline = this.alt.nextIsBaseline(videoUi.altR0.checked, chosen.r);
    const opts = baseline ? { ...chosen, r: 0 } : chosen;
    const reply = await this.ask(++this.frameId, bitmap, opts);
    if (reply.type === 'frame-error') {
      reply.bitmap.close();
      // A frame sent for a model or source that has gone since is simply not shown.
      if (gen !== this.generation || state.config !== config || reply.message === 'the model changed') return;
      throw new Error(reply.message);
    }
    if (gen !== this.generation || state.config !== config) {
      reply.bitmap.close();
      return;
    }
    const now = performance.now();
    const top1 = reply.result.top5[0];
    if (videoUi.altR0.checked) this.alt.push({ t: now, baseline, ms: reply.timing.ms, top1: top1.index });
    showAlternate(videoUi.altR0.checked, this.alt.summary(), chosen.r);
    if (baseline) {
      // The r = 0 frames feed the figure only: the overlay and the chart stay on the chosen r.
      reply.bitmap.close();
      return;
    }
    const cost: FrameCost = { grabMs, workerMs: reply.workerMs, forwardMs: reply.timing.ms, overlayMs: 0, totalMs: 0 };
    const frame: LiveFrame = {
      frameId: reply.frameId,
      opts: reply.opts,
      result: reply.result,
      timing: reply.timing,
      route: reply.route,
      view: frameView(reply.bitmap, config),
      sourceName: this.source.name,
      mediaTime: this.source.kind === 'file' ? f.mediaTime : null,
      cost,
    };
    state.live?.view.bitmap.close();
    state.live = frame;
    const t1 = performance.now();
    this.host.stage.showFrame(frame);
    cost.overlayMs = performance.now() - t1;
    cost.totalMs = performance.now() - t0;
    this.recording.draw(ui.canvas, this.caption(frame));

    const key = optsKey(frame.opts);
    const share = this.prev && this.prev.key === key ? changedShare(this.prev.groups, frame.result.groups) : null;
    this.prev = { key, groups: frame.result.groups };
    this.strip.push({ t: now, top1Prob: top1.prob, ms: cost.totalMs, changedShare: share });
    showLiveFrame(frame, config, state.backend?.name ?? 'cpu', share);
    showLiveRates(this.scheduler.stats());
    drawLiveChart(this.strip);
    this.costs.push({ ...cost, opts: frame.opts, timingSource: frame.timing.source });
    if (this.costs.length > COSTS_KEPT) this.costs.shift();
  }

  caption(f: LiveFrame) {
    const { state } = this.host;
    return frameCaption(f, state.config!, state.backend, state.layer, this.scheduler.stats().processedFps);
  }

  private showMode(): void {
    const { state } = this.host;
    document.body.dataset.source = state.source;
    videoUi.live.hidden = !this.live;
    videoUi.useImage.setAttribute('aria-pressed', String(state.source === 'image'));
    videoUi.useCamera.setAttribute('aria-pressed', String(state.source === 'camera'));
    videoUi.liveSource.textContent = this.live ? this.source.name : '';
    videoUi.liveSource.title = videoUi.liveSource.textContent;
    const cams = this.source.cameras;
    videoUi.cameraPick.hidden = state.source !== 'camera' || cams.length < 2;
    if (!videoUi.cameraPick.hidden) {
      videoUi.cameraPick.replaceChildren(
        ...cams.map((c, i) => {
          const o = document.createElement('option');
          o.value = c.deviceId;
          o.textContent = c.label || `camera ${i + 1}`;
          return o;
        }),
      );
      videoUi.cameraPick.value = this.source.deviceId ?? cams[0].deviceId;
    }
    this.recording.setAvailable(this.live);
    this.showTransport();
  }

  private showTransport(): void {
    const s = this.source;
    videoUi.transport.hidden = !this.live;
    videoUi.transport.dataset.kind = s.kind ?? '';
    videoUi.play.textContent = s.paused ? 'Play' : 'Pause';
    const d = s.duration;
    const file = s.kind === 'file';
    videoUi.seek.hidden = !file;
    videoUi.loop.parentElement!.hidden = !file;
    videoUi.seek.disabled = !Number.isFinite(d);
    if (Number.isFinite(d)) {
      videoUi.seek.max = String(d);
      if (document.activeElement !== videoUi.seek) videoUi.seek.value = String(s.currentTime);
    }
    const t = (x: number) => `${Math.floor(x / 60)}:${(x % 60).toFixed(1).padStart(4, '0')}`;
    videoUi.time.textContent = file ? `${t(s.currentTime)} / ${Number.isFinite(d) ? t(d) : '?'}` : '';
    if (!this.live) return showLiveState('');
    showLiveState(
      s.hidden
        ? 'Paused while the tab is hidden'
        : !this.host.state.config
          ? 'Waiting for the model…'
          : s.paused
            ? 'Paused'
            : s.kind === 'camera'
              ? 'Live'
              : 'Playing',
    );
  }

  private bindControls(): void {
    videoUi.useImage.addEventListener('click', () => this.leave());
    videoUi.useCamera.addEventListener('click', () => void this.openCamera(this.source.kind === 'camera' ? (this.source.deviceId ?? undefined) : undefined));
    videoUi.cameraPick.addEventListener('change', () => void this.openCamera(videoUi.cameraPick.value));
    videoUi.file.addEventListener('change', () => {
      const f = videoUi.file.files?.[0];
      videoUi.file.value = '';
      if (f) void this.openFile(f, f.name || 'video');
    });
    videoUi.play.addEventListener('click', () => (this.source.paused ? this.source.play() : this.source.pause()));
    videoUi.seek.addEventListener('input', () => this.source.seek(Number(videoUi.seek.value)));
    videoUi.loop.addEventListener('change', () => this.source.setLoop(videoUi.loop.checked));
    videoUi.altR0.addEventListener('change', () => {
      this.alt.clear();
      showAlternate(videoUi.altR0.checked, this.alt.summary(), readOptions().r);
    });
  }
}
