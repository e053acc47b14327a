// In the worker: the page's "Measure on a folder", the same streaming run as `tome eval`
// (src/eval/folder-run.ts) driven one step at a time by the request pump, so the slider is
// answered between steps. Images are decoded from the page's File handles a batch at a time and
// dropped once every setting has run on them. Settings with a design choice the loaded backend
// lacks all run on the CPU reference (choice-route.ts: one backend for the whole table, so its
// timings compare), which the plan's notes say. It runs on the backend it started on: a model
// change or a lost device stops it (timings from two devices would not compare) with one line,
// and nothing of a stopped run is kept.
import { isHeadless } from '../../model/config';
import type { Backend } from '../../core/backend';
import { prepareLimits } from '../../core/preprocess';
import { classResolver } from '../../eval/class-keys';
import { FolderRun } from '../../eval/folder-run';
import { planFolder, type LabelsChoice } from '../../eval/folder-plan';
import { isLabelsFileName, parseLabelsText } from '../../eval/labels-text';
import { measureReport } from '../../eval/table';
import type { FolderRequest, FromWorker, SkippedFile } from '../protocol';
import { decodeImage } from './decode';
import type { LoadedModel } from './model-session';
import { routeSettings } from './choice-route';

export const MODEL_CHANGED = 'The model changed, so the folder measurement stopped; nothing was kept. Measure again for the new model.';
export const DEVICE_LOST = 'The GPU device was lost, so the folder measurement stopped; nothing was kept. Measure again.';

/** The page hears of progress at most this often (a step can take a millisecond). */
const PROGRESS_EVERY_MS = 250;

export class FolderJob {
  private run: FolderRun | null = null;
  /** The loaded model's backend when the run started (a lost device replaces it). */
  private readonly loadedBackend: Backend;
  /** What the forwards run on: that backend, or the reference for a choice it lacks. */
  private readonly backend: Backend;
  private readonly route: string | undefined;
  private skipped: SkippedFile[] = [];
  private lastPost = 0;
  private stopped: string | null = null;
  private labels: 'file' | 'folders' | 'none' = 'none';

  constructor(
    readonly folderId: number,
    private readonly request: FolderRequest,
    readonly loaded: LoadedModel,
  ) {
    this.loadedBackend = loaded.backend;
    const routed = routeSettings(loaded, request.settings);
    this.backend = routed.backend;
    this.route = routed.route?.reason;
  }

  /** Stops at the next step with this line; the pump answers it once the step in flight ends. */
  stop(message: string): void {
    this.stopped ??= message;
  }

  /** Whether it still runs on what it started on (the same model, its device not lost or replaced). */
  onItsBackend(now: LoadedModel | null): boolean {
    return now === this.loaded && !now.lost && now.backend === this.loadedBackend;
  }

  /** One step (the plan first, then a batch's decode or one setting's forward) and the messages
   * for the page; the last one is 'folder-done' or 'folder-stopped'. */
  async step(): Promise<{ messages: FromWorker[]; finished: boolean }> {
    if (this.stopped !== null) return this.stoppedWith(this.stopped);
    try {
      if (!this.run) return { messages: [await this.plan()], finished: false };
      const more = await this.run.step(this.backend);
      if (this.stopped !== null) return this.stoppedWith(this.stopped);
      if (!more) return { messages: [this.done(this.run)], finished: true };
      return { messages: this.progress(this.run, false), finished: false };
    } catch (e) {
      // Stopped meanwhile (a model change disposes the backend under the forward), or the device
      // went away (its lost promise may settle just after the failure): say that, not the error.
      if (this.stopped !== null) return this.stoppedWith(this.stopped);
      const lost = await Promise.race([this.loadedBackend.lost.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 1000))]);
      if (lost) return this.stoppedWith(DEVICE_LOST);
      return this.stoppedWith(`The folder measurement stopped: ${(e as Error).message}. Nothing was kept.`);
    }
  }

  private stoppedWith(message: string): { messages: FromWorker[]; finished: boolean } {
    this.run?.drop();
    return { messages: [{ type: 'folder-stopped', folderId: this.folderId, message }], finished: true };
  }

  private async plan(): Promise<FromWorker> {
    const { config } = this.loaded.weights;
    const byPath = new Map(this.request.files.map((f) => [f.path, f.file]));
    const labelsFile = this.request.files.filter((f) => !f.path.includes('/') && isLabelsFileName(f.path)).sort((a, b) => b.path.localeCompare(a.path))[0];
    // A model without a head has no classes for labels to name: its features are compared.
    const headless = isHeadless(config);
    let choice: LabelsChoice = { kind: headless ? 'none' : this.request.labels };
    if (!headless && this.request.labels === 'auto' && labelsFile)
      choice = { kind: 'file', name: labelsFile.path, rows: parseLabelsText(await labelsFile.file.text(), labelsFile.path) };
    const plan = planFolder([...byPath.keys()], choice, classResolver(config));
    if (!plan.images.length) throw new Error(`${this.request.name}: no image to measure (JPEG, PNG or WebP)`);
    const limits = prepareLimits(config);
    this.run = new FolderRun(
      plan.images,
      this.request.settings,
      this.request.batch,
      {
        async load(img) {
          const file = byPath.get(img.path);
          if (!file) throw new Error('not among the files given (named in the labels file)');
          const decoded = await decodeImage(file, limits);
          decoded.bitmap.close(); // the pixels are what runs; nothing is shown
          return decoded;
        },
      },
      (path, reason) => this.skipped.push({ path, reason }),
      plan.labels !== 'none',
      headless,
    );
    this.labels = plan.labels;
    const { images, ...rest } = plan;
    const notes = this.route ? [this.route, ...rest.notes] : rest.notes;
    return { type: 'folder-plan', folderId: this.folderId, plan: { ...rest, notes, images: images.length } };
  }

  private progress(run: FolderRun, force: boolean): FromWorker[] {
    const now = performance.now();
    if (!force && now - this.lastPost < PROGRESS_EVERY_MS) return [];
    this.lastPost = now;
    const skipped = this.skipped;
    this.skipped = [];
    return [{ type: 'folder-progress', folderId: this.folderId, progress: run.progress, rows: run.measure.rows(), skipped }];
  }

  private done(run: FolderRun): FromWorker {
    const { config } = this.loaded.weights;
    const report = measureReport(run, {
      model: config.id,
      folder: this.request.name,
      backend: `${this.backend.name} (${this.backend.description})`,
      labels: this.labels,
    });
    const skipped = this.skipped;
    this.skipped = [];
    return { type: 'folder-done', folderId: this.folderId, report, skipped };
  }
}
