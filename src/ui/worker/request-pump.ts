// In the worker: runs the page's requests one forward at a time. Only the newest analyze request
// of each slot (the page's settings, the compare view's setting B) is ever run: one that arrives
// while a forward runs replaces any waiting one, and the running one's answer is dropped if it
// was superseded, so the slider never queues up work. A design choice the loaded backend lacks
// runs on the CPU reference (choice-route.ts). A profile
// request (WebGPU only) runs between analyze requests and the long jobs, one at a time, and is
// always answered. The long jobs come last, one step at a time, so a slider move waits for one
// step at most: a folder measurement (a batch's decode, or one setting's forward of it), then
// the in-page speed benchmark. A video frame runs before all of them (the page sends one at a
// time and waits for its answer, so frames never queue either) and is always answered.
import type { Backend, ForwardResult, Timing } from '../../core/backend';
import { isHeadless, numPatches, prefixTokens, type ModelConfig } from '../../model/config';
import { featureColours, fitFeatureBasis, type FeatureBasis } from './feature-colours';
import type { ToMeOptions } from '../../core/tome';
import type { LoadedModel } from './model-session';
import type { SpeedBench } from './speed-bench';
import { DEVICE_LOST, MODEL_CHANGED, type FolderJob } from './folder-job';
import type { CurrentImage } from './prepare-image';
import type { AnalysisSlot, FromWorker } from '../protocol';
import { runFrame } from './run-frame';
import { routeSettings } from './choice-route';

interface FrameJob {
  frameId: number;
  bitmap: ImageBitmap;
  opts: ToMeOptions;
}

/** What the requests run on: the loaded model and the current image, read afresh each time. */
export type Subject = () => { loaded: LoadedModel | null; image: CurrentImage | null };

/** One forward of the current image, from its decoded pixels (each backend preprocesses them
 * where it is cheapest, bit-exact with the reference transform), on `backend` (the loaded one
 * unless a design choice routes it elsewhere). */
async function forward(backend: Backend, img: CurrentImage, opts: ToMeOptions): Promise<{ result: ForwardResult; timing: Timing }> {
  const { results, timing } = await backend.run([img.prepared.decoded], opts);
  return { result: results[0], timing };
}

interface AnalyzeRequest {
  requestId: number;
  opts: ToMeOptions;
}

/** A result as the page gets it: without the final tokens, which only the feature colours read
 * (here in the worker) and which would cost a copy per message. */
function forPage(r: ForwardResult): ForwardResult {
  const { tokenFeatures: _, ...rest } = r;
  return rest;
}

/** The feature colours of `result` on `basis` (a model without a head). */
function coloursOf(config: ModelConfig, basis: FeatureBasis, result: ForwardResult): Uint8Array {
  return featureColours(basis, result.tokenFeatures!, result.tokenOfPatch[config.depth - 1]);
}

/** Whether a failure was the device going away: its lost promise may settle just after. */
function lostWithin(backend: Backend, ms: number): Promise<boolean> {
  return Promise.race([backend.lost.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
}

export class RequestPump {
  private readonly pending: Record<AnalysisSlot, AnalyzeRequest | null> = { main: null, compare: null };
  private profileReq: { profileId: number; opts: ToMeOptions } | null = null;
  private bench: SpeedBench | null = null;
  private folder: FolderJob | null = null;
  /** Replaced folder measurements still to be answered (their step in flight has ended). */
  private readonly stopping: FolderJob[] = [];
  private pumping = false;
  /** r = 0 result per image for the loaded model (independent of schedule, mode, prop-attn and
   * the design choices: nothing merges),
   * and for a model without a head the principal axes of its patch features (the feature colours'
   * basis, held fixed while r moves). */
  private baseline: { imageId: number; result: ForwardResult; timing: Timing; basis: FeatureBasis | null } | null = null;

  private frameJob: FrameJob | null = null;

  constructor(
    private readonly subject: Subject,
    private readonly post: (m: FromWorker, transfer?: Transferable[]) => void,
  ) {}

  /** A video frame to run next; one still waiting is answered as superseded. */
  frame(job: FrameJob): void {
    this.dropFrame('superseded by a newer frame');
    this.frameJob = job;
    void this.run();
  }

  /** Answers a waiting frame without running it (the model it was sent for is gone). */
  dropFrame(message: string): void {
    const job = this.frameJob;
    if (!job) return;
    this.frameJob = null;
    this.post({ type: 'frame-error', frameId: job.frameId, message, bitmap: job.bitmap }, [job.bitmap]);
  }

  analyze(slot: AnalysisSlot, requestId: number, opts: ToMeOptions): void {
    this.pending[slot] = { requestId, opts };
    void this.run();
  }

  profile(profileId: number, opts: ToMeOptions): void {
    if (this.profileReq) this.post({ type: 'profile-error', profileId: this.profileReq.profileId, message: 'superseded by a newer profile request' });
    this.profileReq = { profileId, opts };
    void this.run();
  }

  startBench(job: SpeedBench): void {
    this.bench = job;
    void this.run();
  }

  /** A folder measurement to run; one still running stops (answered as replaced). */
  startFolder(job: FolderJob): void {
    if (this.folder) {
      this.folder.stop('Replaced by a newer folder measurement; nothing of it was kept.');
      this.stopping.push(this.folder);
    }
    this.folder = job;
    void this.run();
  }

  cancelFolder(folderId: number): void {
    if (this.folder?.folderId === folderId) this.folder.stop('Cancelled: nothing was kept.');
    void this.run();
  }

  /** The model is being replaced: a folder measurement of the old one stops. */
  modelChanged(): void {
    this.folder?.stop(MODEL_CHANGED);
    void this.run();
  }

  cancelBench(benchId: number): void {
    if (this.bench?.benchId === benchId) this.bench.cancel();
    void this.run();
  }

  /** The model or the image changed: the cached r = 0 result is of another. */
  forgetBaseline(): void {
    this.baseline = null;
  }

  /** Runs waiting work one forward at a time: analyze requests first so the slider stays live,
   * then a profile request, then benchmark steps. */
  async run(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const { loaded, image } = this.subject();
        // Stopped folder measurements are answered at once, even with no model to run on.
        for (const job of this.stopping.splice(0)) await this.folderStep(job, loaded);
        if (this.folder && !this.folder.onItsBackend(loaded)) await this.folderStep(this.folder, loaded);
        if (!loaded || loaded.lost) break;
        if (this.frameJob) {
          await this.frameLatest(loaded);
          continue;
        }
        const current = image && image.prepared.modelId === loaded.weights.config.id ? image : null;
        if (this.pending.main && current) await this.analyzeLatest('main', loaded, current);
        else if (this.pending.compare && current) await this.analyzeLatest('compare', loaded, current);
        else if (this.profileReq && current) await this.profileCurrent(loaded, current);
        else if (this.folder) await this.folderStep(this.folder, loaded);
        else if (this.bench && current) await this.benchStep(loaded, current, this.bench);
        else break;
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Whether the model or the image changed since `l` and `img` were current. */
  private moved(l: LoadedModel, img: CurrentImage): boolean {
    const now = this.subject();
    return now.image !== img || now.loaded !== l;
  }

  /** Runs the waiting frame; on a lost device it waits for the new one (the device-lost
   * handler re-runs the pump), so the page's frame is answered after the recovery. */
  private async frameLatest(l: LoadedModel): Promise<void> {
    const job = this.frameJob!;
    this.frameJob = null;
    const { backend } = l;
    try {
      const run = await runFrame(backend, job.bitmap, job.opts);
      this.post({ type: 'frame-done', frameId: job.frameId, opts: job.opts, ...run, result: forPage(run.result), bitmap: job.bitmap }, [job.bitmap]);
    } catch (e) {
      if (this.subject().loaded === l && !this.frameJob && (await lostWithin(backend, 1000))) {
        this.frameJob ??= job;
        if (this.frameJob === job) return;
      }
      this.post({ type: 'frame-error', frameId: job.frameId, message: (e as Error).message, bitmap: job.bitmap }, [job.bitmap]);
    }
  }

  private async analyzeLatest(slot: AnalysisSlot, l: LoadedModel, img: CurrentImage): Promise<void> {
    const req = this.pending[slot]!;
    this.pending[slot] = null;
    const config = l.weights.config;
    const { backend } = l;
    try {
      if (this.baseline?.imageId !== img.imageId) {
        // Without the design choices: at r = 0 they change nothing, and every backend runs it.
        const b = await forward(backend, img, { r: 0, schedule: req.opts.schedule, propAttn: req.opts.propAttn, mode: req.opts.mode });
        const basis = isHeadless(config) ? fitFeatureBasis(b.result.tokenFeatures!, config.embedDim, prefixTokens(config), numPatches(config)) : null;
        this.baseline = { imageId: img.imageId, ...b, basis };
        if (this.pending[slot] || this.moved(l, img)) return; // superseded: the next loop runs the newer one
      }
      const baseline = this.baseline;
      const routed = req.opts.r === 0 ? { backend } : routeSettings(l, [req.opts]);
      const cur = req.opts.r === 0 ? { result: baseline.result, timing: baseline.timing } : await forward(routed.backend, img, req.opts);
      if (this.pending[slot] || this.moved(l, img)) return;
      const colours = baseline.basis ? coloursOf(config, baseline.basis, cur.result) : undefined;
      this.post(
        {
          type: 'analysis',
          requestId: req.requestId,
          slot,
          imageId: img.imageId,
          modelId: config.id,
          opts: req.opts,
          baseline: forPage(baseline.result),
          baselineTiming: baseline.timing,
          current: forPage(cur.result),
          currentTiming: cur.timing,
          ...(routed.route ? { route: routed.route } : {}),
          ...(colours ? { featureColours: colours } : {}),
        },
        colours ? [colours.buffer] : [],
      );
    } catch (e) {
      if (this.subject().loaded !== l) return; // the model was switched under this forward: its answer is moot
      if (await lostWithin(backend, 1000)) {
        this.pending[slot] ??= req; // the device-lost handler re-runs it on the new device
        return;
      }
      this.post({ type: 'analyze-error', requestId: req.requestId, slot, message: (e as Error).message });
    }
  }

  /** Profiles one forward of the current image (the engine's per-dispatch profile, and ToMe's
   * own cost). Every request gets an answer: a lost device or a model switch under it is an
   * error, never a hang (the lost promise is raced, since a lost device may never finish the work). */
  private async profileCurrent(l: LoadedModel, img: CurrentImage): Promise<void> {
    const req = this.profileReq!;
    this.profileReq = null;
    const { backend } = l;
    // ToMe's own cost only where there is ToMe work; the per-dispatch list stays in the worker
    // (the page shows families and blocks).
    const work = backend.profile([img.prepared.decoded], req.opts, { tomeRounds: req.opts.r > 0 ? 3 : 0 }).then(({ kernels: _, ...report }) => report);
    const lost = backend.lost.then(() => {
      throw new Error('the GPU device was lost');
    });
    // A loss after the profile finished is the device-lost handler's business, not a rejection.
    lost.catch(() => undefined);
    try {
      const report = await Promise.race([work, lost]);
      this.post({ type: 'profile-done', profileId: req.profileId, opts: req.opts, report });
    } catch (e) {
      let message = (e as Error).message;
      if (this.subject().loaded !== l) message = 'The model changed while profiling; profile again.';
      else if (l.lost || (await lostWithin(backend, 1000))) message = `The GPU device was lost while profiling (${message}); profile again once it is back.`;
      this.post({ type: 'profile-error', profileId: req.profileId, message: `Profile failed: ${message}` });
    }
  }

  /** One step of the folder measurement; it stops, with one line, once the model or its device
   * is no longer the one it started on (a lost device recovers with a new backend, but timings
   * of two devices do not belong in one table). */
  private async folderStep(job: FolderJob, loaded: LoadedModel | null): Promise<void> {
    if (!job.onItsBackend(loaded)) job.stop(loaded === job.loaded ? DEVICE_LOST : MODEL_CHANGED);
    const { messages, finished } = await job.step();
    if (finished && this.folder === job) this.folder = null;
    messages.forEach((m) => this.post(m));
  }

  /** One forward of the in-page benchmark; the page gets its progress and, at the end, its rows. */
  private async benchStep(l: LoadedModel, img: CurrentImage, job: SpeedBench): Promise<void> {
    const messages = await job.step(async (opts) => (await forward(l.backend, img, opts)).timing);
    if (job.finished && this.bench === job) this.bench = null;
    messages.forEach((m) => this.post(m));
  }
}
