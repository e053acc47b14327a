// "Measure on a folder": the user picks or drops a folder (or many files) and chooses the
// settings (r, the reduction, and the "Design choices" card's choices for every r > 0); one run
// in the worker measures every setting on every image, on the backend the page runs (or the CPU
// reference for a design choice that one lacks), and the table and the speed chart fill in as it goes. A finished measurement is kept in
// this browser (per model, folder and settings) and shown again on the next visit; "Measure
// again" redoes it. Owns the state's folder slice.
import { choicesConflict, type Schedule, type ToMeOptions } from '../../../core/tome';
import { settingsKey, settingsOf } from '../../../eval/settings';
import type { AppState } from '../app-state';
import { ui } from '../elements';
import type { FromWorker, ToWorker } from '../../protocol';
import { readChoices, readOptions } from '../tome-controls';
import { downloadFolderExport, folderExport, type ExportKind } from './folder-export';
import { folderFingerprint, fromDirectoryInput, fromDrop, fromFilesInput, type PickedFolder } from './folder-files';
import { showNotes, showProgress, showSkipped, showTable } from './folder-view';
import { findMeasurement, keepMeasurement, latestMeasurement, measurementKey, type StoredMeasurement } from './result-store';

type FolderMessage = Extract<FromWorker, { type: `folder-${string}` }>;

/** Images decoded per step: every setting runs on them before the next are read. Small, so the
 * slider waits for a few forwards at most (the page's backend runs one image per forward). */
const BATCH = 4;

function rList(input: HTMLInputElement, what: string): number[] {
  const parts = input.value.split(/[\s,]+/).filter(Boolean);
  return parts.map((p) => {
    if (!/^\d+$/.test(p)) throw new Error(`${what}: "${p}" is not a whole number of tokens (0 or more)`);
    return Number(p);
  });
}

export class FolderPanel {
  /** What the run in progress measures: the folder, and the key parts of its settings and labels. */
  private running: { picked: PickedFolder; modelSha256: string; settingsKey: string; labels: 'auto' | 'none' } | null = null;

  constructor(
    private readonly state: AppState,
    private readonly send: (m: ToWorker) => void,
    /** Redraws the speed chart (its folder series follows this panel's figures). */
    private readonly redrawChart: () => void,
  ) {
    ui.folderDir.addEventListener('change', () => this.take(fromDirectoryInput(ui.folderDir.files!), ui.folderDir));
    ui.folderFiles.addEventListener('change', () => this.take(fromFilesInput(ui.folderFiles.files!), ui.folderFiles));
    const card = ui.folderCard;
    card.addEventListener('dragover', (e) => {
      e.preventDefault();
      e.stopPropagation(); // a folder dropped here is not an image for the stage
      card.classList.add('dropping');
    });
    card.addEventListener('dragleave', () => card.classList.remove('dropping'));
    card.addEventListener('drop', (e) => {
      e.preventDefault();
      e.stopPropagation();
      card.classList.remove('dropping');
      if (e.dataTransfer) {
        fromDrop(e.dataTransfer).then(
          (f) => this.take(f),
          (err) => this.say(`Could not read what was dropped: ${(err as Error).message}`),
        );
      }
    });
    for (const el of [ui.folderRs, ui.folderDecRs, ui.folderMerge, ui.folderPrune, ui.folderLabels]) el.addEventListener('change', () => void this.lookUp());
    ui.folderStart.addEventListener('click', () => this.start());
    ui.folderCancel.addEventListener('click', () => this.send({ type: 'cancel-folder', folderId: this.state.folder.id }));
    for (const [button, kind] of [
      [ui.folderCsv, 'csv'],
      [ui.folderJson, 'json'],
      [ui.folderSvg, 'svg'],
      [ui.folderPng, 'png'],
    ] as const) {
      button.addEventListener('click', () => {
        const report = this.state.folder.report;
        if (report) downloadFolderExport(this.state, report, kind).catch((e: Error) => this.say(`Export failed: ${e.message}`));
      });
    }
  }

  /** The settings the controls ask for, at the current proportional-attention option and design
   * choices (as `tome eval --metric ...` takes them); throws a line saying what is wrong with them. */
  settings(): ToMeOptions[] {
    const modes = [...(ui.folderMerge.checked ? ['merge' as const] : []), ...(ui.folderPrune.checked ? ['prune' as const] : [])];
    if (!modes.length) throw new Error('Choose merge, prune or both');
    const points: Array<{ r: number; schedule: Schedule }> = [
      ...rList(ui.folderRs, 'r').map((r) => ({ r, schedule: 'constant' as const })),
      ...rList(ui.folderDecRs, 'decreasing r').map((r) => ({ r, schedule: 'decreasing' as const })),
    ];
    const choices = readChoices();
    for (const mode of modes) {
      const conflict = choicesConflict({ ...choices, mode });
      if (conflict) throw new Error(conflict);
    }
    return settingsOf(points, modes, readOptions().propAttn, [choices]);
  }

  private labelsChoice(): 'auto' | 'none' {
    return ui.folderLabels.checked ? 'auto' : 'none';
  }

  /** A new model: its controls start at the current reduction; its kept measurement is shown. */
  async modelReady(): Promise<void> {
    const f = this.state.folder;
    if (!f.report) {
      const mode = readOptions().mode;
      ui.folderMerge.checked = mode === 'merge';
      ui.folderPrune.checked = mode === 'prune';
    }
    f.rows = null;
    f.report = null;
    f.skipped = [];
    showNotes([]);
    this.render();
    const sha = this.state.modelSha256;
    const kept = f.picked ? await this.lookUp() : await latestMeasurement(sha);
    if (kept && !f.picked && sha === this.state.modelSha256) this.showKept(kept, 'your last folder');
  }

  private take(picked: PickedFolder | null, input?: HTMLInputElement): void {
    if (input) input.value = '';
    if (!picked) return this.say('Nothing to measure in what was picked.');
    const f = this.state.folder;
    f.picked = picked;
    f.fingerprint = '';
    const images = picked.files.filter((x) => /\.(jpe?g|png|webp)$/i.test(x.path)).length;
    ui.folderName.textContent = `${picked.name}: ${images} image file${images === 1 ? '' : 's'}${picked.files.length > images ? ` (and ${picked.files.length - images} other files)` : ''}`;
    void folderFingerprint(picked.files).then((fp) => {
      if (f.picked !== picked) return;
      f.fingerprint = fp;
      return this.lookUp();
    });
    this.render();
  }

  /** The kept measurement of this model, folder, settings and labels choice, shown if there is one. */
  private async lookUp(): Promise<StoredMeasurement | null> {
    const f = this.state.folder;
    this.render();
    if (!f.picked || !f.fingerprint || !this.state.modelSha256 || f.running) return null;
    let key: string;
    try {
      key = measurementKey(this.state.modelSha256, f.fingerprint, settingsKey(this.settings()), this.labelsChoice());
    } catch {
      return null;
    }
    const kept = await findMeasurement(key);
    if (kept && f.picked && !f.running) this.showKept(kept, f.picked.name);
    return kept;
  }

  private showKept(kept: StoredMeasurement, what: string): void {
    const f = this.state.folder;
    f.report = kept.report;
    f.stored = true;
    f.skipped = kept.skipped;
    f.message = `Kept from ${new Date(kept.savedAt).toLocaleString()}: ${what} (${kept.report.folder}, ${kept.report.images} images) on ${kept.report.backend}. Measure again to redo it.`;
    this.render();
    this.redrawChart();
  }

  private start(): void {
    const f = this.state.folder;
    if (!f.picked || f.running || !this.state.config || this.state.bench.running) return;
    let settings: ToMeOptions[];
    try {
      settings = this.settings();
    } catch (e) {
      return this.say((e as Error).message);
    }
    f.id++;
    this.running = { picked: f.picked, modelSha256: this.state.modelSha256, settingsKey: settingsKey(settings), labels: this.labelsChoice() };
    Object.assign(f, { running: true, rows: null, progress: null, skipped: [], startedAt: performance.now(), message: '' });
    showNotes([]);
    this.send({
      type: 'folder',
      folderId: f.id,
      request: { name: f.picked.name, files: f.picked.files, labels: this.labelsChoice(), settings, batch: BATCH },
    });
    this.render();
  }

  /** The worker's folder messages (older runs' are ignored). */
  answer(m: FolderMessage): void {
    const f = this.state.folder;
    if (m.folderId !== f.id || !f.running) return;
    if (m.type === 'folder-plan') {
      showNotes(m.plan.notes);
      return;
    }
    if (m.type === 'folder-progress') {
      f.progress = m.progress;
      f.rows = m.rows;
      f.skipped.push(...m.skipped);
    } else if (m.type === 'folder-done') {
      f.skipped.push(...m.skipped);
      Object.assign(f, { running: false, rows: null, progress: null, report: m.report, stored: false });
      const seconds = ((performance.now() - f.startedAt) / 1000).toFixed(0);
      f.message = `Measured ${m.report.images} images in ${seconds} s on ${m.report.backend}.`;
      if (this.running) void this.keep(this.running, m.report, f.skipped.slice());
      this.running = null;
    } else {
      // Stopped: the partial figures go; the last finished measurement (if any) shows again.
      Object.assign(f, { running: false, rows: null, progress: null, message: m.message });
      this.running = null;
    }
    this.render();
    this.redrawChart();
  }

  /** Keeps a finished measurement under its model, folder, settings and labels choice. */
  private async keep(run: NonNullable<FolderPanel['running']>, report: StoredMeasurement['report'], skipped: StoredMeasurement['skipped']): Promise<void> {
    const key = measurementKey(run.modelSha256, await folderFingerprint(run.picked.files), run.settingsKey, run.labels);
    const ok = await keepMeasurement({ key, modelSha256: run.modelSha256, report, skipped, savedAt: Date.now() });
    const f = this.state.folder;
    if (f.report === report) {
      f.message += ok ? ' Kept in this browser.' : ' Not kept (this browser refused the storage).';
      this.render();
    }
  }

  private say(line: string): void {
    this.state.folder.message = line;
    this.render();
  }

  /** Redraws the card from the state. */
  render(): void {
    const f = this.state.folder;
    // Not beside the speed measurement: each would slow the other's timings.
    ui.folderStart.disabled = !f.picked || f.running || !this.state.config || this.state.bench.running;
    ui.bench.disabled = f.running || this.state.bench.running;
    ui.folderStart.textContent = f.report && f.stored && f.picked ? 'Measure again' : 'Measure';
    ui.folderCancel.hidden = !f.running;
    ui.folderMessage.textContent = f.message;
    showProgress(f);
    showSkipped(f);
    showTable(f.rows ?? f.report?.results ?? null, readOptions());
  }

  /** The test hook's view: status and the exports as text or bytes. */
  hook(): object {
    const state = this.state;
    return {
      get status() {
        const f = state.folder;
        return {
          running: f.running,
          picked: f.picked ? { name: f.picked.name, files: f.picked.files.length } : null,
          progress: f.progress,
          rows: f.rows,
          report: f.report,
          stored: f.stored,
          skipped: f.skipped,
          message: f.message,
          notes: [...ui.folderNotes.children].map((li) => li.textContent),
        };
      },
      exportText: async (kind: Exclude<ExportKind, 'png'>) => (state.folder.report ? (await folderExport(state, state.folder.report, kind)).text() : null),
      exportPng: async () =>
        state.folder.report ? Array.from(new Uint8Array(await (await folderExport(state, state.folder.report, 'png')).arrayBuffer())) : null,
    };
  }
}
