// Save PNG and Copy: the overlay at the export size with a caption of what produced it (model,
// settings, prediction, tokens, timing and backend), so a saved picture stands on its own.
import type { AppState } from './app-state';
import { ui } from './elements';
import { showImageError, type ImageStage } from './image-stage';
import { settingsLine, speedLine } from './caption';
import { composePng, copyPng, downloadBlob, EXPORT_SIDE, type Caption } from './screenshot';
import { readOptions } from './tome-controls';
import type { LiveFrame } from './video/live-frame';

export class PngExport {
  constructor(
    private readonly state: AppState,
    private readonly stage: ImageStage,
    /** The caption of a camera or video frame (the video mode's). */
    private readonly frameCaption: (f: LiveFrame) => Caption,
  ) {
    ui.savePng.addEventListener('click', () => {
      this.render().then(
        (b) => downloadBlob(b, `tome-${state.modelId}-r${readOptions().r}.png`),
        (e) => showImageError((e as Error).message),
      );
    });
    ui.copyPng.addEventListener('click', () => {
      this.render()
        .then(copyPng)
        .then(
          (ok) => {
            ui.copyPng.textContent = ok ? 'Copied' : 'Copy not allowed';
            setTimeout(() => (ui.copyPng.textContent = 'Copy'), 1500);
          },
          (e) => showImageError((e as Error).message),
        );
    });
  }

  /** The PNG of the current result (what Save PNG downloads). */
  async render(): Promise<Blob> {
    const live = this.state.source !== 'image' ? this.state.live : null;
    if (live) return composePng(this.stage.snapshot(EXPORT_SIDE), this.frameCaption(live));
    const { analysis: a, config: c, view, backend, layer } = this.state;
    if (!a || !c) throw new Error('nothing to export yet');
    const top = a.current.top5[0];
    const snap = this.stage.snapshot(EXPORT_SIDE);
    return composePng(snap, {
      title: `${c.labels[top.index]} (${(top.prob * 100).toFixed(1)}%) · ${view?.name ?? ''}`,
      lines: [settingsLine(c, a.opts, layer), speedLine(c, a.current, a.currentTiming, backend)],
    });
  }
}
