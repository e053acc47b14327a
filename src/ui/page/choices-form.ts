// One setting's design choices (ToMe's paper ablations, DesignChoices in src/core/tome.ts) as a
// form: a select per option with the official value first and marked, the random split's seed,
// and the one line against a combination that means nothing (choicesConflict), which is then
// not sent. The options come from CHOICE_VALUES, so a value is spelled in one place.
import { CHOICE_VALUES, choicesConflict, OFFICIAL_CHOICES, type DesignChoices, type MergeMode } from '../../core/tome';

type ChoiceKey = keyof typeof CHOICE_VALUES;

const TITLES: Record<ChoiceKey, string> = { metric: 'Metric', distance: 'Distance', split: 'Split', matching: 'Matching', weighting: 'Weighting' };

/** Each value in words, as the paper names it. */
const WORDS: Record<string, string> = {
  k: 'keys',
  x: 'token itself',
  q: 'queries',
  v: 'values',
  cosine: 'cosine',
  dot: 'dot product',
  euclidean: 'euclidean',
  alternate: 'alternate',
  sequential: 'sequential halves',
  random: 'random',
  bipartite: 'bipartite',
  greedy: 'greedy',
  kmeans: 'k-means (5 iter.)',
  size: 'size-weighted',
  mean: 'plain mean',
  keep: 'keep destination',
  max: 'max-pool',
};

export class ChoicesForm {
  private readonly selects = new Map<ChoiceKey, HTMLSelectElement>();
  private readonly seed: HTMLInputElement;
  private readonly seedLabel: HTMLLabelElement;
  private readonly conflictLine: HTMLElement;

  /** Builds the form into `root`; `id` prefixes its elements' ids (choice-<id>-metric, ...). */
  constructor(root: HTMLElement, id: string, onChange: () => void) {
    const grid = document.createElement('div');
    grid.className = 'choices-grid';
    for (const key of Object.keys(CHOICE_VALUES) as ChoiceKey[]) {
      const label = document.createElement('label');
      const select = document.createElement('select');
      select.id = `choice-${id}-${key}`;
      for (const value of CHOICE_VALUES[key]) {
        const official = value === OFFICIAL_CHOICES[key];
        select.add(new Option(`${WORDS[value]}${official ? ' (official)' : ''}`, value, official, official));
      }
      select.addEventListener('change', () => {
        this.sync();
        onChange();
      });
      label.append(TITLES[key], select);
      grid.append(label);
      this.selects.set(key, select);
    }
    this.seedLabel = document.createElement('label');
    this.seed = document.createElement('input');
    this.seed.id = `choice-${id}-seed`;
    this.seed.type = 'number';
    this.seed.min = '0';
    this.seed.step = '1';
    this.seed.value = String(OFFICIAL_CHOICES.seed);
    this.seed.addEventListener('change', onChange);
    this.seedLabel.append('Seed', this.seed);
    grid.append(this.seedLabel);
    this.conflictLine = document.createElement('div');
    this.conflictLine.className = 'error inline choices-conflict';
    this.conflictLine.setAttribute('role', 'alert');
    this.conflictLine.hidden = true;
    root.append(grid, this.conflictLine);
    this.sync();
  }

  /** The choices that differ from the official algorithm ({} is the official one), so a setting
   * with none is the same ToMeOptions as before the choices existed. */
  read(): Partial<DesignChoices> {
    const out: Partial<DesignChoices> = {};
    for (const [key, select] of this.selects) if (select.value !== OFFICIAL_CHOICES[key]) Object.assign(out, { [key]: select.value });
    if (out.split === 'random') out.seed = Number(this.seed.value);
    return out;
  }

  /** The line against these choices under `mode` (shown under the form), or null when they can run. */
  check(mode: MergeMode): string | null {
    const problem = choicesConflict({ ...this.read(), mode });
    this.conflictLine.textContent = problem ?? '';
    this.conflictLine.hidden = !problem;
    return problem;
  }

  /** The seed only means something with the random split. */
  private sync(): void {
    this.seedLabel.hidden = this.selects.get('split')!.value !== 'random';
    for (const [key, select] of this.selects) select.classList.toggle('unofficial', select.value !== OFFICIAL_CHOICES[key]);
  }
}
