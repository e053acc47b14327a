// The image stage: the overlay of merged groups over the image, its tooltip, the overlay-style
// and layer controls, the image's name and its error line. The tokens-per-block chart marks the
// layer shown here, so it is redrawn with the groups.
import { gridSize, isHeadless, type ModelConfig } from '../../model/config';
import type { AppState } from './app-state';
import { drawTokens } from './chart';
import { ui } from './elements';
import { groupsAfterLayer, layoutGroups, prunedAfterLayer, type GroupLayout } from './groups';
import { MergeOverlay, type VizStyle } from './overlay';
import type { Analysis, ModelView } from '../protocol';
import type { LiveFrame } from './video/live-frame';

/** The groups of analysis `a` after block `layer` (1-based) over the image it ran on: what the
 * stage and each side of the compare view draw. */
export function analysisLayout(a: Analysis, v: ModelView, c: ModelConfig, layer: number): GroupLayout {
  const layout = layoutGroups(
    groupsAfterLayer(a.current.tokenOfPatch, layer - 1),
    gridSize(c),
    v.rgba,
    v.size,
    prunedAfterLayer(a.current.tokenOfPatch, layer - 1),
  );
  // The colours of the tokens the patches ended in (after the last block, whatever layer the groups show).
  if (a.featureColours) layout.featureColour = a.featureColours;
  return layout;
}

/** Says what went wrong with an image or a request; the image and result shown stay. */
export function showImageError(message: string): void {
  ui.imageError.textContent = message;
  ui.imageError.hidden = false;
}

export class ImageStage {
  private readonly overlay = new MergeOverlay(ui.canvas);

  constructor(private readonly state: AppState) {
    for (const el of document.querySelectorAll<HTMLInputElement>('input[name="viz"]')) {
      el.addEventListener('change', () => {
        this.overlay.setStyle(el.value as VizStyle);
        ui.heatLegend.hidden = el.value !== 'heat';
      });
    }
    ui.layer.addEventListener('input', () => {
      state.layer = Number(ui.layer.value);
      state.followLast = state.layer === Number(ui.layer.max);
      this.showGroups();
    });
    this.overlay.onHover = (h) => {
      if (!h) {
        ui.tooltip.hidden = true;
        return;
      }
      ui.tooltip.hidden = false;
      ui.tooltip.textContent = h.pruned ? 'pruned patch (its token was dropped)' : h.size === 1 ? 'unmerged patch' : `group of ${h.size} patches → 1 token`;
      const w = ui.stage.clientWidth;
      ui.tooltip.style.left = `${Math.min(h.x + 12, w - 170)}px`;
      ui.tooltip.style.top = `${Math.min(h.y + 14, ui.stage.clientHeight - 30)}px`;
    };
  }

  /** A new model: the scrubber spans its blocks (and stays on the last unless moved), and the
   * "Feature colours" style is offered for a model without a head only (a classifier that
   * replaces one falls back to the mean colour). */
  setModel(config: ModelConfig): void {
    ui.layer.max = String(config.depth);
    if (this.state.followLast) this.state.layer = config.depth;
    ui.layer.value = String(this.state.layer);
    const featureStyle = document.querySelector<HTMLInputElement>('input[name="viz"][value="features"]')!;
    ui.vizFeatures.hidden = !isHeadless(config);
    if (!isHeadless(config) && featureStyle.checked) {
      document.querySelector<HTMLInputElement>('input[name="viz"][value="fill"]')!.checked = true;
      this.overlay.setStyle('fill');
    }
  }

  /** A newly decoded image, with no groups until its analysis arrives. */
  showView(v: ModelView): void {
    ui.imageError.hidden = true;
    this.overlay.setGroups(null);
    this.overlay.setView(v);
    const down = v.downscaledFrom ? `, reduced from ${v.downscaledFrom.width}×${v.downscaledFrom.height}` : '';
    ui.imageName.textContent = `${v.name} · ${v.width}×${v.height}${down}`;
    ui.imageName.title = ui.imageName.textContent;
  }

  /** A processed video frame and its groups (camera or video file). */
  showFrame(f: LiveFrame): void {
    this.overlay.setView(f.view);
    this.showGroups();
  }

  /** The groups after the scrubber's layer, when the analysis shown is of the image shown (or,
   * playing a camera or video, of the newest processed frame). */
  showGroups(): void {
    if (this.state.source !== 'image') return this.showFrameGroups();
    const { analysis: a, view: v, config: c } = this.state;
    if (!a || !v || !c || a.imageId !== v.imageId) return this.overlay.setGroups(null);
    const layer = Math.min(this.state.layer, c.depth);
    ui.layerOut.value = String(layer);
    const layout = analysisLayout(a, v, c, layer);
    this.overlay.setGroups(layout);
    ui.heatMax.textContent = String(layout.largest); // the heat map's log scale tops out here
    ui.canvas.dataset.layer = String(layer);
    drawTokens(ui.tokens, a.baseline.tokens, a.current.tokens, layer);
  }

  private showFrameGroups(): void {
    const { live: f, config: c } = this.state;
    if (!f || !c || f.view.grid !== gridSize(c)) return this.overlay.setGroups(null);
    const layer = Math.min(this.state.layer, c.depth);
    ui.layerOut.value = String(layer);
    const groups = groupsAfterLayer(f.result.tokenOfPatch, layer - 1);
    const layout = layoutGroups(groups, f.view.grid, f.view.thumb, f.view.grid, prunedAfterLayer(f.result.tokenOfPatch, layer - 1));
    this.overlay.setGroups(layout);
    ui.heatMax.textContent = String(layout.largest);
    ui.canvas.dataset.layer = String(layer);
  }

  /** The overlay rendered at `side` device pixels (for the PNG export). */
  snapshot(side: number): HTMLCanvasElement {
    return this.overlay.snapshot(side);
  }
}
