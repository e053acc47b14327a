// A folder measurement driven one step at a time: a step loads the next batch of images (decode,
// skipping the unreadable ones) or runs the current batch under one setting. Images stream: only
// the batch in hand is held, and it is released once every setting has run on it. The CLI calls
// step() in a loop; the page's worker calls it between slider requests so they stay prompt.
import type { Backend, ModelInput } from '../core/backend';
import type { ToMeOptions } from '../core/tome';
import type { PlannedImage } from './folder-plan';
import { FolderMeasure } from './measure';

/** Where the images come from: `load` decodes one (rejecting with a one-line reason), `release`
 * frees what it made (a browser's ImageBitmap) once the batch is done. */
export interface ImageLoader {
  load(image: PlannedImage): Promise<ModelInput>;
  release?(input: ModelInput): void;
}

export interface FolderProgress {
  /** Images measured under every setting, of those planned (unreadable ones count as done). */
  imagesDone: number;
  imagesTotal: number;
  /** Settings done on the batch in hand, of all. */
  settingsDone: number;
  settingsTotal: number;
  /** Unreadable images so far. */
  skipped: number;
  /** Share of the work done, 0 to 1 (the batch in hand counted by its settings done). */
  fraction: number;
}

interface Batch {
  inputs: ModelInput[];
  labels: Array<number | undefined>;
  paths: string[];
  /** Settings run on it so far. */
  settingsRun: number;
}

export class FolderRun {
  readonly measure: FolderMeasure;
  private next = 0;
  private batch: Batch | null = null;
  private skippedCount = 0;
  private finished = false;

  constructor(
    private readonly images: PlannedImage[],
    readonly settings: ToMeOptions[],
    readonly batchSize: number,
    private readonly loader: ImageLoader,
    /** Told of each unreadable image (its path and why), which is then left out. */
    private readonly onSkip: (path: string, reason: string) => void,
    labelled: boolean,
    /** A model without a head: its features are compared with r = 0's (FolderMeasure). */
    headless = false,
  ) {
    this.measure = new FolderMeasure(settings, labelled, headless);
  }

  get done(): boolean {
    return this.finished;
  }

  get progress(): FolderProgress {
    const inHand = this.batch ? this.batch.inputs.length : 0;
    const settingsDone = this.batch?.settingsRun ?? 0;
    const imagesDone = this.next - inHand;
    return {
      imagesDone,
      imagesTotal: this.images.length,
      settingsDone,
      settingsTotal: this.settings.length,
      skipped: this.skippedCount,
      fraction: this.images.length ? (imagesDone + (inHand * settingsDone) / this.settings.length) / this.images.length : 1,
    };
  }

  /** Does one step on `backend`; false once every image has run under every setting. */
  async step(backend: Backend): Promise<boolean> {
    if (this.finished) return false;
    if (!this.batch) {
      this.batch = await this.loadBatch();
      this.finished = this.batch === null;
      return !this.finished;
    }
    const b = this.batch;
    const i = b.settingsRun;
    if (i === 0) await this.runBaseline(backend, b);
    else {
      const { results, timing } = await backend.run(b.inputs, this.settings[i]);
      this.measure.add(i, results, timing, b.labels);
    }
    b.settingsRun++;
    if (b.settingsRun === this.settings.length || b.inputs.length === 0) this.drop();
    return true;
  }

  /** Frees the batch in hand (done, or the run is abandoned). */
  drop(): void {
    if (this.batch) for (const x of this.batch.inputs) this.loader.release?.(x);
    this.batch = null;
  }

  /** The next batch with at least one readable image, or null at the end. */
  private async loadBatch(): Promise<Batch | null> {
    const b: Batch = { inputs: [], labels: [], paths: [], settingsRun: 0 };
    while (b.inputs.length < this.batchSize && this.next < this.images.length) {
      const img = this.images[this.next++];
      try {
        b.inputs.push(await this.loader.load(img));
        b.labels.push(img.label);
        b.paths.push(img.path);
      } catch (e) {
        this.skip(img.path, e);
      }
    }
    return b.inputs.length ? b : null;
  }

  /** r = 0 on the batch. A backend can still refuse an image it was given (the GPU's texture
   * limits): then each runs alone, and the ones refused are skipped like unreadable files. */
  private async runBaseline(backend: Backend, b: Batch): Promise<void> {
    const r0 = this.settings[0];
    try {
      const { results, timing } = await backend.run(b.inputs, r0);
      this.measure.add(0, results, timing, b.labels);
      return;
    } catch (e) {
      if (b.inputs.length === 1) return this.skipInHand(b, 0, e);
    }
    for (let k = b.inputs.length - 1; k >= 0; k--) {
      try {
        await backend.run([b.inputs[k]], r0);
      } catch (e) {
        this.skipInHand(b, k, e);
      }
    }
    if (!b.inputs.length) return;
    const { results, timing } = await backend.run(b.inputs, r0);
    this.measure.add(0, results, timing, b.labels);
  }

  private skipInHand(b: Batch, k: number, e: unknown): void {
    this.loader.release?.(b.inputs[k]);
    const [path] = b.paths.splice(k, 1);
    b.inputs.splice(k, 1);
    b.labels.splice(k, 1);
    this.skip(path, e);
  }

  private skip(path: string, e: unknown): void {
    this.skippedCount++;
    this.onSkip(path, (e instanceof Error ? e.message : String(e)).split('\n')[0]);
  }
}
