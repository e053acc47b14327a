// The compare view: two settings side by side on the same image. Setting A is the page's own
// (the "Design choices" card and the ToMe settings), setting B has its own design choices and
// shares r, the schedule, the reduction and proportional attention with A, so the two differ
// by the choices alone and merge the same number of tokens. Each side shows its overlay of
// merged groups (after the scrubber's block, in the overlay style chosen under the image) and
// the results card's metrics and top-5 (metrics.ts), and where it ran when a design choice sent
// it to another backend. Owns the state's compare slice.
import { choicesName } from '../../eval/settings';
import type { AppState } from './app-state';
import { ChoicesForm } from './choices-form';
import { ui } from './elements';
import { analysisLayout } from './image-stage';
import { renderMetrics } from './metrics';
import { MergeOverlay, type VizStyle } from './overlay';
import type { Analysis, ToWorker } from '../protocol';
import { sharedOptions } from './tome-controls';

/** How a side names its setting: its design choices, or the official algorithm. */
const choicesTitle = (a: Analysis) => choicesName(a.opts) || 'official choices';

class CompareSide {
  private readonly overlay: MergeOverlay;
  private readonly table: HTMLTableElement;
  /** What the overlay holds, so a redraw on every slider move does not redo either. */
  private viewShown: AppState['view'] = null;
  private styleShown: VizStyle | null = null;

  /** Fills `root` from the one side template of index.html (both sides have the same parts). */
  constructor(
    readonly root: HTMLElement,
    private readonly name: string,
  ) {
    root.replaceChildren(document.querySelector<HTMLTemplateElement>('#compare-side')!.content.cloneNode(true));
    const canvas = root.querySelector('canvas')!;
    canvas.setAttribute('aria-label', `Setting ${name}: merged token groups`);
    root.querySelector('.setting')!.textContent = name;
    root.querySelector('.side-name')!.textContent = name;
    this.overlay = new MergeOverlay(canvas);
    this.table = root.querySelector('table')!;
  }

  show(a: Analysis | null, state: AppState, style: VizStyle): void {
    const { view: v, config: c } = state;
    const current = !!a && !!v && !!c && a.imageId === v.imageId;
    this.root.querySelector('.setting')!.textContent = current ? `${this.name}: ${choicesTitle(a)}` : this.name;
    this.root.querySelector('.route')!.textContent = current ? (a.route?.reason ?? '') : '';
    if (style !== this.styleShown) this.overlay.setStyle((this.styleShown = style));
    if (v && v !== this.viewShown) this.overlay.setView((this.viewShown = v));
    if (!current) {
      this.overlay.setGroups(null);
      this.table.tBodies[0].replaceChildren();
      this.root.querySelector('.top5')!.replaceChildren();
      return;
    }
    this.overlay.setGroups(analysisLayout(a, v, c, Math.min(state.layer, c.depth)));
    renderMetrics(this.table, this.root.querySelector('.top5')!, a, c, state.backend?.name ?? 'cpu');
  }
}

export class CompareView {
  private readonly form: ChoicesForm;
  private readonly sides: [CompareSide, CompareSide];

  constructor(
    private readonly state: AppState,
    private readonly send: (m: ToWorker) => void,
  ) {
    this.form = new ChoicesForm(ui.choicesB, 'b', () => this.request());
    this.sides = [new CompareSide(ui.compareA, 'A'), new CompareSide(ui.compareB, 'B')];
    ui.compareOn.addEventListener('change', () => {
      state.compare.on = ui.compareOn.checked;
      ui.compare.hidden = !state.compare.on;
      this.request();
      this.render();
    });
    for (const el of document.querySelectorAll<HTMLInputElement>('input[name="viz"]')) el.addEventListener('change', () => this.render());
    ui.layer.addEventListener('input', () => this.render());
  }

  /** Asks for setting B at the shared settings (superseding an older request), unless its
   * choices conflict: then its line says so and nothing is sent. */
  request(): void {
    const c = this.state.compare;
    if (!c.on) return;
    const shared = sharedOptions();
    if (this.form.check(shared.mode) || !this.state.config || !this.state.view) return this.render();
    c.requestId++;
    this.send({ type: 'analyze', slot: 'compare', requestId: c.requestId, opts: { ...shared, ...this.form.read() } });
    this.render();
  }

  /** Setting B's answer (an older request's is dropped). */
  answer(a: Analysis): void {
    if (a.requestId !== this.state.compare.requestId) return;
    this.state.compare.analysis = a;
    this.render();
  }

  /** Redraws both sides from the state (setting A is the page's analysis). */
  render(): void {
    const c = this.state.compare;
    if (!c.on) return;
    ui.compareB.dataset.busy = String(c.analysis?.requestId !== c.requestId);
    const style = document.querySelector<HTMLInputElement>('input[name="viz"]:checked')!.value as VizStyle;
    this.sides[0].show(this.state.analysis, this.state, style);
    this.sides[1].show(c.analysis, this.state, style);
  }

  /** The test hook's view: each side's setting and results, and the requests answered. */
  hook(): object {
    const state = this.state;
    const side = (a: Analysis | null) =>
      a && {
        requestId: a.requestId,
        opts: a.opts,
        top5: a.current.top5,
        groups: Array.from(a.current.groups),
        ms: a.currentTiming.ms,
        timingSource: a.currentTiming.source,
        route: a.route ?? null,
      };
    return {
      get status() {
        const c = state.compare;
        return { on: c.on, requestId: c.requestId, answeredId: c.analysis?.requestId ?? 0, a: side(state.analysis), b: side(c.analysis) };
      },
    };
  }
}
